"""Tests for the SMM Panel sensors, binary sensor and event entity."""

from __future__ import annotations

from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.smmpanel.const import (
    CONF_DAILY_BUDGET,
    CONF_FINISHED_ORDER_RETENTION,
    CONF_LOW_BALANCE_THRESHOLD,
    CONF_MONTHLY_BUDGET,
    CONF_SCAN_INTERVAL,
    CONF_WEEKLY_BUDGET,
    DOMAIN,
)
from custom_components.smmpanel.sensor import OrderNamePlaceholders
from panel_simulator.panel import Panel

from .helpers import DAY, async_set_options, call, normalized, poll, state_of


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform", [Platform.SENSOR, Platform.BINARY_SENSOR, Platform.EVENT]
)
async def test_entities(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every entity of the account, enabled or not, matches its snapshot.

    Every budget is set, so that each budget's sensor is there.
    """
    # The spending sensors reset at local midnight: the snapshot needs a fixed day.
    freezer.move_to("2026-11-15T12:00:00+00:00")
    order_id = panel.create_order(101, link="https://instagram.com/snap", quantity=500)
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry,
        options={
            CONF_DAILY_BUDGET: 150,
            CONF_WEEKLY_BUDGET: 300.5,
            CONF_MONTHLY_BUDGET: 1000,
        },
    )
    with patch("custom_components.smmpanel.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        await call(hass, "track_order", config_entry, {"orders": [order_id]})
        await hass.async_block_till_done()

    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


async def test_balance_and_low_balance(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """The balance is exact and in the panel's currency; low balance follows the threshold."""
    balance = hass.states.get("sensor.smm_panel_127_0_0_1_balance")
    assert balance is not None
    assert balance.state == "1000.00000"
    assert balance.attributes["unit_of_measurement"] == "USD"
    assert balance.attributes["device_class"] == "monetary"
    assert balance.attributes["state_class"] == "total"
    low = hass.states.get("binary_sensor.smm_panel_127_0_0_1_low_balance")
    assert low is not None
    assert low.state == STATE_OFF

    result = await hass.config_entries.options.async_init(setup_integration.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SCAN_INTERVAL: 5,
            CONF_LOW_BALANCE_THRESHOLD: 1000.01,
            CONF_FINISHED_ORDER_RETENTION: 24,
        },
    )
    await hass.async_block_till_done()

    low = hass.states.get("binary_sensor.smm_panel_127_0_0_1_low_balance")
    assert low is not None
    assert low.state == STATE_ON


