"""Helpers shared by the tests: calling actions, polling, reading states."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
import json
from pathlib import Path
from typing import Any, cast, override
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import Fault, FaultRule, Faults, Panel

POLL_INTERVAL = timedelta(minutes=5)
DAY = 24 * 3600
# The client's request timeout in these tests: a loopback answer takes milliseconds,
# and each TIMEOUT fault costs the suite this much real time.
REQUEST_TIMEOUT = 0.25
# Faults a panel recovers from by itself, with the seconds a fault lasts where it has a
# duration: a TIMEOUT stalls longer than REQUEST_TIMEOUT, a RATE_LIMIT asks for 60 s.
TRANSIENT_FAULTS: dict[Fault, float | None] = {
    Fault.TIMEOUT: 10 * REQUEST_TIMEOUT,
    Fault.CONNECTION_RESET: None,
    Fault.HTTP_500: None,
    Fault.HTTP_502: None,
    Fault.HTTP_503: None,
    Fault.CLOUDFLARE: None,
    Fault.INVALID_JSON: None,
    Fault.WRONG_SHAPE: None,
    Fault.RATE_LIMIT: 60,
}
LINK = "https://www.instagram.com/p/reliability"
ORDER_SENSOR = "sensor.smm_panel_127_0_0_1_order_"  # then the order id
COMPONENT = Path(__file__).parent.parent / "custom_components" / DOMAIN
TRANSLATIONS: dict[str, Any] = json.loads(
    (COMPONENT / "translations" / "en.json").read_text(encoding="utf-8")
)


@pytest.fixture(autouse=True)
def short_request_timeout() -> Iterator[None]:
    """Make the client give up after REQUEST_TIMEOUT seconds instead of 30.

    Autouse in the modules that import it.
    """
    with patch("custom_components.smmpanel.REQUEST_TIMEOUT", REQUEST_TIMEOUT):
        yield


class RecordingFaults(Faults):
    """The simulator's fault injection, recording the faults it injects."""

    def __init__(self, seed: int = 0) -> None:
        """Start with no faults and nothing recorded."""
        super().__init__(seed)
        self.injected: Counter[Fault] = Counter()
        self.hit = asyncio.Event()

    @override
    def pick(self, action: str) -> FaultRule | None:
        rule = super().pick(action)
        if rule is not None:
            self.injected[rule.fault] += 1
            self.hit.set()
        return rule


async def poll(hass: HomeAssistant, interval: timedelta = POLL_INTERVAL) -> None:
    """Let one polling interval pass and wait for everything it started.

    The loop's clock is real (a frozen clock would freeze the request timeouts too),
    so time is moved by firing the timers due within the interval.
    """
    async_fire_time_changed(hass, dt_util.utcnow() + interval)
    await hass.async_block_till_done(wait_background_tasks=True)


async def move_to(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: datetime
) -> None:
    """With a frozen clock, let time pass until `moment`, with everything due on the way."""
    freezer.move_to(moment)
    async_fire_time_changed(hass, moment)
    await hass.async_block_till_done(wait_background_tasks=True)


async def frozen_poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """With a frozen clock, let one default polling interval pass."""
    await move_to(hass, freezer, dt_util.utcnow() + POLL_INTERVAL)


async def call(
    hass: HomeAssistant,
    action: str,
    entry: MockConfigEntry,
    data: dict[str, Any] | None = None,
    *,
    return_response: bool = True,
) -> Any:
    """Call an action of the integration for an entry and return its response."""
    return await hass.services.async_call(
        DOMAIN,
        action,
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **(data or {})},
        blocking=True,
        return_response=return_response,
    )


async def load_catalogue(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Have the integration fetch the catalogue, as the first action needing it does."""
    await call(hass, "get_services", entry)


def state_of(hass: HomeAssistant, entity_id: str) -> State:
    """Return an entity's state, which must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


def entry_states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, State]:
    """Return the states of the entry's entities that are enabled."""
    registry = er.async_get(hass)
    return {
        entity.entity_id: state
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if (state := hass.states.get(entity.entity_id)) is not None
    }


