"""The orders and refills followed for one panel account, and how they change."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any, Final

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

# How long a refill the panel does not finish is asked about. Some panels never
# finish one (a provider that never takes it up, a refill the panel lost), and some
# cannot be asked at all (no refill_status): past this, it counts as ended.
REFILL_FOLLOW_LIMIT: Final = timedelta(days=30)

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


def _refill_ended_at(refill: TrackedRefill) -> datetime:
    """Return when a refill ended: it finished, or it is followed no longer."""
    if refill.finished_at is not None:
        return refill.finished_at
    return refill.requested_at + REFILL_FOLLOW_LIMIT


def _apply_order_state(
    order: TrackedOrder, state: OrderState, now: datetime
) -> TrackedOrder:
    return replace(
        order,
        status=state.status,
        raw_status=state.raw_status,
        charge=state.charge if state.charge is not None else order.charge,
        start_count=state.start_count,
        remains=state.remains,
        currency=state.currency or order.currency,
        finished_at=(order.finished_at or now) if state.status.is_finished else None,
        error=None,
    )


def _apply_refill_state(
    refill: TrackedRefill, state: RefillState, now: datetime
) -> TrackedRefill:
    return replace(
        refill,
        status=state.status,
        raw_status=state.raw_status,
        finished_at=(refill.finished_at or now) if state.status.is_finished else None,
        error=None,
    )


def _apply_states[T: (TrackedOrder, TrackedRefill), S: (OrderState, RefillState)](
    kind: str,
    tracked: Mapping[int, T],
    results: Mapping[int, S | RowError],
    apply_state: Callable[[T, S, datetime], T],
    now: datetime,
    *,
    store: Callable[[T], None],
) -> Iterator[tuple[int, T, T]]:
    """Store the answers for tracked items; yield each that changed, before and after.

    An item answered with an error keeps its state and shows the error. Answers for
    items not tracked are passed over.
    """
    for item_id, result in results.items():
        if (before := tracked.get(item_id)) is None:
            continue
        after = (
            replace(before, error=result.message)
            if isinstance(result, RowError)
            else apply_state(before, result, now)
        )
        if after == before:
            continue
        _log_row_error_change(kind, item_id, before.error, after.error)
        store(after)
        yield item_id, before, after


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
        self._orders: dict[int, TrackedOrder] = {}
        self._refills: dict[int, TrackedRefill] = {}
        # Whether a snapshot holds the two dictionaries: they are copied before they
        # change, rather than every snapshot holding a copy of its own.
        self._shared = False
        self._refunds = Decimal(0)
        self._status_requests = count(1)
        # Per order, the number of the status request whose answer it shows.
        self._answered: dict[int, int] = {}

    @property
    def orders(self) -> Mapping[int, TrackedOrder]:
        """Return the tracked orders, by id."""
        return self._orders

    @property
    def refills(self) -> Mapping[int, TrackedRefill]:
        """Return the tracked refills, by id."""
        return self._refills

    def snapshot(
        self,
    ) -> tuple[Mapping[int, TrackedOrder], Mapping[int, TrackedRefill]]:
        """Return the tracked orders and refills as they are now, for good.

        Thousands of orders are not copied at each refresh: the tracker changes
        copies of its dictionaries from then on.
        """
        self._shared = True
        return self._orders, self._refills

    def _changing(self) -> None:
        """Make the dictionaries the tracker's own again before changing them."""
        if self._shared:
            self._orders = dict(self._orders)
            self._refills = dict(self._refills)
            self._shared = False

    def take_refunds(self) -> Decimal:
        """Return what orders were refunded since the last call, and start over."""
        refunds, self._refunds = self._refunds, Decimal(0)
        return refunds

    def refundable(self) -> Decimal:
        """Return the most the orders in flight can still be refunded: their charges."""
        return sum(
            (
                order.charge
                for order in self.orders.values()
                if order.charge is not None and not order.is_finished
            ),
            Decimal(0),
        )

    async def async_load(self) -> None:
        """Load what was tracked before the last restart."""
        orders, refills = await self.storage.async_load()
        self._orders = {order.order_id: order for order in orders}
        self._refills = {refill.refill_id: refill for refill in refills}
        self._shared = False

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

    def pending_refill_ids(self, now: datetime) -> list[int]:
        """Return the refills whose status can still change and is still asked for."""
        return [
            refill_id
            for refill_id, refill in self.refills.items()
            if not refill.is_finished and _refill_ended_at(refill) > now
        ]

    def track_order(self, order: TrackedOrder) -> None:
        """Start following an order (or replace what is known of it)."""
        self._changing()
        self._orders[order.order_id] = order

    def track_refill(self, refill: TrackedRefill) -> None:
        """Start following a refill."""
        self._changing()
        self._refills[refill.refill_id] = refill

    def untrack_orders(self, order_ids: Iterable[int]) -> list[int]:
        """Stop following orders and their refills; return the ids that were tracked."""
        removed = [
            order_id
            for order_id in dict.fromkeys(order_ids)
            if order_id in self._orders
        ]
        if not removed:
            return removed
        self._changing()
        removed_set = set(removed)
        for order_id in removed:
            del self._orders[order_id]
            self._answered.pop(order_id, None)
        for refill_id in [
            refill_id
            for refill_id, refill in self._refills.items()
            if refill.order_id in removed_set
        ]:
            del self._refills[refill_id]
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
        fresh = {
            order_id: result
            for order_id, result in results.items()
            if order_id in self.orders and self._answered.get(order_id, 0) <= request
        }
        self._answered.update(dict.fromkeys(fresh, request))
        events: list[TrackingEvent] = []
        for order_id, order, updated in _apply_states(
            "order", self.orders, fresh, _apply_order_state, now, store=self.track_order
        ):
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
        return [
            TrackingEvent(
                event_type=refill_event_type(updated.status),
                order_id=refill.order_id,
                order=self.orders.get(refill.order_id),
                refill_id=refill_id,
            )
            for refill_id, refill, updated in _apply_states(
                "refill",
                self.refills,
                results,
                _apply_refill_state,
                now,
                store=self.track_refill,
            )
            if updated.status is not None and updated.status is not refill.status
        ]

    def purge_finished(self, now: datetime, retention: timedelta) -> bool:
        """Forget what ended more than `retention` ago; return whether anything was.

        That is the finished orders with their refills (an order with a refill still
        followed stays until the refill ends), and the refills that ended: finished,
        or unfinished `REFILL_FOLLOW_LIMIT` after they were requested.
        """
        ended_before = now - retention
        busy = {
            refill.order_id
            for refill in self.refills.values()
            if _refill_ended_at(refill) > now
        }
        purged = self.untrack_orders(
            [
                order_id
                for order_id, order in self.orders.items()
                if order.finished_at is not None
                and order.finished_at < ended_before
                and order_id not in busy
            ]
        )
        ended = [
            refill
            for refill in self.refills.values()
            if _refill_ended_at(refill) < ended_before
        ]
        if ended:
            self._changing()
        for refill in ended:
            if not refill.is_finished:
                LOGGER.info(
                    "Refill %s of order %s did not finish within %s days of its"
                    " request (last status: %s); it is no longer tracked",
                    refill.refill_id,
                    refill.order_id,
                    REFILL_FOLLOW_LIMIT.days,
                    refill.raw_status or refill.status or "none",
                )
            del self._refills[refill.refill_id]
        return bool(purged or ended)