async def test_order_sensor_attributes(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """A tracked order's sensor shows its status and what is known about it."""
    response = await call(
        hass,
        "add_order",
        setup_integration,
        {"service": 101, "link": "https://instagram.com/attr", "quantity": 1000},
    )
    order_id = response["order"]
    panel.advance(300)
    await poll(hass)

    state = hass.states.get(f"sensor.smm_panel_127_0_0_1_order_{order_id}")
    assert state is not None
    assert state.state == "in_progress"
    assert state.attributes["friendly_name"] == (
        f"SMM Panel 127.0.0.1 Order {order_id} · Real & Active Followers - Best Server"
    )
    assert state.attributes["order_id"] == str(order_id)
    assert state.attributes["charge"] == 250.0
    assert state.attributes["currency"] == "USD"
    assert state.attributes["service"] == "Real & Active Followers - Best Server"
    assert state.attributes["link"] == "https://instagram.com/attr"
    assert state.attributes["quantity"] == 1000
    assert state.attributes["progress"] == round(
        (1000 - panel.orders[order_id].remains) / 10, 1
    )
    assert 0 < state.attributes["progress"] < 100
    # Nothing unknown is shown: no finish time, no error, no start count yet.
    assert not {"finished_at", "error"} & state.attributes.keys()
    assert None not in state.attributes.values()
    active = hass.states.get("sensor.smm_panel_127_0_0_1_active_orders")
    assert active is not None
    assert active.state == "1"


@pytest.mark.parametrize("language", ["en", "de", "ar"])
async def test_order_progress_is_named_as_a_percentage(
    hass: HomeAssistant, setup_integration: MockConfigEntry, language: str
) -> None:
    """The progress attribute is a bare number: its name, as the frontend shows it
    in the order's details, says it is a percentage, in every language."""
    texts = await async_get_translations(hass, language, "entity", [DOMAIN])
    for key in ("order_status", "order_status_service"):
        name = texts[
            f"component.{DOMAIN}.entity.sensor.{key}.state_attributes.progress.name"
        ]
        assert name.endswith("(%)"), name


async def test_tracked_order_sensor_shows_only_what_is_known(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """An order placed elsewhere is named by its id alone, without a separator."""
    order_id = panel.create_order(101, link="https://instagram.com/else", quantity=500)
    await call(hass, "track_order", setup_integration, {"orders": str(order_id)})

    state = state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{order_id}")
    assert state.attributes["friendly_name"] == f"SMM Panel 127.0.0.1 Order {order_id}"
    assert state.attributes["order_id"] == str(order_id)
    assert (
        not {
            "service",
            "service_id",
            "link",
            "quantity",
            "placed_at",
            "refill_offered",
            "cancel_allowed",
            "refill_id",
            "refill_status",
        }
        & state.attributes.keys()
    )
    assert None not in state.attributes.values()


async def test_order_sensor_tells_when_it_was_tracked(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """An order placed elsewhere shows when it was tracked; one placed here, when it
    was placed. Neither moves with later changes of status."""
    elsewhere = panel.create_order(101, link="https://instagram.com/else", quantity=50)
    freezer.move_to("2026-11-15T12:00:00+00:00")
    await call(hass, "track_order", setup_integration, {"orders": str(elsewhere)})
    freezer.move_to("2026-11-15T12:05:00+00:00")
    placed = (
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": "https://instagram.com/here", "quantity": 100},
        )
    )["order"]
    panel.advance(DAY)
    freezer.move_to("2026-11-15T13:00:00+00:00")
    await poll(hass)

    tracked_state = state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{elsewhere}")
    placed_state = state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{placed}")
    assert placed_state.state == tracked_state.state == "completed"
    assert tracked_state.attributes["tracked_at"] == dt_util.parse_datetime(
        "2026-11-15T12:00:00+00:00"
    )
    assert "placed_at" not in tracked_state.attributes
    assert placed_state.attributes["placed_at"] == dt_util.parse_datetime(
        "2026-11-15T12:05:00+00:00"
    )
    assert "tracked_at" not in placed_state.attributes


@pytest.mark.parametrize(
    ("service", "refill_offered", "cancel_allowed"),
    [(1, True, True), (16, True, False), (19, False, True), (2, False, False)],
)
async def test_order_sensor_tells_what_its_service_allows(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    service: int,
    refill_offered: bool,
    cancel_allowed: bool,
) -> None:
    """An order placed here shows whether its service offers refills and cancels,
    as the catalogue says, without anything fetching the catalogue for it."""
    response = await call(
        hass,
        "add_order",
        setup_integration,
        {"service": service, "link": "https://instagram.com/terms", "quantity": 100},
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    state = state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{response['order']}")
    assert state.attributes["refill_offered"] is refill_offered
    assert state.attributes["cancel_allowed"] is cancel_allowed
    assert panel.request_counts["services"] == 1


async def test_service_terms_come_back_after_a_restart(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """After a restart, an account with orders placed here fetches the catalogue once
    in the background, and its order sensors show what their services allow now."""
    order_id = (
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": "https://instagram.com/restart", "quantity": 100},
        )
    )["order"]
    panel.update_service(1, refill=False)
    fetched = panel.request_counts["services"]

    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    state = state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{order_id}")
    assert state.attributes["refill_offered"] is False
    assert state.attributes["cancel_allowed"] is True
    assert panel.request_counts["services"] == fetched + 1


async def test_orders_tracked_from_elsewhere_fetch_no_catalogue(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Orders that do not know their service need no catalogue, at setup or later."""
    order_id = panel.create_order(1, link="https://instagram.com/else", quantity=100)
    await call(hass, "track_order", setup_integration, {"orders": str(order_id)})

    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert (
        state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{order_id}").state
        == "pending"
    )
    assert panel.request_counts["services"] == 0


async def test_order_sensor_shows_its_latest_refill(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """A refill requested shows on its order's sensor at once, then as it moves on."""
    order_id = panel.create_order(1, link="https://instagram.com/refill", quantity=100)
    panel.advance(DAY)
    await call(hass, "track_order", setup_integration, {"orders": str(order_id)})
    sensor = f"sensor.smm_panel_127_0_0_1_order_{order_id}"
    assert not {"refill_id", "refill_status"} & state_of(hass, sensor).attributes.keys()

    response = await call(hass, "refill", setup_integration, {"orders": [order_id]})
    refill_id = response["refills"][0]["refill"]
    attributes = state_of(hass, sensor).attributes
    assert (attributes["refill_id"], attributes["refill_status"]) == (
        refill_id,
        "pending",
    )

    panel.advance(DAY)
    await poll(hass)
    attributes = state_of(hass, sensor).attributes
    assert attributes["refill_id"] == refill_id
    assert attributes["refill_status"] == normalized(panel.refills[refill_id].status)
    assert attributes["refill_status"] in {"completed", "rejected"}

    # A later refill of the same order is the one shown.
    response = await call(hass, "refill", setup_integration, {"orders": [order_id]})
    later = response["refills"][0]["refill"]
    assert later != refill_id
    attributes = state_of(hass, sensor).attributes
    assert (attributes["refill_id"], attributes["refill_status"]) == (later, "pending")


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_counts_are_whole_numbers_without_unit(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Counts read "1", not "1 orders", and their history shows whole numbers."""
    await call(
        hass,
        "add_order",
        setup_integration,
        {"service": 101, "link": "https://instagram.com/count", "quantity": 1000},
    )
    for key in ("active_orders", "pending_refills", "tracked_orders"):
        entity_id = f"sensor.smm_panel_127_0_0_1_{key}"
        state = state_of(hass, entity_id)
        assert "unit_of_measurement" not in state.attributes
        assert state.attributes["state_class"] == "measurement"
        registry_entry = entity_registry.async_get(entity_id)
        assert registry_entry is not None
        assert registry_entry.options["sensor"]["suggested_display_precision"] == 0
    assert state_of(hass, "sensor.smm_panel_127_0_0_1_active_orders").state == "1"


async def test_low_balance_shows_its_threshold(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """The threshold the balance is compared with is an attribute, in the currency."""
    low = state_of(hass, "binary_sensor.smm_panel_127_0_0_1_low_balance")
    assert low.attributes["threshold"] == 10.0
    assert low.attributes["currency"] == "USD"

    await async_set_options(
        hass,
        setup_integration,
        {
            CONF_SCAN_INTERVAL: 5,
            CONF_LOW_BALANCE_THRESHOLD: 12.34,
            CONF_FINISHED_ORDER_RETENTION: 24,
        },
    )

    low = state_of(hass, "binary_sensor.smm_panel_127_0_0_1_low_balance")
    assert low.attributes["threshold"] == 12.34


async def test_low_balance_without_currency(
    hass: HomeAssistant, panel: Panel, config_entry: MockConfigEntry
) -> None:
    """A panel naming no currency gives the threshold alone."""
    panel.currency = ""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    low = state_of(hass, "binary_sensor.smm_panel_127_0_0_1_low_balance")
    assert low.attributes["threshold"] == 10.0
    assert "currency" not in low.attributes


async def test_events_name_the_order(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Event data names the order as its sensor does; ids are text."""
    placed = await call(
        hass,
        "add_order",
        setup_integration,
        {"service": 101, "link": "https://instagram.com/event", "quantity": 1000},
    )
    elsewhere = panel.create_order(101, link="https://instagram.com/x", quantity=500)
    await call(hass, "track_order", setup_integration, {"orders": [elsewhere]})
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    panel.advance(DAY)
    await poll(hass)

    fired = {
        state.attributes["order_id"]: state.attributes
        for change in changes
        if change.data["entity_id"] == "event.smm_panel_127_0_0_1_order_events"
        and (state := change.data["new_state"]) is not None
    }
    order_id = str(placed["order"])
    assert fired[order_id]["order_name"] == (
        f"Order {order_id} · Real & Active Followers - Best Server"
    )
    assert fired[order_id]["event_type"] == "completed"
    assert fired[str(elsewhere)]["order_name"] == f"Order {elsewhere}"
    # Event data keeps every field, known or not, for automations' templates.
    assert fired[str(elsewhere)]["service"] is None


async def test_one_service_device_per_account(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """All entities hang under one service device named after the panel."""
    devices = dr.async_entries_for_config_entry(
        device_registry, setup_integration.entry_id
    )
    assert len(devices) == 1
    assert devices[0].name == "SMM Panel 127.0.0.1"
    assert devices[0].entry_type is dr.DeviceEntryType.SERVICE


async def test_account_entities_are_named_after_the_integration(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A new account's entities are named "SMM Panel <host> ...", their ids too: the
    entity pickers, which search names but not integrations, find them by "SMM"."""
    entities = er.async_entries_for_config_entry(
        entity_registry, setup_integration.entry_id
    )
    assert entities
    for entity in entities:
        assert entity.entity_id.split(".")[1].startswith("smm_panel_127_0_0_1_")
        if entity.disabled_by is None:
            name = state_of(hass, entity.entity_id).attributes["friendly_name"]
            assert name.startswith("SMM Panel 127.0.0.1 ")


async def test_an_existing_account_keeps_its_entity_ids(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An account set up when its device was named after the host alone keeps the
    entity ids it has; its device and entity names become "SMM Panel <host>", and an
    entity registered from then on (a new order's sensor) is named that way."""
    config_entry.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, config_entry.entry_id)},
        name="127.0.0.1",
    )
    old = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{config_entry.entry_id}_balance",
        config_entry=config_entry,
        device_id=device.id,
        has_entity_name=True,
        object_id_base="Balance",
        translation_key="balance",
    )
    assert old.entity_id == "sensor.127_0_0_1_balance"

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    order_id = panel.create_order(1, link="https://instagram.com/new", quantity=100)
    await call(hass, "track_order", config_entry, {"orders": [order_id]})

    assert state_of(hass, "sensor.127_0_0_1_balance").attributes["friendly_name"] == (
        "SMM Panel 127.0.0.1 Balance"
    )
    assert hass.states.get("sensor.smm_panel_127_0_0_1_balance") is None
    renamed = device_registry.async_get(device.id)
    assert renamed is not None
    assert renamed.name == "SMM Panel 127.0.0.1"
    assert state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{order_id}")


async def test_a_renamed_order_sensor_goes_with_its_order(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Untracking an order removes its sensor under the entity id the user gave it."""
    order_id = panel.create_order(1, link="https://instagram.com/kept", quantity=100)
    await call(hass, "track_order", setup_integration, {"orders": [order_id]})
    entity_registry.async_update_entity(
        f"sensor.smm_panel_127_0_0_1_order_{order_id}",
        new_entity_id="sensor.campaign_order",
    )
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.campaign_order").state == "pending"

    await call(
        hass,
        "untrack_order",
        setup_integration,
        {"orders": [order_id]},
        return_response=False,
    )

    assert entity_registry.async_get("sensor.campaign_order") is None
    assert hass.states.get("sensor.campaign_order") is None


async def test_sensors_of_orders_no_longer_tracked_are_removed_at_setup(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A sensor registered for an order the tracking does not hold is removed."""
    config_entry.add_to_hass(hass)
    tracked = panel.create_order(1, link="https://instagram.com/kept", quantity=100)
    stale = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{config_entry.entry_id}_order_999",
        config_entry=config_entry,
        suggested_object_id="order_999",
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await call(hass, "track_order", config_entry, {"orders": [tracked]})

    assert entity_registry.async_get(stale.entity_id) is None
    assert state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{tracked}")


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        (None, {"order_id": "23501"}),
        ("", {"order_id": "23501"}),
        ("Followers", {"order_id": "23501", "service": "Followers"}),
    ],
)
def test_order_name_placeholders_read_as_a_dictionary(
    service: str | None, expected: dict[str, str]
) -> None:
    """An order sensor's name placeholders read as the dictionary they stand for."""
    placeholders = OrderNamePlaceholders(23501, service)

    assert dict(placeholders) == expected
    assert len(placeholders) == len(expected)
    assert placeholders == expected
    with pytest.raises(KeyError):
        placeholders["category"]
