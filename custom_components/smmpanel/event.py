"""Event entities for the SMM Panel integration: the account's and the watches'."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any, Final, override

from homeassistant.components.event import (
    ATTR_EVENT_TYPE,
    EventEntity,
    EventEntityDescription,
)
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import (
    ATTR_DOMAIN,
    ATTR_ENTITY_ID,
    ATTR_NAME,
    EVENT_LOGBOOK_ENTRY,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.json import json_dumps_sorted
from homeassistant.helpers.translation import async_get_cached_translations
from homeassistant.helpers.update_coordinator import (
    CoordinatorEntity,
    DataUpdateCoordinator,
)

from .budget import BudgetUse
from .const import BALANCE_KEY, DOMAIN, EVENT_ORDER
from .coordinator import (
    CatalogueWatchCoordinator,
    SmmPanelConfigEntry,
    SmmPanelCoordinator,
)
from .entity import (
    SmmPanelEntity,
    WatchEntity,
    account_device_name,
    async_add_watch_entities,
    async_order_name,
    order_event_data,
    order_sensor_unique_id,
    service_terms_data,
)
from .models import BALANCE_TOPPED_UP, BUDGET_REACHED, ORDER_EVENT_TYPES, TrackingEvent
from .money import format_money
from .sensor import BUDGET_SENSORS
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

# The text of a logbook entry (`logbook_entry` event), beside its name, domain and
# entity.
LOGBOOK_MESSAGE: Final = "message"

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


class _FiresEachChangeOnce[CoordinatorT: DataUpdateCoordinator[Any], ChangeT](
    CoordinatorEntity[CoordinatorT], EventEntity
):
    """Fires each change its coordinator's data holds once, known by a stable key.

    A change's key is its event type and what its event data says of which change
    it is (`_change_key`): not where the data came from. So the changes of a
    refresh fire once however often the entity hears of that refresh (every
    listener update, a failed refresh that keeps the data, the entity added again,
    the refresh made before the entity existed, as at a start), and the event the
    entity restores at a start counts as fired: a change found again after a
    restart that lost its record is not told twice.
    """

    _fired: frozenset[Hashable] = frozenset()

    @abstractmethod
    def _changes(self) -> Iterable[tuple[ChangeT, str, dict[str, Any]]]:
        """Return the changes of the data at hand: each with its event type and data."""

    def _change_key(self, event_type: str, event_data: Mapping[str, Any]) -> Hashable:
        """Return what tells a change from another: by default, all its event says."""
        return event_type, json_dumps_sorted(event_data)

    @callback
    def _fire(
        self, change: ChangeT, event_type: str, event_data: dict[str, Any]
    ) -> None:
        """Fire the event of a change."""
        self._trigger_event(event_type, event_data)
        self.async_write_ha_state()

    @override
    async def async_added_to_hass(self) -> None:
        """Count the restored event as fired; fire what the data at hand holds."""
        await super().async_added_to_hass()
        last = await self.async_get_last_event_data()
        if last is not None and last.last_event_type is not None:
            self._fired |= {
                self._change_key(last.last_event_type, last.last_event_attributes or {})
            }
        self._handle_coordinator_update()

    @override
    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire the changes not fired yet, then follow availability."""
        changes = {
            self._change_key(event_type, event_data): (change, event_type, event_data)
            for change, event_type, event_data in self._changes()
        }
        for key, (change, event_type, event_data) in changes.items():
            if key not in self._fired:
                self._fire(change, event_type, event_data)
        # Only the data at hand can be heard of again.
        self._fired = frozenset(changes)
        super()._handle_coordinator_update()


# What tells one change of an account from another in its event data: the order's
# and the refill's ids and the status the order left; for a deposit, the amount and
# the balance it made; for a budget reached, its period and the period's first day.
ACCOUNT_CHANGE_KEY_FIELDS: Final = (
    "order_id",
    "refill_id",
    "previous_status",
    "amount",
    "balance",
    "period",
    "period_start",
)
# The name of the event type a budget reached fires, as the logbook line says it.
BUDGET_REACHED_NAME_KEY: Final = (
    f"component.{DOMAIN}.entity.event.order_events.state_attributes.event_type"
    f".state.{BUDGET_REACHED}"
)

type AccountChange = TrackingEvent | Deposit | BudgetUse


