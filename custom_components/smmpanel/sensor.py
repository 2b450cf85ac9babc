"""Sensors for the SMM Panel integration."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import batched, islice
from typing import Any, Final, override

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityCapabilityAttribute,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import OrderStatus, PanelService
from .const import (
    BALANCE_KEY,
    CONF_CATEGORY,
    CONF_SERVICE_ID,
    DOMAIN,
    ORDER_KEY_PREFIX,
    SUBENTRY_WATCHED_SERVICE,
)
from .coordinator import (
    AccountSnapshot,
    CatalogueWatchCoordinator,
    SmmPanelConfigEntry,
    SmmPanelCoordinator,
)
from .entity import (
    SmmPanelEntity,
    WatchedServiceEntity,
    WatchEntity,
    account_device_info,
    async_add_watch_entities,
    order_event_data,
    order_of_sensor,
    order_sensor_unique_id,
    watch_device_info,
)
from .models import TrackedOrder, TrackedRefill
from .refill_window import refill_guarantee_attributes
from .service_stats import ServiceFigures
from .spending import Period
from .watch import ServiceListing

PARALLEL_UPDATES = 0

# An account may track thousands of orders. Their sensors are added, and their states
# written, a batch per event loop iteration, so that no refresh holds the loop long.
# A status the panel names but this integration does not know is Home Assistant's
# own unknown state; the panel's word for it is the `panel_status` attribute.
ORDER_STATUS_OPTIONS = [
    str(status) for status in OrderStatus if status is not OrderStatus.UNKNOWN
]
ORDER_SENSORS_ADDED_PER_BATCH = 50
ORDER_SENSOR_STATES_WRITTEN_PER_BATCH = 500
# One description for all order sensors: they differ only in their order, whose id is
# in their unique id and their name. An order whose service is known is named after
# it too, with a translation of its own ("Order 23503 · Instagram Followers"), so
# that an order without one reads "Order 23503", with no dangling separator.
ORDER_SENSOR = SensorEntityDescription(
    key=ORDER_KEY_PREFIX,
    translation_key="order_status",
    device_class=SensorDeviceClass.ENUM,
    options=ORDER_STATUS_OPTIONS,
)
ORDER_SENSOR_WITH_SERVICE = SensorEntityDescription(
    key=ORDER_KEY_PREFIX,
    translation_key="order_status_service",
    device_class=SensorDeviceClass.ENUM,
    options=ORDER_STATUS_OPTIONS,
)
ORDER_SENSOR_CAPABILITIES: dict[str, Any] = {
    SensorEntityCapabilityAttribute.OPTIONS: ORDER_STATUS_OPTIONS
}


@dataclass(frozen=True, kw_only=True)
class SmmPanelSensorEntityDescription(SensorEntityDescription):
    """Describes an SMM Panel account sensor."""

    value_fn: Callable[[AccountSnapshot], Decimal | int | datetime | None]
    unit_fn: Callable[[AccountSnapshot], str | None] | None = None
    last_reset_fn: Callable[[AccountSnapshot], datetime] | None = None
    attributes_fn: Callable[[AccountSnapshot], dict[str, Any]] | None = None


def _runway(data: AccountSnapshot) -> Decimal | None:
    runway = data.spending.runway
    return None if runway is None else runway.quantize(Decimal("0.01"))


def _last_deposit_attributes(data: AccountSnapshot) -> dict[str, Any]:
    if (deposit := data.spending.last_deposit) is None:
        return {}
    return {"deposited_at": deposit.at}


SENSORS: tuple[SmmPanelSensorEntityDescription, ...] = (
    SmmPanelSensorEntityDescription(
        key=BALANCE_KEY,
        translation_key="balance",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        value_fn=lambda data: data.balance.amount,
        unit_fn=lambda data: data.balance.currency,
    ),
    SmmPanelSensorEntityDescription(
        key="active_orders",
        translation_key="active_orders",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data: data.active_orders,
    ),
    SmmPanelSensorEntityDescription(
        key="pending_refills",
        translation_key="pending_refills",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.pending_refills,
    ),
    SmmPanelSensorEntityDescription(
        key="tracked_orders",
        translation_key="tracked_orders",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: len(data.orders),
    ),
    # Spend is a total that starts again each day and month: long-term statistics
    # sum it across the resets. A refund lowers the total of the day it is paid.
    SmmPanelSensorEntityDescription(
        key="spent_today",
        translation_key="spent_today",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        value_fn=lambda data: data.spending.spent_today,
        unit_fn=lambda data: data.balance.currency,
        last_reset_fn=lambda data: data.spending.day_start,
    ),
    SmmPanelSensorEntityDescription(
        key="spent_this_month",
        translation_key="spent_this_month",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        value_fn=lambda data: data.spending.spent_this_month,
        unit_fn=lambda data: data.balance.currency,
        last_reset_fn=lambda data: data.spending.month_start,
    ),
    SmmPanelSensorEntityDescription(
        key="balance_runway",
        translation_key="balance_runway",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.DAYS,
        suggested_display_precision=1,
        value_fn=_runway,
    ),
    SmmPanelSensorEntityDescription(
        key="last_deposit",
        translation_key="last_deposit",
        # An amount, not a time: Activity leaves out sensors with a unit, so a
        # deposit's one line there is the balance's "topped up by".
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=lambda data: (
            None
            if data.spending.last_deposit is None
            else data.spending.last_deposit.amount
        ),
        unit_fn=lambda data: (
            data.spending.last_deposit.currency
            if data.spending.last_deposit is not None
            and data.spending.last_deposit.currency is not None
            else data.balance.currency
        ),
        attributes_fn=_last_deposit_attributes,
    ),
)


def _budget_left_sensor(
    translation_key: str, period: Period
) -> SmmPanelSensorEntityDescription:
    """Describe the sensor of what is left of a period's budget, with the budget."""
    return SmmPanelSensorEntityDescription(
        key=translation_key,
        translation_key=translation_key,
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=lambda data: data.budgets[period].left,
        unit_fn=lambda data: data.balance.currency,
        attributes_fn=lambda data: {"budget": float(data.budgets[period].budget)},
    )


