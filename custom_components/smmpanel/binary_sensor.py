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
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmmPanelConfigEntry, SmmPanelCoordinator
from .entity import SmmPanelEntity, WatchedServiceEntity, async_add_watch_entities
from .watch import ServiceListing

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


@dataclass(frozen=True, kw_only=True)
class WatchedServiceBinarySensorEntityDescription(BinarySensorEntityDescription):
    """Describes what the catalogue allows of a watched service."""

    is_on_fn: Callable[[ServiceListing], bool]


WATCHED_SERVICE_BINARY_SENSORS: tuple[
    WatchedServiceBinarySensorEntityDescription, ...
] = (
    WatchedServiceBinarySensorEntityDescription(
        key="refill",
        translation_key="refill",
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda listing: listing.refill,
    ),
    WatchedServiceBinarySensorEntityDescription(
        key="cancel",
        translation_key="cancel",
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda listing: listing.cancel,
    ),
)
# Whether the panel sells the service: available while the others are not.
LISTED_BINARY_SENSOR = BinarySensorEntityDescription(
    key="listed", translation_key="listed"
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
    async_add_watch_entities(
        entry,
        async_add_entities,
        services=lambda watch, subentry: [
            WatchedServiceListedSensor(watch, subentry, LISTED_BINARY_SENSOR),
            *(
                WatchedServiceBinarySensor(watch, subentry, description)
                for description in WATCHED_SERVICE_BINARY_SENSORS
            ),
        ],
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


class WatchedServiceBinarySensor(WatchedServiceEntity, BinarySensorEntity):
    """Whether the catalogue allows refills, or cancels, of a watched service."""

    entity_description: WatchedServiceBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the catalogue allows it."""
        listing = self.listing
        return None if listing is None else self.entity_description.is_on_fn(listing)


class WatchedServiceListedSensor(WatchedServiceEntity, BinarySensorEntity):
    """Whether the panel sells a watched service; off once it is removed."""

    _available_unlisted = True

    @property
    @override
    def is_on(self) -> bool:
        """Return whether the catalogue lists the service."""
        return self.listing is not None
