"""Watching the panel's catalogue in a real Home Assistant, end to end.

A service is watched through the "Watch catalogue item" dialog in Chromium, finding
its category and then itself with the pickers' search; then the simulator's control
API changes the catalogue, and the account's Check catalogue now button (pressed over
REST) or a reload of the entry makes the integration check it at once. Over REST: the
watch's device and entities, the event of a rate increase, and the repair raised when
the service leaves the catalogue; in the browser: the device page and the repair's fix
flow, which stops the watch.

The steps build on each other through module fixtures. At the end the catalogue is as
it was and nothing is watched, as the other modules expect.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
import re
from typing import Any

from playwright.sync_api import Locator, Page, expect
import pytest

from custom_components.smmpanel.const import DOMAIN

from .harness import HomeAssistant, SaveScreenshot, Simulator

pytestmark = pytest.mark.e2e

CATEGORY = "Instagram Followers"  # services 1, 2, 101 and 102
WATCHED = 102  # Real & Active Followers - Cheap Server, sold by no other test
WATCHED_UNIQUE_ID = f"service_{WATCHED}"
NOTABLE_CHANGE = "10"  # percent
RATE_INCREASE = Decimal("1.25")  # +25 %
CATALOGUE_TIMEOUT = 120.0  # seconds; a reload checks the catalogue in the background
# The search field of a picker, which says "Search | Add custom item" in English.
SEARCH = re.compile(r"^Search\b")
SERVICE_EVENT_TYPES = [
    "rate_increased",
    "rate_decreased",
    "limits_changed",
    "service_removed",
    "service_restored",
]


def _open(page: Page, url: str) -> None:
    """Load a page of the frontend and wait for its launch screen to fade out."""
    page.goto(url)
    expect(page.locator("#ha-launch-screen")).to_have_count(0)


def _watch(homeassistant: HomeAssistant, entry_id: str) -> dict[str, Any] | None:
    """Return the subentry watching the service, or None."""
    return next(
        (
            subentry
            for subentry in homeassistant.client.subentries(entry_id)
            if subentry["unique_id"] == WATCHED_UNIQUE_ID
        ),
        None,
    )


def _watch_entities(
    homeassistant: HomeAssistant, entry_id: str, subentry_id: str
) -> dict[str, dict[str, Any]]:
    """Return the registry entries of a watch's entities, by key (rate, listed...)."""
    prefix = f"{entry_id}_{subentry_id}_"
    return {
        entity["unique_id"].removeprefix(prefix): entity
        for entity in homeassistant.client.entity_registry()
        if entity["platform"] == DOMAIN and entity["unique_id"].startswith(prefix)
    }


