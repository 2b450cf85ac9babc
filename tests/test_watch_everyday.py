"""The catalogue watch in daily use: what it is called, checking now, finding choices."""

from __future__ import annotations

from homeassistant.const import ATTR_FRIENDLY_NAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smmpanel.const import DOMAIN

from .helpers import state_of
from .test_catalogue_watch import REAL_FOLLOWERS, add_watched_service, watch_entity


async def test_the_watch_entities_are_named_for_what_they_are(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Refill offered and Cancel allowed, not "Refill: On"; the rate is per 1000.

    The keys, and so the unique ids of existing installations, stay as they were.
    """
    entry = setup_integration
    watched = await add_watched_service(hass, entry, REAL_FOLLOWERS)
    names = {
        key: state_of(hass, watch_entity(hass, entry, watched, key)).attributes[
            ATTR_FRIENDLY_NAME
        ]
        for key in ("refill", "cancel", "rate")
    }
    assert names == {
        "refill": f"{watched.title} Refill offered",
        "cancel": f"{watched.title} Cancel allowed",
        "rate": f"{watched.title} Rate per 1000",
    }
    unique_id = f"{entry.entry_id}_{watched.subentry_id}_refill"
    assert er.async_get(hass).async_get_entity_id(
        Platform.BINARY_SENSOR, DOMAIN, unique_id
    )
