"""Events: each status change is told once, whichever saw it first, a poll or an action.

And what is tracked stays bounded: finished refills leave tracking after the retention,
whether or not their order is tracked.
"""

from __future__ import annotations

import asyncio
from copy import deepcopy
from dataclasses import replace
from datetime import timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_mock_restore_state_shutdown_restart,
)

from custom_components.smmpanel.const import DOMAIN, EVENT_ORDER
from panel_simulator import Fault, OrderStatus, Panel

from .helpers import (
    DAY,
    LINK,
    ORDER_SENSOR,
    POLL_INTERVAL,
    RecordingFaults,
    call,
    move_to,
    normalized,
    poll,
    state_of,
)

EVENTS = "event.smm_panel_127_0_0_1_order_events"
BALANCE = "sensor.smm_panel_127_0_0_1_balance"
# Service 101 refills; an order of 1000 of it completes with the test panel's seed.
ORDER = {"service": 101, "link": LINK, "quantity": 1000}
# Seconds a LATENCY fault holds a status answer (the request timeout is 30).
HELD = 1.0
YEAR = 365
REFILLED_ORDERS = 12  # each refilled once a day, never tracked themselves


class FiredEvents:
    """The events the order events entity fires, as its states and on the bus."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start recording."""
        self._states = async_capture_events(hass, EVENT_STATE_CHANGED)
        self._bus = async_capture_events(hass, EVENT_ORDER)

    def of_order(self, order_id: int) -> list[tuple[str, str]]:
        """Return the events fired for an order: (event type, previous status).

        The entity's state is the time of its last event: each new time is an
        event. The bus event, which the logbook describes, goes with each.
        """
        times: dict[str, State] = {}
        for event in self._states:
            state = event.data["new_state"]
            if (
                event.data["entity_id"] == EVENTS
                and state is not None
                and state.state != STATE_UNAVAILABLE
            ):
                times.setdefault(state.state, state)
        entity = [
            (state.attributes[ATTR_EVENT_TYPE], state.attributes["previous_status"])
            for state in times.values()
            if state.attributes.get("order_id") == str(order_id)
        ]
        bus = [
            (event.data[ATTR_EVENT_TYPE], event.data["previous_status"])
            for event in self._bus
            if event.data.get("order_id") == str(order_id)
        ]
        assert bus == entity
        return entity


async def _place(hass: HomeAssistant, entry: MockConfigEntry) -> int:
    """Place an order with the action: it is tracked, pending."""
    placed = await call(hass, "add_order", entry, ORDER)
    await hass.async_block_till_done(wait_background_tasks=True)
    order_id: int = placed["order"]
    return order_id


def _finish(panel: Panel, order_id: int) -> str:
    """Let the panel deliver an order; return the event type of its final status."""
    panel.advance(DAY)
    status = panel.orders[order_id].status
    assert status is OrderStatus.COMPLETED
    return normalized(status)


