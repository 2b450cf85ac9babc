"""Money insight: spend, deposits and refunds, their sensors, storage and action."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.json import json_dumps
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.smmpanel.const import DOMAIN, EVENT_ORDER
from custom_components.smmpanel.spending import (
    KEPT_DAYS,
    DayTotals,
    SpendingLedger,
    Unsettled,
    ledger_from_json,
    ledger_to_json,
)
from panel_simulator import Fault, Panel

from .const import PANEL_BALANCE
from .helpers import berlin, call, frozen_poll, move_to, start_in_berlin, state_of

BERLIN = "Europe/Berlin"
SPENT_TODAY = "sensor.smm_panel_127_0_0_1_spent_today"
SPENT_MONTH = "sensor.smm_panel_127_0_0_1_spent_this_month"
RUNWAY = "sensor.smm_panel_127_0_0_1_balance_runway"
LAST_DEPOSIT = "sensor.smm_panel_127_0_0_1_last_deposit"
EVENTS = "event.smm_panel_127_0_0_1_order_events"
LINK = "https://www.instagram.com/p/money"
# Service 1 costs 1.20 per 1000.
CHARGE = Decimal("1.2")
# Seconds a panel credits a refund after (or, negative, before) an order shows it.
REFUND_LAG = 300.0


def _order(panel: Panel) -> int:
    """Place an order at the panel, as from its website: it costs CHARGE."""
    return panel.create_order(1, link=f"{LINK}/{len(panel.orders)}", quantity=1000)


def _amount(hass: HomeAssistant, entity_id: str) -> Decimal:
    return Decimal(state_of(hass, entity_id).state)


def _last_reset(hass: HomeAssistant, entity_id: str) -> str:
    return str(state_of(hass, entity_id).attributes["last_reset"])


async def test_spend_across_midnights_daylight_saving_and_month_end(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each local day and month starts at zero, the spring change included."""
    await start_in_berlin(hass, freezer, config_entry, "2026-03-28 22:00:00")
    spent = state_of(hass, SPENT_TODAY)
    assert spent.state == "0"
    assert spent.attributes["unit_of_measurement"] == "USD"
    assert spent.attributes["device_class"] == "monetary"
    assert spent.attributes["state_class"] == "total"
    assert _last_reset(hass, SPENT_TODAY) == "2026-03-28T00:00:00+01:00"
    assert _last_reset(hass, SPENT_MONTH) == "2026-03-01T00:00:00+01:00"
    assert state_of(hass, RUNWAY).state == STATE_UNKNOWN
    assert state_of(hass, LAST_DEPOSIT).state == STATE_UNKNOWN

    _order(panel)
    await frozen_poll(hass, freezer)
    assert _amount(hass, SPENT_TODAY) == CHARGE
    assert _amount(hass, SPENT_MONTH) == CHARGE

    # 00:02 on the day the clocks go forward: a new day.
    await move_to(hass, freezer, berlin("2026-03-29 00:02:00"))
    assert _amount(hass, SPENT_TODAY) == 0
    assert _last_reset(hass, SPENT_TODAY) == "2026-03-29T00:00:00+01:00"
    assert _amount(hass, SPENT_MONTH) == CHARGE
    # After 02:00 became 03:00 the day is the same, 23 hours long.
    await move_to(hass, freezer, berlin("2026-03-29 04:00:00"))
    _order(panel)
    _order(panel)
    await frozen_poll(hass, freezer)
    assert _amount(hass, SPENT_TODAY) == 2 * CHARGE
    assert _last_reset(hass, SPENT_TODAY) == "2026-03-29T00:00:00+01:00"
    await move_to(hass, freezer, berlin("2026-03-30 00:01:00"))
    assert _amount(hass, SPENT_TODAY) == 0
    assert _last_reset(hass, SPENT_TODAY) == "2026-03-30T00:00:00+02:00"
    assert _amount(hass, SPENT_MONTH) == 3 * CHARGE

    # The balance lasts as long as the average daily spend lets it.
    runway = Decimal(state_of(hass, RUNWAY).state)
    elapsed = Decimal(
        (dt_util.utcnow() - berlin("2026-03-28 22:00:00")).total_seconds()
    ) / Decimal(86400)
    expected = (PANEL_BALANCE - 3 * CHARGE) * elapsed / (3 * CHARGE)
    assert runway == expected.quantize(Decimal("0.01"))
    assert state_of(hass, RUNWAY).attributes["unit_of_measurement"] == "d"

    await move_to(hass, freezer, berlin("2026-04-01 00:00:30"))
    assert _amount(hass, SPENT_MONTH) == 0
    assert _last_reset(hass, SPENT_MONTH) == "2026-04-01T00:00:00+02:00"
    # Autumn: the day the clocks go back has 25 hours.
    await move_to(hass, freezer, berlin("2026-10-25 01:00:00"))
    _order(panel)
    await move_to(hass, freezer, berlin("2026-10-25 23:30:00"))
    assert _amount(hass, SPENT_TODAY) == CHARGE
    assert _last_reset(hass, SPENT_TODAY) == "2026-10-25T00:00:00+02:00"
    await move_to(hass, freezer, berlin("2026-10-26 00:00:10"))
    assert _amount(hass, SPENT_TODAY) == 0
    assert _last_reset(hass, SPENT_TODAY) == "2026-10-26T00:00:00+01:00"


