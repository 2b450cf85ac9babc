"""Restarts: stopping mid-refresh, and stored tracking that is old, odd or damaged."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from homeassistant import loader
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_test_home_assistant,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import Fault, Panel
from panel_simulator.panel import FIRST_ORDER_ID, FIRST_REFILL_ID

from .helpers import (
    DAY,
    LINK,
    POLL_INTERVAL,
    TRANSLATIONS,
    RecordingFaults,
    Scenario,
    Tracking,
    async_track_scenario,
    async_tracking,
    entry_states,
    normalized,
    order_sensor_ids,
    poll,
    stored_tracking,
)

SLOW = 30.0  # seconds a LATENCY fault holds the answer: the refresh is still running


def _storage_key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}"


async def _start_slow_refresh(hass: HomeAssistant, panel: Panel) -> None:
    """Start a poll whose status request the panel holds, and return while it waits."""
    faults = panel.faults = RecordingFaults()
    faults.inject(Fault.LATENCY, action="status", seconds=SLOW)
    async_fire_time_changed(hass, dt_util.utcnow() + POLL_INTERVAL)
    async with asyncio.timeout(5):
        await faults.hit.wait()


def _assert_stored(
    hass_storage: dict[str, Any], entry: MockConfigEntry, scenario: Scenario
) -> None:
    """Check that storage holds every tracked order and refill, as last seen."""
    stored = hass_storage[_storage_key(entry)]["data"]
    orders = {row["order_id"]: row for row in stored["orders"]}
    assert set(orders) == scenario.orders
    assert [row["refill_id"] for row in stored["refills"]] == [scenario.refill]
    for order_id in scenario.active:
        assert orders[order_id]["status"] == "in_progress"


def _assert_shown(
    hass: HomeAssistant, panel: Panel, entry: MockConfigEntry, scenario: Scenario
) -> None:
    """Check that the entry is loaded and shows every order as the panel has it."""
    assert entry.state is ConfigEntryState.LOADED
    assert order_sensor_ids(hass, entry) == scenario.orders
    states = entry_states(hass, entry)
    for order_id in scenario.orders:
        state = states[f"sensor.smm_panel_127_0_0_1_order_{order_id}"]
        assert state.state == normalized(panel.orders[order_id].status)


def _assert_tracked(panel: Panel, scenario: Scenario, tracking: Tracking) -> None:
    """Check that every order and refill is tracked, as the last poll found it."""
    assert set(tracking.orders) == scenario.orders
    assert set(tracking.refills) == {scenario.refill}
    for order_id, order in tracking.orders.items():
        assert order["status"] == normalized(panel.orders[order_id].status)
    refill = tracking.refills[scenario.refill]
    assert refill["status"] == normalized(panel.refills[scenario.refill].status)


async def test_stopped_mid_refresh_and_started_again(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Stopping while a refresh waits on the panel keeps every order and refill."""
    scenario = await async_track_scenario(hass, panel, setup_integration)
    panel.advance(120)
    await poll(hass)  # the orders start delivering: saved later, in a batch
    await _start_slow_refresh(hass, panel)

    await hass.async_stop()

    _assert_stored(hass_storage, setup_integration, scenario)
    async with async_test_home_assistant(
        config_dir=hass.config.config_dir
    ) as restarted:
        restarted.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id=setup_integration.entry_id,
            title=setup_integration.title,
            unique_id=setup_integration.unique_id,
            data=setup_integration.data,
        )
        entry.add_to_hass(restarted)
        panel.advance(3600)
        try:
            assert await restarted.config_entries.async_setup(entry.entry_id)
            await restarted.async_block_till_done()

            _assert_shown(restarted, panel, entry, scenario)
        finally:
            await restarted.async_stop(force=True)
    # Stopping, the restarted instance wrote what it tracked: as it polled it.
    _assert_tracked(panel, scenario, stored_tracking(hass_storage, setup_integration))


