"""Tests for setting up the SMM Panel integration."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component

from custom_components.smmpanel.const import DOMAIN


async def test_integration_loads(hass: HomeAssistant) -> None:
    """Home Assistant finds the custom integration and sets up its domain."""
    integration = await async_get_integration(hass, DOMAIN)
    assert integration.is_built_in is False
    assert str(integration.version) == "0.1.0"

    assert await async_setup_component(hass, DOMAIN, {})
    assert DOMAIN in hass.config.components
