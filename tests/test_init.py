"""Tests for setting up, unloading and removing the SMM Panel integration."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smmpanel.const import DOMAIN
from panel_simulator.faults import Fault
from panel_simulator.panel import Panel

from .const import API_KEY
from .helpers import call, order_sensor_ids, state_of


async def test_setup_and_unload(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """An entry loads with one balance request, and unloads."""
    entry = setup_integration
    assert entry.state is ConfigEntryState.LOADED
    assert panel.request_counts == {"balance": 1}

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_setup_retries_when_the_panel_is_down(
    hass: HomeAssistant, panel: Panel, config_entry: MockConfigEntry
) -> None:
    """A panel that does not answer makes Home Assistant retry the setup later."""
    panel.faults.inject(Fault.HTTP_502, action="balance", times=1)
    config_entry.add_to_hass(hass)

    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_with_revoked_key_starts_reauth(
    hass: HomeAssistant, panel: Panel, config_entry: MockConfigEntry
) -> None:
    """A rejected key fails the setup and starts exactly one reauth flow."""
    panel.revoke_key()
    config_entry.add_to_hass(hass)

    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_insecure_url_raises_a_repair_issue(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    panel_url: str,
) -> None:
    """Plain http to a remote host is flagged, and fixing the URL clears it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="panel.example",
        data={CONF_URL: "http://panel.example/api/v2", CONF_API_KEY: API_KEY},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    issue = issue_registry.async_get_issue(DOMAIN, f"insecure_url_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "insecure_url"
    assert API_KEY not in str(issue.translation_placeholders)

    hass.config_entries.async_update_entry(
        entry, data={CONF_URL: panel_url, CONF_API_KEY: API_KEY}
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (
        issue_registry.async_get_issue(DOMAIN, f"insecure_url_{entry.entry_id}") is None
    )


@pytest.fixture
async def tracked_order_id(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> int:
    """Return an order placed at the panel and tracked by the integration."""
    order_id = panel.create_order(101, link="https://instagram.com/a", quantity=100)
    await call(hass, "track_order", setup_integration, {"orders": [order_id]})
    await hass.async_block_till_done()
    return order_id


async def test_tracked_orders_survive_a_reload(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    tracked_order_id: int,
    hass_storage: dict[str, Any],
) -> None:
    """Tracked orders are stored, reloaded on start and polled again."""
    entry = setup_integration
    order_id = tracked_order_id
    panel.request_counts.clear()

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}"]["data"]
    assert [order["order_id"] for order in stored["orders"]] == [order_id]
    assert order_sensor_ids(hass, entry) == {order_id}
    assert (
        state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{order_id}").state
        == "pending"
    )
    assert panel.request_counts == {"balance": 1, "status": 1}


@pytest.mark.usefixtures("tracked_order_id")
async def test_removing_the_entry_deletes_its_storage(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Removing an entry deletes its tracked orders."""
    entry = setup_integration
    assert f"{DOMAIN}.{entry.entry_id}" in hass_storage

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert f"{DOMAIN}.{entry.entry_id}" not in hass_storage