def _state(homeassistant: HomeAssistant, entity_id: str) -> dict[str, Any]:
    state = homeassistant.client.state(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state


def _event_type(homeassistant: HomeAssistant, entity_id: str) -> str | None:
    state = homeassistant.client.state(entity_id)
    return None if state is None else state["attributes"].get("event_type")


@pytest.fixture(scope="module")
def original_service(
    homeassistant: HomeAssistant, simulator: Simulator, panel_entry: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Return the watched service's row in the catalogue; put it back afterwards.

    Afterwards the service is listed again at its rate and limits, no watch of it is
    left, and the entry is reloaded so that it reads the catalogue as it was.
    """
    row = simulator.services()[WATCHED]
    yield row
    entry_id = panel_entry["entry_id"]
    if (watch := _watch(homeassistant, entry_id)) is not None:
        homeassistant.client.websocket_command(
            {
                "type": "config_entries/subentries/delete",
                "entry_id": entry_id,
                "subentry_id": watch["subentry_id"],
            }
        )
    if WATCHED in simulator.state()["removed_services"]:
        simulator.restore_service(WATCHED)
    simulator.update_service(
        WATCHED, rate=row["rate"], min=int(row["min"]), max=int(row["max"])
    )
    homeassistant.client.reload_config_entry(entry_id)


@pytest.fixture(scope="module")
def watch(
    homeassistant: HomeAssistant,
    panel_entry: dict[str, Any],
    original_service: dict[str, Any],
    page: Page,
    save_screenshot: SaveScreenshot,
) -> dict[str, Any]:
    """Watch the service through the dialog on the integration's page.

    Return the new subentry, with its entities by key under "entities".
    """
    _open(page, f"{homeassistant.client.url}/config/integrations/integration/{DOMAIN}")
    # Adding an account and watching a catalogue item read apart (a hub's label).
    expect(page.get_by_role("button", name="Add hub")).to_be_visible()
    expect(page.get_by_role("button", name="Add service")).to_have_count(0)
    page.get_by_role("button", name="Watch catalogue item").click()
    flow = page.locator("dialog-data-entry-flow")
    expect(flow.get_by_text("Watch a catalogue item", exact=True)).to_be_visible()
    # Nothing is chosen in advance: the picker shows its label only.
    expect(flow.get_by_role("button", name="Category")).to_have_text(
        re.compile(r"^\s*Category\s*\*?\s*$")
    )
    flow.get_by_role("button", name="Category").click()
    flow.get_by_placeholder(SEARCH).fill("followers")
    flow.get_by_role("option", name=f"{CATEGORY} (4)", exact=True).click()
    flow.get_by_role("button", name="Submit").click()

    expect(flow.get_by_text(f"Watch a catalogue item in {CATEGORY}")).to_be_visible()
    service = f"#{WATCHED} · {original_service['name']}"
    flow.get_by_role("button", name="Service").click()
    flow.get_by_placeholder(SEARCH).fill(str(WATCHED))
    flow.get_by_role("option", name=service).click()
    flow.get_by_role("spinbutton", name="Notable rate change").fill(NOTABLE_CHANGE)
    expect(flow.get_by_role("button", name="Service")).to_contain_text(service)
    expect(page.get_by_text("Translation error")).to_have_count(0)
    save_screenshot("watch-add-service", page.get_by_role("dialog"))
    flow.get_by_role("button", name="Submit").click()

    expect(flow.get_by_text("Success", exact=True)).to_be_visible()
    flow.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    entry_id = panel_entry["entry_id"]
    subentry = _watch(homeassistant, entry_id)
    assert subentry is not None, "the dialog made no watch"
    homeassistant.process.wait_until(
        lambda: (
            "rate" in _watch_entities(homeassistant, entry_id, subentry["subentry_id"])
        ),
        timeout=CATALOGUE_TIMEOUT,
        what="adding the watch's entities",
    )
    entities = _watch_entities(homeassistant, entry_id, subentry["subentry_id"])
    return {**subentry, "entities": entities}


def _entity_id(watch: dict[str, Any], key: str) -> str:
    entity_id: str = watch["entities"][key]["entity_id"]
    return entity_id


@pytest.fixture(scope="module")
def raised_rate(
    homeassistant: HomeAssistant,
    simulator: Simulator,
    panel_entry: dict[str, Any],
    original_service: dict[str, Any],
    watch: dict[str, Any],
) -> Decimal:
    """Raise the service's rate by 25 % on the panel, then press Check catalogue now.

    Return the new rate, once the watch has announced it.
    """
    rate = (Decimal(original_service["rate"]) * RATE_INCREASE).quantize(Decimal("0.01"))
    simulator.update_service(WATCHED, rate=str(rate))
    (button,) = (
        entity["entity_id"]
        for entity in homeassistant.client.entity_registry()
        if entity["unique_id"] == f"{panel_entry['entry_id']}_check_catalogue"
    )
    homeassistant.client.call_action("button", "press", {"entity_id": button})
    events = _entity_id(watch, "service_events")
    homeassistant.process.wait_until(
        lambda: _event_type(homeassistant, events) == "rate_increased",
        timeout=CATALOGUE_TIMEOUT,
        what="announcing the rate increase",
    )
    return rate


@pytest.fixture(scope="module")
def removal_issue(
    homeassistant: HomeAssistant,
    simulator: Simulator,
    panel_entry: dict[str, Any],
    watch: dict[str, Any],
) -> dict[str, Any]:
    """Remove the service from the panel, then reload the entry; return the repair."""
    simulator.remove_service(WATCHED)
    homeassistant.client.reload_config_entry(panel_entry["entry_id"])
    issue_id = f"service_removed_{watch['subentry_id']}"

    def _issue() -> dict[str, Any] | None:
        return next(
            (
                issue
                for issue in homeassistant.client.repair_issues(DOMAIN)
                if issue["issue_id"] == issue_id
            ),
            None,
        )

    homeassistant.process.wait_until(
        lambda: _issue() is not None,
        timeout=CATALOGUE_TIMEOUT,
        what=f"raising the repair {issue_id}",
    )
    issue = _issue()
    assert issue is not None
    return issue


def test_a_watched_service_gets_its_catalogue_entities(
    homeassistant: HomeAssistant,
    simulator: Simulator,
    original_service: dict[str, Any],
    watch: dict[str, Any],
) -> None:
    """The watch, named after the service, has the panel's figures of it."""
    title = f"#{WATCHED} · {original_service['name']}"
    assert watch["subentry_type"] == "watched_service"
    assert watch["title"] == title
    listed = simulator.services()[WATCHED]

    rate = _state(homeassistant, _entity_id(watch, "rate"))
    assert Decimal(rate["state"]) == Decimal(listed["rate"])
    assert rate["attributes"]["unit_of_measurement"] == simulator.state()["currency"]
    assert rate["attributes"]["device_class"] == "monetary"
    assert rate["attributes"]["friendly_name"] == f"{title} Rate per 1000"
    expected = {
        "min_quantity": str(listed["min"]),
        "max_quantity": str(listed["max"]),
        "service_type": listed["type"],
        "category": CATEGORY,
        "listed": "on",
        "refill": "on" if listed["refill"] else "off",
        "cancel": "on" if listed["cancel"] else "off",
    }
    states = {
        key: _state(homeassistant, _entity_id(watch, key))["state"] for key in expected
    }
    assert states == expected

    events = _state(homeassistant, _entity_id(watch, "service_events"))
    assert events["attributes"]["event_types"] == SERVICE_EVENT_TYPES
    # All on the watch's own device, named as the watch.
    device_ids = {entity["device_id"] for entity in watch["entities"].values()}
    assert len(device_ids) == 1
    (device,) = (
        device
        for device in homeassistant.client.device_registry()
        if device["id"] in device_ids
    )
    assert device["name"] == title


def test_a_rate_increase_fires_the_event(
    homeassistant: HomeAssistant,
    original_service: dict[str, Any],
    watch: dict[str, Any],
    raised_rate: Decimal,
) -> None:
    """+25 %, past the 10 % threshold: rate_increased, notable, with the old rate."""
    event = _state(homeassistant, _entity_id(watch, "service_events"))["attributes"]
    assert event["event_type"] == "rate_increased"
    assert event["change_percent"] == 25.0
    assert event["notable"] is True
    assert event["service_id"] == WATCHED
    assert Decimal(str(event["old_rate"])) == Decimal(original_service["rate"])
    assert Decimal(str(event["new_rate"])) == raised_rate
    rate = _state(homeassistant, _entity_id(watch, "rate"))
    assert Decimal(rate["state"]) == raised_rate


def test_device_page_shows_the_watch(
    homeassistant: HomeAssistant,
    watch: dict[str, Any],
    raised_rate: Decimal,
    page: Page,
    save_screenshot: SaveScreenshot,
) -> None:
    """The watch's device page shows the new rate and the last catalogue event."""
    device_id = watch["entities"]["rate"]["device_id"]
    _open(page, f"{homeassistant.client.url}/config/devices/device/{device_id}")
    expect(page.get_by_text(watch["title"]).first).to_be_visible()
    expect(_entity_row(page, "Rate per 1000")).to_contain_text(f"{raised_rate:,.2f}")
    expect(_entity_row(page, "Listed")).to_contain_text("On")
    expect(_entity_row(page, "Catalogue events")).to_contain_text("Rate increased")
    expect(page.get_by_text("Translation error")).to_have_count(0)
    save_screenshot("watch-service-device")


def test_a_removed_service_raises_a_repair(
    homeassistant: HomeAssistant,
    panel_entry: dict[str, Any],
    watch: dict[str, Any],
    removal_issue: dict[str, Any],
) -> None:
    """Gone from the catalogue: listed off, figures unavailable, an event, a repair."""
    assert removal_issue["is_fixable"] is True
    assert removal_issue["translation_key"] == "service_removed"
    assert removal_issue["translation_placeholders"] == {
        "service": watch["title"],
        "title": panel_entry["title"],
    }
    events = _entity_id(watch, "service_events")
    assert _event_type(homeassistant, events) == "service_removed"
    assert _state(homeassistant, _entity_id(watch, "listed"))["state"] == "off"
    assert _state(homeassistant, _entity_id(watch, "rate"))["state"] == "unavailable"


def test_repair_stops_watching_the_removed_service(
    homeassistant: HomeAssistant,
    panel_entry: dict[str, Any],
    watch: dict[str, Any],
    removal_issue: dict[str, Any],
    page: Page,
    save_screenshot: SaveScreenshot,
) -> None:
    """Settings > Repairs offers to switch or stop; stopping removes the watch."""
    _open(page, f"{homeassistant.client.url}/config/repairs")
    page.get_by_role(
        "button", name=re.compile(f"{re.escape(watch['title'])} is no longer sold by")
    ).click()
    flow = page.locator("dialog-data-entry-flow")
    expect(
        flow.get_by_text(f"{watch['title']}: its entities are unavailable")
    ).to_be_visible()
    switch = flow.get_by_text("Watch another service of the category", exact=True)
    stop = flow.get_by_text("Stop watching it", exact=True)
    expect(switch).to_be_visible()
    expect(stop).to_be_visible()
    expect(page.get_by_text("Translation error")).to_have_count(0)
    save_screenshot("watch-repair", page.get_by_role("dialog"))
    stop.click()
    expect(flow.get_by_text("The issue is repaired!")).to_be_visible()
    flow.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    entry_id = panel_entry["entry_id"]
    assert _watch(homeassistant, entry_id) is None
    assert _watch_entities(homeassistant, entry_id, watch["subentry_id"]) == {}
    for key in ("rate", "service_events"):
        assert homeassistant.client.state(_entity_id(watch, key)) is None
    device_ids = {device["id"] for device in homeassistant.client.device_registry()}
    assert watch["entities"]["rate"]["device_id"] not in device_ids
    issue_ids = {
        issue["issue_id"] for issue in homeassistant.client.repair_issues(DOMAIN)
    }
    assert removal_issue["issue_id"] not in issue_ids


def _entity_row(page: Page, name: str) -> Locator:
    """Return the row of an entity on a device page, by its name."""
    return page.locator("hui-generic-entity-row").filter(
        has=page.get_by_title(name, exact=True)
    )
