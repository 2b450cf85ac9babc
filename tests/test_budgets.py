"""Spending budgets: every order checked against them, their sensors and event."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_test_home_assistant,
)

from custom_components.smmpanel.const import (
    CONF_DAILY_BUDGET,
    CONF_MONTHLY_BUDGET,
    CONF_WEEKLY_BUDGET,
    DOMAIN,
    EVENT_ORDER,
)
from panel_simulator import Fault, Panel

from .const import PANEL_BALANCE
from .helpers import (
    ORDER_SENSOR,
    TRANSLATIONS,
    RecordingFaults,
    async_set_options,
    berlin,
    call,
    frozen_poll,
    move_to,
    start_in_berlin,
    state_of,
)

LINK = "https://www.instagram.com/p/budget"
# The panel refuses a second order for a link with one running: each gets its own.
LINK_NUMBERS = count()
# Service 1 costs 1.20 per 1000: each order placed here costs CHARGE.
CHARGE = Decimal("1.2")
LEFT_TODAY = "sensor.smm_panel_127_0_0_1_budget_left_today"
LEFT_THIS_WEEK = "sensor.smm_panel_127_0_0_1_budget_left_this_week"
LEFT_THIS_MONTH = "sensor.smm_panel_127_0_0_1_budget_left_this_month"
SPENT_TODAY = "sensor.smm_panel_127_0_0_1_spent_today"
EVENTS = "event.smm_panel_127_0_0_1_order_events"
# The error of each budget an order does not fit in.
EXCEEDED = {
    CONF_DAILY_BUDGET: "daily_budget_exceeded",
    CONF_WEEKLY_BUDGET: "weekly_budget_exceeded",
    CONF_MONTHLY_BUDGET: "monthly_budget_exceeded",
}


async def _set_up(
    hass: HomeAssistant, entry: MockConfigEntry, budgets: dict[str, float]
) -> None:
    """Set the account up with budgets set."""
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options=budgets)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _order(
    hass: HomeAssistant, entry: MockConfigEntry, **extra: Any
) -> dict[str, Any]:
    """Place an order costing CHARGE with the add_order action (each its own link)."""
    response: dict[str, Any] = await call(
        hass,
        "add_order",
        entry,
        {
            "service": 1,
            "link": f"{LINK}/{next(LINK_NUMBERS)}",
            "quantity": 1000,
            **extra,
        },
    )
    return response


async def _refused(
    hass: HomeAssistant, entry: MockConfigEntry, budget: str, left: str, total: str
) -> None:
    """Check that an order is refused by a budget, saying what is left."""
    with pytest.raises(ServiceValidationError) as refused:
        await _order(hass, entry)
    error = refused.value
    assert error.translation_domain == DOMAIN
    assert error.translation_key == EXCEEDED[budget]
    assert error.translation_placeholders == {
        "cost": "1.20",
        "left": left,
        "budget": total,
        "currency": "USD",
    }
    # Home Assistant shows the message without its final full stop.
    message = TRANSLATIONS["exceptions"][EXCEEDED[budget]]["message"]
    assert str(error) == message.format(**error.translation_placeholders).rstrip(".")


def _left(hass: HomeAssistant, entity_id: str) -> Decimal:
    return Decimal(state_of(hass, entity_id).state)


@pytest.mark.parametrize(
    ("budget", "last_moment", "next_period"),
    [
        # The day the clocks go forward is 23 hours long: it ends at 00:00 CEST.
        (CONF_DAILY_BUDGET, "2026-03-29 23:59:00", "2026-03-30 00:00:30"),
        # The day the clocks go back is 25 hours long: it ends at 00:00 CET.
        (CONF_DAILY_BUDGET, "2026-10-25 23:59:00", "2026-10-26 00:00:30"),
        # The week holding the day the clocks go back ends Sunday 24:00 CET.
        (CONF_WEEKLY_BUDGET, "2026-10-25 23:59:00", "2026-10-26 00:00:30"),
        (CONF_MONTHLY_BUDGET, "2026-03-31 23:59:00", "2026-04-01 00:00:30"),
    ],
    ids=["day_of_23_hours", "day_of_25_hours", "week", "month"],
)
async def test_each_budget_ends_with_its_local_period(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    budget: str,
    last_moment: str,
    next_period: str,
) -> None:
    """An order that does not fit is refused until the period ends, local time."""
    await start_in_berlin(hass, freezer, config_entry, last_moment, {budget: 2})
    await _order(hass, config_entry)
    await hass.async_block_till_done()

    await _refused(hass, config_entry, budget, left="0.80", total="2.00")
    assert panel.request_counts["add"] == 1
    # No poll is needed: an order is checked against the periods of its own moment.
    freezer.move_to(berlin(next_period))
    placed = await _order(hass, config_entry)

    period = {
        CONF_DAILY_BUDGET: "day",
        CONF_WEEKLY_BUDGET: "week",
        CONF_MONTHLY_BUDGET: "month",
    }[budget]
    assert placed["budget_left_after"] == {period: 0.8}
    assert panel.request_counts["add"] == 2
    assert len(panel.orders) == 2


async def test_a_refund_frees_the_budget(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A canceled order's refund lowers the net spend: its money may be spent again."""
    await start_in_berlin(
        hass, freezer, config_entry, "2026-11-30 10:00:00", {CONF_DAILY_BUDGET: 2}
    )
    placed = await _order(hass, config_entry)
    await hass.async_block_till_done()
    assert _left(hass, LEFT_TODAY) == Decimal("0.8")
    await _refused(hass, config_entry, CONF_DAILY_BUDGET, left="0.80", total="2.00")

    await call(hass, "cancel", config_entry, {"orders": [placed["order"]]})
    panel.advance(61)
    await frozen_poll(hass, freezer)

    assert _left(hass, LEFT_TODAY) == 2
    await _order(hass, config_entry)
    assert len(panel.orders) == 2


