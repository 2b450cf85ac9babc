"""Tests for the automation blueprints, run by Home Assistant against the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
import json
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint import Blueprint
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ENTITY_MATCH_ALL,
    SERVICE_TURN_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.smmpanel.const import (
    CONF_DAILY_BUDGET,
    CONF_FINISHED_ORDER_RETENTION,
    DOMAIN,
)
from panel_simulator import Panel

from .helpers import frozen_poll, move_to
from .test_catalogue_watch import add_watched_service, check_catalogue, watch_entity

REPOSITORY = Path(__file__).parent.parent
BLUEPRINTS = REPOSITORY / "blueprints" / AUTOMATION_DOMAIN / DOMAIN
BALANCE = "sensor.smm_panel_127_0_0_1_balance"
ORDER_EVENTS = "event.smm_panel_127_0_0_1_order_events"
BUDGET_LEFT_TODAY = "sensor.smm_panel_127_0_0_1_budget_left_today"
AUTOMATION = "automation.blueprint_under_test"
REFILLABLE_SERVICE = 1  # Instagram Followers - Real [Refill 30D]
NO_GUARANTEE_SERVICE = 3  # Instagram Likes - Fast: refillable, its name says no period
EXPENSIVE_SERVICE = 101  # 250.00 per 1000


@pytest.fixture
async def blueprint_folder(hass: HomeAssistant, tmp_path: Path) -> AsyncIterator[None]:
    """Give Home Assistant a config folder holding this repository's blueprints.

    Turns the automations off at the end, which detaches their time triggers.
    """
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(
        BLUEPRINTS, Path(hass.config.path("blueprints", AUTOMATION_DOMAIN, DOMAIN))
    )
    yield
    if hass.services.has_service(AUTOMATION_DOMAIN, SERVICE_TURN_OFF):
        await hass.services.async_call(
            AUTOMATION_DOMAIN,
            SERVICE_TURN_OFF,
            {ATTR_ENTITY_ID: ENTITY_MATCH_ALL},
            blocking=True,
        )


@pytest.fixture
def notifications(hass: HomeAssistant) -> list[ServiceCall]:
    """Capture the persistent notifications the blueprints create."""
    return async_mock_service(hass, "persistent_notification", "create")


async def _use_blueprint(
    hass: HomeAssistant, blueprint: str, inputs: dict[str, Any]
) -> None:
    """Set up one automation from a blueprint and check that it is on."""
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {
            AUTOMATION_DOMAIN: {
                "id": "blueprint_under_test",
                "alias": "Blueprint under test",
                "use_blueprint": {"path": f"{DOMAIN}/{blueprint}", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get(AUTOMATION)
    assert state is not None
    assert state.state == STATE_ON


async def _place_order(
    hass: HomeAssistant, entry: MockConfigEntry, service: int, link: str = ""
) -> int:
    """Place an order with the add_order action; return its ID."""
    response = await hass.services.async_call(
        DOMAIN,
        "add_order",
        {
            "config_entry_id": entry.entry_id,
            "service": service,
            "link": f"https://instagram.com/blueprint{link}",
            "quantity": 1000,
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    order_id = response["order"]
    assert isinstance(order_id, int)
    return order_id


@pytest.mark.parametrize(
    "path", sorted(BLUEPRINTS.glob("*.yaml")), ids=lambda p: p.stem
)
def test_blueprint_is_valid(path: Path) -> None:
    """Each blueprint passes Home Assistant's schema; its metadata is consistent."""
    blueprint = Blueprint(
        load_yaml_dict(path),
        path=path.name,
        expected_domain=AUTOMATION_DOMAIN,
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )

    assert blueprint.validate() is None
    hacs = json.loads((REPOSITORY / "hacs.json").read_text(encoding="utf-8"))
    assert blueprint.metadata["homeassistant"]["min_version"] == hacs["homeassistant"]
    assert blueprint.metadata["source_url"].endswith(
        f"/blob/main/{path.relative_to(REPOSITORY)}"
    )
    for name, spec in blueprint.inputs.items():
        assert spec.get("selector"), f"input {name} has no selector"
        for entity_filter in spec["selector"].get("entity", {}).get("filter", []):
            assert entity_filter["integration"] == DOMAIN