async def test_deposits_refunds_and_their_events(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A rise is a deposit, unless a tracked order's refund explains it."""
    await start_in_berlin(hass, freezer, config_entry, "2026-11-30 10:00:00")
    events = async_capture_events(hass, EVENT_ORDER)

    panel.deposit(Decimal(50))
    await frozen_poll(hass, freezer)
    deposit = state_of(hass, LAST_DEPOSIT)
    assert Decimal(deposit.state) == 50
    assert deposit.attributes["device_class"] == "monetary"
    assert deposit.attributes["unit_of_measurement"] == "USD"
    assert deposit.attributes["deposited_at"] == dt_util.utcnow()
    # What the REST API, the websocket and the recorder send must be JSON.
    assert json.loads(json_dumps(deposit.as_dict()))["attributes"]["deposited_at"] == (
        dt_util.utcnow().isoformat()
    )
    event = state_of(hass, EVENTS)
    assert event.attributes["event_type"] == "balance_topped_up"
    assert event.attributes["amount"] == 50.0
    assert event.attributes["balance"] == float(PANEL_BALANCE + 50)
    assert [e.data for e in events] == [
        {
            "entity_id": EVENTS,
            "event_type": "balance_topped_up",
            "amount": 50.0,
            "balance": float(PANEL_BALANCE + 50),
            "currency": "USD",
        }
    ]
    assert _amount(hass, SPENT_TODAY) == 0

    # A refund of a tracked order lowers the day's spend; it is no deposit.
    placed = await call(
        hass, "add_order", config_entry, {"service": 1, "link": LINK, "quantity": 1000}
    )
    await frozen_poll(hass, freezer)
    assert _amount(hass, SPENT_TODAY) == CHARGE
    await call(hass, "cancel", config_entry, {"orders": [placed["order"]]})
    panel.advance(61)
    await frozen_poll(hass, freezer)
    assert state_of(
        hass, f"sensor.smm_panel_127_0_0_1_order_{placed['order']}"
    ).state == ("canceled")
    assert _amount(hass, SPENT_TODAY) == 0
    assert len([e for e in events if e.data["event_type"] == "balance_topped_up"]) == 1

    # A deposit and a charge within one interval net out.
    _order(panel)
    panel.deposit(Decimal(10))
    await frozen_poll(hass, freezer)
    assert _amount(hass, SPENT_TODAY) == 0
    assert Decimal(state_of(hass, LAST_DEPOSIT).state) == Decimal("8.8")

    response = await call(hass, "get_spending", config_entry, {"count": 2})
    assert response == {
        "periods": [
            {
                "start": "2026-11-30",
                "spend": 1.2,
                "deposits": 58.8,
                "refunds": 1.2,
                "net_spend": 0.0,
            },
            {
                "start": "2026-11-29",
                "spend": 0.0,
                "deposits": 0.0,
                "refunds": 0.0,
                "net_spend": 0.0,
            },
        ],
        "total": {
            "spend": 1.2,
            "deposits": 58.8,
            "refunds": 1.2,
            "net_spend": 0.0,
        },
        "currency": "USD",
    }


def _topped_up(events: list[Event[dict[str, Any]]]) -> list[float]:
    return [
        event.data["amount"]
        for event in events
        if event.data["event_type"] == "balance_topped_up"
    ]


@pytest.mark.parametrize("deposit", [0, 10], ids=["alone", "with_a_deposit"])
@pytest.mark.parametrize(
    "lag", [REFUND_LAG, -REFUND_LAG], ids=["credited_a_poll_later", "credited_first"]
)
async def test_refund_credited_a_poll_apart_from_the_charge_falling(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    lag: float,
    deposit: int,
) -> None:
    """A refund credited a poll after (or before) the charge falls is one refund.

    Neither spent nor deposited, with no `balance_topped_up`; a deposit in the same
    polls is told once, for what was deposited.
    """
    panel.refund_lag = lag
    await start_in_berlin(hass, freezer, config_entry, "2026-11-30 10:00:00")
    events = async_capture_events(hass, EVENT_ORDER)
    placed = await call(
        hass, "add_order", config_entry, {"service": 1, "link": LINK, "quantity": 1000}
    )
    await hass.async_block_till_done()
    assert _amount(hass, SPENT_TODAY) == CHARGE

    # Credited first: the poll after the cancel sees the balance back up while the
    # order is still pending.
    await call(hass, "cancel", config_entry, {"orders": [placed["order"]]})
    await frozen_poll(hass, freezer)
    assert panel.balance == PANEL_BALANCE - (0 if lag < 0 else CHARGE)
    assert state_of(
        hass, f"sensor.smm_panel_127_0_0_1_order_{placed['order']}"
    ).state == ("pending")
    if deposit:
        panel.deposit(Decimal(deposit))
    panel.advance(61)
    await frozen_poll(hass, freezer)
    assert state_of(
        hass, f"sensor.smm_panel_127_0_0_1_order_{placed['order']}"
    ).state == ("canceled")
    assert _amount(hass, SPENT_TODAY) == 0
    # What is not settled yet is kept across a reload.
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    # Credited later: the balance is back up a poll after the order showed it.
    panel.advance(REFUND_LAG)
    for _ in range(3):
        await frozen_poll(hass, freezer)

    assert panel.balance == PANEL_BALANCE + deposit
    assert _topped_up(events) == ([deposit] if deposit else [])
    assert _amount(hass, SPENT_TODAY) == 0
    response = await call(hass, "get_spending", config_entry, {"count": 1})
    assert response["periods"] == [
        {
            "start": "2026-11-30",
            "spend": 1.2,
            "deposits": float(deposit),
            "refunds": 1.2,
            "net_spend": 0.0,
        }
    ]


async def test_a_rise_a_refund_may_explain_waits_for_it(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A rise no larger than the orders in flight can be refunded waits ten minutes.

    No refund explains it then: it is a deposit, told once.
    """
    await start_in_berlin(hass, freezer, config_entry, "2026-11-30 10:00:00")
    events = async_capture_events(hass, EVENT_ORDER)
    await call(
        hass, "add_order", config_entry, {"service": 1, "link": LINK, "quantity": 1000}
    )
    await hass.async_block_till_done()

    panel.deposit(Decimal(1))
    await frozen_poll(hass, freezer)
    await frozen_poll(hass, freezer)
    assert _topped_up(events) == []
    assert state_of(hass, LAST_DEPOSIT).state == STATE_UNKNOWN
    await frozen_poll(hass, freezer)
    await frozen_poll(hass, freezer)
    assert _topped_up(events) == [1.0]
    assert _amount(hass, SPENT_TODAY) == CHARGE


async def test_failed_polls_restarts_and_storage(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Nothing is counted twice or lost across failed polls, reloads and restarts."""
    await start_in_berlin(hass, freezer, config_entry, "2026-11-30 23:40:00")
    _order(panel)
    panel.faults.inject(Fault.HTTP_500, action="balance")
    await frozen_poll(hass, freezer)
    assert state_of(hass, SPENT_TODAY).state == STATE_UNAVAILABLE
    panel.faults.clear()
    await frozen_poll(hass, freezer)
    assert _amount(hass, SPENT_TODAY) == CHARGE
    await frozen_poll(hass, freezer)
    assert _amount(hass, SPENT_TODAY) == CHARGE

    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _amount(hass, SPENT_TODAY) == CHARGE
    stored = hass_storage[f"{DOMAIN}.{config_entry.entry_id}.spending"]
    assert stored["version"] == 1
    assert stored["data"]["days"] == [["2026-11-30", "1.20000", "0", "0"]]
    assert stored["data"]["balance"] == "998.80000"

    # Stopped across midnight: what changed meanwhile counts on the day it is seen.
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    _order(panel)
    freezer.move_to(berlin("2026-12-01 08:00:00"))
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _amount(hass, SPENT_TODAY) == CHARGE
    assert _last_reset(hass, SPENT_TODAY) == "2026-12-01T00:00:00+01:00"
    assert _amount(hass, SPENT_MONTH) == CHARGE

    # Removing the entry removes its history.
    assert await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    assert f"{DOMAIN}.{config_entry.entry_id}.spending" not in hass_storage


@pytest.mark.parametrize(
    ("stored", "spent"),
    [
        # The balance before the restart was 990: 10 were deposited since.
        ({"url": None, "balance": "990", "since": None, "days": []}, Decimal(0)),
        # Unreadable values are left out; an unreadable file starts over.
        ({"days": [["bad"], ["2026-11-30", "x", "0", "0"], "row"]}, Decimal(0)),
        ("not a ledger", Decimal(0)),
        (
            {
                "url": None,
                "balance": "1001.5",
                "since": "2026-11-01T00:00:00",
                "last_deposit": {"at": "nope"},
                "unsettled": {"since": "nope", "change": "-5"},
                "days": [
                    ["2026-11-30", "2.5", "0", "1"],
                    ["2025-01-01", "9", "0", "0"],
                ],
            },
            Decimal(3),
        ),
        # A refund not credited before the restart: it never was, so it was spent.
        (
            {
                "url": None,
                "balance": "1000",
                "since": None,
                "unsettled": {"since": "2026-11-30T10:00:00+00:00", "change": "-1"},
                "days": [],
            },
            Decimal(1),
        ),
    ],
)
async def test_stored_ledger(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    stored: Any,
    spent: Decimal,
) -> None:
    """What can be read of the stored ledger is kept; setup never fails on it."""
    if isinstance(stored, dict) and "url" in stored:
        stored["url"] = config_entry.data["url"]
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}.spending"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{config_entry.entry_id}.spending",
        "data": stored,
    }
    await start_in_berlin(hass, freezer, config_entry, "2026-11-30 12:00:00")
    assert _amount(hass, SPENT_TODAY) == spent
    if isinstance(stored, dict) and stored.get("balance") == "990":
        assert Decimal(state_of(hass, LAST_DEPOSIT).state) == 10
    await hass.config_entries.async_unload(config_entry.entry_id)
    days = hass_storage[f"{DOMAIN}.{config_entry.entry_id}.spending"]["data"]["days"]
    assert all(day[0] >= "2025-11-30" for day in days)


