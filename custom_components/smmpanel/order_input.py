"""What actions read from a call: whole numbers, order ids and the `add` fields.

Each `add` field is read and cleaned as the protocol's table (`api.ORDER_FIELDS`)
says it holds: a whole number with its minimum, a list of lines, one line, a link
or a date. The action's schema and `new_order` both follow that table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Final
import unicodedata

from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import probatio

from .action_errors import validation_error
from .api import DATE_FORMAT, ORDER_FIELDS, FieldKind, NewOrder, OrderField

MAX_LINK_LENGTH: Final = 2048
MAX_ORDER_IDS: Final = 1000


def whole_number(minimum: int | None) -> Callable[[Any], int]:
    """Return a validator for a whole number of at least `minimum`, if one is given.

    Unlike probatio.Coerce(int) it refuses 1.5 instead of silently ordering 1.
    """

    def validate(value: Any) -> int:
        if isinstance(value, bool):
            raise probatio.Invalid("expected a whole number")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str) and value.strip().lstrip("+-").isdecimal():
            value = int(value.strip())
        if not isinstance(value, int):
            raise probatio.Invalid("expected a whole number")
        if minimum is not None and value < minimum:
            raise probatio.Invalid(f"must be at least {minimum}")
        return value

    return validate


# A list, or text that is split later. Numbers become text here.
TEXT_OR_LIST: Final = probatio.Any([cv.string], cv.string)

_TEXT_VALIDATORS: Final[Mapping[FieldKind, Callable[[Any], Any]]] = {
    FieldKind.LINES: TEXT_OR_LIST,
    FieldKind.LINE: cv.string,
    FieldKind.LINK: cv.string,
    FieldKind.DATE: probatio.Any(cv.date, cv.string),
}

# The schema of the `add` fields, all optional: the service's type says which it needs.
ORDER_FIELDS_SCHEMA: Final = {
    probatio.Optional(field): (
        whole_number(spec.minimum)
        if spec.kind is FieldKind.WHOLE_NUMBER
        else _TEXT_VALIDATORS[spec.kind]
    )
    for field, spec in ORDER_FIELDS.items()
}


def parse_order_ids(value: str | list[str]) -> list[int]:
    """Return the order ids of a list, or of comma-separated ids."""
    items = value if isinstance(value, list) else value.split(",")
    order_ids: list[int] = []
    for item in items:
        text = item.strip()
        if not text and not isinstance(value, list):
            continue  # "1, 2," has an empty last item
        if not text.isdecimal() or int(text) < 1:
            raise validation_error("invalid_order_ids", value=value)
        order_ids.append(int(text))
    if not order_ids:
        raise validation_error("invalid_order_ids", value=value)
    return order_ids


def distinct_order_ids(order_ids: list[int]) -> list[int]:
    """Return the distinct orders of a call, in their order; refuse too many."""
    distinct = list(dict.fromkeys(order_ids))
    if len(distinct) > MAX_ORDER_IDS:
        raise validation_error(
            "too_many_orders", count=len(distinct), max=MAX_ORDER_IDS
        )
    return distinct


# Control characters, and the Unicode line and paragraph separators.
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Zl", "Zp"})


def _has_control_characters(text: str, allowed: str = "") -> bool:
    return any(
        unicodedata.category(char) in _FORBIDDEN_CATEGORIES and char not in allowed
        for char in text
    )


def _clean_number(_field: OrderField, value: int) -> int:
    return value


def _clean_lines(field: OrderField, value: str | list[str]) -> str:
    """Return a list field as non-empty lines joined by newlines."""
    text = "\n".join(value) if isinstance(value, list) else value
    if _has_control_characters(text, allowed="\r\n"):
        raise validation_error("invalid_text", field=field)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _clean_line(field: OrderField, value: str) -> str:
    if _has_control_characters(value):
        raise validation_error("invalid_text", field=field)
    return value.strip()


def _clean_link(_field: OrderField, value: str) -> str:
    link = value.strip()
    if (
        len(link) > MAX_LINK_LENGTH
        or any(char.isspace() for char in link)
        or any(unicodedata.category(char) in ("Cc", "Cf") for char in link)
    ):
        raise validation_error("invalid_link", max=MAX_LINK_LENGTH)
    return link


def _clean_date(_field: OrderField, value: date | str) -> str:
    """Return a date as the panel reads it; it must not be in the past."""
    if isinstance(value, date):
        expiry = value
    else:
        try:
            expiry = datetime.strptime(value.strip(), DATE_FORMAT).date()
        except ValueError:
            raise validation_error("invalid_expiry", expiry=value) from None
    if expiry < dt_util.now().date():
        raise validation_error("expiry_in_past", expiry=expiry.strftime(DATE_FORMAT))
    return expiry.strftime(DATE_FORMAT)


_CLEANERS: Final[Mapping[FieldKind, Callable[[OrderField, Any], int | str]]] = {
    FieldKind.WHOLE_NUMBER: _clean_number,
    FieldKind.LINES: _clean_lines,
    FieldKind.LINE: _clean_line,
    FieldKind.LINK: _clean_link,
    FieldKind.DATE: _clean_date,
}


def new_order(service_id: int, data: Mapping[str, Any]) -> NewOrder:
    """Return the order a call asks for, its text cleaned; empty text is not given.

    The fields are cleaned in the order of OrderField, so the first bad one is told.
    """
    values: dict[str, Any] = {}
    for field in OrderField:
        if field in data:
            value = _CLEANERS[ORDER_FIELDS[field].kind](field, data[field])
            if value != "":
                values[str(field)] = value
    return NewOrder(service=service_id, **values)
