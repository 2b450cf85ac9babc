"""Storage of what is tracked: its format, its versions, and what was lost reading it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
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

from .api import OrderStatus, RefillStatus
from .const import DOMAIN, LOGGER, STORAGE_MINOR_VERSION, STORAGE_VERSION
from .models import TrackedOrder, TrackedRefill

SAVE_DELAY = 10  # seconds; status updates are batched, actions save at once

type Tracked = tuple[Iterable[TrackedOrder], Iterable[TrackedRefill]]


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


async def async_load_or_start_over[T: Mapping[str, Any] | Sequence[Any]](
    store: Store[T], what: str
) -> T | None:
    """Return what a store holds, or None: what cannot be read starts over, logged.

    `what` names it in the warning, e.g. "The spending history of example.com".
    """
    try:
        return await store.async_load()
    except Exception as error:  # noqa: BLE001 - the file may hold anything
        LOGGER.warning("%s cannot be read (%s); it starts over", what, error)
        return None


def stored_decimal(value: object) -> Decimal | None:
    """Return a stored amount, or None if it is not one."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def stored_datetime(value: object) -> datetime | None:
    """Return a stored moment (naive ones are UTC), or None if it is not one."""
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
        tracked_at=stored_datetime(row.get("tracked_at")) or dt_util.utcnow(),
        service_id=_stored_id(row.get("service_id")),
        service_name=_stored_str(row.get("service_name")),
        link=_stored_str(row.get("link")),
        quantity=_stored_int(row.get("quantity")),
        status=_stored_enum(OrderStatus, row.get("status")),
        raw_status=_stored_str(row.get("raw_status")),
        charge=stored_decimal(row.get("charge")),
        start_count=_stored_int(row.get("start_count")),
        remains=_stored_int(row.get("remains")),
        currency=_stored_str(row.get("currency")),
        finished_at=stored_datetime(row.get("finished_at")),
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
        requested_at=stored_datetime(row.get("requested_at")) or dt_util.utcnow(),
        status=_stored_enum(RefillStatus, row.get("status")),
        raw_status=_stored_str(row.get("raw_status")),
        finished_at=stored_datetime(row.get("finished_at")),
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


class _TrackingStore(Store[StoredTracking]):
    """The stored tracking of one entry, in this version's format or an older one."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: Any
    ) -> Any:
        """Return older data as it is: it is read row by row, keeping what can be.

        Data of minor version 1 names no panel URL: it is taken as the entry's.
        """
        return old_data


class TrackingStorage:
    """The stored tracking of one config entry.

    Storage that cannot be read never fails the setup: what can be read is kept, and
    a repair issue tells the user what was lost.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Initialize the storage of an entry."""
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
        # storage was opened for: a save at the unload that follows a reconfigure
        # must not mark the old panel's orders as the new panel's.
        self._url: str = entry.data[CONF_URL]

    @property
    def _issue_id(self) -> str:
        return f"tracking_lost_{self._entry.entry_id}"

    async def async_load(self) -> tuple[list[TrackedOrder], list[TrackedRefill]]:
        """Return what was tracked before the last restart, as far as it can be read."""
        try:
            stored = await self._store.async_load()
        except Exception as error:  # noqa: BLE001 - the file may hold anything
            LOGGER.warning(
                "The tracked orders of %s cannot be read (%s); tracking starts over",
                self._entry.title,
                error,
            )
            await self._async_report_lost("tracking_reset")
            return [], []
        if stored is None or await self._async_dropped_other_panel(stored):
            return [], []
        order_rows = _stored_rows(stored, "orders")
        refill_rows = _stored_rows(stored, "refills")
        if order_rows is None or refill_rows is None:
            LOGGER.warning(
                "The tracked orders of %s are not stored as expected; tracking starts"
                " over",
                self._entry.title,
            )
            await self._async_report_lost("tracking_reset")
            return [], []
        # Thousands of rows take long to read: off the event loop.
        orders, refills = await self._hass.async_add_executor_job(
            _read_rows, order_rows, refill_rows
        )
        if lost := len(order_rows) + len(refill_rows) - len(orders) - len(refills):
            LOGGER.warning(
                "%d stored orders and refills of %s cannot be read and are no longer"
                " tracked",
                lost,
                self._entry.title,
            )
            await self._async_report_lost(
                "tracking_rows_dropped", (orders, refills), count=str(lost)
            )
        return orders, refills

    async def _async_dropped_other_panel(self, stored: object) -> bool:
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
        await self.async_save(([], []))
        return True

    async def _async_report_lost(
        self,
        translation_key: str,
        kept: Tracked = ((), ()),
        **placeholders: str,
    ) -> None:
        """Raise the repair issue about lost tracking, and store what is kept."""
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
        await self.async_save(kept)

    def _data(self, tracked: Tracked) -> StoredTracking:
        orders, refills = tracked
        return {
            "url": self._url,
            "orders": [_order_to_json(order) for order in orders],
            "refills": [_refill_to_json(refill) for refill in refills],
        }

    async def async_save(self, tracked: Tracked) -> None:
        """Write the tracked orders and refills now."""
        await self._store.async_save(self._data(tracked))

    def schedule_save(self, tracked: Callable[[], Tracked]) -> None:
        """Write the tracked orders and refills soon, batching close changes."""
        self._store.async_delay_save(lambda: self._data(tracked()), SAVE_DELAY)

    async def async_remove(self) -> None:
        """Delete the stored data of a removed config entry, and its repair issue."""
        await self._store.async_remove()
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)
