"""A real Home Assistant for the benchmark phases, with this integration on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
import logging
from pathlib import Path

from homeassistant import bootstrap, loader
from homeassistant.config_entries import SOURCE_USER, ConfigEntries, ConfigSubentry
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component

# The repository root is on sys.path, so Home Assistant's loader imports this
# `custom_components` package, as it would one in the config directory.
from custom_components.smmpanel import PLATFORMS
from custom_components.smmpanel.const import DOMAIN
from custom_components.smmpanel.coordinator import SmmPanelConfigEntry

# Of what bootstrap sets up after the core and before config entries, what this
# integration needs: the network (for the shared aiohttp session) and its entity
# platforms. The other default integrations (frontend, recorder...) are left out.
BASE_DOMAINS = ("network", *PLATFORMS)


@asynccontextmanager
async def async_home_assistant(config_dir: Path) -> AsyncIterator[HomeAssistant]:
    """Run Home Assistant on a config directory, loading its registries from it."""
    # Every run loads this custom integration; Home Assistant's warning about it
    # would only clutter the output.
    logging.getLogger(loader.__name__).setLevel(logging.ERROR)
    hass = HomeAssistant(str(config_dir))
    loader.async_setup(hass)
    hass.config_entries = ConfigEntries(hass, {})
    await loader.async_get_custom_components(hass)
    if not await bootstrap.async_load_base_functionality(hass):
        raise RuntimeError("Home Assistant could not load its registries")
    await _async_set_up(hass, bootstrap.CORE_INTEGRATIONS)
    await async_process_ha_core_config(hass, {})
    await _async_set_up(hass, BASE_DOMAINS)
    await hass.async_start()
    try:
        yield hass
    finally:
        await hass.async_stop()


async def _async_set_up(hass: HomeAssistant, domains: Iterable[str]) -> None:
    for domain in domains:
        if not await async_setup_component(hass, domain, {}):
            raise RuntimeError(f"Home Assistant could not set up {domain}")


async def async_add_panel_account(
    hass: HomeAssistant, url: str, api_key: str
) -> SmmPanelConfigEntry:
    """Add a panel account through the config flow, as a user does; return its entry."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_URL: url, CONF_API_KEY: api_key},
    )
    if result["type"] is not FlowResultType.CREATE_ENTRY:
        raise RuntimeError(f"The config flow did not create an entry: {result}")
    await hass.async_block_till_done()
    entry: SmmPanelConfigEntry = result["result"]
    return entry


async def async_add_subentries(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    subentries: Iterable[ConfigSubentry],
) -> None:
    """Add subentries to an account all at once; it is left unloaded to set up again.

    Each subentry added to a loaded account would reload it.
    """
    if not await hass.config_entries.async_unload(entry.entry_id):
        raise RuntimeError("The integration did not unload")
    for subentry in subentries:
        hass.config_entries.async_add_subentry(entry, subentry)


def panel_account(hass: HomeAssistant) -> SmmPanelConfigEntry:
    """Return the panel account's config entry (there is one)."""
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    return entry