async def test_track_order_tells_a_completion_it_sees_first(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """A tracked order seen completed by Track orders fires `completed` once."""
    order_id = await _place(hass, setup_integration)
    fired = FiredEvents(hass)
    completed = _finish(panel, order_id)

    response = await call(hass, "track_order", setup_integration, {"orders": order_id})
    await hass.async_block_till_done()

    assert response["orders"][0]["status"] == completed
    assert state_of(hass, f"{ORDER_SENSOR}{order_id}").state == completed
    assert fired.of_order(order_id) == [(completed, "pending")]
    assert state_of(hass, EVENTS).attributes["order_id"] == str(order_id)

    await poll(hass)
    await call(hass, "track_order", setup_integration, {"orders": order_id})
    await poll(hass)
    assert fired.of_order(order_id) == [(completed, "pending")]


async def test_get_order_status_leaves_the_change_to_the_next_poll(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Get order status only reads: the next poll applies the change and tells it."""
    order_id = await _place(hass, setup_integration)
    fired = FiredEvents(hass)
    completed = _finish(panel, order_id)

    response = await call(
        hass, "get_order_status", setup_integration, {"orders": order_id}
    )
    await hass.async_block_till_done()

    assert response["orders"][0]["status"] == completed
    assert state_of(hass, f"{ORDER_SENSOR}{order_id}").state == "pending"
    assert fired.of_order(order_id) == []
    await poll(hass)
    await poll(hass)
    assert fired.of_order(order_id) == [(completed, "pending")]


async def test_an_older_answer_does_not_undo_a_newer_one(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """A poll's answer that comes back after Track orders applied a newer one is dropped.

    Otherwise the order would go back to pending, and complete (and be told) twice.
    """
    order_id = await _place(hass, setup_integration)
    fired = FiredEvents(hass)
    faults = panel.faults = RecordingFaults()
    faults.inject(Fault.LATENCY, action="status", after=True, seconds=HELD)
    async_fire_time_changed(hass, dt_util.utcnow() + POLL_INTERVAL)
    async with asyncio.timeout(5):
        await faults.hit.wait()  # the poll's answer (pending) is held
    completed = _finish(panel, order_id)

    await call(hass, "track_order", setup_integration, {"orders": order_id})
    await hass.async_block_till_done(wait_background_tasks=True)

    assert faults.injected[Fault.LATENCY] == 1
    assert state_of(hass, f"{ORDER_SENSOR}{order_id}").state == completed
    await poll(hass)
    assert fired.of_order(order_id) == [(completed, "pending")]


async def test_a_change_an_action_sees_after_a_failed_poll_waits_for_a_good_one(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """While the entities are unavailable, a change an action applies waits, told once."""
    order_id = await _place(hass, setup_integration)
    fired = FiredEvents(hass)
    panel.faults.inject(Fault.HTTP_500, action="balance")
    await poll(hass)
    assert state_of(hass, BALANCE).state == STATE_UNAVAILABLE
    completed = _finish(panel, order_id)

    await call(hass, "track_order", setup_integration, {"orders": order_id})
    assert state_of(hass, EVENTS).state == STATE_UNAVAILABLE
    assert fired.of_order(order_id) == []

    await poll(hass)
    await poll(hass)
    assert fired.of_order(order_id) == [(completed, "pending")]


async def test_a_refresh_told_again_fires_nothing_again(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """The same changes in a new snapshot are the same changes: told once.

    An event is known by its order (or refill) and its statuses, not by the
    snapshot that holds it.
    """
    order_id = await _place(hass, setup_integration)
    fired = FiredEvents(hass)
    completed = _finish(panel, order_id)
    await poll(hass)
    coordinator = setup_integration.runtime_data.coordinator

    coordinator.async_set_updated_data(replace(coordinator.data))
    await hass.async_block_till_done()

    assert fired.of_order(order_id) == [(completed, "pending")]


async def test_a_change_found_again_after_a_restart_is_not_told_again(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A restart whose stored tracking missed a change finds it again, told already.

    The event entity restores the last event it fired: that change is not new.
    """
    entry = setup_integration
    order_id = await _place(hass, entry)
    stored_before = deepcopy(hass_storage[f"{DOMAIN}.{entry.entry_id}"])
    fired = FiredEvents(hass)
    completed = _finish(panel, order_id)
    await poll(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)
    # Stopped before the completion was written: storage holds the order pending.
    hass_storage[f"{DOMAIN}.{entry.entry_id}"] = stored_before
    await async_mock_restore_state_shutdown_restart(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert state_of(hass, f"{ORDER_SENSOR}{order_id}").state == completed
    assert fired.of_order(order_id) == [(completed, "pending")]


async def test_an_entity_added_again_fires_nothing_again(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Renamed, the event entity is added again: what it fired stays fired."""
    order_id = await _place(hass, setup_integration)
    bus = async_capture_events(hass, EVENT_ORDER)
    _finish(panel, order_id)
    await poll(hass)

    entity_registry.async_update_entity(EVENTS, new_entity_id="event.orders")
    await hass.async_block_till_done()
    await poll(hass)

    assert state_of(hass, "event.orders").attributes["order_id"] == str(order_id)
    assert [event.data["entity_id"] for event in bus] == [EVENTS]


async def test_a_year_of_refills_of_untracked_orders_keeps_storage_bounded(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Refills of orders that are not tracked leave tracking after the retention.

    Twelve orders placed on the panel's website are refilled every day for a year,
    with the refill action: the stored tracking holds the last days' refills only.
    """
    refillable = _completed_website_orders(panel, 2 * REFILLED_ORDERS)[:REFILLED_ORDERS]
    assert len(refillable) == REFILLED_ORDERS
    stored_sizes: list[int] = []
    stored_refills: list[int] = []

    for _ in range(YEAR):
        await call(hass, "refill", setup_integration, {"orders": refillable})
        stored = hass_storage[f"{DOMAIN}.{setup_integration.entry_id}"]["data"]
        stored_refills.append(len(stored["refills"]))
        stored_sizes.append(len(json.dumps(stored)))
        panel.advance(DAY)
        await move_to(hass, freezer, dt_util.utcnow() + timedelta(days=1))

    assert len(panel.refills) == YEAR * REFILLED_ORDERS
    assert not stored["orders"]
    # Today's refills, and those that finished in the last two polls (one a day).
    assert max(stored_refills) == 3 * REFILLED_ORDERS
    # As large at the end of the year as in its first week (rows differ by a word).
    assert max(stored_sizes) < 1.01 * max(stored_sizes[:7])


def _completed_website_orders(panel: Panel, count: int) -> list[int]:
    """Place `count` orders on the panel's website, a day ago; return the completed."""
    orders = [
        panel.create_order(3, link=f"{LINK}/{index}", quantity=100)
        for index in range(count)
    ]
    panel.advance(DAY)
    return [
        order_id
        for order_id in orders
        if panel.orders[order_id].status is OrderStatus.COMPLETED
    ]


STALLED_DAYS = 30  # the refills the panel never finishes are asked about this long


async def test_a_year_of_refills_that_never_finish_keeps_tracking_bounded(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Refills the panel never finishes are asked about for 30 days, then forgotten.

    Every day for a year four completed orders are refilled: one the user tracks,
    whose refill the panel leaves pending for good, and three placed on the panel's
    website: one whose refill stays pending too, one whose refill the panel loses
    ("Refill not found") and one whose refill finishes. Tracking holds a month of
    them, not a year; every order still tracked and every refill still followed stays.
    """
    entry = setup_integration
    storage_key = f"{DOMAIN}.{entry.entry_id}"
    refillable = _completed_website_orders(panel, 5 * YEAR)
    assert len(refillable) >= 4 * YEAR
    refills_of_day: list[set[int]] = []
    unfinished_of_day: list[set[int]] = []
    stored_sizes: list[int] = []

    for day in range(YEAR):
        tracked, stalled, lost, finishing = refillable[4 * day : 4 * day + 4]
        await call(hass, "track_order", entry, {"orders": tracked})
        response = await call(
            hass, "refill", entry, {"orders": [tracked, stalled, lost, finishing]}
        )
        refill_of = {row["order"]: row["refill"] for row in response["refills"]}
        panel.stall_refill(refill_of[tracked])
        panel.stall_refill(refill_of[stalled])
        panel.forget_refill(refill_of[lost])
        refills_of_day.append(set(refill_of.values()))
        unfinished_of_day.append(
            {refill_of[order_id] for order_id in (tracked, stalled, lost)}
        )

        stored = hass_storage[storage_key]["data"]
        stored_sizes.append(len(json.dumps(stored)))
        stored_refills = {row["refill_id"] for row in stored["refills"]}
        followed = set().union(*unfinished_of_day[-STALLED_DAYS:])
        assert followed <= stored_refills
        assert not stored_refills & set().union(*refills_of_day[: -STALLED_DAYS - 3])
        # The orders the user tracked stay while their refills are followed.
        still_tracked = refillable[4 * max(day - STALLED_DAYS + 1, 0) : 4 * day + 1 : 4]
        for order_id in still_tracked:
            assert hass.states.get(f"{ORDER_SENSOR}{order_id}") is not None
        assert len(stored["orders"]) <= STALLED_DAYS + 2

        panel.advance(DAY)
        await move_to(hass, freezer, dt_util.utcnow() + timedelta(days=1))

    # As large at the end of the year as after the first stalled refills were let go.
    assert max(stored_sizes) < 1.01 * max(stored_sizes[: STALLED_DAYS + 10])

    # No refill requested any more: the last ones, two days old at the first of these
    # polls, are asked about until they are 30 days old, then left and forgotten.
    asked: list[int] = []
    for _ in range(STALLED_DAYS + 3):
        before = panel.request_counts["refill_status"]
        await move_to(hass, freezer, dt_util.utcnow() + timedelta(days=1))
        asked.append(panel.request_counts["refill_status"] - before)
    assert asked == [1] * (STALLED_DAYS - 2) + [0] * 5
    assert hass_storage[storage_key]["data"]["refills"] == []
    assert hass_storage[storage_key]["data"]["orders"] == []
