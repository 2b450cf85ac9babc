"""Base entity for the SMM Panel integration."""

from __future__ import annotations

from collections.abc import Hashable
from typing import override
from urllib.parse import urlsplit

from homeassistant.const import CONF_URL
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import SmmPanelCoordinator


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
            self._async_write_shown_state()

    @callback
    def _async_write_shown_state(self) -> None:
        """Write the state; entities that come by the thousand batch this."""
        self.async_write_ha_state()
