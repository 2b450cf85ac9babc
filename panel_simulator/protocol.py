"""The API actions: from a request's form fields to the panel's answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from . import answers, errors
from .answers import Reply, RowError
from .dialects import Dialect, Quirk
from .errors import ErrorKind, PanelError
from .order_form import parse_order_form
from .panel import Panel

MAX_IDS_PER_REQUEST = 100


def answer(panel: Panel, form: Mapping[str, str]) -> Reply:
    """Answer one API request the way the panel's dialect does."""
    action = form.get("action", "")
    try:
        return _dispatch(panel, action, form)
    except PanelError as error:
        return reject(panel.dialect, error, action)


def reject(dialect: Dialect, error: PanelError, action: str = "") -> Reply:
    """Return the whole-call error answer for an error, in the dialect's words."""
    if action == "add" and Quirk.UNTRANSLATED_ERRORS in dialect:
        message = error.untranslated
    else:
        message = dialect.word(error)
    return answers.error_reply(dialect, message, error.kind)


def _dispatch(panel: Panel, action: str, form: Mapping[str, str]) -> Reply:
    if not panel.accepts_key(form.get("key", "")):
        raise PanelError(errors.INVALID_API_KEY, ErrorKind.INVALID_KEY)
    handler = _ACTIONS.get(action)
    if handler is None or action in panel.dialect.unsupported_actions:
        raise PanelError(errors.INCORRECT_ACTION)
    return handler(
        panel,
        {name: value for name, value in form.items() if name not in {"key", "action"}},
    )


def _balance(panel: Panel, fields: Mapping[str, str]) -> Reply:
    _expect(fields)
    return Reply(answers.balance(panel.dialect, panel.balance, panel.currency))


def _services(panel: Panel, fields: Mapping[str, str]) -> Reply:
    _expect(fields)
    return Reply(answers.services(panel.dialect, panel.services.values()))


def _add(panel: Panel, fields: Mapping[str, str]) -> Reply:
    order = panel.place_order(parse_order_form(panel.services, fields))
    return answers.added(panel.dialect, order.order_id)


def _status(panel: Panel, fields: Mapping[str, str]) -> Reply:
    now = panel.clock.now()
    if "orders" in fields:
        rows = _batch_rows(
            panel.dialect,
            fields,
            "orders",
            lambda order_id: answers.order_status(
                panel.dialect, panel.find_order(order_id), now, panel.currency
            ),
            not_found=errors.INCORRECT_ORDER_ID,
            missing=errors.ORDER_ID_REQUIRED,
        )
        return Reply(answers.order_statuses(panel.dialect, rows))
    _expect(fields, "order")
    order = panel.find_order(_single_id(fields, "order", errors.INCORRECT_ORDER_ID))
    return Reply(answers.order_status(panel.dialect, order, now, panel.currency))


def _refill(panel: Panel, fields: Mapping[str, str]) -> Reply:
    if "orders" in fields:
        rows = _batch_rows(
            panel.dialect,
            fields,
            "orders",
            lambda order_id: panel.request_refill(order_id).refill_id,
            not_found=errors.INCORRECT_ORDER_ID,
            missing=errors.ORDER_ID_REQUIRED,
        )
        return Reply(answers.refills(panel.dialect, rows))
    _expect(fields, "order")
    refill = panel.request_refill(
        _single_id(fields, "order", errors.INCORRECT_ORDER_ID)
    )
    return Reply(answers.refilled(panel.dialect, refill.refill_id))


def _refill_status(panel: Panel, fields: Mapping[str, str]) -> Reply:
    if "refills" in fields:
        rows = _batch_rows(
            panel.dialect,
            fields,
            "refills",
            lambda refill_id: panel.find_refill(refill_id).status,
            not_found=errors.REFILL_NOT_FOUND,
            missing=errors.INCORRECT_REQUEST,
        )
        return Reply(answers.refill_statuses(panel.dialect, rows))
    _expect(fields, "refill")
    refill = panel.find_refill(_single_id(fields, "refill", errors.REFILL_NOT_FOUND))
    return Reply(answers.refill_status(panel.dialect, refill.status))


def _cancel(panel: Panel, fields: Mapping[str, str]) -> Reply:
    if "orders" in fields:
        rows = _batch_rows(
            panel.dialect,
            fields,
            "orders",
            panel.request_cancel,
            not_found=errors.INCORRECT_ORDER_ID,
            missing=errors.ORDER_ID_REQUIRED,
        )
        return Reply(answers.cancels(panel.dialect, rows))
    _expect(fields, "order")
    panel.request_cancel(_single_id(fields, "order", errors.INCORRECT_ORDER_ID))
    return Reply({"cancel": 1})


def _batch_rows[T](
    dialect: Dialect,
    fields: Mapping[str, str],
    name: str,
    operation: Callable[[int], T],
    *,
    not_found: str,
    missing: str,
) -> dict[str, T | RowError]:
    """Run an operation on each id of a batch parameter; errors become rows."""
    _expect(fields, name)
    return {
        key: _row(dialect, operation, key, not_found)
        for key in _batch(fields[name], missing)
    }


def _row[T](
    dialect: Dialect, operation: Callable[[int], T], key: str, not_found: str
) -> T | RowError:
    """Run an operation on one id of a batch; its error becomes the row."""
    if not key.isdecimal():
        return RowError(dialect.word(PanelError(not_found, ErrorKind.NOT_FOUND)))
    try:
        return operation(int(key))
    except PanelError as error:
        return RowError(dialect.word(error))


def _expect(fields: Mapping[str, str], *names: str) -> None:
    """Refuse parameters the action does not take, and a missing order id."""
    if not fields.keys() <= set(names):
        raise PanelError(errors.INCORRECT_REQUEST)
    if "order" in names and not fields.get("order", "").strip():
        raise PanelError(errors.ORDER_ID_REQUIRED)


def _batch(text: str, missing: str) -> list[str]:
    """Split a comma-separated id list, dropping blanks and repeats."""
    keys = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not keys:
        raise PanelError(missing)
    if len(keys) > MAX_IDS_PER_REQUEST:
        raise PanelError(errors.INCORRECT_REQUEST)
    return keys


def _single_id(fields: Mapping[str, str], name: str, not_found: str) -> int:
    text = fields.get(name, "").strip()
    if not text.isdecimal():
        raise PanelError(not_found, ErrorKind.NOT_FOUND)
    return int(text)


_ACTIONS: dict[str, Callable[[Panel, Mapping[str, str]], Reply]] = {
    "balance": _balance,
    "services": _services,
    "add": _add,
    "status": _status,
    "refill": _refill,
    "refill_status": _refill_status,
    "cancel": _cancel,
}
