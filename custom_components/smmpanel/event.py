"""Event entity for the SMM Panel integration: order and refill status changes."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.event import (
    ATTR_EVENT_TYPE,
    EventEntity,
    EventEntityDescription,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .budget import BudgetUse
from .const import EVENT_ORDER
from .coordinator import (
    AccountSnapshot,
    CatalogueSnapshot,
    CatalogueWatchCoordinator,
    SmmPanelConfigEntry,
    SmmPanelCoordinator,
)
from .entity import (
    SmmPanelEntity,
    WatchEntity,
    async_add_watch_entities,
    async_order_name,
    order_event_data,
    service_terms_data,
)
from .models import BALANCE_TOPPED_UP, BUDGET_REACHED, ORDER_EVENT_TYPES, TrackingEvent
from .spending import Deposit
from .watch import (
    CATEGORY_EVENT_TYPES,
    SERVICE_EVENT_TYPES,
    CatalogueChange,
    LimitsChanged,
    RateChanged,
    ServiceListing,
    ServicesAdded,
)

PARALLEL_UPDATES = 0

ORDER_EVENTS = EventEntityDescription(
    key="order_events",
    translation_key="order_events",
    event_types=[*ORDER_EVENT_TYPES, BALANCE_TOPPED_UP, BUDGET_REACHED],
)
WATCHED_SERVICE_EVENTS = EventEntityDescription(
    key="service_events",
    translation_key="service_events",
    event_types=list(SERVICE_EVENT_TYPES),
)
WATCHED_CATEGORY_EVENTS = EventEntityDescription(
    key="category_events",
    translation_key="category_events",
    event_types=list(CATEGORY_EVENT_TYPES),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the order event entity of a panel account, and one per watch."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities([SmmPanelOrderEventEntity(coordinator)])
    currency = coordinator.currency
    async_add_watch_entities(
        entry,
        async_add_entities,
        services=lambda watch, subentry: [
            WatchEventEntity(watch, subentry, WATCHED_SERVICE_EVENTS, currency)
        ],
        categories=lambda watch, subentry: [
            WatchEventEntity(watch, subentry, WATCHED_CATEGORY_EVENTS, currency)
        ],
    )


class _FiresEachRefreshOnce(EventEntity):
    """Fires the events a coordinator refresh found, once each.

    Those a refresh found before the entity existed (as at start) too.
    """

    _fired_data: object = None

    def _fire_refresh(self, data: Any) -> None:
        """Fire the events of one refresh's data."""
        raise NotImplementedError

    def _handle_coordinator_update(self) -> None:
        """Handle a refresh, as the coordinator entity does."""
        raise NotImplementedError

    @override
    async def async_added_to_hass(self) -> None:
        """Fire what the refresh before this entity existed found."""
        await super().async_added_to_hass()
        self._handle_coordinator_update()

    @callback
    def _fire_new_refresh(self, data: object) -> None:
        if data is not None and data is not self._fired_data:
            self._fired_data = data
            self._fire_refresh(data)


class SmmPanelOrderEventEntity(SmmPanelEntity, _FiresEachRefreshOnce):
    """Fires an event on every order status change, refill result and deposit."""

    def __init__(self, coordinator: SmmPanelCoordinator) -> None:
        """Initialize the event entity."""
        super().__init__(coordinator, ORDER_EVENTS)

    @override
    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire the events of a refresh, then follow availability."""
        self._fire_new_refresh(self.coordinator.data)
        super()._handle_coordinator_update()

    @override
    def _fire_refresh(self, data: AccountSnapshot) -> None:
        for event in data.events:
            self._fire(event.event_type, _event_data(self.hass, event))
        if data.deposit is not None:
            self._fire(BALANCE_TOPPED_UP, _deposit_data(data.deposit))
        for use in data.budgets_reached:
            self._fire(BUDGET_REACHED, _budget_data(use, data.balance.currency))

    @callback
    def _fire(self, event_type: str, event_data: dict[str, Any]) -> None:
        """Fire an event on the entity, and on the bus for the logbook and triggers."""
        self._trigger_event(event_type, event_data)
        self.async_write_ha_state()
        self.hass.bus.async_fire(
            EVENT_ORDER,
            {ATTR_ENTITY_ID: self.entity_id, ATTR_EVENT_TYPE: event_type, **event_data},
        )


class WatchEventEntity(WatchEntity, _FiresEachRefreshOnce):
    """Fires an event for each change the catalogue checks find in its watch."""

    def __init__(
        self,
        coordinator: CatalogueWatchCoordinator,
        subentry: ConfigSubentry,
        description: EventEntityDescription,
        currency: str | None,
    ) -> None:
        """Initialize the event entity of a watched service or category."""
        super().__init__(coordinator, subentry, description)
        self._currency = currency

    @override
    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire the changes of a check, then follow availability."""
        self._fire_new_refresh(self.coordinator.data)
        super()._handle_coordinator_update()

    @override
    def _fire_refresh(self, data: CatalogueSnapshot) -> None:
        for change in data.changes:
            if change.subentry_id == self._subentry_id:
                self._trigger_event(
                    change.event_type, catalogue_event_data(change, self._currency)
                )
                self.async_write_ha_state()


def _listing_data(listing: ServiceListing) -> dict[str, Any]:
    """Return what events tell about a service; money as numbers, as elsewhere."""
    return {
        "service_id": listing.service_id,
        "service": listing.name,
        **service_terms_data(listing),
    }


def catalogue_event_data(
    change: CatalogueChange, currency: str | None
) -> dict[str, Any]:
    """Return what the event of a catalogue change tells."""
    data: dict[str, Any]
    match change:
        case RateChanged():
            data = {
                **_listing_data(change.listing),
                "old_rate": float(change.old_rate),
                "new_rate": float(change.listing.rate),
                "change_percent": (
                    None
                    if change.change_percent is None
                    else float(change.change_percent)
                ),
                "notable": change.notable,
            }
        case LimitsChanged():
            data = {
                **_listing_data(change.listing),
                "old_min": change.old_min,
                "old_max": change.old_max,
            }
        case ServicesAdded():
            data = {
                "category": change.category,
                "count": len(change.services),
                "services": [_listing_data(listing) for listing in change.services],
            }
        case _:
            data = _listing_data(change.listing)
    data["currency"] = currency
    return data


def _deposit_data(deposit: Deposit) -> dict[str, Any]:
    """Return what a deposit event tells: the amount added, the balance after."""
    return {
        "amount": float(deposit.amount),
        "balance": float(deposit.balance),
        "currency": deposit.currency,
    }


def _budget_data(use: BudgetUse, currency: str | None) -> dict[str, Any]:
    """Return what a budget reached tells: its period, the budget, the net spend."""
    return {
        "period": str(use.period),
        "budget": float(use.budget),
        "spent": float(use.spent),
        "currency": currency,
    }


def _event_data(hass: HomeAssistant, event: TrackingEvent) -> dict[str, Any]:
    """Return what an event tells: the order, and the status left or the refill.

    `order_name` names the order as its sensor does, for messages and the
    entity's attributes; the other fields keep their documented shape.
    """
    data: dict[str, Any] = (
        order_event_data(event.order)
        if event.order is not None
        else {"order_id": str(event.order_id)}
    )
    data["order_name"] = async_order_name(hass, event.order_id, event.order)
    if event.previous_status is not None:
        data["previous_status"] = str(event.previous_status)
    if event.refill_id is not None:
        data["refill_id"] = str(event.refill_id)
    return data
