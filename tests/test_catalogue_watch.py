"""Watching the catalogue: watched services and categories, their events and repairs."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
import logging
from types import MappingProxyType
from typing import Any

from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentry,
    ConfigSubentryData,
)
from homeassistant.const import (
    EVENT_STATE_CHANGED,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smmpanel.const import DOMAIN
from custom_components.smmpanel.watch import rate_change_percent
from panel_simulator import Fault, Panel
from panel_simulator.catalogue import Service, ServiceType

from .const import PANEL_CURRENCY
from .helpers import RecordingFaults, poll, short_request_timeout, state_of

__all__ = ["short_request_timeout"]

CATALOGUE_INTERVAL = timedelta(minutes=60)
FOLLOWERS = "Instagram Followers"  # services 1, 2, 101 and 102
REAL_FOLLOWERS = 1  # rate 1.20, 50 to 10000, refill and cancel
CHEAP_FOLLOWERS = 2  # rate 0.45, 10 to 5000


async def add_watched_service(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    service_id: int,
    category: str = FOLLOWERS,
    notable_change: float | None = None,
) -> ConfigSubentry:
    """Watch a service through the subentry flow; return the new subentry."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "watched_service"), context={"source": "user"}
    )
    assert result["step_id"] == "user"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"category": category}
    )
    assert result["step_id"] == "service"
    answer: dict[str, Any] = {"service_id": str(service_id)}
    if notable_change is not None:
        answer["notable_change"] = notable_change
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], answer
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    return _subentry(entry, f"service_{service_id}")


async def add_watched_category(
    hass: HomeAssistant, entry: MockConfigEntry, category: str = FOLLOWERS
) -> ConfigSubentry:
    """Watch a category through the subentry flow; return the new subentry."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "watched_category"), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"category": category}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    return _subentry(entry, f"category_{category}")


def _subentry(entry: MockConfigEntry, unique_id: str) -> ConfigSubentry:
    (subentry,) = (
        subentry
        for subentry in entry.subentries.values()
        if subentry.unique_id == unique_id
    )
    return subentry


def watch_entity(
    hass: HomeAssistant, entry: MockConfigEntry, subentry: ConfigSubentry, key: str
) -> str:
    """Return the entity id of one entity of a watch."""
    unique_id = f"{entry.entry_id}_{subentry.subentry_id}_{key}"
    for platform in (Platform.SENSOR, Platform.BINARY_SENSOR, Platform.EVENT):
        if entity_id := er.async_get(hass).async_get_entity_id(
            platform, DOMAIN, unique_id
        ):
            return entity_id
    raise AssertionError(f"no entity {unique_id}")


def watch_state(
    hass: HomeAssistant, entry: MockConfigEntry, subentry: ConfigSubentry, key: str
) -> str:
    """Return the state of one entity of a watch."""
    return state_of(hass, watch_entity(hass, entry, subentry, key)).state


def last_event(
    hass: HomeAssistant, entry: MockConfigEntry, subentry: ConfigSubentry
) -> dict[str, Any]:
    """Return the attributes of a watch's event entity: its last event."""
    key = (
        "service_events"
        if subentry.subentry_type == "watched_service"
        else "category_events"
    )
    return dict(state_of(hass, watch_entity(hass, entry, subentry, key)).attributes)


async def check_catalogue(hass: HomeAssistant) -> None:
    """Let one catalogue check interval pass."""
    await poll(hass, CATALOGUE_INTERVAL)


