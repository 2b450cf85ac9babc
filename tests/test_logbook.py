"""What the logbook shows of an order: its event, and its sensor's change, by name.

The order events entity's events are state changes, which the logbook hands the
frontend with `event_type` as their only attribute; beside each, the integration
fires `smmpanel_order_event` on the bus, which logbook.py describes as the order
and what happened to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.smmpanel.const import CONF_WEEKLY_BUDGET, DOMAIN
from panel_simulator.panel import Panel

from .helpers import DAY, call, poll, state_of


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant, then allow custom integrations."""


type LogbookRows = Callable[[], Awaitable[list[dict[str, Any]]]]


@pytest.fixture
async def logbook_rows(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
) -> LogbookRows:
    """Set up the logbook and the account; return a reader of the rows since then."""
    assert await async_setup_component(hass, "logbook", {})
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    start = dt_util.utcnow()

    async def read() -> list[dict[str, Any]]:
        await async_wait_recording_done(hass)
        client = await hass_ws_client()
        await client.send_json(
            {"id": 1, "type": "logbook/get_events", "start_time": start.isoformat()}
        )
        rows: list[dict[str, Any]] = (await client.receive_json())["result"]
        return rows

    return read


def _described(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Return the rows the integration's logbook platform described."""
    return [
        (row["name"], row["message"], row["entity_id"])
        for row in rows
        if row.get("domain") == DOMAIN
    ]


async def test_logbook_names_the_order(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    logbook_rows: LogbookRows,
) -> None:
    """A completed order reads as its sensor, named after the order, completing."""
    placed = await call(
        hass,
        "add_order",
        config_entry,
        {"service": 101, "link": "https://instagram.com/log", "quantity": 1000},
    )
    order_sensor = f"sensor.127_0_0_1_order_{placed['order']}"
    panel.advance(DAY)
    await poll(hass)
    rows = await logbook_rows()

    changes = {
        row["entity_id"]: (row["state"], row.get("attributes"))
        for row in rows
        if "state" in row
    }
    assert changes[order_sensor] == ("completed", None)
    assert state_of(hass, order_sensor).attributes["friendly_name"] == (
        f"127.0.0.1 Order {placed['order']} · Real & Active Followers - Best Server"
    )
    # The event entity's line: its event type, all the logbook passes on.
    assert changes["event.127_0_0_1_order_events"][1] == {"event_type": "completed"}
    assert _described(rows) == [
        (
            f"Order {placed['order']} · Real & Active Followers - Best Server",
            "completed",
            "event.127_0_0_1_order_events",
        )
    ]
    # Counts are measurements: the logbook leaves them out.
    assert "sensor.127_0_0_1_active_orders" not in changes


async def test_logbook_describes_a_deposit(
    hass: HomeAssistant, panel: Panel, logbook_rows: LogbookRows
) -> None:
    """Money added to the balance reads as the event entity, topped up by the amount."""
    panel.deposit(Decimal("25.5"))
    await poll(hass)

    assert _described(await logbook_rows()) == [
        (
            "127.0.0.1 Order events",
            "balance topped up by 25.5 USD",
            "event.127_0_0_1_order_events",
        )
    ]


async def test_logbook_describes_a_budget_reached(
    hass: HomeAssistant, config_entry: MockConfigEntry, logbook_rows: LogbookRows
) -> None:
    """A budget used up reads as the event entity, with the budget."""
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEEKLY_BUDGET: 1.2}
    )
    await hass.async_block_till_done()
    await call(
        hass,
        "add_order",
        config_entry,
        {"service": 1, "link": "https://instagram.com/budget", "quantity": 1000},
    )
    await hass.async_block_till_done()

    assert _described(await logbook_rows()) == [
        (
            "127.0.0.1 Order events",
            "weekly budget of 1.2 USD used up",
            "event.127_0_0_1_order_events",
        )
    ]
