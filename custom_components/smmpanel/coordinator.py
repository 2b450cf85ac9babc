"""Polling coordinator for an SMM panel account, and what a loaded account holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import override

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
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
from .catalogue import ServiceCatalogue
from .const import DOMAIN, LOGGER
from .models import TrackedOrder, TrackedRefill, TrackingEvent
from .options import AccountOptions
from .spending import Deposit, SpendingSummary, SpendingTracker
from .tracking import OrderTracker


@dataclass(frozen=True, slots=True, kw_only=True)
class SmmPanelData:
    """What a loaded panel account works with."""

    client: SmmPanelClient
    coordinator: SmmPanelCoordinator
    tracker: OrderTracker
    spending: SpendingTracker
    catalogue: ServiceCatalogue
    options: AccountOptions


type SmmPanelConfigEntry = ConfigEntry[SmmPanelData]


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountSnapshot:
    """What the last refresh knows of the account."""

    balance: Balance
    orders: Mapping[int, TrackedOrder]
    refills: Mapping[int, TrackedRefill]
    spending: SpendingSummary
    events: tuple[TrackingEvent, ...] = ()
    deposit: Deposit | None = None
    """Money added to the balance since the refresh before."""

    @property
    def active_orders(self) -> int:
        """Return how many tracked orders are not finished."""
        return sum(not order.is_finished for order in self.orders.values())

    @property
    def pending_refills(self) -> int:
        """Return how many tracked refills are not finished."""
        return sum(not refill.is_finished for refill in self.refills.values())


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
        self.options = options
        self._follows_refills = True

    @property
    def currency(self) -> str | None:
        """Return the currency of the balance, once the panel has told it."""
        return self.data.balance.currency if self.data else None

    @override
    async def _async_setup(self) -> None:
        """Load the tracked orders; the catalogue waits until an action needs it."""
        await self._tracker.async_load()
        await self._spending.async_load()

    @override
    async def _async_update_data(self) -> AccountSnapshot:
        """Fetch the balance and the state of everything still in flight."""
        try:
            balance = await self._client.get_balance()
            events = await self._async_poll_tracked()
        except SmmPanelError as error:
            raise _update_failed(error) from error
        now = dt_util.utcnow()
        purged = self._tracker.purge_finished(
            now - self.options.finished_order_retention
        )
        if events or purged:
            # A restart needs the orders, refills and statuses, not the progress
            # figures, which it polls again: a refresh that only moved those writes
            # nothing to storage.
            self._tracker.schedule_save()
        spending, deposit = self._spending.record(
            balance.amount, balance.currency, self._tracker.take_refunds(), now
        )
        return self._snapshot(balance, spending, events, deposit)

    async def _async_poll_tracked(self) -> list[TrackingEvent]:
        # Everything is fetched before anything is applied: a refresh failing half-way
        # changes nothing, so the next one still sees (and announces) every change.
        active = self._tracker.active_order_ids()
        pending = self._tracker.pending_refill_ids() if self._follows_refills else []
        statuses = await self._client.get_order_statuses(active) if active else {}
        refills = await self._async_refill_statuses(pending) if pending else {}
        now = dt_util.utcnow()
        events = self._tracker.apply_order_states(statuses, now)
        events += self._tracker.apply_refill_states(refills, now)
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
    ) -> AccountSnapshot:
        return AccountSnapshot(
            balance=balance,
            orders=dict(self._tracker.orders),
            refills=dict(self._tracker.refills),
            spending=spending,
            events=tuple(events),
            deposit=deposit,
        )

    async def async_tracking_changed(self) -> None:
        """Store what an action changed in the tracking, and show it at once.

        After a failed poll the entities stay unavailable until a refresh succeeds,
        rather than showing the last balance as current.
        """
        await self._tracker.async_save()
        if self.data is not None and self.last_update_success:
            self.async_set_updated_data(
                self._snapshot(self.data.balance, self.data.spending)
            )


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