@pytest.fixture
async def watched(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> ConfigSubentry:
    """Watch the real followers service, with 10 % as a notable rate change."""
    return await add_watched_service(
        hass, setup_integration, REAL_FOLLOWERS, notable_change=10
    )


async def test_a_watched_service_gets_a_device_with_its_catalogue_entities(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    watched: ConfigSubentry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Rate, limits, type, category, refill, cancel and listing, on its own device."""
    entry = setup_integration
    assert watched.title == "#1 · Instagram Followers - Real [Refill 30D]"
    assert watched.data == {"service_id": REAL_FOLLOWERS, "notable_change": 10}

    rate = state_of(hass, watch_entity(hass, entry, watched, "rate"))
    assert rate.state == "1.20"
    assert rate.attributes["unit_of_measurement"] == PANEL_CURRENCY
    assert rate.attributes["device_class"] == "monetary"
    assert watch_state(hass, entry, watched, "min_quantity") == "50"
    assert watch_state(hass, entry, watched, "max_quantity") == "10000"
    assert watch_state(hass, entry, watched, "service_type") == "Default"
    assert watch_state(hass, entry, watched, "category") == FOLLOWERS
    assert watch_state(hass, entry, watched, "refill") == STATE_ON
    assert watch_state(hass, entry, watched, "cancel") == STATE_ON
    assert watch_state(hass, entry, watched, "listed") == STATE_ON

    entity = er.async_get(hass).async_get(watch_entity(hass, entry, watched, "rate"))
    assert entity is not None
    assert entity.config_subentry_id == watched.subentry_id
    device = device_registry.async_get(entity.device_id or "")
    assert isinstance(device, dr.DeviceEntry)
    assert device.name == watched.title
    account = device_registry.async_get_device_by_identifier(
        (DOMAIN, entry.entry_id), entry.entry_id
    )
    assert account is not None
    assert device.via_device_id == account.id


async def test_the_service_flow_finds_services_by_category(
    hass: HomeAssistant, setup_integration: MockConfigEntry, watched: ConfigSubentry
) -> None:
    """Categories show their size; services their id, name and rate; watched ones go."""
    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, "watched_service"), context={"source": "user"}
    )
    categories = {
        option["value"]: option["label"]
        for option in _select_options(result, "category")
    }
    assert categories[FOLLOWERS] == "Instagram Followers (4)"
    assert list(categories) == sorted(categories)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"category": FOLLOWERS}
    )
    assert result["description_placeholders"] == {"category": FOLLOWERS}
    labels = [option["label"] for option in _select_options(result, "service_id")]
    assert labels == [
        f"#2 · Instagram Followers - Cheap [No Refill] · 0.45 {PANEL_CURRENCY} per 1000",
        f"#101 · Real & Active Followers - Best Server · 250.00 {PANEL_CURRENCY} per 1000",
        f"#102 · Real & Active Followers - Cheap Server · 255.00 {PANEL_CURRENCY} per 1000",
    ]


def _select_options(result: Any, field: str) -> list[dict[str, str]]:
    for key, selector in result["data_schema"].schema.items():
        if key == field:
            options: list[dict[str, str]] = selector.config["options"]
            return options
    raise AssertionError(field)


async def test_the_service_flow_stops_when_a_category_is_all_watched(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """A category whose services are all watched has nothing left to choose."""
    await add_watched_service(hass, setup_integration, 20, "Website Traffic")

    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, "watched_service"), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"category": "Website Traffic"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "category_all_watched"


async def test_rate_changes_are_announced_with_their_size(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
) -> None:
    """Up 25 % is notable against a 10 % threshold; down 3.33 % is not."""
    entry = setup_integration
    panel.update_service(REAL_FOLLOWERS, rate=Decimal("1.50"))
    await check_catalogue(hass)

    event = last_event(hass, entry, watched)
    assert event[ATTR_EVENT_TYPE] == "rate_increased"
    assert event["old_rate"] == 1.2
    assert event["new_rate"] == 1.5
    assert event["change_percent"] == 25.0
    assert event["notable"] is True
    assert event["service_id"] == REAL_FOLLOWERS
    assert event["currency"] == PANEL_CURRENCY
    assert watch_state(hass, entry, watched, "rate") == "1.50"

    panel.update_service(REAL_FOLLOWERS, rate=Decimal("1.45"))
    await check_catalogue(hass)

    event = last_event(hass, entry, watched)
    assert event[ATTR_EVENT_TYPE] == "rate_decreased"
    assert event["change_percent"] == -3.33
    assert event["notable"] is False


async def test_without_a_threshold_every_rate_change_is_notable(
    hass: HomeAssistant, setup_integration: MockConfigEntry, panel: Panel
) -> None:
    """A watch without a notable change threshold marks each change notable."""
    subentry = await add_watched_service(hass, setup_integration, CHEAP_FOLLOWERS)
    panel.update_service(CHEAP_FOLLOWERS, rate=Decimal("0.46"))
    await check_catalogue(hass)

    event = last_event(hass, setup_integration, subentry)
    assert event["change_percent"] == 2.22
    assert event["notable"] is True


async def test_limit_changes_are_announced(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
) -> None:
    """A new minimum or maximum tells the old and the new limits."""
    entry = setup_integration
    panel.update_service(REAL_FOLLOWERS, min_quantity=100, max_quantity=20000)
    await check_catalogue(hass)

    event = last_event(hass, entry, watched)
    assert event[ATTR_EVENT_TYPE] == "limits_changed"
    assert (event["old_min"], event["min"]) == (50, 100)
    assert (event["old_max"], event["max"]) == (10000, 20000)
    assert watch_state(hass, entry, watched, "min_quantity") == "100"


async def test_an_unchanged_catalogue_announces_and_writes_nothing(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
    hass_storage: dict[str, Any],
) -> None:
    """Checks of a catalogue that did not change fire no event and write nothing."""
    event_id = watch_entity(hass, setup_integration, watched, "service_events")
    before = state_of(hass, event_id)
    stored = hass_storage[f"{DOMAIN}.{setup_integration.entry_id}.catalogue_watch"]
    requests = panel.request_counts["services"]

    await check_catalogue(hass)
    await check_catalogue(hass)

    assert panel.request_counts["services"] == requests + 2
    assert state_of(hass, event_id) == before
    assert (
        hass_storage[f"{DOMAIN}.{setup_integration.entry_id}.catalogue_watch"] is stored
    )


async def test_a_removed_service_says_so_and_raises_a_repair(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Removed: unavailable figures, listed off, an event and a repair; then back."""
    entry = setup_integration
    issue_id = f"service_removed_{watched.subentry_id}"
    panel.remove_service(REAL_FOLLOWERS)
    await check_catalogue(hass)

    assert last_event(hass, entry, watched)[ATTR_EVENT_TYPE] == "service_removed"
    assert watch_state(hass, entry, watched, "listed") == STATE_OFF
    for key in ("rate", "min_quantity", "refill", "category"):
        assert watch_state(hass, entry, watched, key) == STATE_UNAVAILABLE
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {
        "service": watched.title,
        "title": entry.title,
    }

    panel.update_service(CHEAP_FOLLOWERS, rate=Decimal("0.50"))  # not watched
    await check_catalogue(hass)
    assert last_event(hass, entry, watched)[ATTR_EVENT_TYPE] == "service_removed"

    panel.restore_service(REAL_FOLLOWERS)
    await check_catalogue(hass)

    assert last_event(hass, entry, watched)[ATTR_EVENT_TYPE] == "service_restored"
    assert watch_state(hass, entry, watched, "listed") == STATE_ON
    assert watch_state(hass, entry, watched, "rate") == "1.20"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_changes_made_while_stopped_are_announced_once(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
) -> None:
    """The last catalogue is stored: a change made meanwhile is told at the next start."""
    entry = setup_integration
    event_id = watch_entity(hass, entry, watched, "service_events")
    fired: set[tuple[str, str]] = set()  # (time, type): a restored event is not new

    @callback
    def _record(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == event_id and (state := event.data["new_state"]):
            fired.add((state.state, state.attributes.get(ATTR_EVENT_TYPE, "")))

    hass.bus.async_listen(EVENT_STATE_CHANGED, _record)
    assert await hass.config_entries.async_unload(entry.entry_id)
    panel.update_service(REAL_FOLLOWERS, rate=Decimal("2.40"))

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _types(fired) == ["rate_increased"]
    assert last_event(hass, entry, watched)["change_percent"] == 100.0

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await check_catalogue(hass)
    assert _types(fired) == ["rate_increased"]


def _types(fired: set[tuple[str, str]]) -> list[str]:
    return sorted(kind for time, kind in fired if kind and time != STATE_UNAVAILABLE)


async def test_a_watched_category_announces_new_services(
    hass: HomeAssistant, setup_integration: MockConfigEntry, panel: Panel
) -> None:
    """The services in a category at the start are the baseline; new ones are told."""
    entry = setup_integration
    subentry = await add_watched_category(hass, entry)
    assert subentry.title == FOLLOWERS
    assert watch_state(hass, entry, subentry, "category_services") == "4"

    panel.add_service(
        Service(
            service_id=500,
            name="Instagram Followers - Premium",
            type=ServiceType.DEFAULT,
            category=FOLLOWERS,
            rate=Decimal("3.10"),
            min_quantity=100,
            max_quantity=50000,
        )
    )
    await check_catalogue(hass)

    event = last_event(hass, entry, subentry)
    assert event[ATTR_EVENT_TYPE] == "services_added"
    assert event["category"] == FOLLOWERS
    assert event["count"] == 1
    assert event["services"] == [
        {
            "service_id": 500,
            "service": "Instagram Followers - Premium",
            "category": FOLLOWERS,
            "rate": 3.1,
            "min": 100,
            "max": 50000,
        }
    ]
    assert watch_state(hass, entry, subentry, "category_services") == "5"


async def test_a_category_is_watched_once(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Watching a category twice is refused; a watch may keep its own category."""
    entry = setup_integration
    followers = await add_watched_category(hass, entry)
    tiktok = await add_watched_category(hass, entry, "TikTok")
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "watched_category"), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"category": FOLLOWERS}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"

    for subentry, category, reason in (
        (tiktok, FOLLOWERS, "already_configured"),
        (followers, FOLLOWERS, "reconfigure_successful"),
    ):
        result = await entry.start_subentry_reconfigure_flow(hass, subentry.subentry_id)
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"category": category}
        )
        assert result["reason"] == reason
    await hass.async_block_till_done(wait_background_tasks=True)
    assert {subentry.title for subentry in entry.subentries.values()} == {
        FOLLOWERS,
        "TikTok",
    }


async def test_reconfiguring_a_watch(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
) -> None:
    """A service watch changes its threshold; a category watch its category."""
    entry = setup_integration
    result = await entry.start_subentry_reconfigure_flow(hass, watched.subentry_id)
    assert result["description_placeholders"] == {"service": watched.title}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"notable_change": 50}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.subentries[watched.subentry_id].data == {
        "service_id": REAL_FOLLOWERS,
        "notable_change": 50,
    }
    panel.update_service(REAL_FOLLOWERS, rate=Decimal("1.50"))
    await check_catalogue(hass)
    assert last_event(hass, entry, watched)["notable"] is False

    category = await add_watched_category(hass, entry)
    result = await entry.start_subentry_reconfigure_flow(hass, category.subentry_id)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"category": "TikTok"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    moved = entry.subentries[category.subentry_id]
    assert (moved.title, moved.unique_id) == ("TikTok", "category_TikTok")
    assert watch_state(hass, entry, moved, "category_services") == "1"


async def test_removing_a_watch_removes_its_device_and_entities(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    watched: ConfigSubentry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Deleting the subentry takes its device and entities with it."""
    entry = setup_integration
    rate_id = watch_entity(hass, entry, watched, "rate")
    assert hass.config_entries.async_remove_subentry(entry, watched.subentry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert er.async_get(hass).async_get(rate_id) is None
    assert hass.states.get(rate_id) is None
    assert not device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{watched.subentry_id}"), entry.entry_id
    )
    assert entry.state is ConfigEntryState.LOADED
    assert (
        state_of(hass, "sensor.smm_panel_127_0_0_1_balance").state != STATE_UNAVAILABLE
    )


async def test_a_catalogue_that_cannot_be_fetched_leaves_the_account_alone(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
) -> None:
    """Only the watches go unavailable when `services` fails; the balance stays."""
    entry = setup_integration
    panel.faults.inject(Fault.HTTP_500, action="services", times=None)
    await check_catalogue(hass)

    assert watch_state(hass, entry, watched, "rate") == STATE_UNAVAILABLE
    assert watch_state(hass, entry, watched, "listed") == STATE_UNAVAILABLE
    assert Decimal(state_of(hass, "sensor.smm_panel_127_0_0_1_balance").state) == 1000

    panel.faults.clear()
    await check_catalogue(hass)
    assert watch_state(hass, entry, watched, "rate") == "1.20"


EMPTY_CATALOGUES = [
    Fault.CATALOGUE_EMPTY_LIST,
    Fault.CATALOGUE_EMPTY_DATA,
    Fault.CATALOGUE_UNREADABLE,
]
EMPTY_CATALOGUE_LOG = "The panel listed no services, though it listed some before"
RECOVERY_LOG = "Fetching smmpanel catalogue data recovered"


def record_events(hass: HomeAssistant, *entity_ids: str) -> list[str]:
    """Return a list that collects the event types the event entities fire from now.

    A state that only comes back after the entity was unavailable is no new event.
    """
    fired: list[str] = []
    seen = {
        (state.entity_id, state.state)
        for entity_id in entity_ids
        if (state := hass.states.get(entity_id)) is not None
    }

    @callback
    def _record(event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        if state is None or state.entity_id not in entity_ids:
            return
        if state.state != STATE_UNAVAILABLE and (
            (state.entity_id, state.state) not in seen
        ):
            seen.add((state.entity_id, state.state))
            fired.append(state.attributes[ATTR_EVENT_TYPE])

    hass.bus.async_listen(EVENT_STATE_CHANGED, _record)
    return fired


def _logged(caplog: pytest.LogCaptureFixture, text: str) -> int:
    """Return how many times a text was logged, debug messages left out."""
    return sum(
        record.levelno >= logging.INFO and text in record.getMessage()
        for record in caplog.records
    )


@pytest.mark.parametrize("fault", EMPTY_CATALOGUES)
async def test_an_empty_catalogue_is_a_failed_check(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
    issue_registry: ir.IssueRegistry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    """A panel under maintenance lists nothing: the watches are unavailable, nothing
    is removed, announced or repaired, and it is logged once; then all is back."""
    entry = setup_integration
    category = await add_watched_category(hass, entry)
    fired = record_events(
        hass,
        watch_entity(hass, entry, watched, "service_events"),
        watch_entity(hass, entry, category, "category_events"),
    )
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.catalogue_watch"]
    panel.faults.inject(fault, times=2)

    await check_catalogue(hass)
    await check_catalogue(hass)

    assert not panel.faults.rules
    for key in ("rate", "listed", "service_events"):
        assert watch_state(hass, entry, watched, key) == STATE_UNAVAILABLE
    assert watch_state(hass, entry, category, "category_services") == STATE_UNAVAILABLE
    assert fired == []
    assert not issue_registry.async_get_issue(
        DOMAIN, f"service_removed_{watched.subentry_id}"
    )
    assert _logged(caplog, EMPTY_CATALOGUE_LOG) == 1
    assert (
        state_of(hass, "sensor.smm_panel_127_0_0_1_balance").state != STATE_UNAVAILABLE
    )

    await check_catalogue(hass)

    assert watch_state(hass, entry, watched, "rate") == "1.20"
    assert watch_state(hass, entry, watched, "listed") == STATE_ON
    assert watch_state(hass, entry, category, "category_services") == "4"
    assert fired == []
    assert hass_storage[f"{DOMAIN}.{entry.entry_id}.catalogue_watch"] is stored
    assert _logged(caplog, EMPTY_CATALOGUE_LOG) == 1
    assert _logged(caplog, RECOVERY_LOG) == 1


@pytest.mark.parametrize("fault", EMPTY_CATALOGUES)
async def test_an_empty_catalogue_after_a_restart_is_a_failed_check(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
    issue_registry: ir.IssueRegistry,
    fault: Fault,
) -> None:
    """Nothing cached yet, but the stored watch listed services: still no removal."""
    entry = setup_integration
    fired = record_events(hass, watch_entity(hass, entry, watched, "service_events"))
    assert await hass.config_entries.async_unload(entry.entry_id)
    panel.faults.inject(fault)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert not panel.faults.rules
    assert watch_state(hass, entry, watched, "listed") == STATE_UNAVAILABLE
    assert not issue_registry.async_get_issue(
        DOMAIN, f"service_removed_{watched.subentry_id}"
    )
    await check_catalogue(hass)
    assert watch_state(hass, entry, watched, "listed") == STATE_ON
    assert fired == []


async def test_removing_some_watched_services_is_still_announced(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Two of three watched services removed: two events and two repairs."""
    entry = setup_integration
    cheap = await add_watched_service(hass, entry, CHEAP_FOLLOWERS)
    tiktok = await add_watched_service(hass, entry, 16, "TikTok")
    fired = record_events(
        hass,
        *(
            watch_entity(hass, entry, subentry, "service_events")
            for subentry in (watched, cheap, tiktok)
        ),
    )
    panel.remove_service(REAL_FOLLOWERS)
    panel.remove_service(16)

    await check_catalogue(hass)

    assert fired == ["service_removed", "service_removed"]
    for subentry, listed in (
        (watched, STATE_OFF),
        (cheap, STATE_ON),
        (tiktok, STATE_OFF),
    ):
        assert watch_state(hass, entry, subentry, "listed") == listed
        issue = issue_registry.async_get_issue(
            DOMAIN, f"service_removed_{subentry.subentry_id}"
        )
        assert (issue is not None) == (listed == STATE_OFF)


async def test_the_catalogue_is_checked_on_its_own_schedule(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
) -> None:
    """Order polls do not fetch the catalogue; its interval is an option."""
    requests = panel.request_counts["services"]
    await poll(hass, timedelta(minutes=5))
    assert panel.request_counts["services"] == requests

    result = await hass.config_entries.options.async_init(setup_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "scan_interval": 5,
            "low_balance_threshold": 10,
            "finished_order_retention": 24,
            "catalogue_interval": 15,
        },
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    requests = panel.request_counts["services"]
    await poll(hass, timedelta(minutes=15))
    assert panel.request_counts["services"] == requests + 1


async def test_no_watch_no_catalogue_checks(
    hass: HomeAssistant, setup_integration: MockConfigEntry, panel: Panel
) -> None:
    """Without a watch the catalogue is fetched only when an action needs it."""
    await poll(hass, timedelta(hours=25))
    assert panel.request_counts["services"] == 0


async def test_subentry_flows_need_a_loaded_account(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """The catalogue comes from the loaded account; otherwise the flow says so."""
    await hass.config_entries.async_unload(setup_integration.entry_id)
    for kind in ("watched_service", "watched_category"):
        result = await hass.config_entries.subentries.async_init(
            (setup_integration.entry_id, kind), context={"source": "user"}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "account_not_loaded"


async def test_subentry_flows_say_when_the_catalogue_cannot_be_fetched(
    hass: HomeAssistant, setup_integration: MockConfigEntry, panel: Panel
) -> None:
    """A failing `services` request ends the flow with its reason."""
    panel.faults.inject(Fault.HTTP_500, action="services", times=None)
    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, "watched_service"), context={"source": "user"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "catalogue_unavailable"
    assert "500" in (result["description_placeholders"] or {})["error"]


async def _start_fix(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, issue_id: str
) -> tuple[Any, dict[str, Any]]:
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    return client, await response.json()


async def _removed_and_fix_started(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    watched: ConfigSubentry,
) -> tuple[Any, str]:
    """Remove the watched service, and open its repair's menu."""
    panel.remove_service(REAL_FOLLOWERS)
    await check_catalogue(hass)
    client, flow = await _start_fix(
        hass, hass_client, f"service_removed_{watched.subentry_id}"
    )
    assert flow["type"] == "menu"
    assert flow["menu_options"] == ["switch_service", "stop_watching"]
    return client, flow["flow_id"]


async def _choose(client: Any, flow_id: str, step: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/repairs/issues/fix/{flow_id}", json={"next_step_id": step}
    )
    result: dict[str, Any] = await response.json()
    return result


async def test_the_repair_switches_the_watch_to_another_service(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The watch keeps its entities and follows a service of the same category."""
    entry = setup_integration
    rate_id = watch_entity(hass, entry, watched, "rate")
    issue_id = f"service_removed_{watched.subentry_id}"
    client, flow_id = await _removed_and_fix_started(hass, hass_client, panel, watched)

    flow = await _choose(client, flow_id, "switch_service")
    assert flow["step_id"] == "switch_service"
    assert flow["description_placeholders"] == {
        "service": watched.title,
        "category": FOLLOWERS,
    }
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}",
        json={"service_id": str(CHEAP_FOLLOWERS)},
    )
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)

    switched = entry.subentries[watched.subentry_id]
    assert switched.data == {"service_id": CHEAP_FOLLOWERS, "notable_change": 10}
    assert switched.title == "#2 · Instagram Followers - Cheap [No Refill]"
    assert watch_entity(hass, entry, switched, "rate") == rate_id
    assert state_of(hass, rate_id).state == "0.45"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_the_repair_stops_watching(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Stopping removes the subentry, its entities and the issue."""
    entry = setup_integration
    rate_id = watch_entity(hass, entry, watched, "rate")
    issue_id = f"service_removed_{watched.subentry_id}"
    client, flow_id = await _removed_and_fix_started(hass, hass_client, panel, watched)

    assert (await _choose(client, flow_id, "stop_watching"))["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)

    assert watched.subentry_id not in entry.subentries
    assert hass.states.get(rate_id) is None
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_the_repair_offers_no_switch_without_another_service(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
    panel: Panel,
) -> None:
    """A category with nothing else to watch leaves only stopping."""
    subentry = await add_watched_service(hass, setup_integration, 16, "TikTok")
    panel.remove_service(16)
    await check_catalogue(hass)

    client, flow = await _start_fix(
        hass, hass_client, f"service_removed_{subentry.subentry_id}"
    )
    result = await _choose(client, flow["flow_id"], "switch_service")
    assert result["type"] == "abort"
    assert result["reason"] == "no_replacement"


async def test_issues_of_removed_watches_are_deleted(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Deleting the watch of a removed service deletes its repair issue too."""
    issue_id = f"service_removed_{watched.subentry_id}"
    panel.remove_service(REAL_FOLLOWERS)
    await check_catalogue(hass)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    hass.config_entries.async_remove_subentry(setup_integration, watched.subentry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_diagnostics_show_what_the_watch_saw(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
    watched: ConfigSubentry,
) -> None:
    """The watched listings and the check schedule are in the diagnostics."""
    await add_watched_category(hass, setup_integration, "TikTok")
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, setup_integration
    )

    watch = diagnostics["catalogue_watch"]
    assert watch["last_update_success"] is True
    assert watch["update_interval"] == "1:00:00"
    assert watch["category_sizes"] == {"TikTok": 1}
    (listing,) = watch["listings"]
    assert listing["service_id"] == REAL_FOLLOWERS
    assert listing["rate"] == "1.20"
    assert listing["listed"] is True
    assert {subentry["title"] for subentry in diagnostics["entry"]["subentries"]} == {
        watched.title,
        "TikTok",
    }


def _entry_with_watches(
    config_entry: MockConfigEntry, *subentries: ConfigSubentryData
) -> MockConfigEntry:
    """Return the test entry with watches, as a restart finds them."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=config_entry.entry_id,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        data=dict(config_entry.data),
        subentries_data=subentries,
    )


async def test_a_watch_of_a_service_never_seen_and_not_sold(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Nothing to compare with: no event, but the repair and an off Listed."""
    entry = _entry_with_watches(
        config_entry,
        ConfigSubentryData(
            subentry_type="watched_service",
            data={"service_id": 999},
            title="#999 · Gone",
            unique_id="service_999",
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    subentry = _subentry(entry, "service_999")

    assert watch_state(hass, entry, subentry, "listed") == STATE_OFF
    assert watch_state(hass, entry, subentry, "rate") == STATE_UNAVAILABLE
    assert last_event(hass, entry, subentry)[ATTR_EVENT_TYPE] is None
    assert issue_registry.async_get_issue(
        DOMAIN, f"service_removed_{subentry.subentry_id}"
    )


@pytest.mark.parametrize(
    ("version", "data", "warned"),
    [
        (
            1,
            {
                "services": {"1": {"name": "x", "rate": "not money"}, "2": "junk"},
                "categories": {FOLLOWERS: ["1", None]},
            },
            False,
        ),
        (1, ["not", "a", "mapping"], False),
        (9, {}, True),
    ],
    ids=["damaged_rows", "wrong_shape", "newer_version"],
)
async def test_an_unreadable_stored_catalogue_starts_over(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    version: int,
    data: Any,
    warned: bool,
) -> None:
    """What cannot be read is forgotten: the catalogue seen now is the new baseline.

    The account sets up all the same; a file that cannot be loaded is logged.
    """
    entry = _entry_with_watches(
        config_entry,
        ConfigSubentryData(
            subentry_type="watched_service",
            data={"service_id": REAL_FOLLOWERS},
            title="#1",
            unique_id="service_1",
        ),
        ConfigSubentryData(
            subentry_type="watched_category",
            data={"category": FOLLOWERS},
            title=FOLLOWERS,
            unique_id=f"category_{FOLLOWERS}",
        ),
    )
    hass_storage[f"{DOMAIN}.{entry.entry_id}.catalogue_watch"] = {
        "version": version,
        "key": f"{DOMAIN}.{entry.entry_id}.catalogue_watch",
        "data": data,
    }
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert entry.state is ConfigEntryState.LOADED
    assert (
        "The watched catalogue of 127.0.0.1 cannot be read" in caplog.text
    ) is warned

    for unique_id in ("service_1", f"category_{FOLLOWERS}"):
        assert (
            last_event(hass, entry, _subentry(entry, unique_id))[ATTR_EVENT_TYPE]
            is None
        )
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.catalogue_watch"]["data"]
    assert stored["services"]["1"]["rate"] == "1.20"
    assert stored["categories"] == {FOLLOWERS: [1, 2, 101, 102]}


async def test_the_last_catalogue_is_shown_until_the_first_check(
    hass: HomeAssistant, config_entry: MockConfigEntry, panel: Panel
) -> None:
    """Set up again, the watches show what the last check saw, not unavailable.

    The first check, which runs in the background, then changes only what the panel
    changed. A service watched since that check is not shown unlisted before its own.
    """
    entry = _entry_with_watches(
        config_entry,
        ConfigSubentryData(
            subentry_type="watched_service",
            data={"service_id": REAL_FOLLOWERS},
            title="#1",
            unique_id="service_1",
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data=MappingProxyType({"service_id": CHEAP_FOLLOWERS}),
            subentry_type="watched_service",
            title="#2",
            unique_id="service_2",
        ),
    )
    faults = panel.faults = RecordingFaults()
    faults.inject(Fault.LATENCY, action="services", seconds=0.1)

    assert await hass.config_entries.async_setup(entry.entry_id)
    async with asyncio.timeout(5):
        await faults.hit.wait()  # the first check waits for the catalogue
    seen, since = _subentry(entry, "service_1"), _subentry(entry, "service_2")
    assert watch_state(hass, entry, seen, "rate") == "1.20"
    assert watch_state(hass, entry, seen, "listed") == STATE_ON
    assert watch_state(hass, entry, since, "listed") == STATE_UNAVAILABLE

    await hass.async_block_till_done(wait_background_tasks=True)
    assert watch_state(hass, entry, since, "rate") == "0.45"
    assert watch_state(hass, entry, since, "listed") == STATE_ON


def test_a_rate_from_zero_has_no_percentage() -> None:
    """A rate rising from 0 has no percentage (the simulator sells nothing for 0)."""
    assert rate_change_percent(Decimal(0), Decimal("1.5")) is None
    assert rate_change_percent(Decimal("0.45"), Decimal("0.46")) == Decimal("2.22")


@pytest.mark.parametrize(
    ("step", "outcome"),
    [("switch_service", "abort"), ("stop_watching", "create_entry")],
)
async def test_the_repair_of_a_watch_deleted_meanwhile(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
    step: str,
    outcome: str,
) -> None:
    """A watch deleted while its repair was open: nothing to switch or stop."""
    client, flow_id = await _removed_and_fix_started(hass, hass_client, panel, watched)
    hass.config_entries.async_remove_subentry(setup_integration, watched.subentry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    result = await _choose(client, flow_id, step)

    assert result["type"] == outcome
    if outcome == "abort":
        assert result["reason"] == "watch_gone"
    assert setup_integration.subentries == {}


async def test_the_repair_switch_needs_the_account_and_its_catalogue(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
    panel: Panel,
    watched: ConfigSubentry,
) -> None:
    """Switching reads the loaded account's catalogue; without either it says so."""
    client, flow_id = await _removed_and_fix_started(hass, hass_client, panel, watched)
    await hass.config_entries.async_unload(setup_integration.entry_id)
    result = await _choose(client, flow_id, "switch_service")
    assert result["reason"] == "account_not_loaded"

    panel.faults.inject(Fault.HTTP_500, action="services", times=None)
    assert await hass.config_entries.async_setup(setup_integration.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    client, flow = await _start_fix(
        hass, hass_client, f"service_removed_{watched.subentry_id}"
    )
    result = await _choose(client, flow["flow_id"], "switch_service")
    assert result["reason"] == "catalogue_unavailable"