async def test_unloaded_mid_refresh_and_set_up_again(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Unloading while a refresh waits keeps everything, and nothing stale is written."""
    scenario = await async_track_scenario(hass, panel, setup_integration)
    panel.advance(120)
    await poll(hass)
    await _start_slow_refresh(hass, panel)

    assert await hass.config_entries.async_unload(setup_integration.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    _assert_stored(hass_storage, setup_integration, scenario)
    panel.advance(3600)
    assert await hass.config_entries.async_setup(setup_integration.entry_id)
    await hass.async_block_till_done()
    _assert_shown(hass, panel, setup_integration, scenario)
    _assert_tracked(
        panel, scenario, await async_tracking(hass, hass_client, setup_integration)
    )
    await poll(hass)  # and any save the old refresh might have left behind
    stored = hass_storage[_storage_key(setup_integration)]["data"]
    assert {row["order_id"]: row["status"] for row in stored["orders"]} == {
        order_id: normalized(panel.orders[order_id].status)
        for order_id in scenario.orders
    }


ORDERS = (FIRST_ORDER_ID, FIRST_ORDER_ID + 1, FIRST_ORDER_ID + 2)
REFILL = FIRST_REFILL_ID
TRACKED_AT = "2026-01-01T00:00:00+00:00"


def _order(order_id: int, **fields: Any) -> dict[str, Any]:
    """Return an order row as the current version stores it."""
    return {
        "order_id": order_id,
        "tracked_at": TRACKED_AT,
        "service_id": 1,
        "service_name": "Instagram Followers - Real [Refill 30D]",
        "link": f"{LINK}/{order_id}",
        "quantity": 100,
        "status": "pending",
        "raw_status": "Pending",
        "charge": "0.12000",
        "start_count": 0,
        "remains": 100,
        "currency": "USD",
        "finished_at": None,
        "error": None,
        **fields,
    }


REFILL_ROW = {
    "refill_id": REFILL,
    "order_id": ORDERS[0],
    "requested_at": TRACKED_AT,
    "status": "pending",
    "raw_status": "Pending",
    "finished_at": None,
    "error": None,
}
CURRENT = {"orders": [_order(order_id) for order_id in ORDERS], "refills": [REFILL_ROW]}
EVERYTHING = (set(ORDERS), {REFILL})
NOTHING: tuple[set[int], set[int]] = (set(), set())

STORAGE_CASES = [
    pytest.param(
        {"version": 1, "data": {"orders": [{"order_id": ORDERS[0]}], "refills": []}},
        None,
        ({ORDERS[0]}, set()),
        id="older_rows_without_most_fields",
    ),
    pytest.param(
        {
            "version": 1,
            "minor_version": 9,
            "data": {
                "orders": [_order(order_id, priority="high") for order_id in ORDERS],
                "refills": [REFILL_ROW | {"note": "from a newer release"}],
                "settings": {"unknown": True},
            },
        },
        None,
        EVERYTHING,
        id="newer_minor_version_with_unknown_fields",
    ),
    pytest.param(
        {
            "version": 1,
            "data": {
                "orders": [
                    _order(ORDERS[0]),
                    _order(
                        ORDERS[1],
                        tracked_at="2026-01-01T00:00:00",
                        status="paused",
                        charge="NaN",
                        quantity="ten",
                        finished_at="2026-13-45T25:00:00",
                    ),
                    _order(
                        ORDERS[2],
                        tracked_at="yesterday",
                        finished_at=5,
                        charge="twelve",
                        link=[],
                    ),
                    _order(0),
                    {"order_id": "23504"},
                    "23505",
                    None,
                ],
                "refills": [REFILL_ROW, REFILL_ROW | {"order_id": None}],
            },
        },
        ("tracking_rows_dropped", {"count": "5"}),
        EVERYTHING,
        id="damaged_rows",
    ),
    pytest.param(
        {"version": 2, "minor_version": 1, "data": CURRENT},
        ("tracking_reset", {}),
        NOTHING,
        id="newer_major_version",
    ),
    pytest.param(
        {"version": 0, "data": CURRENT},
        None,
        EVERYTHING,
        id="older_major_version",
    ),
    pytest.param(
        {"version": 0, "data": {"orders": [{"id": ORDERS[0]}], "refills": []}},
        ("tracking_rows_dropped", {"count": "1"}),
        NOTHING,
        id="older_major_version_in_another_layout",
    ),
    pytest.param(
        {"version": 1, "data": ["not", "an", "object"]},
        ("tracking_reset", {}),
        NOTHING,
        id="data_not_an_object",
    ),
    pytest.param(
        {"version": 1, "data": {"orders": {str(ORDERS[0]): {}}, "refills": []}},
        ("tracking_reset", {}),
        NOTHING,
        id="orders_not_a_list",
    ),
    pytest.param(
        {"version": "1", "data": CURRENT},
        ("tracking_reset", {}),
        NOTHING,
        id="version_not_a_number",
    ),
]


@pytest.mark.parametrize(("stored", "issue", "kept"), STORAGE_CASES)
async def test_stored_tracking_is_read_or_reset(
    hass: HomeAssistant,
    *,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    stored: dict[str, Any],
    issue: tuple[str, dict[str, str]] | None,
    kept: tuple[set[int], set[int]],
) -> None:
    """Storage of any version or state loads what it can; setup never fails."""
    assert [
        panel.create_order(1, link=f"{LINK}/{order_id}", quantity=100)
        for order_id in ORDERS
    ] == list(ORDERS)
    panel.advance(DAY)
    assert panel.request_refill(ORDERS[0]).refill_id == REFILL
    hass_storage[_storage_key(config_entry)] = {
        "key": _storage_key(config_entry)
    } | stored
    config_entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    tracking = await async_tracking(hass, hass_client, config_entry)
    assert (set(tracking.orders), set(tracking.refills)) == kept
    for order_id, order in tracking.orders.items():
        assert order["status"] == normalized(panel.orders[order_id].status)
    warnings = [
        record.levelno
        for record in caplog.records
        if record.name.startswith("custom_components.smmpanel")
        and record.levelno >= logging.WARNING
    ]
    found = issue_registry.async_get_issue(
        DOMAIN, f"tracking_lost_{config_entry.entry_id}"
    )
    if issue is None:
        assert found is None
        assert warnings == []
    else:
        assert warnings == [logging.WARNING]
        _assert_issue(found, issue, config_entry)
        # What could be read is stored again at once, in the current format.
        rewritten = hass_storage[_storage_key(config_entry)]
        assert rewritten["version"] == 1
        assert {row["order_id"] for row in rewritten["data"]["orders"]} == kept[0]


def _assert_issue(
    found: ir.IssueEntry | None,
    expected: tuple[str, dict[str, str]],
    entry: MockConfigEntry,
) -> None:
    """Check the repair issue about lost tracking and its translation."""
    key, placeholders = expected
    assert found is not None
    assert found.translation_key == key
    assert found.severity is ir.IssueSeverity.WARNING
    assert found.is_fixable
    assert found.translation_placeholders == {"title": entry.title, **placeholders}
    text = TRANSLATIONS["issues"][key]
    description = text["fix_flow"]["step"]["confirm"]["description"]
    assert set(re.findall(r"{(\w+)}", text["title"] + description)) == set(
        found.translation_placeholders
    )


@pytest.fixture
async def lost_tracking_issue_id(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    issue_registry: ir.IssueRegistry,
) -> str:
    """Set up an entry whose stored tracking cannot be read; return its issue id."""
    hass_storage[_storage_key(config_entry)] = {"version": 2, "data": CURRENT}
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"tracking_lost_{config_entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    return issue_id


async def test_removing_the_entry_removes_the_issue(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    lost_tracking_issue_id: str,
) -> None:
    """The repair issue goes with the account it is about."""
    await hass.config_entries.async_remove(config_entry.entry_id)

    assert issue_registry.async_get_issue(DOMAIN, lost_tracking_issue_id) is None


async def test_the_user_closes_the_issue_once_dealt_with(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    lost_tracking_issue_id: str,
) -> None:
    """The lost-tracking issue has a confirm step that closes it."""
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()

    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": lost_tracking_issue_id},
    )
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"] == {"title": config_entry.title}
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})

    assert (await response.json())["type"] == "create_entry"
    assert issue_registry.async_get_issue(DOMAIN, lost_tracking_issue_id) is None
