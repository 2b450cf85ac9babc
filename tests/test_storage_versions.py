"""Stored files of every version written so far load: tracking, spending, watches.

Each file under fixtures/storage is what a release wrote (the version and minor
version in its name), for the test entry: `{panel_url}` stands for the URL of the
simulated panel, which differs per run. A file is set up through a real config
entry, and what it held shows in the entities, the events and the stored file
written back in the current version.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
import json
import logging
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.const import CONF_URL, EVENT_STATE_CHANGED, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.smmpanel.const import (
    CONF_DAILY_BUDGET,
    CONF_WEEKLY_BUDGET,
    DOMAIN,
    EVENT_ORDER,
)
from custom_components.smmpanel.spending import Period, ledger_from_json
from panel_simulator import Panel

from .helpers import DAY, ORDER_SENSOR, call, state_of

STORED = Path(__file__).parent / "fixtures" / "storage"
NOW = datetime(2026, 11, 30, 12, tzinfo=dt_util.UTC)
EVENTS = "event.smm_panel_127_0_0_1_order_events"
SPENT_TODAY = "sensor.smm_panel_127_0_0_1_spent_today"
SPENT_MONTH = "sensor.smm_panel_127_0_0_1_spent_this_month"
RUNWAY = "sensor.smm_panel_127_0_0_1_balance_runway"
LAST_DEPOSIT = "sensor.smm_panel_127_0_0_1_last_deposit"
FOLLOWERS = "Instagram Followers"


def _stored_file(name: str, entry: MockConfigEntry) -> dict[str, Any]:
    """Return a stored file of the fixtures, for the entry's panel."""
    text = (STORED / name).read_text(encoding="utf-8")
    stored: dict[str, Any] = json.loads(
        text.replace("{panel_url}", entry.data[CONF_URL])
    )
    return stored


async def _set_up(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    stored: dict[str, Any],
) -> None:
    """Set the entry up at NOW (UTC days) with a stored file in place."""
    await hass.config.async_set_time_zone("UTC")
    freezer.move_to(NOW)
    hass_storage[stored["key"]] = stored
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.smmpanel")
        and record.levelno >= logging.WARNING
    ]


@pytest.mark.parametrize("name", ["tracking_1.1.json", "tracking_1.2.json"])
async def test_stored_tracking_of_every_version(
    hass: HomeAssistant,
    *,
    panel: Panel,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    entity_registry_enabled_by_default: None,
    name: str,
) -> None:
    """Tracked orders and refills come back whole; polling goes on from them.

    Order 23501 was in progress and has completed at the panel since: its change
    is told once, from the stored status. Order 23400 and refill 12300 finished
    before the restart: only the file knows them.
    """
    order_id = panel.create_order(
        1, link="https://www.instagram.com/p/stored", quantity=100
    )
    panel.advance(DAY)
    assert panel.request_refill(order_id).refill_id == 12345
    stored = _stored_file(name, config_entry)

    await _set_up(hass, freezer, config_entry, hass_storage, stored)

    assert _warnings(caplog) == []
    assert not issue_registry.issues
    event = state_of(hass, EVENTS).attributes
    assert (event[ATTR_EVENT_TYPE], event["order_id"], event["previous_status"]) == (
        "completed",
        "23501",
        "in_progress",
    )
    assert event["service"] == "Instagram Followers - Real [Refill 30D]"
    polled = state_of(hass, f"{ORDER_SENSOR}23501")
    assert polled.state == "completed"
    assert polled.attributes["quantity"] == 100
    assert polled.attributes["link"] == "https://www.instagram.com/p/stored"
    finished = state_of(hass, f"{ORDER_SENSOR}23400")
    assert finished.state == "partial"
    assert {
        key: finished.attributes[key]
        for key in (
            "service_id",
            "service",
            "link",
            "quantity",
            "remains",
            "charge",
            "currency",
            "start_count",
            "progress",
            "panel_status",
            "finished_at",
            "error",
        )
    } == {
        "service_id": 2,
        "service": "Instagram Followers - Cheap [No Refill]",
        "link": "https://www.instagram.com/p/finished",
        "quantity": 1000,
        "remains": 300,
        "charge": 0.315,
        "currency": "USD",
        "start_count": 5,
        "progress": 70.0,
        "panel_status": "Partial",
        "finished_at": datetime(2026, 11, 30, 6, tzinfo=dt_util.UTC),
        "error": "Some followers could not be delivered",
    }
    assert state_of(hass, "sensor.smm_panel_127_0_0_1_pending_refills").state == "1"

    # Written back in the current version, naming the entry's panel.
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    rewritten = hass_storage[stored["key"]]
    assert (rewritten["version"], rewritten["minor_version"]) == (1, 2)
    assert rewritten["data"]["url"] == config_entry.data[CONF_URL]
    in_progress, partial = stored["data"]["orders"]
    assert rewritten["data"]["orders"] == [
        in_progress
        | {
            "status": "completed",
            "raw_status": "Completed",
            "start_count": polled.attributes["start_count"],
            "remains": 0,
            "finished_at": NOW.isoformat(),
        },
        partial,
    ]
    assert rewritten["data"]["refills"] == stored["data"]["refills"]


