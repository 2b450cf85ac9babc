"""Buttons for the SMM Panel integration: check the watched catalogue now."""

from __future__ import annotations

from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import CatalogueWatchCoordinator, SmmPanelConfigEntry
from .entity import account_device_info

# A press checks the catalogue, which can take a while: one check at a time.
PARALLEL_UPDATES = 1

CHECK_CATALOGUE = ButtonEntityDescription(
    key="check_catalogue", translation_key="check_catalogue"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the account's Check catalogue now button, while anything is watched.

    The entry is set up again when a watch is added or removed: without watches the
    button of an earlier setup is removed, rather than left behind unavailable.
    """
    if (watch := entry.runtime_data.watch) is not None:
        async_add_entities([CheckCatalogueButton(entry, watch)])
        return
    entity_registry = er.async_get(hass)
    if entity_id := entity_registry.async_get_entity_id(
        Platform.BUTTON, DOMAIN, check_catalogue_unique_id(entry)
    ):
        entity_registry.async_remove(entity_id)


def check_catalogue_unique_id(entry: SmmPanelConfigEntry) -> str:
    """Return the unique id of the account's Check catalogue now button."""
    return f"{entry.entry_id}_{CHECK_CATALOGUE.key}"


class CheckCatalogueButton(ButtonEntity):
    """Checks the catalogue for changes of the watched services and categories now.

    It stays available when a check failed: pressing it is how to try again.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description = CHECK_CATALOGUE

    def __init__(
        self, entry: SmmPanelConfigEntry, watch: CatalogueWatchCoordinator
    ) -> None:
        """Initialize the button of an account with watches."""
        self._watch = watch
        self._attr_unique_id = check_catalogue_unique_id(entry)
        self._attr_device_info = account_device_info(entry)

    @override
    async def async_press(self) -> None:
        """Check the catalogue, and fail if the check failed.

        Presses in quick succession make one check, and one more once its cooldown
        is over, rather than one fetch of the whole catalogue each.
        """
        await self._watch.async_request_refresh()
        if not self._watch.last_update_success:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="catalogue_check_failed"
            )
