"""What scripts/develop --demo sets up: its dashboard, and where the browser opens.

Checked against the integration and Home Assistant's own frontend storage in this
process; tests/e2e/test_welcome.py checks both in a browser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components.frontend.storage import (
    async_setup_frontend_storage,
    async_system_store,
)
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import parse_yaml
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from scripts.devenv.__main__ import _demo_banner, _open_on_the_dashboard
from scripts.devenv.client import HomeAssistantClient
from scripts.devenv.configuration import (
    DASHBOARD,
    DASHBOARD_FILE,
    DASHBOARD_YAML,
    prepare_config_dir,
)
from scripts.devenv.environment import HomeAssistantEnvironment

from .helpers import state_of

# The dashboard as the previous version wrote it: its Spending view graphed long-term
# statistics ("No statistics found." for the first hour) of the entity ids the account
# had when its device was named after the host alone.
OLD_DASHBOARD_YAML = """\
# The SMM Panel dashboard, written by scripts/develop when missing; edit freely.
views:
  - title: Orders
    path: orders
    cards:
      - type: custom:smmpanel-orders-card
  - title: Spending
    path: spending
    cards:
      - type: statistics-graph
        title: Daily spend
        entities:
          - sensor.127_0_0_1_spent_today
        period: day
        stat_types: [change]
        chart_type: bar
        days_to_show: 30
      - type: statistics-graph
        title: Balance
        entities:
          - sensor.127_0_0_1_balance
        period: hour
        stat_types: [state]
        chart_type: line
        days_to_show: 7
"""


def _views() -> dict[str, list[dict[str, Any]]]:
    """Return the cards of each view of the demo's dashboard, by the view's path."""
    dashboard = parse_yaml(DASHBOARD_YAML)
    assert isinstance(dashboard, dict)
    return {view["path"]: view["cards"] for view in dashboard["views"]}


def test_dashboard_holds_the_cards() -> None:
    """The Orders view holds the orders card; the Spending view opens with the
    spending card, which shows the ledger's days from the first poll on, and graphs
    no long-term statistics, which take an hour to show anything."""
    views = _views()
    assert [card["type"] for card in views["orders"]] == ["custom:smmpanel-orders-card"]
    assert [card["type"] for card in views["spending"]] == [
        "custom:smmpanel-spending-card",
        "history-graph",
    ]


def test_dashboard_of_an_earlier_version_is_replaced(tmp_path: Path) -> None:
    """A dashboard file as an earlier version wrote it is written anew; one that was
    edited is left alone."""
    config_dir = tmp_path / "config"
    (config_dir / ".storage").mkdir(parents=True)
    # Settings there already: nothing is asked of Home Assistant's environment.
    (config_dir / ".storage" / "http").write_text(
        '{"data": {"stable": {"server_port": 8123}}}'
    )
    environment = HomeAssistantEnvironment(tmp_path / "no-environment")
    dashboard = config_dir / DASHBOARD_FILE
    dashboard.write_text(OLD_DASHBOARD_YAML)
    prepare_config_dir(config_dir, environment, port=8123)
    assert dashboard.read_text() == DASHBOARD_YAML

    edited = OLD_DASHBOARD_YAML.replace("days_to_show: 30", "days_to_show: 90")
    dashboard.write_text(edited)
    prepare_config_dir(config_dir, environment, port=8123)
    assert dashboard.read_text() == edited


async def test_dashboard_names_the_demo_accounts_entities(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Each entity the dashboard names is one the demo's account has (an entry
    titled with the simulator's host, as the demo's and the tests' are)."""
    entity_ids = [
        entity_id
        for cards in _views().values()
        for card in cards
        for entity_id in card.get("entities", [])
    ]
    assert entity_ids
    for entity_id in entity_ids:
        assert state_of(hass, entity_id)


@pytest.fixture
async def frontend_client(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
    socket_enabled: None,
) -> HomeAssistantClient:
    """Return the demo's client of this Home Assistant, logged in as an owner.

    Home Assistant serves its websocket API and keeps the frontend's system data as
    it does in a browser's session.
    """
    assert await async_setup_component(hass, "websocket_api", {})
    await async_setup_frontend_storage(hass)
    session = await hass_client()
    url = str(session.make_url("")).rstrip("/")
    return HomeAssistantClient(url, hass_access_token)


async def _system_core_data(hass: HomeAssistant) -> Any:
    return (await async_system_store(hass)).data.get("core")


async def test_demo_opens_on_the_smm_panel_dashboard(
    hass: HomeAssistant, frontend_client: HomeAssistantClient
) -> None:
    """The demo makes the SMM Panel dashboard the one every user opens on, as Set
    as default does, keeping what else the frontend keeps there."""
    store = await async_system_store(hass)
    await store.async_set_item("core", {"onboarded_version": "2026.11.0"})

    await hass.async_add_executor_job(_open_on_the_dashboard, frontend_client)

    assert await _system_core_data(hass) == {
        "onboarded_version": "2026.11.0",
        "default_panel": DASHBOARD,
    }
    assert (
        await hass.async_add_executor_job(frontend_client.default_dashboard)
        == DASHBOARD
    )


async def test_demo_keeps_a_default_dashboard_chosen(
    hass: HomeAssistant, frontend_client: HomeAssistantClient
) -> None:
    """A default dashboard chosen in Settings is left as it is."""
    store = await async_system_store(hass)
    await store.async_set_item("core", {"default_panel": "energy"})

    await hass.async_add_executor_job(_open_on_the_dashboard, frontend_client)

    assert await _system_core_data(hass) == {"default_panel": "energy"}


def test_demo_banner_names_the_dashboard() -> None:
    """The banner gives the SMM Panel dashboard's address, where the browser opens."""
    banner = _demo_banner(
        "http://127.0.0.1:8200",
        "http://127.0.0.1:8200/config/devices/device/0123",
        "http://127.0.0.1:8400/api/v2",
    )
    assert f"  Dashboard        http://127.0.0.1:8200/{DASHBOARD} " in banner
