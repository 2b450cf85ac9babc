"""Tests for the SMM Panel config, reauth, reconfigure and options flows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er
import probatio
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    get_schema_suggested_value,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smmpanel.config_flow import account_unique_id
from custom_components.smmpanel.const import (
    CONF_CATALOGUE_INTERVAL,
    CONF_FINISHED_ORDER_RETENTION,
    CONF_LOW_BALANCE_THRESHOLD,
    CONF_MAX_ORDER_COST,
    CONF_SCAN_INTERVAL,
    DOMAIN,
)
from panel_simulator import Panel, run_simulator
from panel_simulator.faults import Fault

from .const import API_KEY
from .helpers import TRANSLATIONS, async_tracking, call, poll

CLOSED_PORT_URL = "http://127.0.0.1:9/api/v2"


async def _start_user_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return result["flow_id"]


async def test_user_flow_creates_entry(
    hass: HomeAssistant, panel: Panel, panel_url: str
) -> None:
    """A valid URL and key make an entry titled after the panel's host."""
    flow_id = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_URL: f"  {panel_url.upper().replace('/API/V2', '/api/v2/')} ",
            CONF_API_KEY: API_KEY,
        },
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "127.0.0.1"
    assert result["data"] == {CONF_URL: panel_url, CONF_API_KEY: API_KEY}
    assert result["result"].unique_id == account_unique_id(panel_url, API_KEY)
    assert API_KEY not in result["result"].unique_id
    assert panel.request_counts["balance"] >= 1


def _prefilled(result: ConfigFlowResult) -> dict[str, Any]:
    """Return what a form's fields hold before the user types: defaults, suggestions."""
    schema = result["data_schema"]
    assert schema is not None
    prefilled: dict[str, Any] = {}
    for key in schema.schema:
        if (suggested := get_schema_suggested_value(schema.schema, key)) is not None:
            prefilled[str(key)] = suggested
        elif key.default is not probatio.UNDEFINED:
            prefilled[str(key)] = key.default()
    return prefilled


async def test_user_form_fills_in_no_url(hass: HomeAssistant) -> None:
    """The URL field starts empty; its description shows an example address."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    assert _prefilled(result) == {}
    url_help = TRANSLATIONS["config"]["step"]["user"]["data_description"]["url"]
    assert "https://example-panel.com/api/v2" in url_help.format_map(
        result["description_placeholders"]
    )


async def test_a_key_without_a_url_is_sent_nowhere(
    hass: HomeAssistant, panel: Panel
) -> None:
    """Entering only the key is refused by the form, before any request."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    # What the form sends when the user types the key and nothing else.
    submitted = {**_prefilled(result), CONF_API_KEY: API_KEY}
    assert CONF_URL not in submitted

    with pytest.raises(InvalidData) as refused:
        await hass.config_entries.flow.async_configure(result["flow_id"], submitted)

    assert set(refused.value.schema_errors) == {CONF_URL}
    assert not panel.request_counts


async def test_user_form_keeps_the_url_entered_after_an_error(
    hass: HomeAssistant, panel_url: str
) -> None:
    """After a refused key, the form shows the URL the user entered, not the key."""
    flow_id = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: panel_url, CONF_API_KEY: "wrong-key"}
    )

    assert result["errors"] == {"base": "invalid_auth"}
    assert _prefilled(result) == {CONF_URL: panel_url}


@pytest.mark.parametrize(
    ("fault", "url", "api_key", "error"),
    [
        (None, None, "wrong-key", {"base": "invalid_auth"}),
        (None, CLOSED_PORT_URL, API_KEY, {"base": "cannot_connect"}),
        (Fault.CONNECTION_RESET, None, API_KEY, {"base": "cannot_connect"}),
        (Fault.RATE_LIMIT, None, API_KEY, {"base": "cannot_connect"}),
        (Fault.CLOUDFLARE, None, API_KEY, {"base": "invalid_response"}),
        (Fault.INVALID_JSON, None, API_KEY, {"base": "invalid_response"}),
        (None, "ftp://panel.example/api/v2", API_KEY, {CONF_URL: "invalid_url"}),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant,
    panel: Panel,
    panel_url: str,
    fault: Fault | None,
    url: str | None,
    api_key: str,
    error: dict[str, str],
) -> None:
    """Each failure shows its translated error, and the form can then succeed."""
    if fault is not None:
        panel.faults.inject(fault, action="balance", times=1)
    flow_id = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: url or panel_url, CONF_API_KEY: api_key}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == error

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: panel_url, CONF_API_KEY: API_KEY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_unexpected_error(hass: HomeAssistant, panel_url: str) -> None:
    """An unexpected exception is reported as unknown, never raised."""
    flow_id = await _start_user_flow(hass)
    # The client raises only its own errors whatever a panel answers: a patch must.
    with patch(
        "custom_components.smmpanel.config_flow.SmmPanelClient.get_balance",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_URL: panel_url, CONF_API_KEY: API_KEY}
        )
    assert result["errors"] == {"base": "unknown"}