@pytest.mark.usefixtures("blueprint_folder")
@pytest.mark.parametrize("notify_action", ["", "notify.phone"])
async def test_low_balance_notify(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    notifications: list[ServiceCall],
    notify_action: str,
) -> None:
    """The balance falling below the threshold sends one notification."""
    phone = async_mock_service(hass, "notify", "phone")
    await _use_blueprint(
        hass,
        "low_balance_notify.yaml",
        {"balance_sensor": BALANCE, "threshold": 100, "notify_action": notify_action},
    )
    panel.create_order(EXPENSIVE_SERVICE, link="https://instagram.com/a", quantity=3800)
    await frozen_poll(hass, freezer)
    await frozen_poll(hass, freezer)

    sent = phone if notify_action else notifications
    assert len(sent) == 1
    assert len(notifications) + len(phone) == 1
    assert sent[0].data["title"] == "SMM Panel 127.0.0.1: low balance"
    assert (
        sent[0]
        .data["message"]
        .startswith("The balance of SMM Panel 127.0.0.1 is 50.0 USD, below 100 USD.")
    )


@pytest.mark.usefixtures("blueprint_folder")
async def test_order_finished_notify(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    notifications: list[ServiceCall],
) -> None:
    """A tracked order finishing sends its details once; a reload sends nothing."""
    await _use_blueprint(
        hass, "order_finished_notify.yaml", {"order_events": ORDER_EVENTS}
    )
    order_id = await _place_order(hass, setup_integration, REFILLABLE_SERVICE)
    await frozen_poll(hass, freezer)
    assert notifications == []  # in progress is not among the event types

    panel.advance(24 * 3600)
    await frozen_poll(hass, freezer)

    assert len(notifications) == 1
    order = panel.orders[order_id]
    label = {"Completed": "completed", "Partial": "partially delivered"}[
        order.progress(panel.clock.now()).status
    ]
    assert notifications[0].data["notification_id"] == f"smmpanel_order_{order_id}"
    assert notifications[0].data["title"] == f"SMM order {order_id} {label}"
    message, charge = notifications[0].data["message"].split(" Charge: ")
    assert message == (
        f"Order {order_id} (Instagram Followers - Real [Refill 30D]) "
        f"for https://instagram.com/blueprint is {label}."
    )
    amount, currency = charge.split(" ", 1)
    assert Decimal(amount) == order.charge
    assert currency.startswith("USD.")

    await frozen_poll(hass, freezer)
    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done()
    assert len(notifications) == 1


@pytest.mark.usefixtures("blueprint_folder")
async def test_refill_after_days(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
    notifications: list[ServiceCall],
) -> None:
    """An order is refilled once, the chosen days after it completed; results are told."""
    days = 7
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_FINISHED_ORDER_RETENTION: (days + 1) * 24}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    order_id = await _place_order(hass, config_entry, REFILLABLE_SERVICE)
    panel.advance(24 * 3600)
    await frozen_poll(hass, freezer)
    order_sensor = hass.states.get(f"sensor.smm_panel_127_0_0_1_order_{order_id}")
    assert order_sensor is not None
    assert order_sensor.state == "completed"
    finished_at = order_sensor.attributes["finished_at"]
    assert finished_at == dt_util.utcnow()

    check = finished_at + timedelta(days=days, hours=1)
    await _use_blueprint(
        hass,
        "refill_after_days.yaml",
        {
            "config_entry": config_entry.entry_id,
            "order_events": ORDER_EVENTS,
            "days": days,
            "check_time": dt_util.as_local(check).strftime("%H:%M:%S"),
        },
    )
    await move_to(hass, freezer, check - timedelta(days=1))
    assert panel.refills == {}

    await move_to(hass, freezer, check)
    (refill,) = panel.refills.values()
    assert refill.order_id == order_id
    assert [call.data["title"] for call in notifications] == ["SMM refills requested"]
    assert notifications[0].data["message"] == (
        f"Refills requested for {days}-day-old orders: "
        f"{order_id} (refill {refill.refill_id})."
    )

    panel.advance(7 * 24 * 3600)
    await frozen_poll(hass, freezer)
    assert len(notifications) == 2
    outcome = {"Completed": "completed", "Rejected": "was rejected"}[
        refill.status_at(panel.clock.now())
    ]
    assert notifications[1].data["title"] == f"SMM refill {outcome}"
    assert notifications[1].data["message"] == (
        f"Refill {refill.refill_id} of order {order_id} "
        f"(Instagram Followers - Real [Refill 30D]) {outcome}."
    )

    await move_to(hass, freezer, check + timedelta(days=1))
    assert len(panel.refills) == 1


