"""Polling coordinator for an SMM panel account, and what a loaded account holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self, override

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    Balance,
    RefillState,
    RowError,
    SmmPanelAuthenticationError,
    SmmPanelClient,
    SmmPanelError,
    SmmPanelRateLimitError,
    SmmPanelUnsupportedActionError,
)
from .budget import BudgetUse, OrderReservations, budget_uses, newly_used_up
from .catalogue import ServiceCatalogue
from .const import (
    CONF_CATEGORY,
    CONF_NOTABLE_CHANGE,
    CONF_SERVICE_ID,
    DOMAIN,
    LOGGER,
    SUBENTRY_WATCHED_CATEGORY,
    SUBENTRY_WATCHED_SERVICE,
)
from .models import TrackedOrder, TrackedRefill, TrackingEvent
from .money import form_decimal
from .options import AccountOptions
from .service_stats import ServiceHistory, history_from_json, history_to_json
from .spending import Deposit, Period, SpendingSummary, SpendingTracker
from .storage import CATALOGUE_WATCH, SERVICE_STATS, EntryStore
from .tracking import OrderTracker
from .watch import (
    EMPTY_STATE,
    CatalogueChange,
    ServiceListing,
    WatchedCategory,
    WatchedService,
    WatchState,
    diff_catalogue,
    watch_from_json,
    watch_to_json,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmmPanelData:
    """What a loaded panel account works with."""

    client: SmmPanelClient
    coordinator: SmmPanelCoordinator
    tracker: OrderTracker
    spending: SpendingTracker
    service_stats: ServiceStats
    catalogue: ServiceCatalogue
    options: AccountOptions
    watch: CatalogueWatchCoordinator | None = None
    """Polls the catalogue while a service or category is watched."""


type SmmPanelConfigEntry = ConfigEntry[SmmPanelData]


class ServiceStats:
    """How each service of one config entry delivered, loaded from and saved to storage."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Initialize; call async_load before use."""
        self._store = EntryStore(hass, entry, SERVICE_STATS)
        self._url: str = entry.data[CONF_URL]
        self.history = ServiceHistory()

    async def async_load(self) -> None:
        """Load the history; storage that cannot be read starts a new one."""
        self.history = history_from_json(await self._store.async_load(), self._url)

    def record(self, tracker: OrderTracker, events: Iterable[TrackingEvent]) -> None:
        """Count the orders that finished and the refills requested, once each.

        An order counts its time to complete when `events` tell it finished from a
        running status: one first seen finished has no time.
        """
        seen_running = {
            event.order_id
            for event in events
            if event.previous_status is not None
            and not event.previous_status.is_finished
        }
        if self.history.record(
            tracker.orders.values(), tracker.refills.values(), seen_running
        ):
            self.history.prune(dt_util.utcnow())
            self._store.schedule_save(self._data)

    def _data(self) -> dict[str, Any]:
        return history_to_json(self.history, self._url)

    async def async_save(self) -> None:
        """Write the history now."""
        await self._store.async_save(self._data())


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountSnapshot:
    """What the last refresh knows of the account."""

    balance: Balance
    orders: Mapping[int, TrackedOrder]
    refills: Mapping[int, TrackedRefill]
    spending: SpendingSummary
    budgets: Mapping[Period, BudgetUse]
    """The use of each budget set."""
    events: tuple[TrackingEvent, ...] = ()
    deposit: Deposit | None = None
    """Money added to the balance since the refresh before."""
    budgets_reached: tuple[BudgetUse, ...] = ()
    """The budgets this refresh found used up, once a period each."""
    pending_refills: int = 0
    """How many refills are not finished and still followed (given-up ones are not)."""

    @property
    def active_orders(self) -> int:
        """Return how many tracked orders are not finished."""
        return sum(not order.is_finished for order in self.orders.values())


