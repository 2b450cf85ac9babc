"""The fault matrix: every way a panel fails, what users see, and how polling recovers."""

from __future__ import annotations

from decimal import Decimal
import logging

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_API_KEY, EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import CLONE, STANDARD, Dialect, Fault, Panel

from .const import API_KEY
from .helpers import (
    TRANSIENT_FAULTS,
    Scenario,
    async_track_scenario,
    async_tracking,
    entry_states,
    normalized,
    poll,
    short_request_timeout,  # noqa: F401 - an autouse fixture
    state_of,
)

BALANCE_ENTITY = "sensor.smm_panel_127_0_0_1_balance"
EVENT_ENTITY = "event.smm_panel_127_0_0_1_order_events"
FAILURE_LOG = "Error fetching smmpanel data"
RECOVERY_LOG = "Fetching smmpanel data recovered"
# The first request of a refresh, and its last, sent after the others were answered.
POLLED_ACTIONS = ("balance", "refill_status")


@pytest.fixture(autouse=True)
async def diagnostics_component(hass: HomeAssistant) -> None:
    """Set up diagnostics before the logs are read: its web server logs a warning."""
    assert await async_setup_component(hass, "diagnostics", {})


@pytest.fixture
async def scenario(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> Scenario:
    """Track orders and a refill that every poll asks about."""
    return await async_track_scenario(hass, panel, setup_integration)


def _messages(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.smmpanel")
        and text in record.getMessage()
    ]


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return every warning and error logged, by any logger."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.WARNING
    ]


def _fired(events: list[Event[EventStateChangedData]]) -> set[tuple[str, int]]:
    """Return the (event type, order id) pairs the order event entity fired."""
    return {
        (state.attributes["event_type"], int(state.attributes["order_id"]))
        for event in events
        if event.data["entity_id"] == EVENT_ENTITY
        and (state := event.data["new_state"]) is not None
        and state.state != STATE_UNAVAILABLE
    }


async def _assert_matches_panel(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    entry: MockConfigEntry,
    scenario: Scenario,
) -> None:
    """Check that the entities show the panel's state and nothing was dropped."""
    tracking = await async_tracking(hass, hass_client, entry)
    assert set(tracking.orders) == scenario.orders
    assert set(tracking.refills) == {scenario.refill}
    states = entry_states(hass, entry)
    assert STATE_UNAVAILABLE not in {state.state for state in states.values()}
    assert Decimal(states[BALANCE_ENTITY].state) == panel.balance
    for order_id in scenario.orders:
        state = states[f"sensor.smm_panel_127_0_0_1_order_{order_id}"]
        assert state.state == normalized(panel.orders[order_id].status)
        assert "error" not in state.attributes
    refill = tracking.refills[scenario.refill]
    assert refill["status"] == normalized(panel.refills[scenario.refill].status)
    assert refill["error"] is None


@pytest.mark.parametrize("action", POLLED_ACTIONS)
@pytest.mark.parametrize("fault", TRANSIENT_FAULTS)
async def test_transient_fault(
    hass: HomeAssistant,
    *,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    setup_integration: MockConfigEntry,
    scenario: Scenario,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    action: str,
) -> None:
    """Entities go unavailable, one line is logged each way, nothing is lost."""
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    caplog.clear()
    panel.faults.inject(fault, action=action, times=2, seconds=TRANSIENT_FAULTS[fault])
    panel.advance(120)  # the orders start delivering and the refill runs

    for _ in range(2):
        await poll(hass)
        states = entry_states(hass, setup_integration)
        assert {state.state for state in states.values()} == {STATE_UNAVAILABLE}
    assert len(_problems(caplog)) == 1
    assert len(_messages(caplog, FAILURE_LOG)) == 1
    assert not panel.faults.rules

    await poll(hass)

    await _assert_matches_panel(hass, hass_client, panel, setup_integration, scenario)
    assert len(_messages(caplog, RECOVERY_LOG)) == 1
    assert len(_problems(caplog)) == 1
    # The changes that happened while the panel failed are announced, once each.
    assert _fired(events) == {
        ("in_progress", order_id) for order_id in scenario.active
    } | {("refill_in_progress", scenario.completed)}
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


@pytest.mark.parametrize("action", POLLED_ACTIONS)
@pytest.mark.parametrize("revoke", ["fault", "revoke_key"])
async def test_key_revoked_mid_run(
    hass: HomeAssistant,
    *,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    setup_integration: MockConfigEntry,
    scenario: Scenario,
    caplog: pytest.LogCaptureFixture,
    revoke: str,
    action: str,
) -> None:
    """A rejected key starts exactly one reauth, and the new key resumes polling."""
    caplog.clear()
    if revoke == "fault":
        panel.faults.inject(Fault.KEY_REVOKED, action=action)
    else:
        panel.revoke_key()

    await poll(hass)
    requests = sum(panel.request_counts.values())
    for _ in range(2):
        await poll(hass)

    assert sum(panel.request_counts.values()) == requests  # no polling with a bad key
    assert {
        state.state for state in entry_states(hass, setup_integration).values()
    } == {STATE_UNAVAILABLE}
    assert len(_messages(caplog, "Authentication failed")) == 1
    assert len(_problems(caplog)) == 1
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]

    panel.restore_key()
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_API_KEY: API_KEY}
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert setup_integration.state is ConfigEntryState.LOADED
    await _assert_matches_panel(hass, hass_client, panel, setup_integration, scenario)
    await poll(hass)
    await _assert_matches_panel(hass, hass_client, panel, setup_integration, scenario)


@pytest.mark.parametrize("dialect", [STANDARD, CLONE], ids=["standard", "clone"])
async def test_per_row_errors_keep_the_last_good_value(
    hass: HomeAssistant,
    *,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    setup_integration: MockConfigEntry,
    scenario: Scenario,
    caplog: pytest.LogCaptureFixture,
    dialect: Dialect,
) -> None:
    """Rows the panel answers with an error keep their last state and say why."""
    panel.dialect = dialect
    gone, still = scenario.active
    order = panel.orders.pop(gone)
    refill = panel.refills.pop(scenario.refill)
    caplog.clear()

    for _ in range(2):
        panel.advance(120)
        await poll(hass)

    assert state_of(hass, BALANCE_ENTITY).state != STATE_UNAVAILABLE
    state = hass.states.get(f"sensor.smm_panel_127_0_0_1_order_{gone}")
    assert state is not None
    assert state.state == "pending"
    assert state.attributes["error"] == "Incorrect order ID"
    tracking = await async_tracking(hass, hass_client, setup_integration)
    assert tracking.refills[scenario.refill]["error"] == "Refill not found"
    other = hass.states.get(f"sensor.smm_panel_127_0_0_1_order_{still}")
    assert other is not None
    assert other.state == normalized(panel.orders[still].status)

    panel.orders[gone] = order
    panel.refills[scenario.refill] = refill
    await poll(hass)

    await _assert_matches_panel(hass, hass_client, panel, setup_integration, scenario)
    # One line when a row starts failing and one when it recovers, not one per poll.
    assert _problems(caplog) == [
        f"custom_components.smmpanel: {message}"
        for message in (
            f"The panel answers an error for order {gone}: Incorrect order ID",
            f"The panel answers an error for refill {scenario.refill}: Refill not found",
        )
    ]
    assert _messages(caplog, "again") == [
        f"The panel answers for order {gone} again",
        f"The panel answers for refill {scenario.refill} again",
    ]
