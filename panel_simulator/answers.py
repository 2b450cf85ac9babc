"""The JSON bodies the panel answers, shaped by its dialect."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .catalogue import Service
from .dialects import Dialect, Quirk
from .errors import ErrorKind
from .orders import Order, OrderStatus, RefillStatus

type Json = dict[str, Json] | list[Json] | str | int | float | bool | None

CANCEL_REQUESTED = "Cancellation Requested"
REFILL_ACCEPTED = "Your order will be refill asap. Thank you for patience"
EMPTY_DATA: Json = {"status": "success", "data": "Empty Data"}
_MONEY_PLACES = Decimal("0.00001")
_ERROR_STATUS = {
    ErrorKind.INVALID_KEY: 401,
    ErrorKind.NOT_ENOUGH_FUNDS: 402,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.INVALID: 422,
}


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer: its JSON body and HTTP status."""

    body: Json
    status: int = 200


@dataclass(frozen=True, slots=True)
class RowError:
    """The error of one id inside a batch answer."""

    message: str


def error_reply(dialect: Dialect, message: str, kind: ErrorKind) -> Reply:
    """Return a whole-call error."""
    status = _ERROR_STATUS[kind] if Quirk.HTTP_CODES in dialect else 200
    return Reply({"error": message}, status)


def money(dialect: Dialect, value: Decimal) -> Json:
    """Return an amount: a string with at least five decimals, or a number."""
    if Quirk.NUMBERS in dialect:
        return float(value)
    exponent = value.as_tuple().exponent
    exact = isinstance(exponent, int) and exponent < -5
    return str(value if exact else value.quantize(_MONEY_PLACES))


def count(dialect: Dialect, value: int) -> Json:
    """Return a count or limit: a string, or a number."""
    return value if Quirk.NUMBERS in dialect else str(value)


def balance(dialect: Dialect, amount: Decimal, currency: str) -> Json:
    """Return the `balance` answer."""
    answer: dict[str, Json] = (
        {"status": "success"} if Quirk.STATUS_SUCCESS_BALANCE in dialect else {}
    )
    value = float(amount) if Quirk.FLOAT_BALANCE in dialect else money(dialect, amount)
    return answer | {"balance": value, "currency": currency}


def services(dialect: Dialect, catalogue: Iterable[Service]) -> Json:
    """Return the `services` answer."""
    rows: list[Json] = [service_row(dialect, service) for service in catalogue]
    if not rows and Quirk.EMPTY_CATALOGUE in dialect:
        return EMPTY_DATA
    return rows


def unreadable_services(dialect: Dialect, catalogue: Iterable[Service]) -> Json:
    """Return the `services` answer with no row a client can read: no rate in any."""
    return [service_row(dialect, service) | {"rate": None} for service in catalogue]


def service_row(dialect: Dialect, service: Service) -> dict[str, Json]:
    """Return one service as the `services` answer lists it."""
    service_type = str(service.type)
    if Quirk.SNAKE_CASE_TYPES in dialect:
        service_type = service_type.lower().replace(" ", "_")
    elif Quirk.LOWERCASE_VALUES in dialect:
        service_type = service_type.lower()
    rate: Json = float(service.rate) if Quirk.NUMBERS in dialect else str(service.rate)
    row: dict[str, Json] = {
        "service": _db_id(dialect, service.service_id),
        "name": service.name,
        "type": service_type,
        "category": service.category,
        "rate": rate,
        "min": count(dialect, service.min_quantity),
        "max": count(dialect, service.max_quantity),
    }
    if Quirk.NO_REFILL_CANCEL_FLAGS not in dialect:
        row["refill"] = _flag(dialect, service.refill)
        row["cancel"] = _flag(dialect, service.cancel)
    row["dripfeed"] = _flag(dialect, service.dripfeed)
    if service.description is not None:
        row["desc"] = service.description
    return row


def _flag(dialect: Dialect, value: bool) -> Json:
    if Quirk.STRING_FLAGS in dialect:
        return str(int(value))
    return int(value) if Quirk.NUMERIC_FLAGS in dialect else value


def _db_id(dialect: Dialect, value: int) -> Json:
    """Return an id read back from the panel's database."""
    return str(value) if Quirk.STRING_IDS in dialect else value


def added(dialect: Dialect, order_id: int) -> Reply:
    """Return the `add` answer."""
    status = 201 if Quirk.HTTP_CODES in dialect else 200
    if Quirk.STATUS_SUCCESS_WRAPPER in dialect:
        return Reply({"status": "success", "order": order_id}, status)
    return Reply({"order": order_id}, status)


