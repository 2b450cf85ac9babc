"""The lenient readers of the panel's answers, from decoded JSON to the models.

Panels send numbers as text or as numbers, ids as text, flags as true/1/"1", statuses
in any spelling, and errors inside batch answers. Every reader takes what a panel may
send and returns the model, None where the answer is not what was asked, or a RowError
where the panel reported an error in place of the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from functools import partial
import logging
import re
import sys
from typing import Final

from .exceptions import SmmPanelInvalidResponseError
from .models import (
    Balance,
    OrderState,
    OrderStatus,
    PanelService,
    RefillState,
    RefillStatus,
    RowError,
)
from .service_types import ServiceType
from .wordings import ErrorReason, classify_error

_LOGGER = logging.getLogger(__name__)

# Numbers further from 1 than this are garbage, not money or counts.
_MAX_MAGNITUDE = 24
_MAX_INT: Final = 2**63 - 1
_MIN_INT: Final = -(2**63)
_FLAGS: Final = {"1": True, "true": True, "0": False, "false": False}
# Keys that may accompany `error` without making the answer more than an error.
_ERROR_COMPANIONS: Final = frozenset({"error", "status", "success", "code", "message"})


def _compact(text: str) -> str:
    """Return text lowercased with everything but letters and digits removed."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


_ORDER_STATUSES: Final = {_compact(status): status for status in OrderStatus} | {
    "cancelled": OrderStatus.CANCELED
}
_REFILL_STATUSES: Final = {_compact(status): status for status in RefillStatus} | {
    "awaiting": RefillStatus.PENDING,
    "processed": RefillStatus.COMPLETED,
    "failed": RefillStatus.ERROR,
}
_SERVICE_TYPES: Final = {_compact(kind): kind for kind in ServiceType}


def _text(value: object) -> str | None:
    """Return a JSON string or number as text."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _label(value: object) -> str | None:
    """Return a JSON string or number as text, one copy of each text for all orders.

    Statuses and currencies repeat in the answer about every order: thousands of
    tracked orders keep a few strings between them rather than one each.
    """
    text = _text(value)
    return None if text is None else sys.intern(text)


def _decimal(value: object) -> Decimal | None:
    """Return a JSON number or numeric string as a Decimal of sane magnitude."""
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except InvalidOperation:
            return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    number = Decimal(value)
    if not number.is_finite() or abs(number.adjusted()) > _MAX_MAGNITUDE:
        return None
    return number


def _int(value: object) -> int | None:
    """Return a JSON number or numeric string holding a whole number as int.

    Ids and counts past 64 bits are garbage, and Home Assistant's storage could not
    write them.
    """
    number = _decimal(value)
    if (
        number is None
        or number != number.to_integral_value()
        or not _MIN_INT <= number <= _MAX_INT
    ):
        return None
    return int(number)


def _flag(value: object) -> bool | None:
    """Return a JSON flag (true/false, 1/0, "1"/"0") as bool."""
    if isinstance(value, bool):
        return value
    text = _text(value)
    return None if text is None else _FLAGS.get(text.lower())


def error_message(
    value: object, companions: frozenset[str] = _ERROR_COMPANIONS
) -> str | None:
    """Return the panel's message if `error` is the only meaningful key of value."""
    if not isinstance(value, dict) or not (error := value.get("error")):
        return None
    if not value.keys() <= companions:
        return None
    if isinstance(error, str):
        return error.strip()
    message = value.get("message")
    return message.strip() if isinstance(message, str) else str(error)


def _nested_error_message(row: object) -> str | None:
    """Return the error of a row that is a bare string or holds an error object."""
    if isinstance(row, str):
        return row.strip()
    if isinstance(row, dict):
        return next(filter(None, map(error_message, row.values())), None)
    return None


def parse_row[T](
    parse: Callable[[object], T | None],
    row: object,
    companions: frozenset[str] = _ERROR_COMPANIONS,
) -> T | RowError:
    """Parse an answer or a batch row into its value or the error reported in it."""
    if (message := error_message(row, companions)) is None:
        if (value := parse(row)) is not None:
            return value
        if (message := _nested_error_message(row)) is None:
            raise SmmPanelInvalidResponseError("The panel answered an unexpected shape")
    return RowError(message=message, reason=classify_error(message))


def _rows_by_id(data: object, id_key: str) -> dict[int, object]:
    """Index a batch answer, an object keyed by id or a list of rows, by id."""
    if isinstance(data, dict):
        keyed_rows = list(data.items())
    elif isinstance(data, list):
        keyed_rows = [(row.get(id_key), row) for row in data if isinstance(row, dict)]
    else:
        raise SmmPanelInvalidResponseError(
            "The batch answer is not an object or a list"
        )
    return {
        item_id: row for key, row in keyed_rows if (item_id := _int(key)) is not None
    }