# An account has the sensors of the budgets its options set.
BUDGET_SENSORS: Final = {
    Period.DAY: _budget_left_sensor("budget_left_today", Period.DAY),
    Period.WEEK: _budget_left_sensor("budget_left_this_week", Period.WEEK),
    Period.MONTH: _budget_left_sensor("budget_left_this_month", Period.MONTH),
}


@dataclass(frozen=True, kw_only=True)
class WatchedServiceSensorEntityDescription(SensorEntityDescription):
    """Describes a sensor of a watched service."""

    value_fn: Callable[[ServiceListing], Decimal | int | str]


WATCHED_SERVICE_SENSORS: tuple[WatchedServiceSensorEntityDescription, ...] = (
    WatchedServiceSensorEntityDescription(
        key="rate",
        translation_key="rate",
        device_class=SensorDeviceClass.MONETARY,
        value_fn=lambda listing: listing.rate,
    ),
    WatchedServiceSensorEntityDescription(
        key="min_quantity",
        translation_key="min_quantity",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda listing: listing.min_quantity,
    ),
    WatchedServiceSensorEntityDescription(
        key="max_quantity",
        translation_key="max_quantity",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda listing: listing.max_quantity,
    ),
    WatchedServiceSensorEntityDescription(
        key="service_type",
        translation_key="service_type",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda listing: listing.type,
    ),
    WatchedServiceSensorEntityDescription(
        key="category",
        translation_key="category",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda listing: listing.category,
    ),
)


@dataclass(frozen=True, kw_only=True)
class ServiceStatsSensorEntityDescription(SensorEntityDescription):
    """Describes a sensor of how a watched service delivered."""

    value_fn: Callable[[ServiceFigures], float | None]