@pytest.mark.usefixtures("blueprint_folder")
@pytest.mark.parametrize("notify_action", ["", "notify.phone"])
async def test_budget_nearly_used_notify(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
    notifications: list[ServiceCall],
    notify_action: str,
) -> None:
    """A budget used up to the percentage notifies once; the next day again."""
    phone = async_mock_service(hass, "notify", "phone")
    freezer.move_to("2026-11-30T10:00:00+00:00")
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_DAILY_BUDGET: 3})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await _use_blueprint(
        hass,
        "budget_nearly_used_notify.yaml",
        {
            "budget_sensor": BUDGET_LEFT_TODAY,
            "percent": 80,
            "notify_action": notify_action,
        },
    )
    sent = phone if notify_action else notifications

    # Service 1 costs 1.20 per 1000: two orders use 80 % of 3.
    await _place_order(hass, config_entry, REFILLABLE_SERVICE, link="a")
    await frozen_poll(hass, freezer)
    assert sent == []
    await _place_order(hass, config_entry, REFILLABLE_SERVICE, link="b")
    await frozen_poll(hass, freezer)
    await frozen_poll(hass, freezer)
    assert len(sent) == 1
    assert len(notifications) + len(phone) == 1
    assert sent[0].data["title"] == "SMM Panel 127.0.0.1: budget nearly used"
    assert sent[0].data["message"] == (
        "SMM Panel 127.0.0.1 has used 80 % of a budget of 3.0 USD: SMM Panel 127.0.0.1"
        " Budget left today is 0.6 USD. Place order refuses orders that do not fit in"
        " what is left."
    )

    # The next day the budget starts again.
    await move_to(hass, freezer, dt_util.utcnow() + timedelta(days=1))
    await _place_order(hass, config_entry, REFILLABLE_SERVICE, link="c")
    await _place_order(hass, config_entry, REFILLABLE_SERVICE, link="d")
    await frozen_poll(hass, freezer)
    assert len(sent) == 2


@pytest.mark.usefixtures("blueprint_folder")
async def test_refill_before_the_guarantee_ends(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
    notifications: list[ServiceCall],
) -> None:
    """Counting before the guarantee ends, an order is refilled once, that many days
    before its refill_until; an order whose service names no guarantee is not."""
    days = 3
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_FINISHED_ORDER_RETENTION: (30 - days + 1) * 24}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    guaranteed = await _place_order(hass, config_entry, REFILLABLE_SERVICE)
    unguaranteed = await _place_order(hass, config_entry, NO_GUARANTEE_SERVICE)
    panel.advance(24 * 3600)
    await frozen_poll(hass, freezer)
    for order_id in (guaranteed, unguaranteed):
        assert hass.states.is_state(
            f"sensor.smm_panel_127_0_0_1_order_{order_id}", "completed"
        )
    order_sensor = hass.states.get(f"sensor.smm_panel_127_0_0_1_order_{guaranteed}")
    assert order_sensor is not None
    refill_until = order_sensor.attributes["refill_until"]
    assert refill_until == dt_util.utcnow() + timedelta(days=30)

    check = refill_until - timedelta(days=days) + timedelta(hours=1)
    await _use_blueprint(
        hass,
        "refill_after_days.yaml",
        {
            "config_entry": config_entry.entry_id,
            "order_events": ORDER_EVENTS,
            "count_from": "before_guarantee_ends",
            "days": days,
            "check_time": dt_util.as_local(check).strftime("%H:%M:%S"),
        },
    )
    await move_to(hass, freezer, check - timedelta(days=1))
    assert panel.refills == {}

    await move_to(hass, freezer, check)
    (refill,) = panel.refills.values()
    assert refill.order_id == guaranteed
    assert [call.data["title"] for call in notifications] == ["SMM refills requested"]
    assert notifications[0].data["message"] == (
        f"Refills requested {days} days before their refill guarantee ends: "
        f"{guaranteed} (refill {refill.refill_id})."
    )

    await move_to(hass, freezer, check + timedelta(days=1))
    assert len(panel.refills) == 1


