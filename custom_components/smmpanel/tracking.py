"""Orders and refills tracked for one panel account, kept in Home Assistant storage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import OrderState, OrderStatus, RefillState, RefillStatus, RowError
from .const import DOMAIN, STORAGE_VERSION

SAVE_DELAY = 10  # seconds; status updates are batched, actions save at once


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedOrder:
    """An order this integration follows, with its last known state."""

    order_id: int
    tracked_at: datetime
    service_id: int | None = None
    service_name: str | None = None
    link: str | None = None
    quantity: int | None = None
    status: OrderStatus | None = None
    raw_status: str | None = None
    charge: Decimal | None = None
    start_count: int | None = None
    remains: int | None = None
    currency: str | None = None
    finished_at: datetime | None = None
    error: str | None = None

    @property
    def is_finished(self) -> bool:
        """Return whether the panel will not change this order any more."""
        return self.status is not None and self.status.is_finished

    @property
    def progress(self) -> float | None:
        """Return the delivered share in percent, when it can be known."""
        if self.status is OrderStatus.COMPLETED:
            return 100.0
        if not self.quantity or self.remains is None:
            return None
        delivered = min(max(self.quantity - self.remains, 0), self.quantity)
        return round(delivered * 100 / self.quantity, 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedRefill:
    """A refill this integration follows, with its last known state."""

    refill_id: int
    order_id: int
    requested_at: datetime
    status: RefillStatus | None = None
    raw_status: str | None = None
    finished_at: datetime | None = None
    error: str | None = None

    @property
    def is_finished(self) -> bool:
        """Return whether the panel will not change this refill any more."""
        return self.status is not None and self.status.is_finished


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingEvent:
    """A change worth telling automations about."""

    event_type: str
    data: Mapping[str, Any]


class StoredTracking(TypedDict):
    """What is kept in storage."""

    orders: list[dict[str, Any]]
    refills: list[dict[str, Any]]


def _decimal_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _datetime_or_none(value: str | None) -> datetime | None:
    return None if value is None else dt_util.parse_datetime(value)


def _order_to_json(order: TrackedOrder) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "tracked_at": order.tracked_at.isoformat(),
        "service_id": order.service_id,
        "service_name": order.service_name,
        "link": order.link,
        "quantity": order.quantity,
        "status": order.status,
        "raw_status": order.raw_status,
        "charge": None if order.charge is None else str(order.charge),
        "start_count": order.start_count,
        "remains": order.remains,
        "currency": order.currency,
        "finished_at": order.finished_at and order.finished_at.isoformat(),
        "error": order.error,
    }


def _order_from_json(data: Mapping[str, Any]) -> TrackedOrder:
    status = data.get("status")
    return TrackedOrder(
        order_id=int(data["order_id"]),
        tracked_at=_datetime_or_none(data["tracked_at"]) or dt_util.utcnow(),
        service_id=data.get("service_id"),
        service_name=data.get("service_name"),
        link=data.get("link"),
        quantity=data.get("quantity"),
        status=None if status is None else OrderStatus(status),
        raw_status=data.get("raw_status"),
        charge=_decimal_or_none(data.get("charge")),
        start_count=data.get("start_count"),
        remains=data.get("remains"),
        currency=data.get("currency"),
        finished_at=_datetime_or_none(data.get("finished_at")),
        error=data.get("error"),
    )


def _refill_to_json(refill: TrackedRefill) -> dict[str, Any]:
    return {
        "refill_id": refill.refill_id,
        "order_id": refill.order_id,
        "requested_at": refill.requested_at.isoformat(),
        "status": refill.status,
        "raw_status": refill.raw_status,
        "finished_at": refill.finished_at and refill.finished_at.isoformat(),
        "error": refill.error,
    }


def _refill_from_json(data: Mapping[str, Any]) -> TrackedRefill:
    status = data.get("status")
    return TrackedRefill(
        refill_id=int(data["refill_id"]),
        order_id=int(data["order_id"]),
        requested_at=_datetime_or_none(data["requested_at"]) or dt_util.utcnow(),
        status=None if status is None else RefillStatus(status),
        raw_status=data.get("raw_status"),
        finished_at=_datetime_or_none(data.get("finished_at")),
        error=data.get("error"),
    )


def order_event_data(order: TrackedOrder) -> dict[str, Any]:
    """Return what events and the order's sensor tell about an order."""
    return {
        "order_id": order.order_id,
        "service_id": order.service_id,
        "service": order.service_name,
        "link": order.link,
        "quantity": order.quantity,
        "remains": order.remains,
        "charge": None if order.charge is None else float(order.charge),
        "currency": order.currency,
    }


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


class OrderTracker:
    """The tracked orders and refills of one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Initialize the tracker; call async_load before use."""
        self._store: Store[StoredTracking] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}", private=True
        )
        self.orders: dict[int, TrackedOrder] = {}
        self.refills: dict[int, TrackedRefill] = {}

    async def async_load(self) -> None:
        """Load what was tracked before the last restart."""
        if (stored := await self._store.async_load()) is None:
            return
        self.orders = {
            order.order_id: order
            for order in map(_order_from_json, stored.get("orders", []))
        }
        self.refills = {
            refill.refill_id: refill
            for refill in map(_refill_from_json, stored.get("refills", []))
        }

    def _data_to_save(self) -> StoredTracking:
        return {
            "orders": [_order_to_json(order) for order in self.orders.values()],
            "refills": [_refill_to_json(refill) for refill in self.refills.values()],
        }

    async def async_save(self) -> None:
        """Write the tracked orders and refills now."""
        await self._store.async_save(self._data_to_save())

    def schedule_save(self) -> None:
        """Write the tracked orders and refills soon, batching close changes."""
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)

    async def async_remove(self) -> None:
        """Delete the stored data of a removed config entry."""
        await self._store.async_remove()

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
        for refill_id in [
            refill_id
            for refill_id, refill in self.refills.items()
            if refill.order_id in removed_set
        ]:
            del self.refills[refill_id]
        return removed

    def apply_order_states(
        self, results: Mapping[int, OrderState | RowError], now: datetime
    ) -> list[TrackingEvent]:
        """Record fresh order states; return an event per status change."""
        events: list[TrackingEvent] = []
        for order_id, result in results.items():
            if (order := self.orders.get(order_id)) is None:
                continue
            updated = _apply_order_state(order, result, now)
            if updated == order:
                continue
            self.orders[order_id] = updated
            if order.status is not None and updated.status is not order.status:
                events.append(
                    TrackingEvent(
                        event_type=str(updated.status),
                        data={
                            **order_event_data(updated),
                            "previous_status": str(order.status),
                        },
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
            self.refills[refill_id] = updated
            if updated.status is not None and updated.status is not refill.status:
                order = self.orders.get(refill.order_id)
                events.append(
                    TrackingEvent(
                        event_type=f"refill_{updated.status}",
                        data={
                            **(
                                order_event_data(order)
                                if order
                                else {"order_id": refill.order_id}
                            ),
                            "refill_id": refill_id,
                        },
                    )
                )
        return events

    def purge_finished(self, finished_before: datetime) -> list[int]:
        """Forget orders finished before a time, and their finished refills."""
        # An order with a refill still running stays until the refill ends.
        busy = {
            refill.order_id
            for refill in self.refills.values()
            if not refill.is_finished
        }
        return self.untrack_orders(
            [
                order_id
                for order_id, order in self.orders.items()
                if order.finished_at is not None
                and order.finished_at < finished_before
                and order_id not in busy
            ]
        )