class SmmPanelOrderEventEntity(
    _FiresEachChangeOnce[SmmPanelCoordinator, AccountChange],
    SmmPanelEntity,
):
    """Fires an event on every order status change, refill result and deposit.

    And on every budget used up, once a period. Each is also fired on the bus, for
    event triggers. A refill's change, a deposit and a budget reached get a line in
    the logbook naming the order, the balance or the budget's sensor; an order's own
    change has its line already: its sensor's change of state.
    """

    def __init__(self, coordinator: SmmPanelCoordinator) -> None:
        """Initialize the event entity."""
        super().__init__(coordinator, ORDER_EVENTS)

    @override
    def _changes(self) -> Iterator[tuple[AccountChange, str, dict[str, Any]]]:
        data = self.coordinator.data
        for event in data.events:
            yield event, event.event_type, _event_data(self.hass, event)
        if data.deposit is not None:
            yield data.deposit, BALANCE_TOPPED_UP, _deposit_data(data.deposit)
        for use in data.budgets_reached:
            yield use, BUDGET_REACHED, _budget_data(use, data.balance.currency)

    @override
    def _change_key(self, event_type: str, event_data: Mapping[str, Any]) -> Hashable:
        return event_type, *map(event_data.get, ACCOUNT_CHANGE_KEY_FIELDS)

    @override
    @callback
    def _fire(
        self,
        change: AccountChange,
        event_type: str,
        event_data: dict[str, Any],
    ) -> None:
        """Fire the event on the entity and on the bus, and write its logbook line."""
        super()._fire(change, event_type, event_data)
        self.hass.bus.async_fire(
            EVENT_ORDER,
            {ATTR_ENTITY_ID: self.entity_id, ATTR_EVENT_TYPE: event_type, **event_data},
        )
        if (line := self._logbook_line(change, event_type, event_data)) is not None:
            self.hass.bus.async_fire(EVENT_LOGBOOK_ENTRY, line)

    def _logbook_line(
        self,
        change: AccountChange,
        event_type: str,
        event_data: Mapping[str, Any],
    ) -> dict[str, str] | None:
        """Return the logbook line of a change, on the entity it is about.

        None for an order's own change while its sensor shows it: the sensor's
        change of state is that line.
        """
        entry = self.coordinator.config_entry
        registry = er.async_get(self.hass)
        if isinstance(change, Deposit):
            entity_id = registry.async_get_entity_id(
                SENSOR_DOMAIN, DOMAIN, f"{entry.entry_id}_{BALANCE_KEY}"
            )
            return _logbook_entry(
                self.hass,
                entity_id,
                f"{account_device_name(entry)} Balance",
                f"topped up by {format_money(change.amount, change.currency)}",
            )
        if isinstance(change, BudgetUse):
            return self._budget_logbook_line(change, event_data)
        entity_id = registry.async_get_entity_id(
            SENSOR_DOMAIN,
            DOMAIN,
            order_sensor_unique_id(entry.entry_id, change.order_id),
        )
        if (
            change.refill_id is None
            and entity_id is not None
            and self.hass.states.get(entity_id) is not None
        ):
            return None
        # "completed", "refill in progress"...
        return _logbook_entry(
            self.hass,
            entity_id,
            f"{account_device_name(entry)} {event_data['order_name']}",
            event_type.replace("_", " "),
        )

    def _budget_logbook_line(
        self, use: BudgetUse, event_data: Mapping[str, Any]
    ) -> dict[str, str]:
        """Return the line of a budget reached, on its sensor.

        In Home Assistant's language: the sensor's name says the period ("Budget
        left today"), the message the event type's name and the budget ("Budget
        reached (10.00 USD)").
        """
        entry = self.coordinator.config_entry
        description = BUDGET_SENSORS[use.period]
        translations = async_get_cached_translations(
            self.hass, self.hass.config.language, "entity", DOMAIN
        )
        sensor_name = translations.get(
            f"component.{DOMAIN}.entity.sensor.{description.translation_key}.name",
            description.key,
        )
        reached = translations.get(BUDGET_REACHED_NAME_KEY, BUDGET_REACHED)
        return _logbook_entry(
            self.hass,
            er.async_get(self.hass).async_get_entity_id(
                SENSOR_DOMAIN, DOMAIN, f"{entry.entry_id}_{description.key}"
            ),
            f"{account_device_name(entry)} {sensor_name}",
            f"{reached} ({format_money(use.budget, event_data['currency'])})",
        )


class WatchEventEntity(
    _FiresEachChangeOnce[CatalogueWatchCoordinator, CatalogueChange], WatchEntity
):
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
    def _changes(self) -> Iterator[tuple[CatalogueChange, str, dict[str, Any]]]:
        for change in self.coordinator.data.changes:
            if change.subentry_id == self._subentry_id:
                yield (
                    change,
                    change.event_type,
                    catalogue_event_data(change, self._currency),
                )


@callback
def _logbook_entry(
    hass: HomeAssistant, entity_id: str | None, fallback_name: str, message: str
) -> dict[str, str]:
    """Return a logbook line about an entity, named as the entity is, if it has one."""
    state = hass.states.get(entity_id) if entity_id is not None else None
    line = {
        ATTR_NAME: state.name if state is not None else fallback_name,
        LOGBOOK_MESSAGE: message,
        ATTR_DOMAIN: DOMAIN,
    }
    if entity_id is not None:
        line[ATTR_ENTITY_ID] = entity_id
    return line


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
        "period_start": use.start.isoformat(),
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
