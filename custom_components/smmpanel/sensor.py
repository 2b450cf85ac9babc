"""Sensors for the SMM Panel integration."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from decimal import Decimal
from itertools import batched, islice
from typing import Any, override

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import OrderStatus
from .const import DOMAIN, ORDER_KEY_PREFIX
from .coordinator import SmmPanelConfigEntry, SmmPanelCoordinator, SmmPanelData
from .entity import SmmPanelEntity
from .tracking import TrackedOrder, order_event_data

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


@dataclass(frozen=True, kw_only=True)
class SmmPanelSensorEntityDescription(SensorEntityDescription):
    """Describes an SMM Panel account sensor."""

    value_fn: Callable[[SmmPanelData], Decimal | int]
    unit_fn: Callable[[SmmPanelData], str | None] | None = None


SENSORS: tuple[SmmPanelSensorEntityDescription, ...] = (
    SmmPanelSensorEntityDescription(
        key="balance",
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
        value_fn=lambda data: data.active_orders,
    ),
    SmmPanelSensorEntityDescription(
        key="pending_refills",
        translation_key="pending_refills",
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.pending_refills,
    ),
    SmmPanelSensorEntityDescription(
        key="tracked_orders",
        translation_key="tracked_orders",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: len(data.orders),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the account sensors and a status sensor per tracked order."""
    coordinator = entry.runtime_data
    async_add_entities(
        SmmPanelSensor(coordinator, description) for description in SENSORS
    )

    entity_registry = er.async_get(hass)
    order_unique_id_prefix = f"{entry.entry_id}_{ORDER_KEY_PREFIX}"
    known_entity_ids = async_order_entity_ids(hass, entry.entry_id)
    added: set[int] = set()
    writer = OrderSensorWriter(hass, entry)

    @callback
    def _async_sync_order_sensors() -> None:
        orders = coordinator.data.orders
        if new := orders.keys() - added:
            added.update(new)
            async_add_entities(
                SmmPanelOrderSensor(coordinator, order_id, writer)
                for order_id in sorted(new)
            )
        for order_id in known_entity_ids.keys() - orders.keys():
            entity_registry.async_remove(known_entity_ids.pop(order_id))
            added.discard(order_id)
        for order_id in added - known_entity_ids.keys():
            if entity_id := entity_registry.async_get_entity_id(
                SENSOR_DOMAIN, DOMAIN, f"{order_unique_id_prefix}{order_id}"
            ):
                known_entity_ids[order_id] = entity_id

    added.update(coordinator.data.orders)
    for batch in batched(sorted(added), ORDER_SENSORS_ADDED_PER_BATCH, strict=False):
        async_add_entities(
            SmmPanelOrderSensor(coordinator, order_id, writer) for order_id in batch
        )
        await asyncio.sleep(0)
    _async_sync_order_sensors()
    entry.async_on_unload(coordinator.async_add_listener(_async_sync_order_sensors))


@callback
def async_order_entity_ids(hass: HomeAssistant, entry_id: str) -> dict[int, str]:
    """Return the entity ids of an entry's order sensors, by order id."""
    prefix = f"{entry_id}_{ORDER_KEY_PREFIX}"
    return {
        int(order_id): registry_entry.entity_id
        for registry_entry in er.async_entries_for_config_entry(
            er.async_get(hass), entry_id
        )
        if registry_entry.domain == SENSOR_DOMAIN
        and (order_id := registry_entry.unique_id.removeprefix(prefix)).isdecimal()
    }


class SmmPanelSensor(SmmPanelEntity, SensorEntity):
    """A sensor of a panel account."""

    entity_description: SmmPanelSensorEntityDescription

    @property
    def native_value(self) -> Decimal | int:
        """Return the sensor's value."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def native_unit_of_measurement(self) -> str | None:
        """Return the unit, which may come from the panel (its currency)."""
        if self.entity_description.unit_fn is None:
            return super().native_unit_of_measurement
        return self.entity_description.unit_fn(self.coordinator.data)

    @override
    def _state_source(self) -> Hashable:
        """Return what the state shows: availability, value and unit."""
        return (
            super()._state_source(),
            self.native_value,
            self.native_unit_of_measurement,
        )


class OrderSensorWriter:
    """Writes the states of order sensors, a batch per event loop iteration."""

    def __init__(self, hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
        """Initialize the writer of an account's order sensors."""
        self._hass = hass
        self._entry = entry
        self._pending: dict[SmmPanelOrderSensor, None] = {}
        self._writing: asyncio.Task[None] | None = None

    @callback
    def async_write_soon(self, sensor: SmmPanelOrderSensor) -> None:
        """Write a sensor's state with the next batch."""
        self._pending[sensor] = None
        if self._writing is None:
            self._writing = self._entry.async_create_task(
                self._hass,
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


class SmmPanelOrderSensor(SmmPanelEntity, SensorEntity):
    """The status of one tracked order."""

    def __init__(
        self,
        coordinator: SmmPanelCoordinator,
        order_id: int,
        writer: OrderSensorWriter,
    ) -> None:
        """Initialize the sensor."""
        super().__init__(
            coordinator,
            SensorEntityDescription(
                key=f"{ORDER_KEY_PREFIX}{order_id}",
                translation_key="order_status",
                device_class=SensorDeviceClass.ENUM,
                options=ORDER_STATUS_OPTIONS,
            ),
        )
        self.order_id = order_id
        self._writer = writer
        self._attr_translation_placeholders = {"order_id": str(order_id)}

    @property
    def _order(self) -> TrackedOrder | None:
        return self.coordinator.data.orders.get(self.order_id)

    @property
    def available(self) -> bool:
        """Return whether the order is known and the panel answered."""
        return super().available and self._order is not None

    @override
    def _state_source(self) -> Hashable:
        """Return what the state shows: availability and the order (a new one per change)."""
        return super()._state_source(), self._order

    @override
    @callback
    def _async_write_shown_state(self) -> None:
        """Write the state with the next batch of order sensor states."""
        self._writer.async_write_soon(self)

    @property
    def native_value(self) -> str | None:
        """Return the order's status."""
        if self._order is None or self._order.status in {None, OrderStatus.UNKNOWN}:
            return None
        return str(self._order.status)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return what is known about the order."""
        if (order := self._order) is None:
            return {}
        return {
            **order_event_data(order),
            "start_count": order.start_count,
            "progress": order.progress,
            "panel_status": order.raw_status,
            "finished_at": order.finished_at,
            "error": order.error,
        }
