"""The SMM Panel integration."""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.const import CONF_API_KEY, CONF_URL, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.entity_platform import async_get_platforms
from homeassistant.helpers.typing import ConfigType
from homeassistant.loader import async_get_integration
from homeassistant.util.network import is_local

from .api import SmmPanelClient
from .catalogue import ServiceCatalogue
from .const import DOMAIN, REQUEST_TIMEOUT
from .coordinator import (
    CatalogueWatchCoordinator,
    ServiceStats,
    SmmPanelConfigEntry,
    SmmPanelCoordinator,
    SmmPanelData,
    delete_stale_watch_issues,
)
from .entity import account_device_info
from .options import AccountOptions
from .services import async_setup_services
from .spending import SpendingTracker
from .storage import async_remove_stored
from .tracking import OrderTracker

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.SENSOR,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

# The cards: plain JavaScript modules served from the integration's folder.
FRONTEND_DIR = Path(__file__).parent / "frontend"
ORDERS_CARD_FILE = "smmpanel-orders-card.js"
SPENDING_CARD_FILE = "smmpanel-spending-card.js"
CARD_FILES = (ORDERS_CARD_FILE, SPENDING_CARD_FILE)
FRONTEND_URL_PATH = f"/{DOMAIN}_frontend"


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the SMM Panel actions, and the cards where there is a frontend."""
    async_setup_services(hass)
    await _async_register_cards(hass)
    return True


async def _async_register_cards(hass: HomeAssistant) -> None:
    """Serve the cards and load them in every frontend, once per Home Assistant.

    Without the frontend (a headless install, the unit tests) there is nobody to show
    them to. The URLs name the version, so that browsers load updated cards.
    """
    if not {"http", "frontend"} <= hass.config.components:
        return
    integration = await async_get_integration(hass, DOMAIN)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(FRONTEND_URL_PATH, str(FRONTEND_DIR), cache_headers=False)]
    )
    for card_file in CARD_FILES:
        add_extra_js_url(hass, card_url(card_file, str(integration.version)))


def card_url(card_file: str, version: str) -> str:
    """Return the URL the frontend loads a card from."""
    return f"{FRONTEND_URL_PATH}/{card_file}?v={version}"


async def async_setup_entry(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> bool:
    """Set up an SMM panel account from a config entry."""
    integration = await async_get_integration(hass, DOMAIN)
    client = SmmPanelClient(
        async_get_clientsession(hass),
        entry.data[CONF_URL],
        entry.data[CONF_API_KEY],
        user_agent=f"HomeAssistant-SmmPanel/{integration.version}",
        request_timeout=REQUEST_TIMEOUT,
    )
    _async_check_insecure_url(hass, entry)
    tracker = OrderTracker(hass, entry)
    spending = SpendingTracker(hass, entry)
    service_stats = ServiceStats(hass, entry)
    options = AccountOptions.from_options(entry.options)
    coordinator = SmmPanelCoordinator(
        hass,
        entry,
        client,
        tracker,
        spending=spending,
        service_stats=service_stats,
        options=options,
    )
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady, ConfigEntryAuthFailed:
        _async_show_entities_unavailable(hass, entry)
        raise
    catalogue = ServiceCatalogue(hass, entry, client)
    # The account's device exists before its watches' devices, which name it as the
    # device they are reached through.
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **account_device_info(entry)
    )
    watch = None
    if entry.subentries:
        watch = CatalogueWatchCoordinator(hass, entry, catalogue, options)
        await watch.async_load()
    delete_stale_watch_issues(hass, entry)
    entry.runtime_data = SmmPanelData(
        client=client,
        coordinator=coordinator,
        tracker=tracker,
        spending=spending,
        service_stats=service_stats,
        catalogue=catalogue,
        options=options,
        watch=watch,
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    if watch is not None:
        # The catalogue is checked in the background: the account does not wait
        # for (or fail with) a catalogue that can be slow or refused.
        entry.async_create_background_task(
            hass, watch.async_refresh(), "smmpanel catalogue watch"
        )
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    return True


async def _async_entry_updated(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
    """Apply changed options, credentials and watches by setting the account up again."""
    hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> bool:
    """Unload a config entry, writing pending tracking changes first.

    An order being sent is waited for (at most the request timeout): set up again,
    the account then tracks it, and its first poll shows its charge, which counts
    against the budgets.
    """
    await entry.runtime_data.coordinator.reservations.async_wait_sent()
    await _async_remove_entities(hass, entry)
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.tracker.async_save()
        await entry.runtime_data.spending.async_save()
        await entry.runtime_data.service_stats.async_save()
    return unloaded


async def _async_remove_entities(
    hass: HomeAssistant, entry: SmmPanelConfigEntry
) -> None:
    """Remove the entry's entities and their states, rather than leave them unavailable.

    The logbook writes a line for an entity that goes unavailable and for one that
    comes back, but none for one that is removed or added: so a reload (saved
    options, a watch added or changed, a new key) writes nothing in it. The entities
    stay in the registry, and the event entities keep their last event to restore.
    """
    for platform in async_get_platforms(hass, DOMAIN):
        if platform.config_entry is entry:
            for entity in list(platform.entities.values()):
                await entity.async_remove(force_remove=True)


@callback
def _async_show_entities_unavailable(
    hass: HomeAssistant, entry: SmmPanelConfigEntry
) -> None:
    """Show the entities of an entry that cannot be set up as unavailable.

    As Home Assistant does at a start: entities that an unload removed are not
    missing, while the setup is retried or waits for a new key.
    """
    for registry_entry in er.async_entries_for_config_entry(
        er.async_get(hass), entry.entry_id
    ):
        if (
            not registry_entry.disabled
            and hass.states.get(registry_entry.entity_id) is None
        ):
            registry_entry.write_unavailable_state(hass)


async def async_remove_entry(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
    """Delete what a removed config entry kept: its files and repair issues."""
    await async_remove_stored(hass, entry)
    ir.async_delete_issue(hass, DOMAIN, _insecure_url_issue_id(entry))


def _insecure_url_issue_id(entry: SmmPanelConfigEntry) -> str:
    return f"insecure_url_{entry.entry_id}"


def _is_local_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return is_local(ip_address(host))
    except ValueError:
        return False


def _async_check_insecure_url(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
    """Warn when the API key would travel in clear text to another machine."""
    url = urlsplit(entry.data[CONF_URL])
    issue_id = _insecure_url_issue_id(entry)
    if url.scheme == "http" and not _is_local_host(url.hostname or ""):
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="insecure_url",
            translation_placeholders={
                "title": entry.title,
                "url": entry.data[CONF_URL],
            },
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
