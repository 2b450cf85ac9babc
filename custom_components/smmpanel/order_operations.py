"""Actions on orders named by id or by sensor: refill, cancel, track, untrack, status.

Each answers with one row per distinct order: its result, or the panel's error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from .action_errors import panel_errors, validation_error
from .action_targets import call_entry_and_orders
from .api import OrderState, RefillStatus, RowError
from .coordinator import SmmPanelData
from .models import TrackedOrder, TrackedRefill


def _row(
    order_id: int, fields: Mapping[str, JsonValueType] | RowError
) -> JsonValueType:
    """Return an order's row of an action's response: its result, or its error."""
    if isinstance(fields, RowError):
        return {"order": order_id, "error": fields.message}
    return {"order": order_id, **fields}


def _status_rows(
    results: Mapping[int, OrderState | RowError],
) -> list[JsonValueType]:
    """Return one row per order: its status as the panel gave it, or its error."""
    return [
        _row(
            order_id,
            result
            if isinstance(result, RowError)
            else {
                "status": str(result.status),
                "panel_status": result.raw_status,
                "charge": None if result.charge is None else float(result.charge),
                "start_count": result.start_count,
                "remains": result.remains,
                "currency": result.currency,
            },
        )
        for order_id, result in results.items()
    ]


def _batch_rows(
    results: Mapping[int, int | bool | RowError], key: str
) -> list[JsonValueType]:
    """Return one row per order: its result under `key`, or its error."""
    return [
        _row(order_id, result if isinstance(result, RowError) else {key: result})
        for order_id, result in results.items()
    ]


async def _async_run_on_orders[R](
    call: ServiceCall,
    run: Callable[[SmmPanelData, list[int]], Awaitable[R]],
) -> R:
    """Run an account action on the orders a call names.

    The client answers for every distinct id it is given, in their order.
    """
    entry, order_ids = call_entry_and_orders(call)
    with panel_errors(call.hass, entry):
        return await run(entry.runtime_data, order_ids)


async def _async_refill_orders(
    account: SmmPanelData, order_ids: list[int]
) -> Mapping[int, int | RowError]:
    """Request refills, and track the ones the panel accepted."""
    results = await account.client.refill_many(order_ids)
    now = dt_util.utcnow()
    accepted = {
        order_id: refill_id
        for order_id, refill_id in results.items()
        if not isinstance(refill_id, RowError)
    }
    for order_id, refill_id in accepted.items():
        account.tracker.track_refill(
            TrackedRefill(
                refill_id=refill_id,
                order_id=order_id,
                requested_at=now,
                status=RefillStatus.PENDING,
            )
        )
    if accepted:
        await account.coordinator.async_tracking_changed()
    return results


async def _async_cancel_orders(
    account: SmmPanelData, order_ids: list[int]
) -> Mapping[int, bool | RowError]:
    """Ask the panel to cancel orders; poll when it took any of them."""
    results = await account.client.cancel(order_ids)
    if any(result is True for result in results.values()):
        await account.coordinator.async_request_refresh()
    return results


async def _async_track_orders(
    account: SmmPanelData, order_ids: list[int]
) -> Mapping[int, OrderState | RowError]:
    """Start tracking orders placed elsewhere, with the statuses just fetched.

    Orders tracked already take the statuses too, and their changes are told.
    """
    tracker = account.tracker
    request = tracker.start_status_request()
    results = await account.client.get_order_statuses(order_ids)
    now = dt_util.utcnow()
    for order_id, result in results.items():
        if not isinstance(result, RowError) and order_id not in tracker.orders:
            tracker.track_order(TrackedOrder(order_id=order_id, tracked_at=now))
    events = tracker.apply_order_states(results, now, request=request)
    await account.coordinator.async_tracking_changed(events)
    return results


async def async_refill(call: ServiceCall) -> ServiceResponse:
    """Request refills of orders."""
    results = await _async_run_on_orders(call, _async_refill_orders)
    if not call.return_response:
        return None
    return {"refills": _batch_rows(results, "refill")}


async def async_cancel(call: ServiceCall) -> ServiceResponse:
    """Ask the panel to cancel orders."""
    results = await _async_run_on_orders(call, _async_cancel_orders)
    if not call.return_response:
        return None
    return {"orders": _batch_rows(results, "cancel_requested")}


async def async_track_order(call: ServiceCall) -> ServiceResponse:
    """Start tracking orders placed elsewhere."""
    results = await _async_run_on_orders(call, _async_track_orders)
    if not call.return_response:
        return None
    return {"orders": _status_rows(results)}


async def async_untrack_order(call: ServiceCall) -> None:
    """Stop tracking orders; all of them must be tracked, or nothing changes."""
    entry, order_ids = call_entry_and_orders(call)
    account = entry.runtime_data
    if unknown := [i for i in order_ids if i not in account.tracker.orders]:
        raise validation_error(
            "orders_not_tracked", orders=", ".join(map(str, unknown))
        )
    account.tracker.untrack_orders(order_ids)
    await account.coordinator.async_tracking_changed()


async def async_get_order_status(call: ServiceCall) -> ServiceResponse:
    """Return the status of orders without tracking them."""
    results = await _async_run_on_orders(
        call, lambda account, ids: account.client.get_order_statuses(ids)
    )
    return {"orders": _status_rows(results)}
