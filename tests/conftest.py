"""Fixtures shared by the SMM Panel tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from unittest.mock import PropertyMock, patch

from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

# Import this repository's custom_components before the harness puts its own testing
# config first on sys.path; otherwise Home Assistant cannot find the integration.
from custom_components.smmpanel.config_flow import account_unique_id
from custom_components.smmpanel.const import DOMAIN
from panel_simulator import Panel, run_simulator

from .const import API_KEY, PANEL_BALANCE, PANEL_CURRENCY, PANEL_SEED

TEST_ENTRY_ID = "01KSMMPANELTESTENTRY0000000"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integrations in custom_components."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return the snapshot assertion with the Home Assistant extension."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
def panel() -> Panel:
    """Return a simulated panel with the test key, seed 0 and a balance of 1000."""
    return Panel(
        api_key=API_KEY, seed=PANEL_SEED, balance=PANEL_BALANCE, currency=PANEL_CURRENCY
    )


@pytest.fixture
async def panel_url(panel: Panel, socket_enabled: None) -> AsyncIterator[str]:
    """Serve the panel on a free loopback port; return its API URL."""
    async with run_simulator(panel) as running:
        yield running.url


@pytest.fixture
def config_entry(panel_url: str) -> MockConfigEntry:
    """Return a config entry for the simulated panel account."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=TEST_ENTRY_ID,
        title="127.0.0.1",
        unique_id=account_unique_id(panel_url, API_KEY),
        data={CONF_URL: panel_url, CONF_API_KEY: API_KEY},
    )


@pytest.fixture
async def setup_integration(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up the integration against the simulated panel and return its entry."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry
