"""Actions without ids: the only account, and order sensors as targets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smmpanel.config_flow import account_unique_id
from custom_components.smmpanel.const import DOMAIN
from panel_simulator import Panel, run_simulator
from panel_simulator.orders import OrderStatus as PanelOrderStatus

from .const import API_KEY
from .helpers import TRANSLATIONS, call, order_sensor_ids

LINK = "https://www.instagram.com/p/targets/"
ORDER_SENSOR = "sensor.smm_panel_127_0_0_1_order_"
OTHER_ORDER_SENSOR = "sensor.smm_panel_second_panel_order_"


@pytest.fixture(autouse=True)
async def _settle(hass: HomeAssistant) -> AsyncIterator[None]:
    """Let every refresh and save an action started finish before teardown."""
    yield
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def other_panel(socket_enabled: None) -> AsyncIterator[tuple[Panel, str]]:
    """Serve a second panel; return it and its API URL."""
    panel = Panel(api_key=API_KEY, seed=1, balance=Decimal(50), currency="EUR")
    async with run_simulator(panel) as running:
        yield panel, running.url


@pytest.fixture
async def second_entry(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    other_panel: tuple[Panel, str],
) -> AsyncIterator[MockConfigEntry]:
    """Set up a second account, on the second panel, beside the first."""
    _, url = other_panel
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="second-panel",
        unique_id=account_unique_id(url, API_KEY),
        data={CONF_URL: url, CONF_API_KEY: API_KEY},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def _call(
    hass: HomeAssistant, action: str, data: dict[str, Any], *, response: bool = True
) -> Any:
    """Call an action with exactly the data given: no account added."""
    return await hass.services.async_call(
        DOMAIN, action, data, blocking=True, return_response=response
    )


def _assert_refused(
    error: ServiceValidationError, key: str, placeholders: dict[str, str]
) -> None:
    assert error.translation_domain == DOMAIN
    assert error.translation_key == key
    assert error.translation_placeholders == placeholders
    assert TRANSLATIONS["exceptions"][key]["message"]


async def test_the_only_account_needs_no_id(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """With one account loaded, actions leave out config_entry_id."""
    placed = await _call(
        hass, "add_order", {"service": 1, "link": LINK, "quantity": 100}
    )
    assert placed["order"] in panel.orders
    catalogue = await _call(hass, "get_services", {"search": "followers"})
    assert catalogue["currency"] == "USD"
    cancels = await _call(hass, "cancel", {"orders": placed["order"]})
    assert cancels == {"orders": [{"order": placed["order"], "cancel_requested": True}]}


@pytest.mark.usefixtures("second_entry")
async def test_several_accounts_need_an_id(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """With several accounts loaded, leaving the account out is refused, saying so."""
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "add_order", {"service": 1, "link": LINK, "quantity": 100})
    _assert_refused(
        raised.value, "account_required", {"accounts": "127.0.0.1, second-panel"}
    )
    with pytest.raises(ServiceValidationError):
        await _call(hass, "get_order_status", {"orders": "1"})
    assert panel.orders == {}

    status = await call(hass, "get_services", setup_integration)
    assert status["currency"] == "USD"


async def test_no_loaded_account(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """With no account loaded, leaving the account out says there is none."""
    await hass.config_entries.async_unload(setup_integration.entry_id)

    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "get_services", {})
    _assert_refused(raised.value, "no_account_loaded", {})


@pytest.mark.usefixtures("second_entry")
async def test_order_sensors_name_the_orders_and_the_account(
    hass: HomeAssistant,
    panel: Panel,
    other_panel: tuple[Panel, str],
    setup_integration: MockConfigEntry,
) -> None:
    """Refill, cancel and untrack take order sensors, mixed with ids if wanted.

    The sensors decide the account: no config_entry_id, though two are loaded.
    """
    second_panel, _ = other_panel
    done = panel.create_order(1, link=LINK, quantity=100)
    panel.advance(3600)
    running = panel.create_order(1, link=f"{LINK}run", quantity=5000)
    other = panel.create_order(1, link=f"{LINK}other", quantity=5000)
    await call(hass, "track_order", setup_integration, {"orders": [done, running]})
    assert panel.orders[done].status is PanelOrderStatus.COMPLETED

    refills = await _call(hass, "refill", {"entity_id": f"{ORDER_SENSOR}{done}"})
    (refill_id,) = panel.refills
    assert refills == {"refills": [{"order": done, "refill": refill_id}]}

    cancels = await _call(
        hass,
        "cancel",
        {"entity_id": [f"{ORDER_SENSOR}{running}"], "orders": f"{other}, {running}"},
    )
    assert cancels == {
        "orders": [
            {"order": running, "cancel_requested": True},
            {"order": other, "cancel_requested": True},
        ]
    }
    assert second_panel.request_counts["cancel"] == 0

    await _call(
        hass,
        "untrack_order",
        {
            ATTR_CONFIG_ENTRY_ID: setup_integration.entry_id,
            "entity_id": [f"{ORDER_SENSOR}{done}", f"{ORDER_SENSOR}{running}"],
        },
        response=False,
    )
    await hass.async_block_till_done()
    assert order_sensor_ids(hass, setup_integration) == set()


async def test_entities_that_are_not_order_sensors_are_refused(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    second_entry: MockConfigEntry,
    other_panel: tuple[Panel, str],
) -> None:
    """Other entities, unknown ones, two accounts' sensors or a wrong account: refused."""
    second_panel, _ = other_panel
    mine = panel.create_order(1, link=LINK, quantity=100)
    theirs = second_panel.create_order(1, link=LINK, quantity=100)
    await call(hass, "track_order", setup_integration, {"orders": [mine]})
    await call(hass, "track_order", second_entry, {"orders": [theirs]})
    assert f"{OTHER_ORDER_SENSOR}{theirs}" in hass.states.async_entity_ids("sensor")

    cases: list[tuple[dict[str, Any], str, dict[str, str]]] = [
        (
            {"entity_id": "sensor.smm_panel_127_0_0_1_balance"},
            "not_an_order_sensor",
            {"entity_id": "sensor.smm_panel_127_0_0_1_balance"},
        ),
        (
            {"entity_id": "event.smm_panel_127_0_0_1_order_events"},
            "not_an_order_sensor",
            {"entity_id": "event.smm_panel_127_0_0_1_order_events"},
        ),
        (
            {"entity_id": "sensor.nothing_here"},
            "not_an_order_sensor",
            {"entity_id": "sensor.nothing_here"},
        ),
        (
            {"entity_id": [f"{ORDER_SENSOR}{mine}", f"{OTHER_ORDER_SENSOR}{theirs}"]},
            "order_sensors_of_several_accounts",
            {},
        ),
        (
            {
                ATTR_CONFIG_ENTRY_ID: second_entry.entry_id,
                "entity_id": f"{ORDER_SENSOR}{mine}",
            },
            "order_sensors_of_another_account",
            {},
        ),
        ({ATTR_CONFIG_ENTRY_ID: setup_integration.entry_id}, "no_orders_given", {}),
        (
            {
                "entity_id": f"{ORDER_SENSOR}{mine}",
                "orders": [str(order_id) for order_id in range(1, 1001)],
            },
            "too_many_orders",
            {"count": "1001", "max": "1000"},
        ),
    ]
    for action in ("refill", "cancel", "untrack_order"):
        for data, key, placeholders in cases:
            with pytest.raises(ServiceValidationError) as raised:
                await _call(hass, action, data, response=action != "untrack_order")
            _assert_refused(raised.value, key, placeholders)
    assert panel.request_counts["cancel"] == 0
    assert panel.request_counts["refill"] == 0
    assert order_sensor_ids(hass, setup_integration) == {mine}
