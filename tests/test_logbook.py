"""What the logbook (the Activity page) shows of the account: one line per change.

Home Assistant writes a line for each change of state of an entity that is not a
measurement: the order's sensor changing status, Last deposit, and the order events
entity, whose state is the time of its last event and whose line says only the event
type. So an order's own change is its sensor's line; a refill's change and a deposit,
which change no sensor that says what happened, get a logbook entry naming the order
or the balance. An entity that is added or removed is no change: a reload and a
restart, which remove and add the entities, write nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from homeassistant import loader
from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.components.logbook.helpers import async_determine_event_types
from homeassistant.components.logbook.processor import EventProcessor
from homeassistant.components.recorder import get_instance
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.restore_state import async_get as async_get_restore_state
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import (
    RecorderInstanceContextManager,
    WebSocketGenerator,
)

from custom_components.smmpanel.const import CONF_DAILY_BUDGET, DOMAIN
from panel_simulator import Fault, Panel

from .helpers import DAY, call, normalized, poll, state_of

EVENTS = "event.smm_panel_127_0_0_1_order_events"
BALANCE = "sensor.smm_panel_127_0_0_1_balance"
LAST_DEPOSIT = "sensor.smm_panel_127_0_0_1_last_deposit"
ORDER_SENSOR = "sensor.smm_panel_127_0_0_1_order_"  # then the order id
# Service 101 refills, and an order of 1000 of it completes with the test panel's seed.
REFILLABLE = {"service": 101, "link": "https://instagram.com/log", "quantity": 1000}
SERVICE_101 = "Real & Active Followers - Best Server"
WATCHED_SERVICE = ConfigSubentryData(
    subentry_type="watched_service",
    data={"service_id": 1, "notable_change": 10},
    title="#1 · Instagram Followers - Real [Refill 30D]",
    unique_id="service_1",
)
WATCHED_CATEGORY = ConfigSubentryData(
    subentry_type="watched_category",
    data={"category": "Instagram Followers"},
    title="Instagram Followers",
    unique_id="category_Instagram Followers",
)

type Line = tuple[str, str]
"""What the logbook shows: the entity a line is about (or none), and what it says."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant, then allow custom integrations."""


@pytest.fixture
def watched_entry(config_entry: MockConfigEntry) -> MockConfigEntry:
    """Return the test entry watching a service and a category."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=config_entry.entry_id,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        data=dict(config_entry.data),
        subentries_data=[WATCHED_SERVICE, WATCHED_CATEGORY],
    )


type LogbookLines = Callable[[datetime], Awaitable[list[Line]]]


@pytest.fixture
async def logbook_lines(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> LogbookLines:
    """Set up the logbook; return a reader of its lines since a moment."""
    assert await async_setup_component(hass, "logbook", {})

    async def read(since: datetime) -> list[Line]:
        await hass.async_block_till_done(wait_background_tasks=True)
        await async_wait_recording_done(hass)
        client = await hass_ws_client()
        await client.send_json(
            {"id": 1, "type": "logbook/get_events", "start_time": since.isoformat()}
        )
        return _lines((await client.receive_json())["result"])

    return read


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up an entry, with its first catalogue check."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def _lines(rows: list[dict[str, Any]]) -> list[Line]:
    """Return the logbook's rows as lines, sorted.

    A change of state says its state, or for an event entity (whose state is a
    time) its event type; a logbook entry says its name and message.
    """
    lines = []
    for row in rows:
        if "state" in row:
            said = str(row.get("attributes", {}).get(ATTR_EVENT_TYPE, row["state"]))
        else:
            said = f"{row['name']}: {row['message']}"
        lines.append((row.get("entity_id") or "", said))
    return sorted(lines)


async def test_an_order_reads_as_its_sensor_changing(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    logbook_lines: LogbookLines,
) -> None:
    """A completed order is one line naming it, its sensor's, beside the event's.

    Setting up and placing the order (which adds its sensor) write none.
    """
    start = dt_util.utcnow()
    await _set_up(hass, config_entry)
    placed = await call(hass, "add_order", config_entry, REFILLABLE)
    order_sensor = f"{ORDER_SENSOR}{placed['order']}"
    panel.advance(DAY)
    await poll(hass)

    assert await logbook_lines(start) == [
        (EVENTS, "completed"),
        (order_sensor, "completed"),
    ]
    assert state_of(hass, order_sensor).name == (
        f"SMM Panel 127.0.0.1 Order {placed['order']} · {SERVICE_101}"
    )


async def test_an_order_without_its_sensor_gets_a_line(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    logbook_lines: LogbookLines,
) -> None:
    """With its sensor disabled, an order's change is a line of its own."""
    await _set_up(hass, config_entry)
    placed = await call(hass, "add_order", config_entry, REFILLABLE)
    order_sensor = f"{ORDER_SENSOR}{placed['order']}"
    entity_registry.async_update_entity(
        order_sensor, disabled_by=er.RegistryEntryDisabler.USER
    )
    await hass.async_block_till_done()
    start = dt_util.utcnow()
    panel.advance(DAY)
    await poll(hass)

    assert await logbook_lines(start) == [
        (EVENTS, "completed"),
        (
            order_sensor,
            f"SMM Panel 127.0.0.1 Order {placed['order']} · {SERVICE_101}: completed",
        ),
    ]


