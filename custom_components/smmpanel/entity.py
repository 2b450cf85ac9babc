"""Base entity for the SMM Panel integration."""

from __future__ import annotations

from urllib.parse import urlsplit

from homeassistant.const import CONF_URL
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import SmmPanelCoordinator


class SmmPanelEntity(CoordinatorEntity[SmmPanelCoordinator]):
    """An entity of one panel account, under the account's service device."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: SmmPanelCoordinator, description: EntityDescription
    ) -> None:
        """Initialize the entity."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        url = urlsplit(entry.data[CONF_URL])
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer="SMM panel",
            model="API v2",
            entry_type=DeviceEntryType.SERVICE,
            configuration_url=f"{url.scheme}://{url.netloc}",
        )