async def test_same_account_aborts(
    hass: HomeAssistant, config_entry: MockConfigEntry, panel_url: str
) -> None:
    """A second entry for the same URL and key is refused."""
    config_entry.add_to_hass(hass)
    flow_id = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: panel_url, CONF_API_KEY: API_KEY}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_with_new_key(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Reauth takes a new key for the same panel and updates the unique id."""
    entry = setup_integration
    panel.api_key = "rotated-key"
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "rotated-key"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_API_KEY] == "rotated-key"
    assert entry.unique_id == account_unique_id(entry.data[CONF_URL], "rotated-key")


async def test_reconfigure_changes_url_and_key(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Reconfigure checks and stores a new URL and key."""
    entry = setup_integration
    url = entry.data[CONF_URL].replace("/api/v2", "/api/v1")
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    assert _prefilled(result) == {CONF_URL: entry.data[CONF_URL]}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: CLOSED_PORT_URL, CONF_API_KEY: API_KEY}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert _prefilled(result) == {CONF_URL: CLOSED_PORT_URL}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: url, CONF_API_KEY: API_KEY}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_URL] == url
    assert entry.unique_id == account_unique_id(url, API_KEY)


async def test_reconfigure_onto_another_entry_aborts(
    hass: HomeAssistant, panel_url: str, setup_integration: MockConfigEntry
) -> None:
    """Reconfiguring into an account that has its own entry is refused."""
    other_url = panel_url.replace("/api/v2", "/api/v1")
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=account_unique_id(other_url, API_KEY),
        data={CONF_URL: other_url, CONF_API_KEY: API_KEY},
    ).add_to_hass(hass)
    result = await setup_integration.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: other_url, CONF_API_KEY: API_KEY}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert setup_integration.data[CONF_URL] == panel_url