async def test_a_refill_reads_as_its_order(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    logbook_lines: LogbookLines,
) -> None:
    """A refill's change is a line naming its order, tracked or not."""
    await _set_up(hass, config_entry)
    tracked = (await call(hass, "add_order", config_entry, REFILLABLE))["order"]
    untracked = panel.create_order(101, link="https://instagram.com/web", quantity=1000)
    panel.advance(DAY)
    await poll(hass)
    start = dt_util.utcnow()
    await call(hass, "refill", config_entry, {"orders": [tracked, untracked]})
    panel.advance(DAY)
    await poll(hass)

    result = {
        refill.order_id: f"refill_{normalized(refill.status)}"
        for refill in panel.refills.values()
    }
    assert await logbook_lines(start) == sorted(
        [
            (EVENTS, result[tracked]),
            (EVENTS, result[untracked]),
            (
                f"{ORDER_SENSOR}{tracked}",
                f"SMM Panel 127.0.0.1 Order {tracked} · {SERVICE_101}: "
                + result[tracked].replace("_", " "),
            ),
            (
                "",
                f"SMM Panel 127.0.0.1 Order {untracked}: "
                + result[untracked].replace("_", " "),
            ),
        ]
    )


async def test_a_deposit_reads_as_the_balance_topped_up(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    logbook_lines: LogbookLines,
) -> None:
    """A deposit is one line saying what it added, on the balance.

    Last deposit, an amount like the balance, writes none of its own.
    """
    await _set_up(hass, config_entry)
    start = dt_util.utcnow()
    panel.deposit(Decimal("25.5"))
    await poll(hass)

    assert await logbook_lines(start) == [
        (EVENTS, "balance_topped_up"),
        (BALANCE, "SMM Panel 127.0.0.1 Balance: topped up by 25.50 USD"),
    ]
    assert Decimal(state_of(hass, LAST_DEPOSIT).state) == Decimal("25.5")


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("en", "SMM Panel 127.0.0.1 Budget left today: Budget reached (1.20 USD)"),
        ("de", "SMM Panel 127.0.0.1 Restbudget heute: Budget ausgeschöpft (1.20 USD)"),
    ],
)
async def test_a_budget_reached_reads_as_its_sensor(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    logbook_lines: LogbookLines,
    language: str,
    line: str,
) -> None:
    """A budget used up is a line on its Budget left sensor, in Home Assistant's
    language, saying the budget; the sensor's own changes (money) write none."""
    await hass.config.async_update(language=language)
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_DAILY_BUDGET: 1.2}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    start = dt_util.utcnow()
    await call(
        hass,
        "add_order",
        config_entry,
        {"service": 1, "link": "https://instagram.com/budget", "quantity": 1000},
    )

    # Entity ids follow the language the entities were named in.
    events, left_today = (
        entity_registry.async_get_entity_id(
            domain, DOMAIN, f"{config_entry.entry_id}_{key}"
        )
        for domain, key in (("event", "order_events"), ("sensor", "budget_left_today"))
    )
    assert await logbook_lines(start) == [
        (events, "budget_reached"),
        (left_today, line),
    ]


