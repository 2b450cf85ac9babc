"""The orders and refills followed for one panel account, and how they change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from itertools import count
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .api import OrderState, OrderStatus, RefillState, RowError
from .const import LOGGER
from .models import (
    TrackedOrder,
    TrackedRefill,
    TrackingEvent,
    order_event_type,
    refill_event_type,
)
from .storage import TrackingStorage

# The statuses in which a fall of an order's charge is money paid back.
REFUNDING_STATUSES = frozenset(
    {OrderStatus.CANCELED, OrderStatus.REFUNDED, OrderStatus.PARTIAL}
)


def _refunded(before: TrackedOrder, after: TrackedOrder) -> Decimal:
    """Return what an order's new state paid back, if its charge fell."""
    if (
        after.status in REFUNDING_STATUSES
        and before.charge is not None
        and after.charge is not None
        and after.charge < before.charge
    ):
        return before.charge - after.charge
    return Decimal(0)


def _apply_order_state(
    order: TrackedOrder, result: OrderState | RowError, now: datetime
) -> TrackedOrder:
    if isinstance(result, RowError):
        return replace(order, error=result.message)
    return replace(
        order,
        status=result.status,
        raw_status=result.raw_status,
        charge=result.charge if result.charge is not None else order.charge,
        start_count=result.start_count,
        remains=result.remains,
        currency=result.currency or order.currency,
        finished_at=(order.finished_at or now) if result.status.is_finished else None,
        error=None,
    )


def _apply_refill_state(
    refill: TrackedRefill, result: RefillState | RowError, now: datetime
) -> TrackedRefill:
    if isinstance(result, RowError):
        return replace(refill, error=result.message)
    return replace(
        refill,
        status=result.status,
        raw_status=result.raw_status,
        finished_at=(refill.finished_at or now) if result.status.is_finished else None,
        error=None,
    )


def _log_row_error_change(
    kind: str, item_id: int, before: str | None, after: str | None
) -> None:
    """Log once when the panel starts answering a row with an error, once when it stops."""
    if before is None and after is not None:
        LOGGER.warning("The panel answers an error for %s %s: %s", kind, item_id, after)
    elif before is not None and after is None:
        LOGGER.info("The panel answers for %s %s again", kind, item_id)


class OrderTracker:
    """The tracked orders and refills of one config entry."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Initialize the tracker; call async_load before use."""
        self.storage = TrackingStorage(hass, entry)
        self.orders: dict[int, TrackedOrder] = {}
        self.refills: dict[int, TrackedRefill] = {}
        self._refunds = Decimal(0)
        self._status_requests = count(1)
        # Per order, the number of the status request whose answer it shows.
        self._answered: dict[int, int] = {}

    def take_refunds(self) -> Decimal:
        """Return what orders were refunded since the last call, and start over."""
        refunds, self._refunds = self._refunds, Decimal(0)
        return refunds

    async def async_load(self) -> None:
        """Load what was tracked before the last restart."""
        orders, refills = await self.storage.async_load()
        self.orders = {order.order_id: order for order in orders}
        self.refills = {refill.refill_id: refill for refill in refills}

    def _tracked(self) -> tuple[Iterable[TrackedOrder], Iterable[TrackedRefill]]:
        return self.orders.values(), self.refills.values()

    async def async_save(self) -> None:
        """Write the tracked orders and refills now."""
        await self.storage.async_save(self._tracked())

    def schedule_save(self) -> None:
        """Write the tracked orders and refills soon, batching close changes."""
        self.storage.schedule_save(self._tracked)

    def active_order_ids(self) -> list[int]:
        """Return the orders whose status can still change."""
        return [
            order_id for order_id, order in self.orders.items() if not order.is_finished
        ]

    def pending_refill_ids(self) -> list[int]:
        """Return the refills whose status can still change."""
        return [
            refill_id
            for refill_id, refill in self.refills.items()
            if not refill.is_finished
        ]

    def track_order(self, order: TrackedOrder) -> None:
        """Start following an order (or replace what is known of it)."""
        self.orders[order.order_id] = order

    def track_refill(self, refill: TrackedRefill) -> None:
        """Start following a refill."""
        self.refills[refill.refill_id] = refill

    def untrack_orders(self, order_ids: Iterable[int]) -> list[int]:
        """Stop following orders and their refills; return the ids that were tracked."""
        removed = [
            order_id for order_id in order_ids if self.orders.pop(order_id, None)
        ]
        removed_set = set(removed)
        for order_id in removed:
            self._answered.pop(order_id, None)
        for refill_id in [
            refill_id
            for refill_id, refill in self.refills.items()
            if refill.order_id in removed_set
        ]:
            del self.refills[refill_id]
        return removed

    def start_status_request(self) -> int:
        """Return the number of a status request about to be sent, to apply its answer.

        A poll and an action can ask at the same time, and their answers can come
        back in either order: numbering them keeps an older answer from undoing a
        newer one (and from telling its changes a second time).
        """
        return next(self._status_requests)

    def apply_order_states(
        self,
        results: Mapping[int, OrderState | RowError],
        now: datetime,
        *,
        request: int,
    ) -> list[TrackingEvent]:
        """Record the answer to a status request; return an event per status change.

        Orders showing the answer to a later request keep it.
        """
        events: list[TrackingEvent] = []
        for order_id, result in results.items():
            if (order := self.orders.get(order_id)) is None or self._answered.get(
                order_id, 0
            ) > request:
                continue
            self._answered[order_id] = request
            updated = _apply_order_state(order, result, now)
            if updated == order:
                continue
            _log_row_error_change("order", order_id, order.error, updated.error)
            self.orders[order_id] = updated
            self._refunds += _refunded(order, updated)
            if (
                order.status is not None
                and updated.status is not None
                and updated.status is not order.status
            ):
                events.append(
                    TrackingEvent(
                        event_type=order_event_type(updated.status),
                        order_id=order_id,
                        order=updated,
                        previous_status=order.status,
                    )
                )
        return events

    def apply_refill_states(
        self, results: Mapping[int, RefillState | RowError], now: datetime
    ) -> list[TrackingEvent]:
        """Record fresh refill states; return an event per status change."""
        events: list[TrackingEvent] = []
        for refill_id, result in results.items():
            if (refill := self.refills.get(refill_id)) is None:
                continue
            updated = _apply_refill_state(refill, result, now)
            if updated == refill:
                continue
            _log_row_error_change("refill", refill_id, refill.error, updated.error)
            self.refills[refill_id] = updated
            if updated.status is not None and updated.status is not refill.status:
                events.append(
                    TrackingEvent(
                        event_type=refill_event_type(updated.status),
                        order_id=refill.order_id,
                        order=self.orders.get(refill.order_id),
                        refill_id=refill_id,
                    )
                )
        return events

    def purge_finished(self, finished_before: datetime) -> bool:
        """Forget what finished before a time; return whether anything was forgotten.

        That is the finished orders with their refills (an order with a refill still
        running stays until the refill ends), and the finished refills of orders
        that are not tracked.
        """
        busy = {
            refill.order_id
            for refill in self.refills.values()
            if not refill.is_finished
        }
        purged = self.untrack_orders(
            [
                order_id
                for order_id, order in self.orders.items()
                if order.finished_at is not None
                and order.finished_at < finished_before
                and order_id not in busy
            ]
        )
        orphans = [
            refill_id
            for refill_id, refill in self.refills.items()
            if refill.order_id not in self.orders
            and refill.finished_at is not None
            and refill.finished_at < finished_before
        ]
        for refill_id in orphans:
            del self.refills[refill_id]
        return bool(purged or orphans)