# The Money insight entities of the account. These tests set their states as the
# integration writes them, so that they run the blueprints on exactly the states and
# events the blueprints are written for.
RUNWAY = "sensor.smm_panel_127_0_0_1_balance_runway"
RUNWAY_ATTRIBUTES = {
    "device_class": "duration",
    "unit_of_measurement": "d",
    "friendly_name": "SMM Panel 127.0.0.1 Balance runway",
}


@pytest.mark.usefixtures("blueprint_folder")
@pytest.mark.parametrize("notify_action", ["", "notify.phone"])
async def test_balance_runway_notify(
    hass: HomeAssistant, notifications: list[ServiceCall], notify_action: str
) -> None:
    """The runway dropping below the days notifies once; rising and falling again,
    or coming back from unknown still below, notifies again."""
    phone = async_mock_service(hass, "notify", "phone")
    hass.states.async_set(RUNWAY, "unknown", RUNWAY_ATTRIBUTES)
    await _use_blueprint(
        hass,
        "balance_runway_notify.yaml",
        {"runway_sensor": RUNWAY, "days": 3, "notify_action": notify_action},
    )
    sent = phone if notify_action else notifications

    for runway in ("12.5", "4", "3.0"):
        hass.states.async_set(RUNWAY, runway, RUNWAY_ATTRIBUTES)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert sent == []

    hass.states.async_set(RUNWAY, "2.345", RUNWAY_ATTRIBUTES)
    await hass.async_block_till_done(wait_background_tasks=True)
    hass.states.async_set(RUNWAY, "1.5", RUNWAY_ATTRIBUTES)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(sent) == 1
    assert len(notifications) + len(phone) == 1
    assert (
        sent[0].data["title"]
        == "SMM Panel 127.0.0.1 Balance runway: balance runs out soon"
    )
    assert sent[0].data["message"] == (
        "At the recent spending, the balance of SMM Panel 127.0.0.1 Balance runway lasts about "
        "2.3 days, less than 3. Top up the account so that new orders are not refused."
    )

    for runway in ("unknown", "0.5"):  # no history for a while, then still low
        hass.states.async_set(RUNWAY, runway, RUNWAY_ATTRIBUTES)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert len(sent) == 2
    assert "lasts about 0.5 days" in sent[1].data["message"]


@pytest.mark.usefixtures("blueprint_folder")
async def test_balance_runway_notify_reads_days_in_any_unit(
    hass: HomeAssistant, notifications: list[ServiceCall]
) -> None:
    """A runway shown in hours is compared, and told, in days."""
    in_hours = RUNWAY_ATTRIBUTES | {"unit_of_measurement": "h"}
    hass.states.async_set(RUNWAY, "80", in_hours)  # 3.3 days
    await _use_blueprint(
        hass, "balance_runway_notify.yaml", {"runway_sensor": RUNWAY, "days": 3}
    )
    hass.states.async_set(RUNWAY, "73", in_hours)  # 3.04 days
    await hass.async_block_till_done(wait_background_tasks=True)
    assert notifications == []

    hass.states.async_set(RUNWAY, "60", in_hours)  # 2.5 days
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(notifications) == 1
    assert "lasts about 2.5 days, less than 3." in notifications[0].data["message"]
    assert notifications[0].data["notification_id"] == (
        f"smmpanel_balance_runway_{RUNWAY}"
    )


