"""The local control API (no key): time, deposits, faults, the catalogue and the state."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from .answers import Json, service_row
from .catalogue import Service, ServiceChanges, ServiceType
from .dialects import STANDARD
from .faults import Fault, FaultRule
from .keys import PANEL
from .panel import Panel

PREFIX = "/_simulator"
MAX_DIGITS = 12  # digits before the point of the largest deposit or rate
SERVICE_FIELDS = frozenset(
    {"name", "category", "type", "rate", "min", "max", "refill", "cancel", "dripfeed"}
)
REQUIRED_SERVICE_FIELDS = frozenset({"name", "category", "rate", "min", "max"})


def add_routes(router: web.UrlDispatcher) -> None:
    """Add the control endpoints."""
    router.add_post(f"{PREFIX}/advance", _advance)
    router.add_post(f"{PREFIX}/deposit", _deposit)
    router.add_post(f"{PREFIX}/faults", _inject_fault)
    router.add_delete(f"{PREFIX}/faults", _clear_faults)
    router.add_get(f"{PREFIX}/state", _state)
    router.add_post(f"{PREFIX}/services", _add_service)
    service = rf"{PREFIX}/services/{{service_id:\d+}}"
    router.add_patch(service, _update_service)
    router.add_delete(service, _remove_service)
    router.add_post(f"{service}/restore", _restore_service)


async def _advance(request: web.Request) -> web.Response:
    panel = request.app[PANEL]
    body = await _json_object(request)
    seconds = body.get("seconds")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
        raise _bad_request('"seconds" must be a non-negative number')
    panel.advance(seconds)
    return web.json_response({"now": panel.clock.now()})


async def _deposit(request: web.Request) -> web.Response:
    """Credit the balance, as a payment would: {"amount": "25.00"} (or a number)."""
    panel = request.app[PANEL]
    body = await _json_object(request)
    amount = positive_amount(body.get("amount"))
    if amount is None:
        raise _bad_request('"amount" must be a positive amount, e.g. "25.00"')
    balance = panel.deposit(amount)
    return web.json_response(
        {"amount": str(amount), "balance": str(balance), "currency": panel.currency}
    )


def positive_amount(value: object) -> Decimal | None:
    """Return the positive, finite amount a JSON value names exactly, or None.

    Text ("25.00") is read as it is written; a JSON number through its shortest
    text, so 0.1 is 0.1, not the binary fraction nearest to it. Amounts of a
    trillion or more are refused too: no payment or rate is that large.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else repr(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount.adjusted() >= MAX_DIGITS:
        return None
    return amount


async def _inject_fault(request: web.Request) -> web.Response:
    body = await _json_object(request)
    try:
        rule = fault_rule_from_json(body)
    except (KeyError, TypeError, ValueError) as error:
        raise _bad_request(f"bad fault: {error}") from None
    request.app[PANEL].faults.add(rule)
    return web.json_response(
        {"faults": len(request.app[PANEL].faults.rules)}, status=201
    )


async def _clear_faults(request: web.Request) -> web.Response:
    request.app[PANEL].faults.clear()
    return web.json_response({"faults": 0})


async def _add_service(request: web.Request) -> web.Response:
    panel = request.app[PANEL]
    body = await _json_object(request)
    try:
        service = panel.add_service(new_service(panel, body))
    except (TypeError, ValueError) as error:
        raise _bad_request(f"bad service: {error}") from None
    return web.json_response(service_row(STANDARD, service), status=201)


def new_service(panel: Panel, body: dict[str, Any]) -> Service:
    """Return the service a JSON body describes in the fields of `services`.

    "name", "category", "rate", "min" and "max" are required; "type" defaults to
    "Default", the flags to false, and "service" (the id) to one above every id
    the panel offers or has removed.
    """
    missing = REQUIRED_SERVICE_FIELDS - body.keys()
    if missing:
        raise ValueError(f"missing fields {sorted(missing)}")
    changes = service_changes(
        {name: value for name, value in body.items() if name != "service"}
    )
    return Service(
        service_id=_new_service_id(panel, body.get("service")),
        name=changes["name"],
        type=changes.get("type", ServiceType.DEFAULT),
        category=changes["category"],
        rate=changes["rate"],
        min_quantity=changes["min_quantity"],
        max_quantity=changes["max_quantity"],
        refill=changes.get("refill", False),
        cancel=changes.get("cancel", False),
        dripfeed=changes.get("dripfeed", False),
    )


def _new_service_id(panel: Panel, value: object) -> int:
    if value is None:
        return max((*panel.services, *panel.removed_services), default=0) + 1
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError('"service" must be a positive integer')
    return value


async def _update_service(request: web.Request) -> web.Response:
    panel = request.app[PANEL]
    service_id = int(request.match_info["service_id"])
    body = await _json_object(request)
    try:
        service = panel.update_service(service_id, **service_changes(body))
    except KeyError:
        raise _not_found(f"service {service_id} is not offered") from None
    except (TypeError, ValueError) as error:
        raise _bad_request(f"bad service: {error}") from None
    return web.json_response(service_row(STANDARD, service))


async def _remove_service(request: web.Request) -> web.Response:
    service_id = int(request.match_info["service_id"])
    try:
        service = request.app[PANEL].remove_service(service_id)
    except KeyError:
        raise _not_found(f"service {service_id} is not offered") from None
    return web.json_response(service_row(STANDARD, service))


async def _restore_service(request: web.Request) -> web.Response:
    service_id = int(request.match_info["service_id"])
    try:
        service = request.app[PANEL].restore_service(service_id)
    except KeyError:
        raise _not_found(f"service {service_id} was not removed") from None
    return web.json_response(service_row(STANDARD, service))


def service_changes(body: dict[str, Any]) -> ServiceChanges:
    """Return the changes a JSON body names in the fields of the `services` answer.

    E.g. {"rate": "1.35", "min": 100}; a rate is read exactly, as `positive_amount`
    reads it. Raise ValueError for an unknown field or a bad value, TypeError for a
    flag that is not a boolean.
    """
    unknown = body.keys() - SERVICE_FIELDS
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    changes = ServiceChanges()
    if "name" in body:
        changes["name"] = _text(body, "name")
    if "category" in body:
        changes["category"] = _text(body, "category")
    if "type" in body:
        changes["type"] = _service_type(body["type"])
    if "rate" in body:
        rate = positive_amount(body["rate"])
        if rate is None:
            raise ValueError('"rate" must be a positive amount, e.g. "1.35"')
        changes["rate"] = rate
    if "min" in body:
        changes["min_quantity"] = _count(body, "min")
    if "max" in body:
        changes["max_quantity"] = _count(body, "max")
    if "refill" in body:
        changes["refill"] = _flag(body, "refill")
    if "cancel" in body:
        changes["cancel"] = _flag(body, "cancel")
    if "dripfeed" in body:
        changes["dripfeed"] = _flag(body, "dripfeed")
    return changes


def _text(body: dict[str, Any], name: str) -> str:
    value = body[name]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'"{name}" must be non-empty text')
    return value