SERVICE_STATS_SENSORS: tuple[ServiceStatsSensorEntityDescription, ...] = (
    ServiceStatsSensorEntityDescription(
        key="median_time_to_complete",
        translation_key="median_time_to_complete",
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value_fn=lambda figures: figures.median_seconds,
    ),
    ServiceStatsSensorEntityDescription(
        key="completion_rate",
        translation_key="completion_rate",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
        value_fn=lambda figures: figures.completion_rate,
    ),
)
CATEGORY_SERVICES_SENSOR = SensorEntityDescription(
    key="category_services",
    translation_key="category_services",
    state_class=SensorStateClass.MEASUREMENT,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the account sensors, a status sensor per tracked order, and watches."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        SmmPanelSensor(coordinator, description) for description in SENSORS
    )
    _async_add_budget_sensors(hass, entry, async_add_entities)
    currency = coordinator.currency
    async_add_watch_entities(
        entry,
        async_add_entities,
        services=lambda watch, subentry: (
            WatchedServiceSensor(watch, subentry, description, currency)
            for description in WATCHED_SERVICE_SENSORS
        ),
        categories=lambda watch, subentry: [
            WatchedCategorySensor(watch, subentry, CATEGORY_SERVICES_SENSOR)
        ],
    )
    _async_add_service_stats_sensors(entry, async_add_entities)

    entity_registry = er.async_get(hass)
    sensors = OrderSensors(hass, entry)
    added: set[int] = set()
    entry.async_on_unload(coordinator.async_add_listener(sensors.async_update))
    entry.async_on_unload(
        entry.runtime_data.catalogue.async_add_listener(sensors.async_update)
    )

    @callback
    def _async_add_order_sensors(order_ids: list[int]) -> None:
        # The first sensor is added, and so given all its attributes, before the
        # others exist. CPython keeps the attribute names of a class's instances in one
        # table, which every instance created shrinks: created after the first one
        # filled it, the others keep their attributes in that table (0.3 KiB each);
        # created before, each in a dictionary of its own (0.9 KiB each).
        first, *others = order_ids
        async_add_entities([SmmPanelOrderSensor(sensors, first)])
        if others:
            async_add_entities(
                SmmPanelOrderSensor(sensors, order_id) for order_id in others
            )

    @callback
    def _async_sync_order_sensors() -> None:
        orders = coordinator.data.orders
        if new := orders.keys() - added:
            added.update(new)
            _async_add_order_sensors(sorted(new))
        for order_id in added - orders.keys():
            added.discard(order_id)
            # Looked up now, not kept per order: the user may have renamed it.
            if entity_id := entity_registry.async_get_entity_id(
                SENSOR_DOMAIN, DOMAIN, sensors.unique_id(order_id)
            ):
                entity_registry.async_remove(entity_id)

    # The sensors of orders that stopped being tracked while the entry was not loaded.
    for order_id, entity_id in async_order_entity_ids(hass, entry.entry_id).items():
        if order_id not in coordinator.data.orders:
            entity_registry.async_remove(entity_id)
    added.update(coordinator.data.orders)
    for batch in batched(sorted(added), ORDER_SENSORS_ADDED_PER_BATCH, strict=False):
        _async_add_order_sensors(list(batch))
        await asyncio.sleep(0)
    _async_sync_order_sensors()
    entry.async_on_unload(coordinator.async_add_listener(_async_sync_order_sensors))


