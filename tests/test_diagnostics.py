"""Tests for the SMM Panel diagnostics."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from panel_simulator.panel import Panel

from .const import API_KEY
from .helpers import call


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    setup_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics describe the account and never contain the API key."""
    order_id = panel.create_order(101, link="https://instagram.com/diag", quantity=100)
    await call(hass, "track_order", setup_integration, {"orders": [order_id]})
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, setup_integration
    )

    assert API_KEY not in json.dumps(diagnostics)
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"
    assert diagnostics == snapshot(
        exclude=props(
            "url",
            "entry_id",
            "created_at",
            "modified_at",
            "tracked_at",
            "updated_at",
            "today",
        )
    )
