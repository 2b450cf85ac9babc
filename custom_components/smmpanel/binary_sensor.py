"""Binary sensors for the SMM Panel integration."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmmPanelConfigEntry, SmmPanelCoordinator
from .entity import SmmPanelEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmmPanelBinarySensorEntityDescription(BinarySensorEntityDescription):
    """Describes an SMM Panel binary sensor."""

    is_on_fn: Callable[[SmmPanelCoordinator], bool]
    attributes_fn: Callable[[SmmPanelCoordinator], dict[str, Any]]


BINARY_SENSORS: tuple[SmmPanelBinarySensorEntityDescription, ...] = (
    SmmPanelBinarySensorEntityDescription(
        key="low_balance",
        translation_key="low_balance",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda coordinator: (
            coordinator.data.balance.amount < coordinator.options.low_balance_threshold
        ),
        attributes_fn=lambda coordinator: _money_attributes(
            "threshold", coordinator.options.low_balance_threshold, coordinator
        ),
    ),
)


def _money_attributes(
    name: str, amount: Decimal, coordinator: SmmPanelCoordinator
) -> dict[str, Any]:
    """Return an amount as a number (as `charge` is), and its currency if known."""
    attributes: dict[str, Any] = {name: float(amount)}
    if currency := coordinator.currency:
        attributes["currency"] = currency
    return attributes


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors of a panel account."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        SmmPanelBinarySensor(coordinator, description) for description in BINARY_SENSORS
    )


class SmmPanelBinarySensor(SmmPanelEntity, BinarySensorEntity):
    """A binary sensor of a panel account."""

    entity_description: SmmPanelBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool:
        """Return whether the condition holds."""
        return self.entity_description.is_on_fn(self.coordinator)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return what the condition compares with, such as the threshold."""
        return self.entity_description.attributes_fn(self.coordinator)

    @override
    def _state_source(self) -> Hashable:
        """Return what the state shows: availability, whether it is on, attributes."""
        return (
            super()._state_source(),
            self.is_on,
            tuple(self.extra_state_attributes.items()),
        )