def order_status(
    dialect: Dialect, order: Order, now: float, currency: str
) -> dict[str, Json]:
    """Return the status of one order."""
    progress = order.progress(now)
    pending = progress.status is OrderStatus.PENDING
    remains: Json = count(dialect, progress.remains)
    if pending and Quirk.UNKNOWN_REMAINS in dialect:
        remains = "Unknown"
    elif pending and Quirk.ZERO_REMAINS_UNTIL_STARTED in dialect:
        remains = count(dialect, 0)
    start_count: Json = count(dialect, progress.start_count)
    if pending and Quirk.NULL_START_COUNT in dialect:
        start_count = None
    row: dict[str, Json] = (
        {"order": _db_id(dialect, order.order_id)}
        if Quirk.ORDER_IN_STATUS in dialect
        else {}
    )
    row |= {
        "charge": money(dialect, order.charge - progress.refund),
        "start_count": start_count,
        "status": CANCEL_REQUESTED
        if Quirk.CANCEL_REQUESTED_STATUS in dialect
        and order.cancel_at is not None
        and not progress.status.is_finished
        else _status_name(dialect, progress.status),
        "remains": remains,
        "currency": currency,
    }
    if order.drip_feed is not None:
        row["runs"] = count(dialect, order.runs_done(now))
    if order.delivery is None:
        row |= {
            "expiry": order.fields.get("expiry"),
            "posts": count(dialect, 0),
            "orders": [],
        }
    return row


def order_statuses(
    dialect: Dialect, rows: dict[str, dict[str, Json] | RowError]
) -> Json:
    """Return a batch `status` answer from the rows by id, in request order."""
    if Quirk.LIST_ANSWERS in dialect:
        return [_listed("order", key, row) for key, row in rows.items()]
    return {key: _keyed(dialect, row) for key, row in rows.items()}


def refilled(dialect: Dialect, refill_id: int) -> Json:
    """Return the answer to a single `refill`."""
    if Quirk.REFILL_STRING_ID in dialect:
        return {"refill": str(refill_id)}
    return {"success": REFILL_ACCEPTED, "refill": refill_id}


def refills(dialect: Dialect, rows: dict[str, int | RowError]) -> Json:
    """Return a batch `refill` answer."""
    answer: list[Json] = []
    for key, row in rows.items():
        refill: Json
        if isinstance(row, RowError):
            refill = {"error": row.message}
        else:
            refill = str(row) if Quirk.REFILL_STRING_ID in dialect else row
        answer.append({"order": _id(key), "refill": refill})
    return answer


def refill_status(dialect: Dialect, status: RefillStatus) -> dict[str, Json]:
    """Return the status of one refill."""
    return {"status": _status_name(dialect, status)}


def refill_statuses(dialect: Dialect, rows: dict[str, RefillStatus | RowError]) -> Json:
    """Return a batch `refill_status` answer."""
    if Quirk.LIST_ANSWERS in dialect:
        return {
            key: _keyed(
                dialect,
                row if isinstance(row, RowError) else refill_status(dialect, row),
            )
            for key, row in rows.items()
        }
    return [
        {
            "refill": _id(key),
            "status": {"error": row.message}
            if isinstance(row, RowError)
            else _status_name(dialect, row),
        }
        for key, row in rows.items()
    ]


def cancels(dialect: Dialect, rows: dict[str, RowError | None]) -> Json:
    """Return a batch `cancel` answer; a row without error means "cancel requested"."""
    if Quirk.LIST_ANSWERS in dialect:
        return {key: _keyed(dialect, row or {"cancel": 1}) for key, row in rows.items()}
    return [
        {"order": _id(key), "cancel": 1 if row is None else {"error": row.message}}
        for key, row in rows.items()
    ]


def _keyed(dialect: Dialect, row: dict[str, Json] | RowError) -> Json:
    if not isinstance(row, RowError):
        return row
    return row.message if Quirk.BARE_STRING_ROWS in dialect else {"error": row.message}


def _listed(id_name: str, key: str, row: dict[str, Json] | RowError) -> Json:
    fields = {"error": row.message} if isinstance(row, RowError) else row
    return {id_name: _id(key), **fields}


def _id(key: str) -> Json:
    return int(key) if key.isdecimal() else key


def _status_name(dialect: Dialect, status: OrderStatus | RefillStatus) -> str:
    if Quirk.LOWERCASE_VALUES in dialect:
        return status.replace(" ", "").lower()
    return str(status)