class SmmPanelCoordinator(DataUpdateCoordinator[AccountSnapshot]):
    """Polls the balance and the tracked orders and refills of one account."""

    config_entry: SmmPanelConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: SmmPanelConfigEntry,
        client: SmmPanelClient,
        tracker: OrderTracker,
        *,
        spending: SpendingTracker,
        service_stats: ServiceStats,
        options: AccountOptions,
    ) -> None:
        """Initialize the coordinator."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=DOMAIN,
            update_interval=options.scan_interval,
        )
        self._client = client
        self._tracker = tracker
        self._spending = spending
        self._service_stats = service_stats
        self.options = options
        self._follows_refills = True
        self.reservations = OrderReservations()
        # Status changes actions found, not yet published in a snapshot.
        self._untold_events: list[TrackingEvent] = []

    @property
    def currency(self) -> str | None:
        """Return the currency of the balance, once the panel has told it."""
        return self.data.balance.currency if self.data else None

    @override
    async def _async_setup(self) -> None:
        """Load the tracked orders; the catalogue waits until an action needs it."""
        await self._tracker.async_load()
        await self._spending.async_load()
        await self._service_stats.async_load()

    @override
    async def _async_update_data(self) -> AccountSnapshot:
        """Fetch the balance and the state of everything still in flight."""
        balance_request = self.reservations.start_balance_request()
        try:
            balance = await self._client.get_balance()
            events = await self._async_poll_tracked()
        except SmmPanelError as error:
            raise _update_failed(error) from error
        # Counted before the purge, which forgets finished orders.
        self._service_stats.record(self._tracker, events)
        now = dt_util.utcnow()
        purged = self._tracker.purge_finished(
            now, self.options.finished_order_retention
        )
        if events or purged:
            # A restart needs the orders, refills and statuses, not the progress
            # figures, which it polls again: a refresh that only moved those writes
            # nothing to storage.
            self._tracker.schedule_save()
        spending, deposit = self._spending.record(
            balance.amount,
            balance.currency,
            self._tracker.take_refunds(),
            now,
            refundable=self._tracker.refundable(),
        )
        self.reservations.balance_recorded(
            balance_request, held=self._spending.ledger.unsettled is not None
        )
        budgets = self.budget_uses(now)
        if reached := newly_used_up(
            budgets.values(), self._spending.ledger.budgets_reached
        ):
            # Written before it is told: a budget reached is told once a period, even
            # after Home Assistant stopped without writing the rest.
            await self._spending.async_budgets_reached(
                {use.period: use.start for use in reached}
            )
        return self._snapshot(
            balance,
            spending,
            [*self._take_untold_events(), *events],
            deposit,
            budgets=budgets,
            budgets_reached=reached,
        )

    def budget_uses(self, now: datetime) -> dict[Period, BudgetUse]:
        """Return the use of each budget set at a moment, reserved charges counted."""
        return budget_uses(
            self.options.budgets,
            self._spending.ledger,
            self.reservations.total,
            now,
        )

    async def _async_poll_tracked(self) -> list[TrackingEvent]:
        # Everything is fetched before anything is applied: a refresh failing half-way
        # changes nothing, so the next one still sees (and announces) every change.
        active = self._tracker.active_order_ids()
        pending = (
            self._tracker.pending_refill_ids(dt_util.utcnow())
            if self._follows_refills
            else []
        )
        request = self._tracker.start_status_request()
        statuses = await self._client.get_order_statuses(active) if active else {}
        refills = await self._async_refill_statuses(pending) if pending else {}
        now = dt_util.utcnow()
        events = self._tracker.apply_order_states(statuses, now, request=request)
        events += self._tracker.apply_refill_states(refills, now)
        return events

    def _take_untold_events(self) -> list[TrackingEvent]:
        events, self._untold_events = self._untold_events, []
        return events

    async def _async_refill_statuses(
        self, refill_ids: list[int]
    ) -> Mapping[int, RefillState | RowError]:
        try:
            return await self._client.get_refill_statuses(refill_ids)
        except SmmPanelUnsupportedActionError as error:
            self._follows_refills = False
            LOGGER.warning(
                "%s does not offer refill_status through its API (it answered %r):"
                " the status of refills is no longer asked for",
                self.config_entry.title,
                error.message,
            )
            return {}

    def _snapshot(
        self,
        balance: Balance,
        spending: SpendingSummary,
        events: Iterable[TrackingEvent] = (),
        deposit: Deposit | None = None,
        *,
        budgets: Mapping[Period, BudgetUse],
        budgets_reached: Iterable[BudgetUse] = (),
    ) -> AccountSnapshot:
        orders, refills = self._tracker.snapshot()
        return AccountSnapshot(
            balance=balance,
            orders=orders,
            refills=refills,
            spending=spending,
            budgets=budgets,
            events=tuple(events),
            deposit=deposit,
            budgets_reached=tuple(budgets_reached),
            pending_refills=len(self._tracker.pending_refill_ids(dt_util.utcnow())),
        )

    async def async_tracking_changed(
        self, events: Iterable[TrackingEvent] = ()
    ) -> None:
        """Store what an action changed in the tracking, and show it at once.

        `events` are the status changes the action applied: they are told with it,
        as a poll tells its own. After a failed poll the entities stay unavailable
        until a refresh succeeds, rather than showing the last balance as current;
        the events wait for that refresh.
        """
        events = list(events)
        self._service_stats.record(self._tracker, events)
        self._untold_events.extend(events)
        await self._tracker.async_save()
        if self.data is not None and self.last_update_success:
            self.async_set_updated_data(
                self._snapshot(
                    self.data.balance,
                    self.data.spending,
                    self._take_untold_events(),
                    budgets=self.budget_uses(dt_util.utcnow()),
                )
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogueSnapshot:
    """What the last catalogue check knows of the watched services and categories."""

    listings: Mapping[int, ServiceListing]
    """The last listing of each watched service, by service id."""
    category_sizes: Mapping[str, int]
    changes: tuple[CatalogueChange, ...] = ()
    checked: bool = True
    """False for the stored catalogue shown from a start until the first check."""

    @classmethod
    def of(
        cls,
        state: WatchState,
        changes: Iterable[CatalogueChange] = (),
        *,
        checked: bool = True,
    ) -> Self:
        """Return what a watched slice of the catalogue shows."""
        return cls(
            listings=state.services,
            category_sizes={
                category: len(ids) for category, ids in state.categories.items()
            },
            changes=tuple(changes),
            checked=checked,
        )

    def listing(self, service_id: int) -> ServiceListing | None:
        """Return a watched service's listing while the catalogue offers it."""
        listing = self.listings.get(service_id)
        return listing if listing is not None and listing.listed else None