def order_sensor_ids(hass: HomeAssistant, entry: MockConfigEntry) -> set[int]:
    """Return the orders the entry has a sensor for: the orders it shows as tracked."""
    return {
        int(entity.entity_id.removeprefix(ORDER_SENSOR))
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.entity_id.startswith(ORDER_SENSOR)
    }


@dataclass(frozen=True, slots=True)
class Tracking:
    """The tracked orders and refills, by id, as diagnostics or storage hold them."""

    orders: dict[int, dict[str, Any]]
    refills: dict[int, dict[str, Any]]


async def async_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> dict[str, Any]:
    """Return the entry's diagnostics, downloaded as a user does."""
    return dict(await get_diagnostics_for_config_entry(hass, hass_client, entry))


async def async_one_client(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> ClientSessionGenerator:
    """Return a client generator that hands out one client, for many downloads.

    Each new client starts a test server that stays up until the test ends.
    """
    assert await async_setup_component(hass, "diagnostics", {})
    client = await hass_client()

    async def one_client() -> TestClient:
        return client

    return one_client


async def async_tracking(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> Tracking:
    """Return what the entry tracks now, as its diagnostics show it."""
    diagnostics = await async_diagnostics(hass, hass_client, entry)
    orders = cast(list[dict[str, Any]], diagnostics["tracked_orders"])
    refills = cast(list[dict[str, Any]], diagnostics["tracked_refills"])
    return Tracking(
        orders={row["order_id"]: row for row in orders},
        refills={row["refill_id"]: row for row in refills},
    )


def stored_tracking(hass_storage: dict[str, Any], entry: MockConfigEntry) -> Tracking:
    """Return what the entry last wrote to storage."""
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}"]["data"]
    return Tracking(
        orders={row["order_id"]: row for row in stored["orders"]},
        refills={row["refill_id"]: row for row in stored["refills"]},
    )


async def async_set_options(
    hass: HomeAssistant, entry: MockConfigEntry, options: dict[str, Any]
) -> None:
    """Save options through the options dialog, which reloads the entry."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], options
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


def normalized(panel_status: str) -> str:
    """Return the integration's name of a status as the simulator spells it."""
    return panel_status.lower().replace(" ", "_")


@dataclass(frozen=True, slots=True)
class Scenario:
    """Tracked orders with work left: two delivering orders and a pending refill."""

    completed: int
    active: tuple[int, ...]
    refill: int

    @property
    def orders(self) -> set[int]:
        """Return every tracked order."""
        return {self.completed, *self.active}


async def async_track_scenario(
    hass: HomeAssistant, panel: Panel, entry: MockConfigEntry
) -> Scenario:
    """Track a completed order with a refill running and two fresh orders."""
    completed = panel.create_order(1, link=f"{LINK}/done", quantity=100)
    panel.advance(DAY)
    active = tuple(
        panel.create_order(3, link=f"{LINK}/{index}", quantity=1000)
        for index in range(2)
    )
    await call(hass, "track_order", entry, {"orders": [completed, *active]})
    response = await call(hass, "refill", entry, {"orders": [completed]})
    await hass.async_block_till_done(wait_background_tasks=True)
    return Scenario(completed, active, response["refills"][0]["refill"])


def berlin(text: str) -> datetime:
    """Return a local time in Europe/Berlin, whose days the period tests count in."""
    moment = dt_util.parse_datetime(text)
    assert moment is not None
    return moment.replace(tzinfo=dt_util.get_time_zone("Europe/Berlin"))


async def start_in_berlin(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    moment: str,
    options: dict[str, Any] | None = None,
) -> None:
    """Set up an entry with Home Assistant in Europe/Berlin, the clock at a moment."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    freezer.move_to(berlin(moment))
    entry.add_to_hass(hass)
    if options is not None:
        hass.config_entries.async_update_entry(entry, options=options)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
