"""Polling coordinator for an SMM panel account."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import override

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    Balance,
    NewOrder,
    OrderState,
    OrderStatus,
    PanelService,
    RefillState,
    RefillStatus,
    RowError,
    SmmPanelAuthenticationError,
    SmmPanelClient,
    SmmPanelError,
    SmmPanelRateLimitError,
    SmmPanelUnsupportedActionError,
)
from .const import (
    CATALOGUE_MAX_AGE,
    CONF_FINISHED_ORDER_RETENTION,
    CONF_LOW_BALANCE_THRESHOLD,
    CONF_MAX_ORDER_COST,
    CONF_SCAN_INTERVAL,
    DEFAULT_FINISHED_ORDER_RETENTION,
    DEFAULT_LOW_BALANCE_THRESHOLD,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
)
from .tracking import OrderTracker, TrackedOrder, TrackedRefill, TrackingEvent

type SmmPanelConfigEntry = ConfigEntry[SmmPanelCoordinator]


@dataclass(frozen=True, slots=True, kw_only=True)
class SmmPanelData:
    """What one refresh learned about the account."""

    balance: Balance
    orders: Mapping[int, TrackedOrder]
    refills: Mapping[int, TrackedRefill]
    events: tuple[TrackingEvent, ...] = ()

    @property
    def active_orders(self) -> int:
        """Return how many tracked orders are not finished."""
        return sum(not order.is_finished for order in self.orders.values())

    @property
    def pending_refills(self) -> int:
        """Return how many tracked refills are not finished."""
        return sum(not refill.is_finished for refill in self.refills.values())


def _money_option(value: float | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class SmmPanelCoordinator(DataUpdateCoordinator[SmmPanelData]):
    """Polls the balance and the tracked orders and refills of one account."""

    config_entry: SmmPanelConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: SmmPanelConfigEntry,
        client: SmmPanelClient,
    ) -> None:
        """Initialize the coordinator."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=DOMAIN,
            update_interval=timedelta(
                minutes=config_entry.options.get(
                    CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL
                )
            ),
        )
        self.client = client
        self.tracker = OrderTracker(hass, config_entry)
        self.catalogue: dict[int, PanelService] = {}
        self.catalogue_updated_at: datetime | None = None
        self._catalogue_fetch: asyncio.Task[None] | None = None
        self._follows_refills = True

    @property
    def currency(self) -> str | None:
        """Return the currency of the balance, once the panel has told it."""
        return self.data.balance.currency if self.data else None

    @property
    def low_balance_threshold(self) -> Decimal:
        """Return the balance under which the account counts as low."""
        return Decimal(
            str(
                self.config_entry.options.get(
                    CONF_LOW_BALANCE_THRESHOLD, DEFAULT_LOW_BALANCE_THRESHOLD
                )
            )
        )

    @property
    def max_order_cost(self) -> Decimal | None:
        """Return the most one order may cost, if the user set a cap."""
        return _money_option(self.config_entry.options.get(CONF_MAX_ORDER_COST))

    @property
    def finished_order_retention(self) -> timedelta:
        """Return how long finished orders stay visible."""
        return timedelta(
            hours=self.config_entry.options.get(
                CONF_FINISHED_ORDER_RETENTION, DEFAULT_FINISHED_ORDER_RETENTION
            )
        )

    @override
    async def _async_setup(self) -> None:
        """Load the tracked orders; the catalogue waits until an action needs it."""
        await self.tracker.async_load()

    @override
    async def _async_update_data(self) -> SmmPanelData:
        """Fetch the balance and the state of everything still in flight."""
        try:
            balance = await self.client.get_balance()
            events = await self._async_poll_tracked()
        except SmmPanelError as error:
            raise _update_failed(error) from error
        purged = self.tracker.purge_finished(
            dt_util.utcnow() - self.finished_order_retention
        )
        if events or purged:
            # A restart needs the orders, refills and statuses, not the progress
            # figures, which it polls again: a refresh that only moved those writes
            # nothing to storage.
            self.tracker.schedule_save()
        return self._snapshot(balance, events)

    async def _async_poll_tracked(self) -> list[TrackingEvent]:
        # Everything is fetched before anything is applied: a refresh failing half-way
        # changes nothing, so the next one still sees (and announces) every change.
        active = self.tracker.active_order_ids()
        pending = self.tracker.pending_refill_ids() if self._follows_refills else []
        statuses = await self.client.get_order_statuses(active) if active else {}
        refills = await self._async_refill_statuses(pending) if pending else {}
        now = dt_util.utcnow()
        events = self.tracker.apply_order_states(statuses, now)
        events += self.tracker.apply_refill_states(refills, now)
        return events

    async def _async_refill_statuses(
        self, refill_ids: list[int]
    ) -> Mapping[int, RefillState | RowError]:
        try:
            return await self.client.get_refill_statuses(refill_ids)
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
        self, balance: Balance, events: Iterable[TrackingEvent] = ()
    ) -> SmmPanelData:
        return SmmPanelData(
            balance=balance,
            orders=dict(self.tracker.orders),
            refills=dict(self.tracker.refills),
            events=tuple(events),
        )

    async def async_get_catalogue(self) -> Mapping[int, PanelService]:
        """Return the service catalogue, fetching it the first time it is needed.

        A catalogue older than 12 hours is returned as it is while a fresh one is
        fetched in the background; one fetch runs at a time.
        """
        if self._catalogue_fetch is None and (
            self.catalogue_updated_at is None
            or dt_util.utcnow() - self.catalogue_updated_at > CATALOGUE_MAX_AGE
        ):
            self._catalogue_fetch = self.config_entry.async_create_background_task(
                self.hass, self._async_fetch_catalogue(), "smmpanel service catalogue"
            )
        if self.catalogue_updated_at is None and self._catalogue_fetch is not None:
            await asyncio.shield(self._catalogue_fetch)
        return self.catalogue

    async def _async_fetch_catalogue(self) -> None:
        try:
            services = await self.client.get_services()
        except SmmPanelError:
            if self.catalogue_updated_at is None:
                raise
            LOGGER.debug("Keeping the cached service catalogue", exc_info=True)
        else:
            self.catalogue = {service.service_id: service for service in services}
            self.catalogue_updated_at = dt_util.utcnow()
        finally:
            self._catalogue_fetch = None

    async def _async_tracking_changed(self) -> None:
        """Persist tracking changes made by an action and show them at once.

        After a failed poll the entities stay unavailable until a refresh succeeds,
        rather than showing the last balance as current.
        """
        await self.tracker.async_save()
        if self.data is not None and self.last_update_success:
            self.async_set_updated_data(self._snapshot(self.data.balance))
        await self.async_request_refresh()

    async def async_place_order(
        self, order: NewOrder, *, quantity: int | None = None
    ) -> int:
        """Place an order (never retried) and start tracking it.

        `quantity` is what the order delivers when the panel counts it from lines
        (custom comments) rather than from the `quantity` field.
        """
        order_id = await self.client.add_order(order)
        service = self.catalogue.get(order.service)
        self.tracker.track_order(
            TrackedOrder(
                order_id=order_id,
                tracked_at=dt_util.utcnow(),
                service_id=order.service,
                service_name=service.name if service else None,
                link=order.link,
                quantity=order.quantity if quantity is None else quantity,
                status=OrderStatus.PENDING,
                currency=self.currency,
            )
        )
        await self._async_tracking_changed()
        return order_id

    async def async_track_orders(
        self, order_ids: Iterable[int]
    ) -> dict[int, OrderState | RowError]:
        """Start tracking orders placed elsewhere; return what the panel said of each."""
        results = await self.client.get_order_statuses(order_ids)
        now = dt_util.utcnow()
        for order_id, result in results.items():
            if isinstance(result, RowError) or order_id in self.tracker.orders:
                continue
            self.tracker.track_order(TrackedOrder(order_id=order_id, tracked_at=now))
        self.tracker.apply_order_states(results, now)
        await self._async_tracking_changed()
        return results

    async def async_untrack_orders(self, order_ids: Iterable[int]) -> list[int]:
        """Stop tracking orders; return the ids that were tracked."""
        removed = self.tracker.untrack_orders(order_ids)
        if removed:
            await self._async_tracking_changed()
        return removed

    async def async_refill(self, order_ids: Iterable[int]) -> dict[int, int | RowError]:
        """Request refills and track the ones the panel accepted."""
        results = await self.client.refill_many(order_ids)
        now = dt_util.utcnow()
        accepted = {
            order_id: refill_id
            for order_id, refill_id in results.items()
            if not isinstance(refill_id, RowError)
        }
        for order_id, refill_id in accepted.items():
            self.tracker.track_refill(
                TrackedRefill(
                    refill_id=refill_id,
                    order_id=order_id,
                    requested_at=now,
                    status=RefillStatus.PENDING,
                )
            )
        if accepted:
            await self._async_tracking_changed()
        return results

    async def async_cancel(
        self, order_ids: Iterable[int]
    ) -> dict[int, bool | RowError]:
        """Ask the panel to cancel orders."""
        results = await self.client.cancel(order_ids)
        if any(result is True for result in results.values()):
            await self.async_request_refresh()
        return results


def loaded_currency(entry: SmmPanelConfigEntry) -> str | None:
    """Return an entry's currency, or None while it is not loaded."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    return entry.runtime_data.currency


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