async def test_options_flow(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Options are stored with whole minutes and hours, and the entry reloads."""
    entry = setup_integration
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SCAN_INTERVAL: 15.0,
            CONF_LOW_BALANCE_THRESHOLD: 25.5,
            CONF_FINISHED_ORDER_RETENTION: 48.0,
            CONF_MAX_ORDER_COST: 5,
            CONF_CATALOGUE_INTERVAL: 120.0,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_SCAN_INTERVAL: 15,
        CONF_LOW_BALANCE_THRESHOLD: 25.5,
        CONF_FINISHED_ORDER_RETENTION: 48,
        CONF_MAX_ORDER_COST: 5,
        CONF_CATALOGUE_INTERVAL: 120,
    }
    # The entry reloaded and polls every 15 minutes, not every 5.
    panel.request_counts.clear()
    await poll(hass, timedelta(minutes=5))
    assert panel.request_counts["balance"] == 0
    await poll(hass, timedelta(minutes=15))
    assert panel.request_counts["balance"] == 1


async def test_options_ask_for_whole_minutes_and_hours(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """The interval and the retention are whole-number boxes; money takes decimals."""
    result = await hass.config_entries.options.async_init(setup_integration.entry_id)

    assert result["data_schema"] is not None
    schema = result["data_schema"].schema
    for option, unit, minimum, maximum in (
        (CONF_SCAN_INTERVAL, "min", 1, 60),
        (CONF_FINISHED_ORDER_RETENTION, "h", 0, 720),
        (CONF_CATALOGUE_INTERVAL, "min", 15, 1440),
    ):
        assert schema[option].config == {
            "min": minimum,
            "max": maximum,
            "step": 1,
            "mode": "box",
            "unit_of_measurement": unit,
        }
    for option in (CONF_LOW_BALANCE_THRESHOLD, CONF_MAX_ORDER_COST):
        assert schema[option].config["step"] == "any"
        assert schema[option].config["mode"] == "box"


async def test_reauth_with_the_same_key(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """A key the panel accepts again finishes reauth without a new unique id."""
    entry = setup_integration
    unique_id = entry.unique_id
    panel.revoke_key()
    result = await entry.start_reauth_flow(hass)
    panel.restore_key()

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.unique_id == unique_id


async def test_options_flow_without_currency(
    hass: HomeAssistant, panel: Panel, config_entry: MockConfigEntry
) -> None:
    """Money options have no unit when the panel names no currency."""
    panel.currency = ""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)

    result = await hass.config_entries.options.async_init(config_entry.entry_id)

    assert result["data_schema"] is not None
    selector = result["data_schema"].schema[CONF_LOW_BALANCE_THRESHOLD]
    assert "unit_of_measurement" not in selector.config


async def _setup_failing(
    hass: HomeAssistant, panel: Panel, entry: MockConfigEntry, state: ConfigEntryState
) -> None:
    """Leave the entry in a state other than loaded, as users find it."""
    entry.add_to_hass(hass)
    if state is ConfigEntryState.SETUP_RETRY:
        panel.faults.inject(Fault.HTTP_503, action="balance", times=None)
    elif state is ConfigEntryState.SETUP_ERROR:
        panel.revoke_key()
    if state is not ConfigEntryState.NOT_LOADED:
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert entry.state is state


@pytest.mark.parametrize(
    "state",
    [
        ConfigEntryState.SETUP_RETRY,
        ConfigEntryState.SETUP_ERROR,
        ConfigEntryState.NOT_LOADED,
    ],
)
async def test_options_open_and_save_while_not_loaded(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    state: ConfigEntryState,
) -> None:
    """Configure works with the panel down, the key rejected or the entry unloaded."""
    await _setup_failing(hass, panel, config_entry, state)

    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["data_schema"] is not None
    selector = result["data_schema"].schema[CONF_LOW_BALANCE_THRESHOLD]
    assert "unit_of_measurement" not in selector.config

    panel.faults.clear()
    panel.restore_key()
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SCAN_INTERVAL: 10,
            CONF_LOW_BALANCE_THRESHOLD: 5,
            CONF_FINISHED_ORDER_RETENTION: 12,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options[CONF_SCAN_INTERVAL] == 10


async def _track(hass: HomeAssistant, panel: Panel, entry: MockConfigEntry) -> int:
    """Track an order with a refill running; return the order's id."""
    order_id = panel.create_order(1, link="https://instagram.com/moving", quantity=100)
    panel.advance(24 * 3600)
    await call(hass, "track_order", entry, {"orders": [order_id]})
    await call(hass, "refill", entry, {"orders": [order_id]})
    await hass.async_block_till_done(wait_background_tasks=True)
    return order_id


async def _reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, url: str, api_key: str
) -> dict[str, str]:
    """Reconfigure the entry; return the placeholders its form was shown with."""
    result = await entry.start_reconfigure_flow(hass)
    placeholders = dict(result["description_placeholders"] or {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: url, CONF_API_KEY: api_key}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["reason"] == "reconfigure_successful"
    return placeholders


async def test_reconfigure_to_another_panel_drops_its_orders(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Order ids belong to one panel: a new URL forgets the old panel's orders."""
    entry = setup_integration
    order_id = await _track(hass, panel, entry)
    entity_id = f"sensor.smm_panel_127_0_0_1_order_{order_id}"
    assert hass.states.get(entity_id) is not None
    other_panel = Panel(api_key="other-key", seed=1)

    async with run_simulator(other_panel) as other:
        placeholders = await _reconfigure(hass, entry, other.url, "other-key")
        await poll(hass)

    assert placeholders["orders"] == "1"
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(entity_id) is None
    assert er.async_get(hass).async_get(entity_id) is None
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}"]["data"]
    assert stored == {"url": other.url, "orders": [], "refills": []}
    assert other_panel.request_counts["status"] == 0
    assert other_panel.request_counts["refill_status"] == 0
    assert "changed to another panel: its 2 tracked orders and refills" in caplog.text


async def test_reconfigure_of_the_key_keeps_the_orders(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A new key for the same panel keeps what is tracked, through a restart too."""
    entry = setup_integration
    order_id = await _track(hass, panel, entry)
    panel.api_key = "rotated-key"

    placeholders = await _reconfigure(hass, entry, entry.data[CONF_URL], "rotated-key")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert placeholders["orders"] == "1"
    tracking = await async_tracking(hass, hass_client, entry)
    assert list(tracking.orders) == [order_id]
    assert len(tracking.refills) == 1
    assert hass.states.get(f"sensor.smm_panel_127_0_0_1_order_{order_id}") is not None
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}"]
    assert stored["minor_version"] == 2
    assert stored["data"]["url"] == entry.data[CONF_URL]