@callback
def _async_add_budget_sensors(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of the budgets set; remove those of budgets no longer set."""
    budgets = entry.runtime_data.options.budgets
    async_add_entities(
        SmmPanelSensor(entry.runtime_data.coordinator, description)
        for period, description in BUDGET_SENSORS.items()
        if period in budgets
    )
    entity_registry = er.async_get(hass)
    for period, description in BUDGET_SENSORS.items():
        if period not in budgets and (
            entity_id := entity_registry.async_get_entity_id(
                SENSOR_DOMAIN, DOMAIN, f"{entry.entry_id}_{description.key}"
            )
        ):
            entity_registry.async_remove(entity_id)


@callback
def _async_add_service_stats_sensors(
    entry: SmmPanelConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add each watched service's figures sensors once it has a finished order.

    Until then there are no figures to show: the sensors are added when the first
    finished order of the service is counted, as new devices and entities are.
    """
    coordinator = entry.runtime_data.coordinator
    history = entry.runtime_data.service_stats.history
    waiting = {
        subentry.subentry_id: subentry
        for subentry in entry.get_subentries_of_type(SUBENTRY_WATCHED_SERVICE)
    }

    @callback
    def _async_add_with_history() -> None:
        for subentry_id, subentry in list(waiting.items()):
            if history.service_figures(subentry.data[CONF_SERVICE_ID]) is None:
                continue
            del waiting[subentry_id]
            async_add_entities(
                (
                    ServiceStatsSensor(coordinator, subentry, description)
                    for description in SERVICE_STATS_SENSORS
                ),
                config_subentry_id=subentry_id,
            )

    _async_add_with_history()
    if waiting:
        entry.async_on_unload(coordinator.async_add_listener(_async_add_with_history))


@callback
def async_order_entity_ids(hass: HomeAssistant, entry_id: str) -> dict[int, str]:
    """Return the entity ids of an entry's order sensors, by order id."""
    return {
        order_id: registry_entry.entity_id
        for registry_entry in er.async_entries_for_config_entry(
            er.async_get(hass), entry_id
        )
        if registry_entry.domain == SENSOR_DOMAIN
        and (order_id := order_of_sensor(entry_id, registry_entry.unique_id))
        is not None
    }


class SmmPanelSensor(SmmPanelEntity, SensorEntity):
    """A sensor of a panel account."""

    entity_description: SmmPanelSensorEntityDescription

    @property
    @override
    def native_value(self) -> Decimal | int | datetime | None:
        """Return the sensor's value."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    @override
    def last_reset(self) -> datetime | None:
        """Return when a total that starts again each period last did."""
        if self.entity_description.last_reset_fn is None:
            return None
        return self.entity_description.last_reset_fn(self.coordinator.data)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the sensor's attributes, if it has any."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.coordinator.data)

    @property
    @override
    def native_unit_of_measurement(self) -> str | None:
        """Return the unit, which may come from the panel (its currency)."""
        if self.entity_description.unit_fn is None:
            return super().native_unit_of_measurement
        return self.entity_description.unit_fn(self.coordinator.data)

    @override
    def _state_source(self) -> Hashable:
        """Return what the state shows: availability, value, unit and last reset.

        The attributes (of the last deposit) change only with the value.
        """
        return (
            super()._state_source(),
            self.native_value,
            self.native_unit_of_measurement,
            self.last_reset,
        )


class WatchedServiceSensor(WatchedServiceEntity, SensorEntity):
    """What the catalogue says of a watched service: its rate, limits, type."""

    entity_description: WatchedServiceSensorEntityDescription

    def __init__(
        self,
        coordinator: CatalogueWatchCoordinator,
        subentry: ConfigSubentry,
        description: WatchedServiceSensorEntityDescription,
        currency: str | None,
    ) -> None:
        """Initialize the sensor; money is in the account's currency."""
        super().__init__(coordinator, subentry, description)
        if description.device_class is SensorDeviceClass.MONETARY:
            self._attr_native_unit_of_measurement = currency

    @property
    @override
    def native_value(self) -> Decimal | int | str | None:
        """Return the value the catalogue lists."""
        listing = self.listing
        return None if listing is None else self.entity_description.value_fn(listing)


class ServiceStatsSensor(SmmPanelEntity, SensorEntity):
    """How a watched service delivered the account's finished orders."""

    entity_description: ServiceStatsSensorEntityDescription

    def __init__(
        self,
        coordinator: SmmPanelCoordinator,
        subentry: ConfigSubentry,
        description: ServiceStatsSensorEntityDescription,
    ) -> None:
        """Initialize the sensor, under the watched service's device."""
        super().__init__(coordinator, description)
        entry = coordinator.config_entry
        self._service_id: int = subentry.data[CONF_SERVICE_ID]
        self._attr_unique_id = (
            f"{entry.entry_id}_{subentry.subentry_id}_{description.key}"
        )
        self._attr_device_info = watch_device_info(coordinator.hass, entry, subentry)

    @property
    @override
    def native_value(self) -> float | None:
        """Return the figure over the service's finished orders."""
        figures = self.coordinator.config_entry.runtime_data.service_stats.history
        service = figures.service_figures(self._service_id)
        return None if service is None else self.entity_description.value_fn(service)

    @override
    def _state_source(self) -> Hashable:
        return self.available, self.native_value


class WatchedCategorySensor(WatchEntity, SensorEntity):
    """How many services a watched category holds."""

    @property
    @override
    def native_value(self) -> int | None:
        """Return the number of services in the category."""
        return self.coordinator.data.category_sizes.get(self._watched[CONF_CATEGORY])


def _latest_refills(refills: Iterable[TrackedRefill]) -> dict[int, TrackedRefill]:
    """Return each order's latest refill, by order id."""
    latest: dict[int, TrackedRefill] = {}
    for refill in refills:
        shown = latest.get(refill.order_id)
        if shown is None or refill.refill_id > shown.refill_id:
            latest[refill.order_id] = refill
    return latest


type OrderView = tuple[TrackedOrder, PanelService | None, TrackedRefill | None]
"""What an order's sensor shows: the order, its service's terms, its latest refill."""


class OrderSensors:
    """The order sensors of an account: what they share, their updates and writes.

    An account may track thousands of orders. Their sensors keep nothing another one
    keeps too, hear of refreshes through this one coordinator listener, and write
    their states a batch per event loop iteration.
    """

    def __init__(self, hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
        """Initialize the order sensors of an account."""
        self.hass = hass
        self.entry = entry
        self.coordinator = entry.runtime_data.coordinator
        self.catalogue = entry.runtime_data.catalogue
        self.device_info = account_device_info(entry)
        self.refills = _latest_refills(self.coordinator.data.refills.values())
        self._listening: dict[int, SmmPanelOrderSensor] = {}
        self._pending: dict[SmmPanelOrderSensor, None] = {}
        self._writing: asyncio.Task[None] | None = None

    def unique_id(self, order_id: int) -> str:
        """Return the unique id of an order's sensor."""
        return order_sensor_unique_id(self.entry.entry_id, order_id)

    @callback
    def async_listen(self, sensor: SmmPanelOrderSensor) -> None:
        """Tell a sensor of every refresh from now on."""
        self._listening[sensor.order_id] = sensor

    @callback
    def async_stop_listening(self, sensor: SmmPanelOrderSensor) -> None:
        """Stop telling a sensor of refreshes."""
        if self._listening.get(sensor.order_id) is sensor:
            del self._listening[sensor.order_id]

    def service(self, order: TrackedOrder) -> PanelService | None:
        """Return the service of an order, while the catalogue held lists it."""
        if order.service_id is None:
            return None
        return self.catalogue.services.get(order.service_id)

    @callback
    def async_update(self) -> None:
        """Tell every order sensor of a refresh, or of a new copy of the catalogue."""
        self.refills = _latest_refills(self.coordinator.data.refills.values())
        for sensor in self._listening.values():
            sensor.async_coordinator_updated()

    @callback
    def async_write_soon(self, sensor: SmmPanelOrderSensor) -> None:
        """Write a sensor's state with the next batch."""
        self._pending[sensor] = None
        if self._writing is None:
            self._writing = self.entry.async_create_task(
                self.hass,
                self._async_write_pending(),
                "smmpanel order sensor states",
                eager_start=False,
            )

    async def _async_write_pending(self) -> None:
        while self._pending:
            batch = list(islice(self._pending, ORDER_SENSOR_STATES_WRITTEN_PER_BATCH))
            for sensor in batch:
                del self._pending[sensor]
                sensor.async_write_ha_state()
            await asyncio.sleep(0)
        self._writing = None


class OrderNamePlaceholders(Mapping[str, str]):
    """The placeholders of an order sensor's name: the order's id, and its service's.

    Home Assistant keeps an entity's placeholders as long as the entity. A dictionary
    of the id as text takes 0.2 KiB per order; this keeps the id and the service's
    name it is given, and makes the text when Home Assistant names the sensor.
    """

    __slots__ = ("_order_id", "_service")

    def __init__(self, order_id: int, service: str | None) -> None:
        """Initialize the placeholders of an order, and of its service if named."""
        self._order_id = order_id
        self._service = service or None

    @override
    def __getitem__(self, key: str) -> str:
        if key == "order_id":
            return str(self._order_id)
        if key == "service" and self._service is not None:
            return self._service
        raise KeyError(key)

    @override
    def __iter__(self) -> Iterator[str]:
        yield "order_id"
        if self._service is not None:
            yield "service"

    @override
    def __len__(self) -> int:
        return 1 if self._service is None else 2


class SmmPanelOrderSensor(SensorEntity):
    """The status of one tracked order.

    Home Assistant keeps what it reads of an entity's properties in the entity's
    __dict__, and CPython gives an instance of more than 29 attributes a dictionary
    of its own (1.6 KiB). So what all order sensors show alike is read from class
    attributes, which nothing copies into the instance; what the sensors of an
    account share is kept once, by their OrderSensors.
    """

    entity_description = ORDER_SENSOR
    device_class = ORDER_SENSOR.device_class
    entity_category = ORDER_SENSOR.entity_category
    entity_registry_enabled_default = ORDER_SENSOR.entity_registry_enabled_default
    entity_registry_visible_default = ORDER_SENSOR.entity_registry_visible_default
    force_update = ORDER_SENSOR.force_update
    icon = ORDER_SENSOR.icon
    last_reset = ORDER_SENSOR.last_reset
    native_unit_of_measurement = ORDER_SENSOR.native_unit_of_measurement
    options = ORDER_SENSOR.options
    state_class = ORDER_SENSOR.state_class
    suggested_display_precision = ORDER_SENSOR.suggested_display_precision
    suggested_unit_of_measurement = ORDER_SENSOR.suggested_unit_of_measurement
    translation_key = ORDER_SENSOR.translation_key
    assumed_state = False
    attribution = None
    entity_picture = None
    has_entity_name = True
    should_poll = False
    supported_features = None

    _shown: OrderView | None = None

    def __init__(self, sensors: OrderSensors, order_id: int) -> None:
        """Initialize the sensor, named after the order and its service if known."""
        self._sensors = sensors
        self.order_id = order_id
        order = sensors.coordinator.data.orders.get(order_id)
        service = order.service_name if order is not None else None
        if service:
            self.translation_key = ORDER_SENSOR_WITH_SERVICE.translation_key
        self._attr_translation_placeholders = OrderNamePlaceholders(order_id, service)

    @property
    @override
    def suggested_object_id(self) -> str:
        """Return `order_<id>`: the entity id does not change with the service."""
        return f"{ORDER_KEY_PREFIX}{self.order_id}"

    @property
    @override
    def unique_id(self) -> str:
        """Return the entry's unique id, then the order's."""
        return self._sensors.unique_id(self.order_id)

    @property
    @override
    def device_info(self) -> DeviceInfo:
        """Return the account's service device."""
        return self._sensors.device_info

    @property
    @override
    def capability_attributes(self) -> dict[str, Any]:
        """Return the status options, one dictionary for all order sensors."""
        return ORDER_SENSOR_CAPABILITIES

    @property
    def _order(self) -> TrackedOrder | None:
        return self._sensors.coordinator.data.orders.get(self.order_id)

    @property
    @override
    def available(self) -> bool:
        """Return whether the order is known and the panel answered."""
        return self._sensors.coordinator.last_update_success and self._order is not None

    def _state_source(self) -> OrderView | None:
        """Return what the state shows, if available.

        The order and its refill are new objects when they change, and the service
        when the catalogue was fetched again.
        """
        if not self.available or (order := self._order) is None:
            return None
        sensors = self._sensors
        return order, sensors.service(order), sensors.refills.get(self.order_id)

    @override
    async def async_added_to_hass(self) -> None:
        """Remember what the first state shows; hear of refreshes from now on."""
        self._shown = self._state_source()
        self._sensors.async_listen(self)

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Stop hearing of refreshes."""
        self._sensors.async_stop_listening(self)

    @callback
    def async_coordinator_updated(self) -> None:
        """Write the state, with the next batch, if what it shows changed."""
        if (shown := self._state_source()) != self._shown:
            self._shown = shown
            self._sensors.async_write_soon(self)

    async def async_update(self) -> None:
        """Refresh the account (the homeassistant.update_entity action)."""
        if self.enabled:
            await self._sensors.coordinator.async_request_refresh()

    @property
    @override
    def native_value(self) -> str | None:
        """Return the order's status (the enum's own string: no copy per state)."""
        if self._order is None or self._order.status in {None, OrderStatus.UNKNOWN}:
            return None
        return self._order.status.value

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return what is known about the order; nothing unknown is shown.

        Whether its service offers refills and cancels is known while the catalogue
        held lists the service; its latest refill while that is tracked. The refill
        its service promises is read from the service's name and the description
        the catalogue held lists (refill_window.py).
        """
        if (shown := self._state_source()) is None:
            return {}
        order, service, refill = shown
        attributes = {
            **order_event_data(order),
            "start_count": order.start_count,
            "progress": order.progress,
            "panel_status": order.raw_status,
            "placed_at" if order.placed_here else "tracked_at": order.tracked_at,
            "finished_at": order.finished_at,
            "error": order.error,
            "refill_offered": None if service is None else service.refill,
            "cancel_allowed": None if service is None else service.cancel,
            "refill_id": None if refill is None else refill.refill_id,
            "refill_status": None if refill is None else refill.status,
            **refill_guarantee_attributes(order, service),
        }
        return {key: value for key, value in attributes.items() if value is not None}