async def test_stored_ledger_of_another_panel(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """After the URL changed, the old panel's balance is not compared with."""
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}.spending"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{config_entry.entry_id}.spending",
        "data": {"url": "https://old.example/api/v2", "balance": "5", "days": []},
    }
    await start_in_berlin(hass, freezer, config_entry, "2026-11-30 12:00:00")
    assert _amount(hass, SPENT_TODAY) == 0
    assert state_of(hass, LAST_DEPOSIT).state == STATE_UNKNOWN


async def test_unreadable_storage(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Storage that cannot be loaded at all starts a new ledger."""
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}.spending"] = {
        "version": 9,
        "minor_version": 1,
        "key": f"{DOMAIN}.{config_entry.entry_id}.spending",
        "data": {},
    }
    await start_in_berlin(hass, freezer, config_entry, "2026-11-30 12:00:00")
    assert _amount(hass, SPENT_TODAY) == 0
    assert "spending history of 127.0.0.1 cannot be read" in caplog.text


async def test_runway_needs_spending(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With a day of history but nothing spent the runway is unknown."""
    await start_in_berlin(hass, freezer, config_entry, "2026-11-28 12:00:00")
    await move_to(hass, freezer, berlin("2026-11-30 12:00:00"))
    assert state_of(hass, RUNWAY).state == STATE_UNKNOWN
    # Seven days on, only the last seven count: 1.20 a week.
    _order(panel)
    await move_to(hass, freezer, berlin("2026-11-30 12:10:00"))
    await move_to(hass, freezer, berlin("2026-12-06 12:00:00"))
    runway = Decimal(state_of(hass, RUNWAY).state)
    expected = (PANEL_BALANCE - CHARGE) * Decimal("6.5") / CHARGE
    assert runway == expected.quantize(Decimal("0.01"))


async def test_get_spending_periods(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Weeks start on Monday, months on the first; the current period comes first."""
    await start_in_berlin(hass, freezer, config_entry, "2026-11-27 12:00:00")
    _order(panel)
    await frozen_poll(hass, freezer)
    await move_to(hass, freezer, berlin("2026-12-02 12:00:00"))
    _order(panel)
    _order(panel)
    await frozen_poll(hass, freezer)

    weeks = await call(hass, "get_spending", config_entry, {"period": "week"})
    assert [(row["start"], row["spend"]) for row in weeks["periods"][:3]] == [
        ("2026-11-30", 2.4),
        ("2026-11-23", 1.2),
        ("2026-11-16", 0.0),
    ]
    assert len(weeks["periods"]) == 7
    # Summed exactly: 1.2 + 2.4 added as floats would be 3.5999999999999996.
    assert weeks["total"] == {
        "spend": 3.6,
        "deposits": 0.0,
        "refunds": 0.0,
        "net_spend": 3.6,
    }
    months = await call(
        hass, "get_spending", config_entry, {"period": "month", "count": 3}
    )
    assert [(row["start"], row["spend"]) for row in months["periods"]] == [
        ("2026-12-01", 2.4),
        ("2026-11-01", 1.2),
        ("2026-10-01", 0.0),
    ]
    days = await hass.services.async_call(
        DOMAIN, "get_spending", {"count": 400}, blocking=True, return_response=True
    )
    assert days is not None
    periods = days["periods"]
    assert isinstance(periods, list)
    assert len(periods) == 400

    with pytest.raises(ServiceValidationError) as error:
        await call(hass, "get_spending", config_entry, {"period": "month", "count": 15})
    assert error.value.translation_key == "too_many_periods"


def test_ledger_round_trip() -> None:
    """The stored form reads back as the same ledger; old days are pruned."""
    ledger = SpendingLedger()
    start = datetime(2026, 1, 1, 12, tzinfo=dt_util.UTC)
    next_day = start + timedelta(days=1)
    for balance in (Decimal(100), Decimal("90.5"), Decimal(95)):
        ledger.record(balance, "EUR", Decimal(0), start, refundable=Decimal(0))
    # A refund the balance does not show yet.
    ledger.record(Decimal(95), "EUR", Decimal(2), next_day, refundable=Decimal(0))
    assert ledger.last_deposit is not None
    assert ledger.last_deposit.amount == Decimal("4.5")
    assert ledger.unsettled == Unsettled(since=next_day, change=Decimal(-2))
    stored = ledger_to_json(ledger, "url")
    assert ledger_from_json(stored, "url") == ledger
    other_panel = ledger_from_json(stored, "other url")
    assert (other_panel.balance, other_panel.unsettled) == (None, None)
    ledger.prune((start + timedelta(days=KEPT_DAYS + 1)).date())
    assert list(ledger.days) == [next_day.date()]


def test_ledger_reads_what_it_can() -> None:
    """Unreadable dates, days and amounts are left out of a stored ledger."""
    ledger = ledger_from_json(
        {
            "url": "url",
            "balance": "NaN",
            "since": "2026-13-45T99:00:00",
            "last_deposit": {"at": "2026-11-30T10:00:00", "amount": 5, "balance": "9"},
            "days": [["2026-02-30", "1", "0", "0"], ["2026-11-30", 1, "2", "0"]],
        },
        "url",
    )
    assert ledger.balance is None
    assert ledger.since is None
    assert ledger.last_deposit is not None
    assert ledger.last_deposit.at == datetime(2026, 11, 30, 10, tzinfo=dt_util.UTC)
    assert ledger.last_deposit.currency is None
    assert list(ledger.days.values()) == [DayTotals(Decimal(1), Decimal(2))]
