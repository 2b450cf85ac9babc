"""The catalogue watch in daily use: what it is called, checking now, finding choices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.config_entries import ConfigSubentry, SubentryFlowResult
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_FRIENDLY_NAME,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import Fault, Panel

from .helpers import state_of
from .test_catalogue_watch import (
    FOLLOWERS,
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


BUTTON = "button.smm_panel_127_0_0_1_check_catalogue_now"
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
    assert (
        button.attributes[ATTR_FRIENDLY_NAME]
        == "SMM Panel 127.0.0.1 Check catalogue now"
    )
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


async def _start_flow(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    entry: MockConfigEntry,
    subentry_type: str,
) -> dict[str, Any]:
    """Start a watch flow over the REST API, as the frontend does; return its form."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    response = await client.post(
        "/api/config/config_entries/subentries/flow",
        json={"handler": [entry.entry_id, subentry_type]},
    )
    assert response.status == 200, await response.text()
    form: dict[str, Any] = await response.json()
    return form


async def _submit(
    hass_client: ClientSessionGenerator, form: dict[str, Any], user_input: Any
) -> dict[str, Any]:
    client = await hass_client()
    response = await client.post(
        f"/api/config/config_entries/subentries/flow/{form['flow_id']}",
        json=user_input,
    )
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


def _field(form: dict[str, Any], name: str) -> dict[str, Any]:
    (field,) = (field for field in form["data_schema"] if field["name"] == name)
    return field


def _shown(result: SubentryFlowResult) -> dict[str, Any]:
    """Return what a form shows filled in, by field."""
    schema = result["data_schema"]
    assert schema is not None
    return {str(marker): marker.description for marker in schema.schema}


def assert_searchable_with_nothing_chosen(field: dict[str, Any]) -> None:
    """Assert the frontend shows a required choice empty, with a search field.

    The frontend fills a required choice in with its first option unless a value is
    suggested, and offers a search field only for a select taking custom values.
    """
    assert field["required"] is True
    assert "default" not in field
    assert field["description"] == {"suggested_value": ""}
    select = field["selector"]["select"]
    assert select["mode"] == "dropdown"
    assert select["custom_value"] is True


async def test_the_service_flow_chooses_nothing_and_can_be_searched(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
) -> None:
    """Neither the category nor the service is chosen in advance; both are searchable."""
    form = await _start_flow(hass, hass_client, setup_integration, "watched_service")
    assert form["step_id"] == "user"
    assert_searchable_with_nothing_chosen(_field(form, "category"))

    form = await _submit(hass_client, form, {"category": FOLLOWERS})
    assert form["step_id"] == "service"
    assert_searchable_with_nothing_chosen(_field(form, "service_id"))
    assert "default" not in _field(form, "notable_change")

    # The picker shows a chosen value as it is: each service's value is its label.
    options = _field(form, "service_id")["selector"]["select"]["options"]
    assert all(option["value"] == option["label"] for option in options)
    (real,) = (option for option in options if option["value"].startswith("#1 · "))
    form = await _submit(hass_client, form, {"service_id": real["value"]})
    assert form["type"] == FlowResultType.CREATE_ENTRY
    (watch,) = setup_integration.subentries.values()
    assert watch.data == {"service_id": REAL_FOLLOWERS}


@pytest.mark.parametrize("typed", ["102", "#102", " 102 "])
async def test_a_typed_service_id_is_taken(
    hass: HomeAssistant, setup_integration: MockConfigEntry, typed: str
) -> None:
    """Searching takes typed text too: the id of a service of the category will do."""
    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, "watched_service"), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"category": FOLLOWERS}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"service_id": typed}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["unique_id"] == "service_102"


async def test_the_category_flow_chooses_nothing_and_can_be_searched(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
) -> None:
    """A new category watch starts empty; changing one shows the current category."""
    form = await _start_flow(hass, hass_client, setup_integration, "watched_category")
    assert_searchable_with_nothing_chosen(_field(form, "category"))

    watched = await add_watched_category(hass, setup_integration)
    result = await setup_integration.start_subentry_reconfigure_flow(
        hass, watched.subentry_id
    )
    assert _shown(result) == {"category": {"suggested_value": FOLLOWERS}}


@pytest.mark.parametrize(
    ("subentry_type", "typed"),
    [("watched_service", "Instagram"), ("watched_category", "No such category")],
)
async def test_a_typed_category_that_is_not_listed_is_refused(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    subentry_type: str,
    typed: str,
) -> None:
    """Search also takes typed text: a category the catalogue lacks is an error."""
    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, subentry_type), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"category": typed}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"category": "unknown_category"}
    assert _shown(result) == {"category": {"suggested_value": typed}}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"category": FOLLOWERS}
    )
    assert result["type"] is not FlowResultType.ABORT
    assert not result.get("errors")


@pytest.mark.parametrize(
    "typed",
    [
        "Instagram Followers",  # the name, not an id
        "5",  # a service of another category
        str(REAL_FOLLOWERS),  # watched already
    ],
)
async def test_a_typed_service_that_is_not_offered_is_refused(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    watched_real_followers: ConfigSubentry,
    typed: str,
) -> None:
    """Only an unwatched service of the category is accepted; the threshold stays."""
    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, "watched_service"), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"category": FOLLOWERS}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"service_id": typed, "notable_change": 5}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"service_id": "unknown_service"}
    assert _shown(result) == {
        "service_id": {"suggested_value": typed},
        "notable_change": {"suggested_value": 5},
    }


@pytest.fixture
async def watched_real_followers(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> ConfigSubentry:
    """Watch the real followers service."""
    return await add_watched_service(hass, setup_integration, REAL_FOLLOWERS)