def watched_services(entry: SmmPanelConfigEntry) -> list[WatchedService]:
    """Return the services the entry's subentries watch."""
    return [
        WatchedService(
            subentry_id=subentry.subentry_id,
            service_id=subentry.data[CONF_SERVICE_ID],
            notable_change=(
                None
                if (threshold := subentry.data.get(CONF_NOTABLE_CHANGE)) is None
                else form_decimal(threshold)
            ),
        )
        for subentry in entry.get_subentries_of_type(SUBENTRY_WATCHED_SERVICE)
    ]


def watched_categories(entry: SmmPanelConfigEntry) -> list[WatchedCategory]:
    """Return the categories the entry's subentries watch for new services."""
    return [
        WatchedCategory(
            subentry_id=subentry.subentry_id, category=subentry.data[CONF_CATEGORY]
        )
        for subentry in entry.get_subentries_of_type(SUBENTRY_WATCHED_CATEGORY)
    ]


REMOVED_SERVICE_ISSUE_PREFIX = "service_removed_"


class CatalogueWatchCoordinator(DataUpdateCoordinator[CatalogueSnapshot]):
    """Checks the catalogue on its own schedule and tells what changed.

    It runs beside the account's coordinator and never holds it up: a catalogue
    that cannot be fetched makes only the watched services' entities unavailable.
    So does one listing no services after one that listed some, as panels answer
    under maintenance: it is a failed check, not every service removed.
    """

    config_entry: SmmPanelConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: SmmPanelConfigEntry,
        catalogue: ServiceCatalogue,
        options: AccountOptions,
    ) -> None:
        """Initialize the coordinator; `async_load` reads what was seen before."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} catalogue",
            update_interval=options.catalogue_interval,
        )
        self._catalogue = catalogue
        self._store = EntryStore(hass, config_entry, CATALOGUE_WATCH)
        self._state = EMPTY_STATE

    async def async_load(self) -> None:
        """Read the watched slice of the catalogue seen before the restart.

        What cannot be read starts over: the next check is the new baseline.
        """
        self._state = watch_from_json(await self._store.async_load())
        # Shown until the first check: the entities come back as they were, and
        # the check changes (and the logbook tells) only what the panel changed.
        self.data = CatalogueSnapshot.of(self._state, checked=False)

    @override
    async def _async_update_data(self) -> CatalogueSnapshot:
        """Fetch the catalogue, and compare it with the one seen before."""
        try:
            catalogue = await self._catalogue.async_refresh(
                listed_before=self._state.lists_services
            )
        except SmmPanelError as error:
            raise _update_failed(error) from error
        services = watched_services(self.config_entry)
        state, changes = diff_catalogue(
            self._state, catalogue, services, watched_categories(self.config_entry)
        )
        if state != self._state:
            # Written before anything is announced: a change is told once.
            await self._store.async_save(watch_to_json(state))
            self._state = state
        snapshot = CatalogueSnapshot.of(state, changes)
        self._async_report_removed(services, snapshot)
        return snapshot

    def _async_report_removed(
        self, services: Iterable[WatchedService], snapshot: CatalogueSnapshot
    ) -> None:
        """Raise a repair issue for each watched service the panel no longer sells."""
        entry = self.config_entry
        for watched in services:
            issue_id = f"{REMOVED_SERVICE_ISSUE_PREFIX}{watched.subentry_id}"
            if snapshot.listing(watched.service_id) is not None:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
                continue
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                data={"entry_id": entry.entry_id, "subentry_id": watched.subentry_id},
                is_fixable=True,
                severity=ir.IssueSeverity.WARNING,
                translation_key="service_removed",
                translation_placeholders={
                    "service": entry.subentries[watched.subentry_id].title,
                    "title": entry.title,
                },
            )


def delete_stale_watch_issues(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
    """Delete the removed-service issues of watches the entry no longer has."""
    for (domain, issue_id), issue in list(ir.async_get(hass).issues.items()):
        if (
            domain == DOMAIN
            and issue_id.startswith(REMOVED_SERVICE_ISSUE_PREFIX)
            and issue.data is not None
            and issue.data.get("entry_id") == entry.entry_id
            and issue.data.get("subentry_id") not in entry.subentries
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)


def loaded_currency(entry: SmmPanelConfigEntry) -> str | None:
    """Return an entry's currency, or None while it is not loaded."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    return entry.runtime_data.coordinator.currency


def _update_failed(error: SmmPanelError) -> Exception:
    """Translate a client error into what the coordinator raises."""
    if isinstance(error, SmmPanelAuthenticationError):
        return ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        )
    if isinstance(error, SmmPanelRateLimitError):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="rate_limited",
            retry_after=error.retry_after,
        )
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key="update_failed",
        translation_placeholders={"error": str(error)},
    )
