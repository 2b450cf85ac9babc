"""The catalogue watch in daily use: what it is called, checking now, finding choices."""

from __future__ import annotations

from decimal import Decimal

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_FRIENDLY_NAME,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import Fault, Panel

from .helpers import state_of
from .test_catalogue_watch import (
    REAL_FOLLOWERS,
    add_watched_category,
    add_watched_service,
    last_event,
    watch_entity,
)


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


BUTTON = "button.127_0_0_1_check_catalogue_now"
BUTTON_UNIQUE_ID = "{entry_id}_check_catalogue"


def _button_entity_id(hass: HomeAssistant, entry: MockConfigEntry) -> str | None:
    return er.async_get(hass).async_get_entity_id(
        Platform.BUTTON, DOMAIN, BUTTON_UNIQUE_ID.format(entry_id=entry.entry_id)
    )


async def _press(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: BUTTON}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_the_check_button_is_there_only_while_something_is_watched(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Watching adds it to the account's device; removing the last watch removes it."""
    entry = setup_integration
    assert _button_entity_id(hass, entry) is None
    assert hass.states.get(BUTTON) is None

    watched = await add_watched_service(hass, entry, REAL_FOLLOWERS)
    category = await add_watched_category(hass, entry)

    assert _button_entity_id(hass, entry) == BUTTON
    button = state_of(hass, BUTTON)
    assert button.state == STATE_UNKNOWN  # never pressed
    assert button.attributes[ATTR_FRIENDLY_NAME] == "127.0.0.1 Check catalogue now"
    registered = er.async_get(hass).async_get(BUTTON)
    assert registered is not None
    assert registered.translation_key == "check_catalogue"
    account = device_registry.async_get_device_by_identifier(
        (DOMAIN, entry.entry_id), entry.entry_id
    )
    assert account is not None
    assert registered.device_id == account.id

    hass.config_entries.async_remove_subentry(entry, watched.subentry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(BUTTON) is not None  # the category is still watched

    hass.config_entries.async_remove_subentry(entry, category.subentry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(BUTTON) is None
    assert _button_entity_id(hass, entry) is None


async def test_pressing_the_button_finds_a_change_made_at_the_panel(
    hass: HomeAssistant, setup_integration: MockConfigEntry, panel: Panel
) -> None:
    """A rate raised at the panel is announced at the press, not an hour later."""
    entry = setup_integration
    watched = await add_watched_service(hass, entry, REAL_FOLLOWERS)
    requests = panel.request_counts["services"]
    panel.update_service(REAL_FOLLOWERS, rate=Decimal("1.50"))

    await _press(hass)

    assert panel.request_counts["services"] == requests + 1
    event = last_event(hass, entry, watched)
    assert event[ATTR_EVENT_TYPE] == "rate_increased"
    assert event["new_rate"] == 1.5
    assert state_of(hass, watch_entity(hass, entry, watched, "rate")).state == "1.50"
    assert state_of(hass, BUTTON).state != STATE_UNKNOWN  # the time of the press


async def test_a_press_whose_check_fails_says_so(
    hass: HomeAssistant, setup_integration: MockConfigEntry, panel: Panel
) -> None:
    """The press fails with a translated error; the button stays, to try again."""
    entry = setup_integration
    watched = await add_watched_service(hass, entry, REAL_FOLLOWERS)
    panel.faults.inject(Fault.HTTP_500, action="services", times=None)

    with pytest.raises(HomeAssistantError) as failure:
        await _press(hass)

    assert failure.value.translation_domain == DOMAIN
    assert failure.value.translation_key == "catalogue_check_failed"
    rate = watch_entity(hass, entry, watched, "rate")
    assert state_of(hass, rate).state == STATE_UNAVAILABLE
    assert state_of(hass, BUTTON).state != STATE_UNAVAILABLE