async def _make_history(
    hass: HomeAssistant, panel: Panel, entry: MockConfigEntry
) -> None:
    """Complete an order, refill it and credit a deposit: every entity has a state."""
    order_id = (await call(hass, "add_order", entry, REFILLABLE))["order"]
    panel.advance(DAY)
    await poll(hass)
    await call(hass, "refill", entry, {"orders": [order_id]})
    panel.deposit(Decimal(10))
    panel.advance(DAY)
    await poll(hass)
    assert state_of(hass, f"{ORDER_SENSOR}{order_id}").state == "completed"
    assert state_of(hass, EVENTS).attributes[ATTR_EVENT_TYPE] is not None


async def test_a_reload_writes_nothing(
    hass: HomeAssistant,
    panel: Panel,
    watched_entry: MockConfigEntry,
    logbook_lines: LogbookLines,
) -> None:
    """Reloading the entry (with its watches) leaves no line: nothing changed."""
    await _set_up(hass, watched_entry)
    await _make_history(hass, panel, watched_entry)
    shown = {state.entity_id: state.state for state in hass.states.async_all()}
    start = dt_util.utcnow()

    assert await hass.config_entries.async_reload(watched_entry.entry_id)

    assert await logbook_lines(start) == []
    assert {state.entity_id: state.state for state in hass.states.async_all()} == shown


@pytest.mark.parametrize("failure", ["key revoked", "panel down"])
async def test_a_failed_reload_shows_the_entities_unavailable(
    hass: HomeAssistant,
    panel: Panel,
    watched_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    failure: str,
) -> None:
    """While the entry cannot be set up again, its entities are there, unavailable."""
    await _set_up(hass, watched_entry)
    if failure == "key revoked":
        panel.revoke_key()
    else:
        panel.faults.inject(Fault.HTTP_502, action="balance")

    await hass.config_entries.async_reload(watched_entry.entry_id)
    await hass.async_block_till_done()

    assert watched_entry.state in {
        ConfigEntryState.SETUP_ERROR,
        ConfigEntryState.SETUP_RETRY,
    }
    entities = er.async_entries_for_config_entry(
        entity_registry, watched_entry.entry_id
    )
    assert {
        state_of(hass, entity.entity_id).state
        for entity in entities
        if not entity.disabled
    } == {STATE_UNAVAILABLE}


async def test_a_restart_writes_nothing(
    hass: HomeAssistant,
    panel: Panel,
    watched_entry: MockConfigEntry,
    async_test_recorder: RecorderInstanceContextManager,
) -> None:
    """Home Assistant started again shows what it showed, restored, without a line."""
    await _set_up(hass, watched_entry)
    await _make_history(hass, panel, watched_entry)
    shown = {
        state.entity_id: state.state
        for state in hass.states.async_all()
        if state.entity_id.startswith(("sensor.", "binary_sensor.", "event."))
    }
    await async_get_restore_state(hass).async_dump_states()
    await hass.async_stop()

    async with (
        async_test_home_assistant(config_dir=hass.config.config_dir) as restarted,
        async_test_recorder(restarted),
    ):
        restarted.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        assert await async_setup_component(restarted, "logbook", {})
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id=watched_entry.entry_id,
            title=watched_entry.title,
            unique_id=watched_entry.unique_id,
            data=dict(watched_entry.data),
            subentries_data=[WATCHED_SERVICE, WATCHED_CATEGORY],
        )
        start = dt_util.utcnow()
        await _set_up(restarted, entry)
        await poll(restarted)
        try:
            assert await _read_lines(restarted, start) == []
            assert {
                state.entity_id: state.state
                for state in restarted.states.async_all()
                if state.entity_id.startswith(("sensor.", "binary_sensor.", "event."))
            } == shown
        finally:
            await restarted.async_stop(force=True)


async def _read_lines(hass: HomeAssistant, since: datetime) -> list[Line]:
    """Return the logbook's lines since a moment, as its websocket command reads them."""
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)
    processor = EventProcessor(
        hass, async_determine_event_types(hass, None, None), timestamp=True
    )
    rows = await get_instance(hass).async_add_executor_job(
        processor.get_events, since, dt_util.utcnow()
    )
    return _lines(rows)