async def test_orders_placed_on_the_website_count(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An order placed at the panel counts once a poll sees the balance fall.

    Nothing can refuse it: it may take the day past its budget, which is then told
    as reached, and Place order refuses everything until the day ends.
    """
    await start_in_berlin(
        hass, freezer, config_entry, "2026-11-30 10:00:00", {CONF_DAILY_BUDGET: 2}
    )
    events = async_capture_events(hass, EVENT_ORDER)
    await _order(hass, config_entry)
    await hass.async_block_till_done()
    assert _left(hass, LEFT_TODAY) == Decimal("0.8")

    # On the website: 2000 of service 1, 2.40, past what is left.
    panel.create_order(1, link=f"{LINK}/website", quantity=2000)
    await frozen_poll(hass, freezer)

    assert _left(hass, SPENT_TODAY) == Decimal("3.6")
    assert _left(hass, LEFT_TODAY) == 0
    assert [event["spent"] for event in _reached(events)] == [3.6]
    await _refused(hass, config_entry, CONF_DAILY_BUDGET, left="0.00", total="2.00")
    assert panel.request_counts["add"] == 1


async def test_an_order_counts_while_the_ledger_holds_its_charge(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An order's charge counts until the ledger counts it, also while a move waits.

    A refund seen before the panel credits it makes the ledger hold the balance's
    moves for up to ten minutes; orders placed meanwhile still count.
    """
    panel.refund_lag = 300
    await start_in_berlin(
        hass, freezer, config_entry, "2026-11-30 10:00:00", {CONF_DAILY_BUDGET: 3}
    )
    placed = await _order(hass, config_entry)
    await hass.async_block_till_done()
    await call(hass, "cancel", config_entry, {"orders": [placed["order"]]})
    panel.advance(61)
    await frozen_poll(hass, freezer)  # the charge fell; the refund is not credited
    assert _left(hass, LEFT_TODAY) == 3

    # Each order's own refresh sees the balance fall, and the ledger holds it.
    await _order(hass, config_entry)
    await move_to(hass, freezer, dt_util.utcnow() + timedelta(minutes=1))
    assert _left(hass, LEFT_TODAY) == Decimal("1.8")
    await _order(hass, config_entry)
    await move_to(hass, freezer, dt_util.utcnow() + timedelta(minutes=1))
    await _refused(hass, config_entry, CONF_DAILY_BUDGET, left="0.60", total="3.00")

    # The refund is credited; ten minutes after it was seen the held move counts:
    # the two orders are spent.
    panel.advance(300)
    await frozen_poll(hass, freezer)
    await frozen_poll(hass, freezer)
    assert _left(hass, SPENT_TODAY) == Decimal("2.4")
    assert _left(hass, LEFT_TODAY) == Decimal("0.6")
    assert len(panel.orders) == 3


async def test_concurrent_orders_over_the_budget_send_one(
    hass: HomeAssistant, panel: Panel, config_entry: MockConfigEntry
) -> None:
    """Two orders that fit alone but not together: only one reaches the panel.

    The clock runs: the panel holds each order for a fifth of a second.
    """
    await _set_up(hass, config_entry, {CONF_DAILY_BUDGET: 2})
    panel.faults.inject(Fault.LATENCY, action="add", times=None, seconds=0.2)

    results = await asyncio.gather(
        _order(hass, config_entry), _order(hass, config_entry), return_exceptions=True
    )

    placed = [result for result in results if isinstance(result, dict)]
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(placed) == 1
    assert len(refused) == 1
    assert isinstance(refused[0], ServiceValidationError)
    assert refused[0].translation_key == "daily_budget_exceeded"
    assert refused[0].translation_placeholders == {
        "cost": "1.20",
        "left": "0.80",
        "budget": "2.00",
        "currency": "USD",
    }
    assert panel.request_counts["add"] == 1
    assert list(panel.orders) == [placed[0]["order"]]


async def test_an_order_whose_answer_was_lost_counts(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An order the panel may have placed counts; one it refused frees its charge."""
    await start_in_berlin(
        hass, freezer, config_entry, "2026-11-30 10:00:00", {CONF_DAILY_BUDGET: 2}
    )
    panel.faults.inject(Fault.RATE_LIMIT, action="add")
    with pytest.raises(HomeAssistantError) as limited:
        await _order(hass, config_entry)
    assert limited.value.translation_key == "action_rate_limited"

    panel.faults.inject(Fault.CONNECTION_RESET, action="add", after=True)
    with pytest.raises(HomeAssistantError) as lost:
        await _order(hass, config_entry)
    assert lost.value.translation_key == "order_outcome_unknown"
    assert len(panel.orders) == 1
    # Before any poll has seen the order, its charge is reserved.
    await _refused(hass, config_entry, CONF_DAILY_BUDGET, left="0.80", total="2.00")
    await frozen_poll(hass, freezer)
    await _refused(hass, config_entry, CONF_DAILY_BUDGET, left="0.80", total="2.00")
    assert panel.request_counts["add"] == 2


async def test_budgets_changed_while_an_order_is_sent(
    hass: HomeAssistant, panel: Panel, config_entry: MockConfigEntry
) -> None:
    """Options saved while an order is on its way apply to the next, counting it.

    The clock runs: the panel holds the order for half a second.
    """
    await _set_up(hass, config_entry, {CONF_DAILY_BUDGET: 5})
    faults = panel.faults = RecordingFaults()
    faults.inject(Fault.LATENCY, action="add", seconds=0.5)
    first = hass.async_create_task(_order(hass, config_entry))
    await faults.hit.wait()  # the panel holds the order

    await async_set_options(hass, config_entry, {CONF_DAILY_BUDGET: 2})

    assert (await first)["order"] in panel.orders
    assert _left(hass, LEFT_TODAY) == Decimal("0.8")
    await _refused(hass, config_entry, CONF_DAILY_BUDGET, left="0.80", total="2.00")
    assert panel.request_counts["add"] == 1
    # The order sent while the account was set up again is tracked.
    assert state_of(hass, f"{ORDER_SENSOR}{next(iter(panel.orders))}")


async def test_sensors_only_for_the_budgets_set(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Each budget set has a sensor of what is left; validate_only tells it too."""
    await start_in_berlin(hass, freezer, config_entry, "2026-11-30 10:00:00", {})
    for entity_id in (LEFT_TODAY, LEFT_THIS_WEEK, LEFT_THIS_MONTH):
        assert hass.states.get(entity_id) is None
        assert entity_registry.async_get(entity_id) is None
    checked = await _order(hass, config_entry, validate_only=True)
    assert checked["budget_left_after"] == {}

    await async_set_options(
        hass, config_entry, {CONF_DAILY_BUDGET: 10, CONF_MONTHLY_BUDGET: 50.5}
    )
    today = state_of(hass, LEFT_TODAY)
    assert Decimal(today.state) == 10
    assert today.attributes["unit_of_measurement"] == "USD"
    assert today.attributes["device_class"] == "monetary"
    assert "state_class" not in today.attributes
    assert today.attributes["budget"] == 10.0
    assert today.attributes["friendly_name"] == "SMM Panel 127.0.0.1 Budget left today"
    month = state_of(hass, LEFT_THIS_MONTH)
    assert (
        month.attributes["friendly_name"]
        == "SMM Panel 127.0.0.1 Budget left this month"
    )
    assert hass.states.get(LEFT_THIS_WEEK) is None

    await _order(hass, config_entry)
    checked = await _order(hass, config_entry, validate_only=True)
    assert checked["order"] is None
    assert checked["budget_left_after"] == {"day": 7.6, "month": 48.1}
    await hass.async_block_till_done()
    assert _left(hass, LEFT_TODAY) == Decimal("8.8")
    assert _left(hass, LEFT_THIS_MONTH) == Decimal("49.3")

    await async_set_options(hass, config_entry, {CONF_MONTHLY_BUDGET: 50.5})
    assert hass.states.get(LEFT_TODAY) is None
    assert entity_registry.async_get(LEFT_TODAY) is None
    assert _left(hass, LEFT_THIS_MONTH) == Decimal("49.3")
    assert len(panel.orders) == 1


def _reached(events: list[Any]) -> list[dict[str, Any]]:
    return [
        {key: value for key, value in event.data.items() if key != "entity_id"}
        for event in events
        if event.data["event_type"] == "budget_reached"
    ]


async def test_budget_reached_once_a_period_across_a_restart(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A budget used up is told once in its period, and not again after a restart."""
    await start_in_berlin(
        hass,
        freezer,
        config_entry,
        "2026-11-30 10:00:00",
        {CONF_DAILY_BUDGET: 2.4, CONF_WEEKLY_BUDGET: 3.6},
    )
    events = async_capture_events(hass, EVENT_ORDER)
    await _order(hass, config_entry)
    await hass.async_block_till_done()
    assert _reached(events) == []
    await _order(hass, config_entry)
    await hass.async_block_till_done()

    day_reached = {
        "event_type": "budget_reached",
        "period": "day",
        "period_start": "2026-11-30",
        "budget": 2.4,
        "spent": 2.4,
        "currency": "USD",
    }
    assert _reached(events) == [day_reached]
    assert state_of(hass, EVENTS).attributes["event_type"] == "budget_reached"
    assert _left(hass, LEFT_TODAY) == 0
    # Written as it is told, not with the ledger's next save.
    stored = hass_storage[f"{DOMAIN}.{config_entry.entry_id}.spending"]["data"]
    assert stored["budgets_reached"] == {"day": "2026-11-30"}
    await frozen_poll(hass, freezer)
    assert _reached(events) == [day_reached]

    await hass.async_stop()
    async with async_test_home_assistant(
        config_dir=hass.config.config_dir
    ) as restarted:
        restarted.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        await restarted.config.async_set_time_zone("Europe/Berlin")
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id=config_entry.entry_id,
            title=config_entry.title,
            unique_id=config_entry.unique_id,
            data=config_entry.data,
            options=config_entry.options,
        )
        entry.add_to_hass(restarted)
        restarted_events = async_capture_events(restarted, EVENT_ORDER)
        try:
            assert await restarted.config_entries.async_setup(entry.entry_id)
            await restarted.async_block_till_done()
            await frozen_poll(restarted, freezer)
            assert _reached(restarted_events) == []

            # The next day: the day's budget is new, the week's is used up.
            await move_to(restarted, freezer, berlin("2026-12-01 09:00:00"))
            await _order(restarted, entry)
            await restarted.async_block_till_done()
            assert _reached(restarted_events) == [
                {
                    **day_reached,
                    "period": "week",
                    "budget": 3.6,
                    "spent": 3.6,
                }
            ]
            await _refused(
                restarted, entry, CONF_WEEKLY_BUDGET, left="0.00", total="3.60"
            )
            await frozen_poll(restarted, freezer)
            assert len(_reached(restarted_events)) == 1
        finally:
            await restarted.async_stop(force=True)
    assert panel.request_counts["add"] == 3
    assert PANEL_BALANCE - panel.balance == 3 * CHARGE
