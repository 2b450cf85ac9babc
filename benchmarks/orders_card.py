"""What opening a dashboard with the orders card costs, and what its search costs.

On a panel selling a large catalogue, an account holds orders placed from Home
Assistant. Opening a dashboard, the frontend sends the card the states of its
entities and answers the card's own calls: the card's texts and the order statuses'
translations. The card asks for nothing more until its order form opens, which asks
the server for the services matching a search, at most as many as it lists. Before,
the card read the whole catalogue with `smmpanel.get_services` on every dashboard
open: that answer's size is measured too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
import statistics
import time
from typing import Any

from homeassistant.components.websocket_api.messages import (
    event_message,
    result_message,
)
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, Platform
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.translation import async_get_translations

from custom_components.smmpanel.const import DOMAIN
from custom_components.smmpanel.coordinator import SmmPanelConfigEntry
from custom_components.smmpanel.services import SERVICE_ADD_ORDER, SERVICE_GET_SERVICES

from .home_assistant import async_add_panel_account, async_home_assistant
from .workload import API_KEY

CARD_ORDERS = 20
"""Orders placed from Home Assistant on the account, each a row of the card."""
MOST_ORDER_COST = 5
"""The orders are placed on services whose smallest order costs less than this."""
SEARCH_LIMIT = 50
"""The services the card's order form lists at once, and asks the server for."""
SEARCHES = ("", "instagram", "подписчики", "Server 7", "no such service")
"""What the benchmark types in the order form's search: nothing (the form opening),
common words, rarer ones, and a search that matches nothing (every service read)."""
SEARCH_RUNS = 5
"""Each search is timed this many times; its median counts."""
LANGUAGE = "en"
# The account's entities the card shows, by translation key: the balance and what was
# spent beside it, the low balance, and every order.
CARD_SENSORS = frozenset(
    {"balance", "spent_today", "spent_this_month", "balance_runway"}
)
CARD_BINARY_SENSORS = frozenset({"low_balance"})
ORDER_SENSOR_KEY = "order_status"
# The translation categories the card loads: its texts, and the order statuses.
CARD_TRANSLATIONS = ("selector", "entity")


@dataclass(frozen=True, slots=True, kw_only=True)
class Search:
    """One search of the order form, answered by the server."""

    query: str
    services: int
    """Services the answer lists: at most SEARCH_LIMIT."""
    answer_bytes: int
    """The websocket message answering it."""
    wall_seconds: float
    """From the call to its answer encoded, median of SEARCH_RUNS."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CardOpening:
    """What the card costs on a panel with a large catalogue."""

    services: int
    """Services the panel sells."""
    entities: int
    """The account's entities the card shows."""
    orders: int
    state_bytes: int
    """The states of the card's entities, as the websocket sends them."""
    translation_bytes: int
    """The answers to the card's translation requests."""
    catalogue_bytes: int
    """The answer to `get_services` for the whole catalogue, which the card read on
    every dashboard open before."""
    searches: tuple[Search, ...]

    @property
    def opening_bytes(self) -> int:
        """Return what opening a dashboard with the card sends for it."""
        return self.state_bytes + self.translation_bytes

    @property
    def slowest_search(self) -> Search:
        """Return the search that took longest."""
        return max(self.searches, key=lambda search: search.wall_seconds)


async def async_open_orders_card(
    config_dir: Path, api_url: str, services: int
) -> CardOpening:
    """Place orders on a panel selling `services`; measure the card's traffic."""
    async with async_home_assistant(config_dir) as hass:
        entry = await async_add_panel_account(hass, api_url, API_KEY)
        catalogue = await _async_call(hass, entry, SERVICE_GET_SERVICES, {})
        catalogue_bytes = len(json_bytes(_call_result(catalogue)))
        for index, service in enumerate(_cheap_services(catalogue)):
            await _async_call(
                hass,
                entry,
                SERVICE_ADD_ORDER,
                {
                    "service": service["service"],
                    "link": f"https://example.com/orders-card/{index}",
                    "quantity": service["min"],
                },
            )
        await hass.async_block_till_done(wait_background_tasks=True)
        entities = _card_entities(hass, entry)
        states = {
            entity.entity_id: state.as_compressed_state
            for entity in entities
            if (state := hass.states.get(entity.entity_id)) is not None
        }
        translation_bytes = 0
        for category in CARD_TRANSLATIONS:
            resources = await async_get_translations(hass, LANGUAGE, category, [DOMAIN])
            translation_bytes += len(
                json_bytes(result_message(1, {"resources": resources}))
            )
        searches = tuple(
            [await _async_search(hass, entry, query) for query in SEARCHES]
        )
    return CardOpening(
        services=services,
        entities=len(states),
        orders=sum(
            entity.translation_key.startswith(ORDER_SENSOR_KEY)
            for entity in entities
            if entity.entity_id in states and entity.translation_key is not None
        ),
        state_bytes=len(json_bytes(event_message(1, {"a": states}))),
        translation_bytes=translation_bytes,
        catalogue_bytes=catalogue_bytes,
        searches=searches,
    )


def _cheap_services(catalogue: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return CARD_ORDERS cheap services taking a link and a quantity, spread out.

    Their smallest order costs less than MOST_ORDER_COST.
    """
    cheap = [
        service
        for service in catalogue["services"]
        if service["type"] == "default"
        and service["rate"] * service["min"] / 1000 < MOST_ORDER_COST
    ]
    if len(cheap) < CARD_ORDERS:
        raise RuntimeError(f"The catalogue has {len(cheap)} cheap services only")
    return [cheap[index * len(cheap) // CARD_ORDERS] for index in range(CARD_ORDERS)]


def _card_entities(
    hass: HomeAssistant, entry: SmmPanelConfigEntry
) -> list[er.RegistryEntry]:
    """Return the account's entities the card shows, as the card picks them."""
    return [
        registry_entry
        for registry_entry in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if (key := registry_entry.translation_key) is not None
        and (
            (
                registry_entry.domain == Platform.SENSOR
                and (key in CARD_SENSORS or key.startswith(ORDER_SENSOR_KEY))
            )
            or (
                registry_entry.domain == Platform.BINARY_SENSOR
                and key in CARD_BINARY_SENSORS
            )
        )
    ]


async def _async_search(
    hass: HomeAssistant, entry: SmmPanelConfigEntry, query: str
) -> Search:
    """Time a search as the card sends it, the answer encoded for the websocket."""
    data: dict[str, Any] = {"limit": SEARCH_LIMIT} | (
        {"search": query} if query else {}
    )
    times: list[float] = []
    for _ in range(SEARCH_RUNS):
        start = time.perf_counter()
        response = await _async_call(hass, entry, SERVICE_GET_SERVICES, data)
        answer = json_bytes(_call_result(response))
        times.append(time.perf_counter() - start)
    return Search(
        query=query,
        services=len(response["services"]),
        answer_bytes=len(answer),
        wall_seconds=statistics.median(times),
    )


def _call_result(response: ServiceResponse) -> dict[str, Any]:
    """Return the websocket message answering a `call_service` with a response."""
    return result_message(1, {"context": {"id": "0" * 26}, "response": response})


async def _async_call(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    action: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        action,
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **data},
        blocking=True,
        return_response=True,
    )
    if response is None:
        raise RuntimeError(f"{action} answered nothing")
    return dict(response)
