"""The local control API (no key): time, deposits, faults and the panel's state."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from .answers import Json
from .faults import Fault, FaultRule
from .keys import PANEL
from .panel import Panel

PREFIX = "/_simulator"
MAX_DIGITS = 12  # digits before the point of the largest deposit


def add_routes(router: web.UrlDispatcher) -> None:
    """Add the control endpoints."""
    router.add_post(f"{PREFIX}/advance", _advance)
    router.add_post(f"{PREFIX}/deposit", _deposit)
    router.add_post(f"{PREFIX}/faults", _inject_fault)
    router.add_delete(f"{PREFIX}/faults", _clear_faults)
    router.add_get(f"{PREFIX}/state", _state)


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
    amount = deposit_amount(body.get("amount"))
    if amount is None:
        raise _bad_request('"amount" must be a positive amount, e.g. "25.00"')
    balance = panel.deposit(amount)
    return web.json_response(
        {"amount": str(amount), "balance": str(balance), "currency": panel.currency}
    )


def deposit_amount(value: object) -> Decimal | None:
    """Return the positive, finite amount a JSON value names exactly, or None.

    Text ("25.00") is read as it is written; a JSON number through its shortest
    text, so 0.1 is 0.1, not the binary fraction nearest to it. Amounts of a
    trillion or more are refused too: no payment is that large.
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
    return {
        "now": now,
        "balance": str(panel.balance),
        "currency": panel.currency,
        "key_revoked": panel.key_revoked,
        "request_counts": dict(panel.request_counts),
        "orders": orders,
        "refills": refills,
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
