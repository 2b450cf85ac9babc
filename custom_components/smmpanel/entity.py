"""Base entity for the SMM Panel integration."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import lru_cache
from typing import Any, Final, override
from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.translation import async_get_cached_translations
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import PanelService
from .const import (
    CONF_SERVICE_ID,
    DOMAIN,
    ORDER_KEY_PREFIX,
    SUBENTRY_WATCHED_CATEGORY,
    SUBENTRY_WATCHED_SERVICE,
)
from .coordinator import (
    CatalogueWatchCoordinator,
    SmmPanelConfigEntry,
    SmmPanelCoordinator,
)
from .models import TrackedOrder
from .watch import ServiceListing


class SmmPanelEntity(CoordinatorEntity[SmmPanelCoordinator]):
    """An entity of one panel account, under the account's service device.

    Its state is written when what it shows changed, not at every refresh.
    """

    _attr_has_entity_name = True
    _shown: Hashable = None

    def __init__(
        self, coordinator: SmmPanelCoordinator, description: EntityDescription
    ) -> None:
        """Initialize the entity."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = account_device_info(entry)

    def _state_source(self) -> Hashable:
        """Return what the state shows: the state is written when this changes."""
        return self.available

    @override
    async def async_added_to_hass(self) -> None:
        """Remember what the first state shows."""
        await super().async_added_to_hass()
        self._shown = self._state_source()

    @override
    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state if what it shows changed."""
        if (shown := self._state_source()) != self._shown:
            self._shown = shown
            self.async_write_ha_state()


class WatchEntity(CoordinatorEntity[CatalogueWatchCoordinator]):
    """An entity of a watch (a config subentry), under the watch's own device.

    From a start until the first check it shows what the last check saw; it is
    unavailable while the last check failed.
    """

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: CatalogueWatchCoordinator,
        subentry: ConfigSubentry,
        description: EntityDescription,
    ) -> None:
        """Initialize the entity of a watch."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._subentry_id = subentry.subentry_id
        self._watched: Mapping[str, Any] = subentry.data
        self._attr_unique_id = (
            f"{entry.entry_id}_{subentry.subentry_id}_{description.key}"
        )
        self._attr_device_info = watch_device_info(coordinator.hass, entry, subentry)


class WatchedServiceEntity(WatchEntity):
    """An entity of a watched service: unavailable while the panel does not sell it."""

    _available_unlisted = False

    @property
    def listing(self) -> ServiceListing | None:
        """Return the service as the catalogue lists it, while it does."""
        return self.coordinator.data.listing(self._watched[CONF_SERVICE_ID])

    @property
    @override
    def available(self) -> bool:
        """Return whether the catalogue lists the service.

        Whether it is listed at all is known once it was seen, or a check ran:
        a service watched since this start is not shown unlisted before then.
        """
        if not super().available:
            return False
        if self.listing is not None:
            return True
        data = self.coordinator.data
        return self._available_unlisted and (
            data.checked or self._watched[CONF_SERVICE_ID] in data.listings
        )


def watch_device_info(
    hass: HomeAssistant, entry: SmmPanelConfigEntry, subentry: ConfigSubentry
) -> DeviceInfo:
    """Return the device of a watch, reached through the account's device."""
    device_info = DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}")},
        name=subentry.title,
        manufacturer="SMM panel",
        entry_type=DeviceEntryType.SERVICE,
    )
    account = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, entry.entry_id), entry.entry_id
    )
    if account is not None:
        device_info["via_device_id"] = account.id
    return device_info


type WatchEntityFactory = Callable[
    [CatalogueWatchCoordinator, ConfigSubentry], Iterable[Entity]
]