def parse_batch[T](
    item_ids: Sequence[int],
    id_key: str,
    parse: Callable[[int, object], T | None],
    data: object,
) -> dict[int, T | RowError]:
    """Parse a batch answer into one result per requested id."""
    rows = _rows_by_id(data, id_key)
    if rows.keys().isdisjoint(item_ids):
        raise SmmPanelInvalidResponseError("The batch answer has none of the ids asked")
    companions = _ERROR_COMPANIONS | {id_key}
    results: dict[int, T | RowError] = {}
    for item_id in item_ids:
        if (row := rows.get(item_id)) is None:
            results[item_id] = RowError(
                message="The panel's answer has no row for this id",
                reason=ErrorReason.OTHER,
            )
            continue
        try:
            results[item_id] = parse_row(partial(parse, item_id), row, companions)
        except SmmPanelInvalidResponseError as err:
            results[item_id] = RowError(message=str(err), reason=ErrorReason.OTHER)
    return results


def parse_balance(data: object) -> Balance | None:
    """Parse the answer to `balance`."""
    if not isinstance(data, dict) or (amount := _decimal(data.get("balance"))) is None:
        return None
    return Balance(amount=amount, currency=_text(data.get("currency")) or "")


def _parse_service(row: object) -> PanelService | None:
    """Parse one catalogue entry, or return None if it is malformed."""
    if not isinstance(row, dict):
        return None
    service_id = _int(row.get("service"))
    rate = _decimal(row.get("rate"))
    min_quantity = _int(row.get("min"))
    max_quantity = _int(row.get("max"))
    if (
        service_id is None
        or rate is None
        or min_quantity is None
        or max_quantity is None
    ):
        return None
    raw_type = _text(row.get("type")) or ""
    return PanelService(
        service_id=service_id,
        name=_text(row.get("name")) or "",
        type=_SERVICE_TYPES.get(_compact(raw_type), ServiceType.UNKNOWN),
        raw_type=raw_type,
        category=_text(row.get("category")) or "",
        rate=rate,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
        refill=_flag(row.get("refill")) or False,
        cancel=_flag(row.get("cancel")) or False,
        dripfeed=_flag(row.get("dripfeed")) or False,
        description=_text(row.get("desc")) or _text(row.get("description")) or None,
    )


def parse_services(data: object) -> list[PanelService]:
    """Parse the catalogue, skipping malformed entries."""
    if isinstance(data, dict) and data.get("data") == "Empty Data":
        return []
    if not isinstance(data, list):
        raise SmmPanelInvalidResponseError("The service catalogue is not a list")
    services = [service for row in data if (service := _parse_service(row))]
    if skipped := len(data) - len(services):
        _LOGGER.debug("Skipped %d malformed services in the catalogue", skipped)
    return services


def parse_order_id(data: object) -> int | None:
    """Parse the answer to `add`."""
    return _int(data.get("order")) if isinstance(data, dict) else None


def parse_order_state(order_id: int, row: object) -> OrderState | None:
    """Parse the status of one order."""
    if not isinstance(row, dict) or (raw_status := _label(row.get("status"))) is None:
        return None
    return OrderState(
        order_id=order_id,
        status=_ORDER_STATUSES.get(_compact(raw_status), OrderStatus.UNKNOWN),
        raw_status=raw_status,
        charge=_decimal(row.get("charge")),
        start_count=_int(row.get("start_count")),
        remains=_int(row.get("remains")),
        currency=_label(row.get("currency")) or None,
    )


def _field_or_value(row: object, key: str) -> object:
    """Return a row's field, or the row itself where it is a bare value."""
    return row.get(key) if isinstance(row, dict) else row


def parse_refill_id(row: object) -> int | None:
    """Parse the refill id of a `refill` answer or row."""
    return _int(_field_or_value(row, "refill"))


def parse_refill_state(refill_id: int, row: object) -> RefillState | None:
    """Parse the status of one refill."""
    if not isinstance(row, dict) or (raw_status := _label(row.get("status"))) is None:
        return None
    return RefillState(
        refill_id=refill_id,
        status=_REFILL_STATUSES.get(_compact(raw_status), RefillStatus.UNKNOWN),
        raw_status=raw_status,
    )


def parse_cancel(row: object) -> bool | None:
    """Parse whether the panel accepted to cancel one order."""
    return _flag(_field_or_value(row, "cancel"))