def _fire_order_event(
    hass: HomeAssistant, event_type: str, data: dict[str, Any], at: datetime
) -> None:
    """Write the Order events entity's state as the event entity does on an event."""
    hass.states.async_set(
        ORDER_EVENTS,
        at.isoformat(timespec="milliseconds"),
        {
            "event_types": ["completed", "balance_topped_up"],
            "event_type": event_type,
            **data,
            "friendly_name": "SMM Panel 127.0.0.1 Order events",
        },
    )


@pytest.mark.usefixtures("blueprint_folder")
@pytest.mark.parametrize("notify_action", ["", "notify.phone"])
async def test_deposit_notify(
    hass: HomeAssistant, notifications: list[ServiceCall], notify_action: str
) -> None:
    """A fresh balance_topped_up event notifies the amount and the new balance."""
    phone = async_mock_service(hass, "notify", "phone")
    await _use_blueprint(
        hass,
        "deposit_notify.yaml",
        {"order_events": ORDER_EVENTS, "notify_action": notify_action},
    )
    sent = phone if notify_action else notifications

    # Event states are times to the millisecond: this one is a second older.
    _fire_order_event(
        hass,
        "completed",
        {"order_id": "23501", "charge": 1.2},
        dt_util.utcnow() - timedelta(seconds=1),
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert sent == []

    _fire_order_event(
        hass,
        "balance_topped_up",
        {"amount": 25.5, "balance": 1024.876543, "currency": "USD"},
        dt_util.utcnow(),
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(sent) == 1
    assert len(notifications) + len(phone) == 1
    assert sent[0].data["title"] == "SMM Panel 127.0.0.1 Order events: deposit credited"
    assert sent[0].data["message"] == (
        "25.50 USD credited to SMM Panel 127.0.0.1 Order events. The balance is now 1024.88 USD."
    )


@pytest.mark.usefixtures("blueprint_folder")
async def test_deposit_notify_skips_a_restored_event(
    hass: HomeAssistant, notifications: list[ServiceCall]
) -> None:
    """The last deposit restored at a restart, with its old time, is no news."""
    await _use_blueprint(hass, "deposit_notify.yaml", {"order_events": ORDER_EVENTS})
    _fire_order_event(
        hass,
        "balance_topped_up",
        {"amount": 10, "balance": 20, "currency": "EUR"},
        dt_util.utcnow() - timedelta(hours=3),
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert notifications == []

    _fire_order_event(
        hass,
        "balance_topped_up",
        {"amount": "10", "balance": None, "currency": "EUR"},
        dt_util.utcnow(),
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [call.data["message"] for call in notifications] == [
        "10.00 EUR credited to SMM Panel 127.0.0.1 Order events."
    ]
    assert (
        notifications[0].data["notification_id"] == f"smmpanel_deposit_{ORDER_EVENTS}"
    )


def _require_money_insight(hass: HomeAssistant, entity_id: str) -> None:
    """Skip while the integration does not make the Money insight entity yet."""
    if hass.states.get(entity_id) is None:
        pytest.skip(f"the integration makes no {entity_id} yet")


@pytest.mark.usefixtures("blueprint_folder")
async def test_balance_runway_notify_from_the_integration(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    notifications: list[ServiceCall],
) -> None:
    """Spending most of the balance makes the runway, known after a day of history,
    drop below the days: one notification naming the account."""
    _require_money_insight(hass, RUNWAY)
    await _use_blueprint(
        hass, "balance_runway_notify.yaml", {"runway_sensor": RUNWAY, "days": 3}
    )
    panel.create_order(EXPENSIVE_SERVICE, link="https://instagram.com/a", quantity=3800)
    await frozen_poll(hass, freezer)
    assert notifications == []

    await move_to(hass, freezer, dt_util.utcnow() + timedelta(days=1, minutes=5))
    await frozen_poll(hass, freezer)
    runway = hass.states.get(RUNWAY)
    assert runway is not None
    assert float(runway.state) < 3
    assert len(notifications) == 1
    assert (
        notifications[0].data["title"] == "SMM Panel 127.0.0.1: balance runs out soon"
    )
    assert (
        notifications[0]
        .data["message"]
        .startswith(
            "At the recent spending, the balance of SMM Panel 127.0.0.1 lasts about "
            f"{float(runway.state):.1f} days, less than 3."
        )
    )


@pytest.mark.usefixtures("blueprint_folder")
async def test_deposit_notify_from_the_integration(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    notifications: list[ServiceCall],
) -> None:
    """A deposit on the panel, seen by the next poll, notifies once; a reload,
    which restores the event, does not notify again."""
    _require_money_insight(hass, "sensor.smm_panel_127_0_0_1_last_deposit")
    await _use_blueprint(hass, "deposit_notify.yaml", {"order_events": ORDER_EVENTS})
    await _place_order(hass, setup_integration, REFILLABLE_SERVICE)  # 1.20 spent
    await frozen_poll(hass, freezer)
    assert notifications == []

    panel.deposit(Decimal("25.25"))
    await frozen_poll(hass, freezer)
    assert [call.data["message"] for call in notifications] == [
        "25.25 USD credited to SMM Panel 127.0.0.1. The balance is now 1024.05 USD."
    ]
    assert notifications[0].data["title"] == "SMM Panel 127.0.0.1: deposit credited"

    await frozen_poll(hass, freezer)
    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(notifications) == 1


# Watched services of the simulated catalogue, and their rates.
REAL_FOLLOWERS = 1  # Instagram Followers - Real [Refill 30D], 1.20 per 1000
CHEAP_FOLLOWERS = 2  # Instagram Followers - Cheap [No Refill], 0.45 per 1000


async def _watch_rates(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    services: dict[int, float | None],
    inputs: dict[str, Any] | None = None,
) -> dict[int, str]:
    """Watch services (id: notable change %), then set up the rate increase
    blueprint on their Catalogue events entities; return the entity of each."""
    entities = {
        service_id: watch_entity(
            hass,
            entry,
            await add_watched_service(
                hass, entry, service_id, notable_change=notable_change
            ),
            "service_events",
        )
        for service_id, notable_change in services.items()
    }
    await _use_blueprint(
        hass,
        "rate_increase_notify.yaml",
        {"service_events": list(entities.values()), **(inputs or {})},
    )
    return entities


def _last_event_type(hass: HomeAssistant, entity_id: str) -> str | None:
    state = hass.states.get(entity_id)
    assert state is not None
    event_type: str | None = state.attributes.get("event_type")
    return event_type


@pytest.mark.usefixtures("blueprint_folder")
@pytest.mark.parametrize("notify_action", ["", "notify.phone"])
async def test_rate_increase_notify(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    notifications: list[ServiceCall],
    notify_action: str,
) -> None:
    """A rate up 25 % against 10 % notifies the service, both rates and the rise."""
    phone = async_mock_service(hass, "notify", "phone")
    entities = await _watch_rates(
        hass,
        setup_integration,
        {REAL_FOLLOWERS: None, CHEAP_FOLLOWERS: None},
        {"percent": 10, "notify_action": notify_action},
    )
    sent = phone if notify_action else notifications

    panel.update_service(REAL_FOLLOWERS, rate=Decimal("1.50"))
    await check_catalogue(hass)

    assert len(sent) == 1
    assert len(notifications) + len(phone) == 1
    assert (
        sent[0].data["title"] == "SMM rate up: Instagram Followers - Real [Refill 30D]"
    )
    assert sent[0].data["message"] == (
        "The rate of Instagram Followers - Real [Refill 30D] (service 1) rose by "
        "25.0 %, from 1.20 USD to 1.50 USD per 1000."
    )
    if not notify_action:
        assert sent[0].data["notification_id"] == (
            f"smmpanel_rate_increase_{entities[REAL_FOLLOWERS]}"
        )

    # Each watched service of the input is listened to; a rate under 0.01 is told
    # as it is.
    panel.update_service(CHEAP_FOLLOWERS, rate=Decimal("0.0045"))
    await check_catalogue(hass)
    panel.update_service(CHEAP_FOLLOWERS, rate=Decimal("0.0051"))
    await check_catalogue(hass)
    assert len(sent) == 2
    assert sent[1].data["message"] == (
        "The rate of Instagram Followers - Cheap [No Refill] (service 2) rose by "
        "13.3 %, from 0.0045 USD to 0.0051 USD per 1000."
    )


@pytest.mark.usefixtures("blueprint_folder")
async def test_rate_increase_notify_skips_other_changes(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    notifications: list[ServiceCall],
) -> None:
    """A rise of 5 % against 10 %, a fall and new limits notify nothing."""
    entities = await _watch_rates(
        hass, setup_integration, {REAL_FOLLOWERS: None}, {"percent": 10}
    )
    events = entities[REAL_FOLLOWERS]

    for change, event_type in (
        ({"rate": Decimal("1.26")}, "rate_increased"),  # up 5 %
        ({"rate": Decimal("1.00")}, "rate_decreased"),
        ({"min_quantity": 100, "max_quantity": 20000}, "limits_changed"),
        ({"rate": Decimal("1.10")}, "rate_increased"),  # up exactly 10 %
    ):
        panel.update_service(REAL_FOLLOWERS, **change)
        await check_catalogue(hass)
        assert _last_event_type(hass, events) == event_type
    assert notifications == []


@pytest.mark.usefixtures("blueprint_folder")
@pytest.mark.parametrize(("notable_only", "expected"), [(False, 1), (True, 0)])
async def test_rate_increase_notify_only_notable_changes(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    notifications: list[ServiceCall],
    notable_only: bool,
    expected: int,
) -> None:
    """A rise of 25 %, under the watch's notable change of 50 %, is not notable."""
    await _watch_rates(
        hass,
        setup_integration,
        {REAL_FOLLOWERS: 50},
        {"percent": 10, "notable_only": notable_only},
    )
    panel.update_service(REAL_FOLLOWERS, rate=Decimal("1.50"))
    await check_catalogue(hass)
    assert len(notifications) == expected


@pytest.mark.usefixtures("blueprint_folder")
async def test_rate_increase_notify_skips_a_restored_event(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    notifications: list[ServiceCall],
) -> None:
    """A reload restores the last rise with its old time: no second notification."""
    entities = await _watch_rates(hass, setup_integration, {REAL_FOLLOWERS: None})
    panel.update_service(REAL_FOLLOWERS, rate=Decimal("1.50"))
    await check_catalogue(hass)
    assert len(notifications) == 1

    freezer.tick(timedelta(minutes=5))
    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _last_event_type(hass, entities[REAL_FOLLOWERS]) == "rate_increased"
    assert len(notifications) == 1


@pytest.mark.usefixtures("blueprint_folder")
async def test_rate_increase_notify_skips_a_rise_from_zero(
    hass: HomeAssistant,
    notifications: list[ServiceCall],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A rise from a rate of 0 has no percentage: it is not notified, quietly."""
    events = "event.1_instagram_followers_real_refill_30d_catalogue_events"
    await _use_blueprint(
        hass, "rate_increase_notify.yaml", {"service_events": [events]}
    )
    for change_percent in (None, 25.0):
        hass.states.async_set(
            events,
            dt_util.utcnow().isoformat(timespec="milliseconds"),
            {
                "event_type": "rate_increased",
                "service_id": 1,
                "service": "Instagram Followers - Real [Refill 30D]",
                "old_rate": 0.0 if change_percent is None else 1.2,
                "new_rate": 1.5,
                "change_percent": change_percent,
                "notable": True,
                "currency": None,
            },
        )
        await hass.async_block_till_done(wait_background_tasks=True)
    (sent,) = notifications
    assert sent.data["message"] == (
        "The rate of Instagram Followers - Real [Refill 30D] (service 1) rose by "
        "25.0 %, from 1.20 to 1.50 per 1000."
    )
    assert "Error evaluating condition" not in caplog.text