@callback
def async_add_watch_entities(
    entry: SmmPanelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    *,
    services: WatchEntityFactory | None = None,
    categories: WatchEntityFactory | None = None,
) -> None:
    """Add a platform's entities of each watched service and category."""
    if (watch := entry.runtime_data.watch) is None:
        return
    factories = {
        SUBENTRY_WATCHED_SERVICE: services,
        SUBENTRY_WATCHED_CATEGORY: categories,
    }
    for subentry_id, subentry in entry.subentries.items():
        if (factory := factories.get(subentry.subentry_type)) is not None:
            async_add_entities(factory(watch, subentry), config_subentry_id=subentry_id)


def account_device_name(entry: SmmPanelConfigEntry) -> str:
    """Return the name of the account's device, which its entities' names start with.

    "SMM Panel <entry title>", so that the entity pickers, which search device and
    entity names but not integration names, find the account's entities by "SMM".
    Entity ids are made from the name once, when an entity is first registered:
    renaming the device of an existing account keeps its entity ids.
    """
    return f"SMM Panel {entry.title}"


def account_device_info(entry: SmmPanelConfigEntry) -> DeviceInfo:
    """Return the account's service device: one object for all its entities."""
    return _account_device_info(
        entry.entry_id, account_device_name(entry), entry.data[CONF_URL]
    )


@lru_cache(maxsize=16)
def _account_device_info(entry_id: str, name: str, url: str) -> DeviceInfo:
    # Shared by every entity of the account: Home Assistant only reads it.
    parts = urlsplit(url)
    return DeviceInfo(
        identifiers={(DOMAIN, entry_id)},
        name=name,
        manufacturer="SMM panel",
        model="API v2",
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=f"{parts.scheme}://{parts.netloc}",
    )


def order_sensor_unique_id(entry_id: str, order_id: int) -> str:
    """Return the unique id of an order's sensor."""
    return f"{entry_id}_{ORDER_KEY_PREFIX}{order_id}"


def order_of_sensor(entry_id: str, unique_id: str) -> int | None:
    """Return the order whose sensor has a unique id; None if it is no order's."""
    order_id = unique_id.removeprefix(f"{entry_id}_{ORDER_KEY_PREFIX}")
    if order_id == unique_id or not order_id.isdecimal():
        return None
    return int(order_id)


def service_terms_data(service: PanelService | ServiceListing) -> dict[str, Any]:
    """Return a service's category, rate and quantity limits, as actions and events do.

    The rate is a number, as money is everywhere in event data and responses.
    """
    return {
        "category": service.category,
        "rate": float(service.rate),
        "min": service.min_quantity,
        "max": service.max_quantity,
    }


def order_event_data(order: TrackedOrder) -> dict[str, Any]:
    """Return what events and the order's sensor tell about an order.

    Ids are text, which the frontend shows as they are (23501, not 23,501).
    """
    return {
        "order_id": str(order.order_id),
        "service_id": order.service_id,
        "service": order.service_name,
        "link": order.link,
        "quantity": order.quantity,
        "remains": order.remains,
        "charge": None if order.charge is None else float(order.charge),
        "currency": order.currency,
    }


# The names of order sensors, as en.json words them: an order's readable name.
ORDER_NAME_KEY: Final = f"component.{DOMAIN}.entity.sensor.order_status.name"
ORDER_WITH_SERVICE_NAME_KEY: Final = (
    f"component.{DOMAIN}.entity.sensor.order_status_service.name"
)


@callback
def async_order_name(
    hass: HomeAssistant, order_id: int, order: TrackedOrder | None
) -> str:
    """Return an order's name as its sensor is named, in Home Assistant's language.

    "Order 23503 · Instagram Followers", or "Order 23503" when the service is not
    known. The translations are those the entity platforms loaded.
    """
    translations = async_get_cached_translations(
        hass, hass.config.language, "entity", DOMAIN
    )
    if order is not None and order.service_name:
        template = translations.get(
            ORDER_WITH_SERVICE_NAME_KEY, "Order {order_id} · {service}"
        )
        return template.format(order_id=order_id, service=order.service_name)
    return translations.get(ORDER_NAME_KEY, "Order {order_id}").format(
        order_id=order_id
    )
