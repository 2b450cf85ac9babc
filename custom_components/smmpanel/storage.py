"""What each config entry keeps in storage: its files, their versions, the tracking.

Four files an entry: the tracked orders and refills (their format is here, with
which panel they belong to and what was lost reading them), the spending ledger
(spending.py), the watched slice of the catalogue (watch.py) and the finished
orders each service's figures count (service_stats.py). All are written and
read through the codec (codec.py), and stored through one kind of store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import OrderStatus, RefillStatus
from .codec import ID, INT, LABEL, MOMENT, MONEY, TEXT, Field, Record, choice
from .const import DOMAIN, LOGGER
from .models import TrackedOrder, TrackedRefill

type Tracked = tuple[Iterable[TrackedOrder], Iterable[TrackedRefill]]

SAVE_DELAY: Final = 10  # seconds; close changes are written once


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file each config entry keeps: its key, format version, and what it holds."""

    suffix: str
    """What follows the entry's id in the storage key."""
    version: int
    minor_version: int
    contents: str
    """Names it in warnings, before " of " and the entry's title."""

    def key(self, entry_id: str) -> str:
        """Return the storage key of an entry's file."""
        return f"{DOMAIN}.{entry_id}{self.suffix}"


# The versions written so far. Each minor version added values, which a file of an
# older one lacks and which read as unknown: tracking 1.2 the panel's URL, spending
# 1.2 the held move of the balance, spending 1.3 the budgets told as reached.
TRACKING: Final = StoredFile("", 1, 2, "The tracked orders")
SPENDING: Final = StoredFile(".spending", 1, 3, "The spending history")
CATALOGUE_WATCH: Final = StoredFile(".catalogue_watch", 1, 1, "The watched catalogue")
SERVICE_STATS: Final = StoredFile(".service_stats", 1, 1, "The service statistics")
STORED_FILES: Final = (TRACKING, SPENDING, CATALOGUE_WATCH, SERVICE_STATS)


class _Store(Store[dict[str, Any]]):
    """A store whose older versions are read as they are."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: Any
    ) -> Any:
        """Return older data as it is: every version is read value by value."""
        return old_data


class EntryStore:
    """One file of a config entry: loaded leniently, saved at once or batched."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], stored: StoredFile
    ) -> None:
        """Initialize the store of one of an entry's files."""
        self._store = _Store(
            hass,
            stored.version,
            stored.key(entry.entry_id),
            private=True,
            minor_version=stored.minor_version,
        )
        self._contents = f"{stored.contents} of {entry.title}"

    async def async_load(
        self, on_start_over: Callable[[], Awaitable[None]] | None = None
    ) -> object:
        """Return what the file holds, None if nothing.

        A file that cannot be loaded (a newer version, a damaged one) starts over:
        it is logged, `on_start_over` is awaited, and None returned.
        """
        try:
            return await self._store.async_load()
        except Exception as error:  # noqa: BLE001 - the file may hold anything
            LOGGER.warning(
                "%s cannot be read (%s); it starts over", self._contents, error
            )
            if on_start_over is not None:
                await on_start_over()
            return None

    async def async_save(self, data: dict[str, Any]) -> None:
        """Write the file now."""
        await self._store.async_save(data)

    def schedule_save(self, data: Callable[[], dict[str, Any]]) -> None:
        """Write the file soon, batching close changes."""
        self._store.async_delay_save(data, SAVE_DELAY)

    async def async_remove(self) -> None:
        """Delete the file."""
        await self._store.async_remove()


async def async_remove_stored(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Delete every file of a removed config entry, and its lost-tracking issue."""
    for stored in STORED_FILES:
        await EntryStore(hass, entry, stored).async_remove()
    ir.async_delete_issue(hass, DOMAIN, _tracking_lost_issue_id(entry))


def _tracking_lost_issue_id(entry: ConfigEntry[Any]) -> str:
    return f"tracking_lost_{entry.entry_id}"


# The tracking: a row per order and refill, and the URL of the panel they are of.

ORDER: Final = Record(
    TrackedOrder,
    (
        Field("order_id", ID, required=True),
        Field("tracked_at", MOMENT, default=dt_util.utcnow),
        Field("service_id", ID),
        Field("service_name", LABEL),
        Field("link", TEXT),
        Field("quantity", INT),
        Field("status", choice(OrderStatus)),
        Field("raw_status", LABEL),
        Field("charge", MONEY),
        Field("start_count", INT),
        Field("remains", INT),
        Field("currency", LABEL),
        Field("finished_at", MOMENT),
        Field("error", TEXT),
    ),
)
REFILL: Final = Record(
    TrackedRefill,
    (
        Field("refill_id", ID, required=True),
        Field("order_id", ID, required=True),
        Field("requested_at", MOMENT, default=dt_util.utcnow),
        Field("status", choice(RefillStatus)),
        Field("raw_status", LABEL),
        Field("finished_at", MOMENT),
        Field("error", TEXT),
    ),
)


def _stored_rows(stored: object, key: str) -> list[object] | None:
    """Return the rows of a section of the stored data, or None if it has no rows."""
    if not isinstance(stored, dict):
        return None
    rows = stored.get(key, [])
    return rows if isinstance(rows, list) else None


def _read_rows(
    order_rows: list[object], refill_rows: list[object]
) -> tuple[list[TrackedOrder], list[TrackedRefill]]:
    """Return the stored orders and refills that can be read."""
    return (
        [order for row in order_rows if (order := ORDER.read(row))],
        [refill for row in refill_rows if (refill := REFILL.read(row))],
    )


class TrackingStorage:
    """The stored tracking of one config entry.

    Storage that cannot be read never fails the setup: what can be read is kept, and
    a repair issue tells the user what was lost.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Initialize the storage of an entry."""
        self._hass = hass
        self._entry = entry
        self._store = EntryStore(hass, entry, TRACKING)
        # Order and refill ids belong to one panel. Saved with them is the URL this
        # storage was opened for: a save at the unload that follows a reconfigure
        # must not mark the old panel's orders as the new panel's.
        self._url: str = entry.data[CONF_URL]

    async def async_load(self) -> tuple[list[TrackedOrder], list[TrackedRefill]]:
        """Return what was tracked before the last restart, as far as it can be read.

        Data of minor version 1 names no panel URL: it is taken as the entry's.
        """
        stored = await self._store.async_load(on_start_over=self._async_start_over)
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
            await self._async_start_over()
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

    async def _async_start_over(self) -> None:
        await self._async_report_lost("tracking_reset")

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
            _tracking_lost_issue_id(self._entry),
            is_fixable=True,
            is_persistent=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key=translation_key,
            translation_placeholders={"title": self._entry.title, **placeholders},
        )
        await self.async_save(kept)

    def _data(self, tracked: Tracked) -> dict[str, Any]:
        orders, refills = tracked
        return {
            "url": self._url,
            "orders": [ORDER.write(order) for order in orders],
            "refills": [REFILL.write(refill) for refill in refills],
        }

    async def async_save(self, tracked: Tracked) -> None:
        """Write the tracked orders and refills now."""
        await self._store.async_save(self._data(tracked))

    def schedule_save(self, tracked: Callable[[], Tracked]) -> None:
        """Write the tracked orders and refills soon, batching close changes."""
        self._store.schedule_save(lambda: self._data(tracked()))