def _service_type(value: object) -> ServiceType:
    if isinstance(value, str) and value in ServiceType:
        return ServiceType(value)
    raise ValueError(f'"type" must be one of: {", ".join(ServiceType)}')


def _count(body: dict[str, Any], name: str) -> int:
    value = body[name]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f'"{name}" must be a positive integer')
    return value


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body[name]
    if not isinstance(value, bool):
        raise TypeError(f'"{name}" must be true or false')
    return value


async def _state(request: web.Request) -> web.Response:
    return web.json_response(panel_state(request.app[PANEL]))


def fault_rule_from_json(body: dict[str, Any]) -> FaultRule:
    """Return the rule a JSON fault spec describes, e.g. {"fault": "timeout", "times": 2}.

    Every field but "fault" is optional, as in `Faults.inject`: "action" (null or
    absent: every action), "times" (absent: the next request; null: every matching
    request until the faults are cleared), "rate", "after", "seconds". So
    {"fault": "http_500", "action": "services", "times": null} fails every `services`
    request while the other actions answer.
    """
    unknown = body.keys() - {"fault", "action", "times", "rate", "after", "seconds"}
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    return FaultRule(
        fault=Fault(body["fault"]),
        action=_optional(body, "action", str),
        times=_optional(body, "times", int) if "times" in body else 1,
        rate=_optional(body, "rate", float),
        after=bool(body.get("after", False)),
        seconds=_optional(body, "seconds", float),
    )


def _optional[T](body: dict[str, Any], name: str, kind: type[T]) -> T | None:
    value = body.get(name)
    if value is None:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"{name} must be {kind.__name__}")
    return value


def panel_state(panel: Panel) -> dict[str, Json]:
    """Return the panel's state as JSON, money as exact strings."""
    now = panel.clock.now()
    orders: list[Json] = []
    for order in panel.orders.values():
        progress = order.progress(now)
        orders.append(
            {
                "order": order.order_id,
                "service": order.service.service_id,
                "link": order.link,
                "quantity": order.quantity,
                "charge": str(order.charge - progress.refund),
                "status": str(progress.status),
                "remains": progress.remains,
                "start_count": progress.start_count,
            }
        )
    refills: list[Json] = [
        {
            "refill": refill.refill_id,
            "order": refill.order_id,
            "status": str(refill.status_at(now)),
        }
        for refill in panel.refills.values()
    ]
    removed_services: list[Json] = [*sorted(panel.removed_services)]
    return {
        "now": now,
        "balance": str(panel.balance),
        "currency": panel.currency,
        "key_revoked": panel.key_revoked,
        "request_counts": dict(panel.request_counts),
        "orders": orders,
        "refills": refills,
        "removed_services": removed_services,
    }


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _bad_request("the body must be JSON") from None
    if not isinstance(body, dict):
        raise _bad_request("the body must be a JSON object")
    return body


def _bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=message)


def _not_found(message: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=message)