@pytest.mark.parametrize(
    ("name", "held_move_spent", "told"),
    [
        ("spending_1.1.json", Decimal(0), []),
        ("spending_1.2.json", Decimal(2), ["day", "week"]),
        ("spending_1.3.json", Decimal(2), ["week"]),
    ],
)
async def test_stored_ledger_of_every_version(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    name: str,
    held_move_spent: Decimal,
    told: list[str],
) -> None:
    """The days, the balance, the last deposit, a held move and the budgets told come back.

    The panel's balance is the stored one. A move held since 11:40 (minor version
    2) has waited past its 10 minutes at noon: it is spent today. With it, the day's
    budget of 3 and the week's of 3 are used up: told at once, except the day's,
    which a file of minor version 3 says was told today (its week's was last week's).
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=config_entry.entry_id,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        data=dict(config_entry.data),
        options={CONF_DAILY_BUDGET: 3, CONF_WEEKLY_BUDGET: 3},
    )
    stored = _stored_file(name, entry)
    events = async_capture_events(hass, EVENT_ORDER)

    await _set_up(hass, freezer, entry, hass_storage, stored)

    assert _warnings(caplog) == []
    assert [
        event.data["period"]
        for event in events
        if event.data["event_type"] == "budget_reached"
    ] == told
    spent_today = Decimal("1.5") + held_move_spent
    assert Decimal(state_of(hass, SPENT_TODAY).state) == spent_today
    assert Decimal(state_of(hass, SPENT_MONTH).state) == 3 + spent_today
    # Since Monday 24th, six and a half days: 1000 lasts 6.5 / spent days.
    runway = Decimal(1000) * Decimal("6.5") / (3 + spent_today)
    assert Decimal(state_of(hass, RUNWAY).state) == runway.quantize(Decimal("0.01"))
    deposit = state_of(hass, LAST_DEPOSIT)
    assert Decimal(deposit.state) == 50
    assert deposit.attributes["unit_of_measurement"] == "USD"
    assert deposit.attributes["deposited_at"] == datetime(
        2026, 11, 25, 10, tzinfo=dt_util.UTC
    )
    months = await call(hass, "get_spending", entry, {"period": "month", "count": 2})
    assert [(row["start"], row["spend"]) for row in months["periods"]] == [
        ("2026-11-01", float(Decimal("5.5") + held_move_spent)),
        ("2026-10-01", 7.0),
    ]

    assert await hass.config_entries.async_unload(entry.entry_id)
    rewritten = hass_storage[stored["key"]]
    assert (rewritten["version"], rewritten["minor_version"]) == (1, 3)
    today = ["2026-11-30", str(Decimal("2.50000") + held_move_spent), "0", "1.00000"]
    assert rewritten["data"] == stored["data"] | {
        "unsettled": None,
        "days": [*stored["data"]["days"][:2], today],
        "budgets_reached": stored["data"].get("budgets_reached", {})
        | dict.fromkeys(told, "2026-11-30"),
    }


def _watched_service(service_id: int) -> ConfigSubentryData:
    return ConfigSubentryData(
        subentry_type="watched_service",
        data={"service_id": service_id},
        title=f"#{service_id}",
        unique_id=f"service_{service_id}",
    )


def _watched_category(category: str) -> ConfigSubentryData:
    return ConfigSubentryData(
        subentry_type="watched_category",
        data={"category": category},
        title=category,
        unique_id=f"category_{category}",
    )


async def test_stored_catalogue_watch_of_every_version(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The stored listings and category members are what the catalogue is compared with.

    Stored (version 1.1): service 1 at 1.00 and at most 5000, service 2 unlisted
    with its limits of today, the category without service 102.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=config_entry.entry_id,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        data=dict(config_entry.data),
        subentries_data=(
            _watched_service(1),
            _watched_service(2),
            _watched_category(FOLLOWERS),
        ),
    )
    told: list[tuple[str, Mapping[str, Any]]] = []

    @callback
    def _record(event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        if state is not None and state.attributes.get(ATTR_EVENT_TYPE):
            told.append((event.data["entity_id"], state.attributes))

    hass.bus.async_listen(EVENT_STATE_CHANGED, _record)
    stored = _stored_file("catalogue_watch_1.1.json", entry)

    await _set_up(hass, freezer, entry, hass_storage, stored)

    assert _warnings(caplog) == []
    registry = er.async_get(hass)

    def _events_of(subentry_unique_id: str, key: str) -> list[Mapping[str, Any]]:
        (subentry_id,) = (
            subentry.subentry_id
            for subentry in entry.subentries.values()
            if subentry.unique_id == subentry_unique_id
        )
        entity_id = registry.async_get_entity_id(
            Platform.EVENT, DOMAIN, f"{entry.entry_id}_{subentry_id}_{key}"
        )
        return [event for told_id, event in told if told_id == entity_id]

    rate, limits = _events_of("service_1", "service_events")
    assert (rate[ATTR_EVENT_TYPE], rate["old_rate"], rate["change_percent"]) == (
        "rate_increased",
        1.0,
        20.0,
    )
    assert (limits[ATTR_EVENT_TYPE], limits["old_max"], limits["max"]) == (
        "limits_changed",
        5000,
        10000,
    )
    (restored,) = _events_of("service_2", "service_events")
    assert restored[ATTR_EVENT_TYPE] == "service_restored"
    (added,) = _events_of(f"category_{FOLLOWERS}", "category_events")
    assert (
        added[ATTR_EVENT_TYPE],
        [row["service_id"] for row in added["services"]],
    ) == (
        "services_added",
        [102],
    )
    rewritten = hass_storage[stored["key"]]
    assert (rewritten["version"], rewritten["minor_version"]) == (1, 1)
    assert rewritten["data"]["services"]["1"] == stored["data"]["services"]["1"] | {
        "rate": "1.20",
        "max": 10000,
    }
    assert rewritten["data"]["services"]["2"] == stored["data"]["services"]["2"] | {
        "listed": True
    }
    assert rewritten["data"]["categories"] == {FOLLOWERS: [1, 2, 101, 102]}


@pytest.mark.parametrize(
    "days",
    [
        {"2026-11-30": ["1", "0", "0"]},
        [[20261130, "1", "0", "0"], ["2026-11-30", "1", "0"], "2026-11-30"],
    ],
    ids=["not_rows", "rows_not_days"],
)
def test_stored_days_that_are_not_day_rows_are_left_out(days: object) -> None:
    """Days stored in another shape read as none; the rest of the ledger is kept."""
    ledger = ledger_from_json({"url": "url", "balance": "12.5", "days": days}, "url")

    assert ledger.days == {}
    assert ledger.balance == Decimal("12.5")


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        (
            {"day": 20261130, "week": "last week", "month": "2026-11-01", "year": "x"},
            {Period.MONTH: date(2026, 11, 1)},
        ),
        (["day", "2026-11-30"], {}),
    ],
    ids=["some_unreadable", "not_a_mapping"],
)
def test_stored_budgets_reached_keep_what_reads(
    stored: object, read: dict[Period, date]
) -> None:
    """A budget told on a day that cannot be read is as if never told; the rest stay."""
    ledger = ledger_from_json({"url": "url", "budgets_reached": stored}, "url")

    assert ledger.budgets_reached == read


@pytest.mark.parametrize("name", ["service_stats_1.1.json"])
async def test_stored_service_stats_of_every_version(
    hass: HomeAssistant,
    *,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    """The finished orders and refills counted come back in the figures."""
    stored = _stored_file(name, config_entry)

    await _set_up(hass, freezer, config_entry, hass_storage, stored)

    assert _warnings(caplog) == []
    response = await call(hass, "get_service_stats", config_entry)
    [figures] = response["services"]
    assert {
        key: figures[key]
        for key in ("service", "orders", "completed", "partial", "refills")
    } == {"service": 1, "orders": 2, "completed": 1, "partial": 1, "refills": 1}
    assert figures["delivered_quantity"] == 170
    assert figures["median_seconds_to_complete"] == 1800.0
