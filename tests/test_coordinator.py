"""Tests for polling: requests at the API's floor, finished orders, failures."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import (
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    STATE_UNAVAILABLE,
)
from homeassistant.core import (
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    callback,
)
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.smmpanel.api import OrderStatus
from custom_components.smmpanel.const import DOMAIN
from panel_simulator.faults import Fault
from panel_simulator.panel import Panel

from .helpers import call, frozen_poll, move_to, poll, state_of, stored_tracking

POLL_INTERVAL = timedelta(minutes=5)
BALANCE_ENTITY = "sensor.smm_panel_127_0_0_1_balance"
ACTIVE_ORDERS = "sensor.smm_panel_127_0_0_1_active_orders"
PENDING_REFILLS = "sensor.smm_panel_127_0_0_1_pending_refills"
TRACKED_ORDERS = "sensor.smm_panel_127_0_0_1_tracked_orders"


def _is_finished(hass: HomeAssistant, order_id: int) -> bool:
    """Return whether an order's sensor shows a status that will not change."""
    return OrderStatus(
        state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{order_id}").state
    ).is_finished


def _place_orders(panel: Panel, count: int, service_id: int = 1) -> list[int]:
    return [
        panel.create_order(
            service_id, link=f"https://instagram.com/user{index}", quantity=100
        )
        for index in range(count)
    ]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("active_orders", "pending_refills"),
    [(0, 0), (1, 0), (100, 0), (101, 0), (250, 0), (101, 150)],
)
async def test_each_refresh_makes_the_floor_of_requests(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    active_orders: int,
    pending_refills: int,
) -> None:
    """One balance request, then one status and refill_status request per 100 ids."""
    entry = setup_integration
    if pending_refills:
        placed = _place_orders(panel, 2 * pending_refills)
        panel.advance(24 * 3600)
        completed = [
            order_id
            for order_id in placed
            if panel.orders[order_id].status == "Completed"
        ]
        await call(hass, "refill", entry, {"orders": completed[:pending_refills]})
    if active_orders:
        orders = _place_orders(panel, active_orders)
        await call(hass, "track_order", entry, {"orders": orders})
    await hass.async_block_till_done()
    assert state_of(hass, ACTIVE_ORDERS).state == str(active_orders)
    assert state_of(hass, PENDING_REFILLS).state == str(pending_refills)
    panel.request_counts.clear()

    await frozen_poll(hass, freezer)

    expected = {"balance": 1}
    if active_orders:
        expected["status"] = math.ceil(active_orders / 100)
    if pending_refills:
        expected["refill_status"] = math.ceil(pending_refills / 100)
    assert dict(panel.request_counts) == expected


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_refill_given_up_is_no_longer_pending(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """A refill the panel never finishes counts as pending for 30 days; once it is
    given up, it counts no more and is no longer asked about."""
    placed = _place_orders(panel, 2)
    panel.advance(24 * 3600)
    completed = [
        order_id for order_id in placed if panel.orders[order_id].status == "Completed"
    ]
    response = await call(hass, "refill", setup_integration, {"orders": completed[:1]})
    panel.stall_refill(response["refills"][0]["refill"])
    await frozen_poll(hass, freezer)
    assert state_of(hass, PENDING_REFILLS).state == "1"

    await move_to(hass, freezer, dt_util.utcnow() + timedelta(days=30))
    panel.request_counts.clear()
    await frozen_poll(hass, freezer)

    assert state_of(hass, PENDING_REFILLS).state == "0"
    assert dict(panel.request_counts) == {"balance": 1}


async def test_finished_orders_are_not_asked_about_again(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """Once an order is finished, polling stops asking about it."""
    orders = _place_orders(panel, 3)
    await call(hass, "track_order", setup_integration, {"orders": orders})
    panel.advance(24 * 3600)
    await frozen_poll(hass, freezer)
    assert all(_is_finished(hass, order_id) for order_id in orders)

    panel.request_counts.clear()
    await frozen_poll(hass, freezer)

    assert dict(panel.request_counts) == {"balance": 1}


async def test_order_lifecycle_fires_events(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """Each status change of a tracked order fires one typed event."""
    order_id = panel.create_order(1, link="https://instagram.com/user0", quantity=1000)
    await call(hass, "track_order", setup_integration, {"orders": [order_id]})
    fired: list[str] = []
    event_entity = "event.smm_panel_127_0_0_1_order_events"

    for _ in range(30):
        panel.advance(90)
        await frozen_poll(hass, freezer)
        state = hass.states.get(event_entity)
        assert state is not None
        if state.attributes.get("event_type") and (
            not fired or fired[-1] != state.attributes["event_type"]
        ):
            fired.append(state.attributes["event_type"])
        if _is_finished(hass, order_id):
            break

    assert fired[0] == OrderStatus.IN_PROGRESS
    assert fired[-1] in {OrderStatus.COMPLETED, OrderStatus.PARTIAL}
    state = hass.states.get(event_entity)
    assert state is not None
    assert state.attributes["order_id"] == str(order_id)
    assert state.attributes["previous_status"] == fired[-2]


async def test_failed_refresh_makes_entities_unavailable_then_recovers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """A panel error marks the entities unavailable until the next good answer."""
    panel.faults.inject(Fault.HTTP_503, action="balance", times=1)
    await frozen_poll(hass, freezer)
    state = hass.states.get(BALANCE_ENTITY)
    assert state is not None
    assert state.state == STATE_UNAVAILABLE

    await frozen_poll(hass, freezer)
    state = hass.states.get(BALANCE_ENTITY)
    assert state is not None
    assert state.state == "1000.00000"


async def test_rate_limit_backs_off_for_retry_after(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """A 429 with Retry-After delays the next poll by what the panel asked."""
    panel.faults.inject(Fault.RATE_LIMIT, action="balance", times=1, seconds=600)
    await frozen_poll(hass, freezer)
    assert state_of(hass, BALANCE_ENTITY).state == STATE_UNAVAILABLE

    panel.request_counts.clear()
    await frozen_poll(hass, freezer)
    assert panel.request_counts["balance"] == 0

    freezer.tick(timedelta(seconds=300))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert panel.request_counts["balance"] == 1
    assert state_of(hass, BALANCE_ENTITY).state == "1000.00000"


async def test_key_revoked_mid_run_starts_one_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """A key rejected while running starts exactly one reauth flow."""
    panel.revoke_key()
    await frozen_poll(hass, freezer)
    await frozen_poll(hass, freezer)

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_finished_orders_are_removed_after_the_retention(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """A finished order's sensor goes away once the retention has passed."""
    (order_id,) = _place_orders(panel, 1)
    await call(hass, "track_order", setup_integration, {"orders": [order_id]})
    await hass.async_block_till_done()
    entity_id = f"sensor.smm_panel_127_0_0_1_order_{order_id}"
    assert hass.states.get(entity_id) is not None

    panel.advance(24 * 3600)
    await frozen_poll(hass, freezer)
    assert _is_finished(hass, order_id)
    assert state_of(hass, TRACKED_ORDERS).state == "1"

    freezer.tick(timedelta(hours=24))
    await frozen_poll(hass, freezer)

    assert state_of(hass, TRACKED_ORDERS).state == "0"
    assert hass.states.get(entity_id) is None


async def test_changes_while_stopped_fire_events_at_start(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """An order that finished while Home Assistant was stopped is announced at start."""
    entry = setup_integration
    order_id = panel.create_order(1, link="https://instagram.com/away", quantity=100)
    await call(hass, "track_order", entry, {"orders": [order_id]})
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    panel.advance(24 * 3600)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    state = hass.states.get("event.smm_panel_127_0_0_1_order_events")
    assert state is not None
    assert state.attributes["event_type"] in {
        OrderStatus.COMPLETED,
        OrderStatus.PARTIAL,
    }
    assert state.attributes["order_id"] == str(order_id)
    assert state.attributes["previous_status"] == OrderStatus.PENDING


async def test_a_refresh_that_changes_nothing_writes_no_state(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """Entities write their state only when what they show changed."""
    orders = _place_orders(panel, 3)
    await call(hass, "track_order", setup_integration, {"orders": orders})
    await frozen_poll(hass, freezer)
    written: list[str] = []

    @callback
    def _record(
        event: Event[EventStateChangedData] | Event[EventStateReportedData],
    ) -> None:
        written.append(event.data["entity_id"])

    unsubscribe = [
        hass.bus.async_listen(EVENT_STATE_CHANGED, _record),
        hass.bus.async_listen(
            EVENT_STATE_REPORTED, _record, event_filter=callback(lambda _: True)
        ),
    ]
    await frozen_poll(hass, freezer)
    assert written == []

    balance_before = panel.balance
    panel.advance(24 * 3600)
    await frozen_poll(hass, freezer)
    for cancel in unsubscribe:
        cancel()

    balance_changed = panel.balance != balance_before
    assert sorted(set(written)) == sorted(
        [
            "sensor.smm_panel_127_0_0_1_active_orders",
            *(["sensor.smm_panel_127_0_0_1_balance"] if balance_changed else []),
            "event.smm_panel_127_0_0_1_order_events",
            *(f"sensor.smm_panel_127_0_0_1_order_{order_id}" for order_id in orders),
        ]
    )


async def test_an_action_after_a_failed_poll_does_not_revive_stale_data(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Tracking an order while the panel fails leaves the entities unavailable."""
    panel.faults.inject(Fault.HTTP_503, action="balance", times=None)
    await frozen_poll(hass, freezer)
    (order_id,) = _place_orders(panel, 1)
    shown: list[str] = []

    @callback
    def _record(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == BALANCE_ENTITY and event.data["new_state"]:
            shown.append(event.data["new_state"].state)

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, _record)
    await call(hass, "track_order", setup_integration, {"orders": [order_id]})
    await hass.async_block_till_done(wait_background_tasks=True)
    unsubscribe()

    assert shown == []
    assert state_of(hass, BALANCE_ENTITY).state == STATE_UNAVAILABLE
    assert hass.states.get(f"sensor.smm_panel_127_0_0_1_order_{order_id}") is None
    assert list(stored_tracking(hass_storage, setup_integration).orders) == [order_id]

    panel.faults.clear()
    await frozen_poll(hass, freezer)
    assert Decimal(state_of(hass, BALANCE_ENTITY).state) == panel.balance
    assert _is_finished(hass, order_id) is False


async def test_a_refresh_keeps_what_it_knew(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """What a refresh knew of the tracking stays as it was when the tracking changes.

    The tracker shares its orders and refills with the last refresh rather than copy
    them at every refresh: it must change copies of them from then on.
    """
    first, second = _place_orders(panel, 2)
    panel.advance(3600)  # the first completes, and can be refilled
    await call(hass, "track_order", setup_integration, {"orders": [first]})
    await call(hass, "refill", setup_integration, {"orders": [first]})
    coordinator = setup_integration.runtime_data.coordinator
    known = coordinator.data
    orders, refills = dict(known.orders), dict(known.refills)
    assert orders.keys() == {first}
    assert len(refills) == 1

    await call(hass, "track_order", setup_integration, {"orders": [second]})
    panel.advance(3600)
    await poll(hass)
    await call(
        hass,
        "untrack_order",
        setup_integration,
        {"orders": [first]},
        return_response=False,
    )

    assert known.orders == orders
    assert known.refills == refills
    assert coordinator.data.orders.keys() == {second}
    assert not coordinator.data.refills
