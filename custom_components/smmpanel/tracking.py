"""Orders and refills tracked for one panel account, kept in Home Assistant storage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, NotRequired, TypedDict

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import OrderState, OrderStatus, RefillState, RefillStatus, RowError
from .const import DOMAIN, LOGGER, STORAGE_MINOR_VERSION, STORAGE_VERSION

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
        if self.status is OrderStatus.PENDING:
            return 0.0  # Some panels answer `remains: 0` until the order starts.
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
    """What is kept in storage: the panel's API URL, and what is tracked on it."""

    url: NotRequired[str]  # since minor version 2
    orders: list[dict[str, Any]]
    refills: list[dict[str, Any]]


# Stored values are read one by one: a value that is missing or unreadable (an older
# format, a manual edit, a damaged file) becomes unknown, and polling fills it in again.


def _stored_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _stored_id(value: object) -> int | None:
    number = _stored_int(value)
    return number if number is not None and number > 0 else None


def _stored_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _stored_decimal(value: object) -> Decimal | None:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _stored_datetime(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt_util.parse_datetime(value)
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is not None:
        return parsed
    return parsed.replace(tzinfo=UTC)


def _stored_enum[E: StrEnum](kind: type[E], value: object) -> E | None:
    try:
        return kind(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _stored_rows(stored: object, key: str) -> list[object] | None:
    """Return the rows of a section of the stored data, or None if it has no rows."""
    if not isinstance(stored, dict):
        return None
    rows = stored.get(key, [])
    return rows if isinstance(rows, list) else None


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


def _order_from_json(row: object) -> TrackedOrder | None:
    """Return a stored order, or None if its order id cannot be read."""
    if (
        not isinstance(row, dict)
        or (order_id := _stored_id(row.get("order_id"))) is None
    ):
        return None
    return TrackedOrder(
        order_id=order_id,
        tracked_at=_stored_datetime(row.get("tracked_at")) or dt_util.utcnow(),
        service_id=_stored_id(row.get("service_id")),
        service_name=_stored_str(row.get("service_name")),
        link=_stored_str(row.get("link")),
        quantity=_stored_int(row.get("quantity")),
        status=_stored_enum(OrderStatus, row.get("status")),
        raw_status=_stored_str(row.get("raw_status")),
        charge=_stored_decimal(row.get("charge")),
        start_count=_stored_int(row.get("start_count")),
        remains=_stored_int(row.get("remains")),
        currency=_stored_str(row.get("currency")),
        finished_at=_stored_datetime(row.get("finished_at")),
        error=_stored_str(row.get("error")),
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


def _refill_from_json(row: object) -> TrackedRefill | None:
    """Return a stored refill, or None if its refill or order id cannot be read."""
    if (
        not isinstance(row, dict)
        or (refill_id := _stored_id(row.get("refill_id"))) is None
        or (order_id := _stored_id(row.get("order_id"))) is None
    ):
        return None
    return TrackedRefill(
        refill_id=refill_id,
        order_id=order_id,
        requested_at=_stored_datetime(row.get("requested_at")) or dt_util.utcnow(),
        status=_stored_enum(RefillStatus, row.get("status")),
        raw_status=_stored_str(row.get("raw_status")),
        finished_at=_stored_datetime(row.get("finished_at")),
        error=_stored_str(row.get("error")),
    )


def _read_rows(
    order_rows: list[object], refill_rows: list[object]
) -> tuple[list[TrackedOrder], list[TrackedRefill]]:
    """Return the stored orders and refills that can be read."""
    return (
        [order for row in order_rows if (order := _order_from_json(row))],
        [refill for row in refill_rows if (refill := _refill_from_json(row))],
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


class _TrackingStore(Store[StoredTracking]):
    """The stored tracking of one entry, in this version's format or an older one."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: Any
    ) -> Any:
        """Return older data as it is: it is read row by row, keeping what can be.

        Data of minor version 1 names no panel URL: it is taken as the entry's.
        """
        return old_data


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
        self._hass = hass
        self._entry = entry
        self._store = _TrackingStore(
            hass,
            STORAGE_VERSION,
            f"{DOMAIN}.{entry.entry_id}",
            private=True,
            minor_version=STORAGE_MINOR_VERSION,
        )
        # Order and refill ids belong to one panel. Saved with them is the URL this
        # tracker was made for: a save at the unload that follows a reconfigure
        # must not mark the old panel's orders as the new panel's.
        self._url: str = entry.data[CONF_URL]
        self.orders: dict[int, TrackedOrder] = {}
        self.refills: dict[int, TrackedRefill] = {}

    @property
    def _issue_id(self) -> str:
        return f"tracking_lost_{self._entry.entry_id}"

    async def async_load(self) -> None:
        """Load what was tracked before the last restart, keeping what can be read.

        Storage that cannot be read at all never fails the setup: tracking starts
        over, and a repair issue tells the user to track their orders again.
        """
        try:
            stored = await self._store.async_load()
        except Exception as error:  # noqa: BLE001 - the file may hold anything
            LOGGER.warning(
                "The tracked orders of %s cannot be read (%s); tracking starts over",
                self._entry.title,
                error,
            )
            await self._async_report_lost("tracking_reset")
            return
        if stored is None or self._drops_other_panel(stored):
            return
        order_rows = _stored_rows(stored, "orders")
        refill_rows = _stored_rows(stored, "refills")
        if order_rows is None or refill_rows is None:
            LOGGER.warning(
                "The tracked orders of %s are not stored as expected; tracking starts"
                " over",
                self._entry.title,
            )
            await self._async_report_lost("tracking_reset")
            return
        # Thousands of rows take long to read: off the event loop.
        orders, refills = await self._hass.async_add_executor_job(
            _read_rows, order_rows, refill_rows
        )
        self.orders = {order.order_id: order for order in orders}
        self.refills = {refill.refill_id: refill for refill in refills}
        if lost := len(order_rows) + len(refill_rows) - len(orders) - len(refills):
            LOGGER.warning(
                "%d stored orders and refills of %s cannot be read and are no longer"
                " tracked",
                lost,
                self._entry.title,
            )
            await self._async_report_lost("tracking_rows_dropped", count=str(lost))

    def _drops_other_panel(self, stored: object) -> bool:
        """Return whether the stored tracking is of another panel, and forget it."""
        if not isinstance(stored, dict) or stored.get("url", self._url) == self._url:
            return False
        LOGGER.warning(
            "The API URL of %s changed to another panel: its %s tracked orders and"
            " refills of the old panel are no longer tracked",
            self._entry.title,
            len(_stored_rows(stored, "orders") or ())
            + len(_stored_rows(stored, "refills") or ()),
        )
        self.schedule_save()
        return True

    async def _async_report_lost(
        self, translation_key: str, **placeholders: str
    ) -> None:
        """Raise the repair issue about lost tracking, and store what is left."""
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id,
            is_fixable=True,
            is_persistent=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key=translation_key,
            translation_placeholders={"title": self._entry.title, **placeholders},
        )
        await self.async_save()

    def _data_to_save(self) -> StoredTracking:
        return {
            "url": self._url,
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
        """Delete the stored data of a removed config entry, and its repair issue."""
        await self._store.async_remove()
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)

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
            _log_row_error_change("order", order_id, order.error, updated.error)
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
            _log_row_error_change("refill", refill_id, refill.error, updated.error)
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
