"""Order sensors tell the refill their service promises, and until when."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, State
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smmpanel.api import RefillTerm
from custom_components.smmpanel.const import CONF_FINISHED_ORDER_RETENTION
from panel_simulator import Panel, Service, ServiceType

from .helpers import (
    DAY,
    LINK,
    ORDER_SENSOR,
    TRANSLATIONS,
    call,
    frozen_poll,
    load_catalogue,
    move_to,
    state_of,
    stored_tracking,
)

REFILL_30_DAYS = 1  # Instagram Followers - Real [Refill 30D]
NO_REFILL = 2  # Instagram Followers - Cheap [No Refill]
SILENT = 3  # Instagram Likes - Fast: its name promises nothing
DESCRIBED = 16  # TikTok Followers: its name promises nothing, its description may
LIFETIME = 30
REFILL_7_DAYS = 31
REFILL_ATTRIBUTES = {"refill_guarantee", "refill_guarantee_days", "refill_until"}


def _service(service_id: int, name: str) -> Service:
    """Return a refillable service to offer on the simulated panel."""
    return Service(
        service_id=service_id,
        name=name,
        type=ServiceType.DEFAULT,
        category="TikTok",
        rate=Decimal("2.50"),
        min_quantity=100,
        max_quantity=20000,
        refill=True,
    )


@pytest.fixture
async def entry(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
) -> MockConfigEntry:
    """Set up the account, keeping finished orders 10 days, on a frozen clock."""
    panel.add_service(_service(LIFETIME, "TikTok Followers | Lifetime Refill"))
    panel.add_service(_service(REFILL_7_DAYS, "TikTok Followers [Refill 7D]"))
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_FINISHED_ORDER_RETENTION: 10 * 24}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


async def _place(
    hass: HomeAssistant, entry: MockConfigEntry, service: int, link: str = LINK
) -> int:
    """Place an order of 1000 with the Place order action; return its id."""
    response = await call(
        hass, "add_order", entry, {"service": service, "link": link, "quantity": 1000}
    )
    order_id: int = response["order"]
    return order_id


def _refill_attributes(state: State) -> dict[str, Any]:
    return {
        key: value
        for key, value in state.attributes.items()
        if key in REFILL_ATTRIBUTES
    }


async def _finish(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, panel: Panel
) -> None:
    """Let the panel deliver every order, and the integration see it."""
    panel.advance(DAY)
    await frozen_poll(hass, freezer)


@pytest.mark.parametrize(
    ("service", "placed", "finished"),
    [
        (
            REFILL_30_DAYS,
            {"refill_guarantee": "days", "refill_guarantee_days": 30},
            {"refill_guarantee": "days", "refill_guarantee_days": 30, "until": 30},
        ),
        (LIFETIME, {"refill_guarantee": "lifetime"}, {"refill_guarantee": "lifetime"}),
        (
            NO_REFILL,
            {"refill_guarantee": "no_refill"},
            {"refill_guarantee": "no_refill"},
        ),
    ],
    ids=["30 days", "lifetime", "no refill"],
)
async def test_refill_guarantee_of_a_completed_order(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    entry: MockConfigEntry,
    service: int,
    placed: dict[str, Any],
    finished: dict[str, Any],
) -> None:
    """The service's name gives the guarantee; a period ends its days after completion."""
    order_id = await _place(hass, entry, service)
    sensor = f"{ORDER_SENSOR}{order_id}"
    assert _refill_attributes(state_of(hass, sensor)) == placed

    await _finish(hass, freezer, panel)

    state = state_of(hass, sensor)
    assert state.state == "completed"
    completed_at = state.attributes["finished_at"]
    assert completed_at == dt_util.utcnow()
    expected = dict(finished)
    if (days := expected.pop("until", None)) is not None:
        expected["refill_until"] = completed_at + timedelta(days=days)
    assert _refill_attributes(state) == expected


async def test_no_guess_without_a_stated_promise(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    entry: MockConfigEntry,
) -> None:
    """Only a stated period counts: a refillable service that names none has nothing.

    Not the panel's refill flag, not a refill without its period ("Auto Refill"),
    and not an order tracked from elsewhere, whose service is not known.
    """
    panel.update_service(DESCRIBED, description="Auto Refill. Real accounts.")
    promised = await _place(hass, entry, REFILL_30_DAYS)
    silent = await _place(hass, entry, SILENT)
    described = await _place(hass, entry, DESCRIBED)
    elsewhere = panel.create_order(REFILL_30_DAYS, link=f"{LINK}/web", quantity=1000)
    await call(hass, "track_order", entry, {"orders": [elsewhere]})

    await _finish(hass, freezer, panel)

    assert "refill_until" in state_of(hass, f"{ORDER_SENSOR}{promised}").attributes
    for order_id in (silent, described, elsewhere):
        state = state_of(hass, f"{ORDER_SENSOR}{order_id}")
        assert state.state == "completed"
        assert _refill_attributes(state) == {}


async def test_refill_until_survives_a_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Set up again, with no catalogue fetched yet, the order ends its period as before.

    The name the order was placed with is stored with it, and so is when it finished.
    """
    order_id = await _place(hass, entry, REFILL_30_DAYS)
    await _finish(hass, freezer, panel)
    sensor = f"{ORDER_SENSOR}{order_id}"
    before = _refill_attributes(state_of(hass, sensor))
    assert before["refill_until"] == dt_util.utcnow() + timedelta(days=30)

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await frozen_poll(hass, freezer)

    stored = stored_tracking(hass_storage, entry).orders[order_id]
    assert stored["service_name"] == "Instagram Followers - Real [Refill 30D]"
    assert dt_util.parse_datetime(stored["finished_at"]) == before[
        "refill_until"
    ] - timedelta(days=30)
    assert _refill_attributes(state_of(hass, sensor)) == before


async def test_the_name_bought_is_kept(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    entry: MockConfigEntry,
) -> None:
    """A service renamed after the order was placed does not change what it promised."""
    order_id = await _place(hass, entry, REFILL_30_DAYS)
    panel.update_service(REFILL_30_DAYS, name="Instagram Followers - Real [No Refill]")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await load_catalogue(hass, entry)  # a fresh copy: the service renamed

    await _finish(hass, freezer, panel)

    state = state_of(hass, f"{ORDER_SENSOR}{order_id}")
    assert state.attributes["refill_guarantee_days"] == 30
    assert state.attributes["refill_until"] == state.attributes[
        "finished_at"
    ] + timedelta(days=30)


async def test_refill_until_of_a_partial_order_not_a_canceled_one(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    entry: MockConfigEntry,
) -> None:
    """A partial order was delivered: its period runs. A canceled one was not."""
    partial = None
    for attempt in range(20):
        order_id = await _place(hass, entry, REFILL_30_DAYS, f"{LINK}/{attempt}")
        delivery = panel.orders[order_id].delivery
        assert delivery is not None
        if delivery.undelivered:
            partial = order_id
            break
    assert partial is not None, "the seed makes no partial order"
    canceled = await _place(hass, entry, REFILL_30_DAYS, f"{LINK}/canceled")
    await call(hass, "cancel", entry, {"orders": [canceled]})

    await _finish(hass, freezer, panel)

    partial_state = state_of(hass, f"{ORDER_SENSOR}{partial}")
    assert partial_state.state == "partial"
    assert partial_state.attributes["refill_until"] == partial_state.attributes[
        "finished_at"
    ] + timedelta(days=30)
    canceled_state = state_of(hass, f"{ORDER_SENSOR}{canceled}")
    assert canceled_state.state == "canceled"
    assert _refill_attributes(canceled_state) == {
        "refill_guarantee": "days",
        "refill_guarantee_days": 30,
    }


async def test_description_read_once_the_catalogue_is_fetched(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    entry: MockConfigEntry,
) -> None:
    """A promise only the description states shows while the catalogue is held.

    After a restart nothing fetched the catalogue yet: the attributes appear as soon
    as something does, without waiting for a poll.
    """
    panel.update_service(DESCRIBED, description="Real accounts. Refill: 60 days.")
    order_id = await _place(hass, entry, DESCRIBED)
    await _finish(hass, freezer, panel)
    sensor = f"{ORDER_SENSOR}{order_id}"
    completed_at = state_of(hass, sensor).attributes["finished_at"]
    expected = {
        "refill_guarantee": "days",
        "refill_guarantee_days": 60,
        "refill_until": completed_at + timedelta(days=60),
    }
    assert _refill_attributes(state_of(hass, sensor)) == expected

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert _refill_attributes(state_of(hass, sensor)) == {}

    await load_catalogue(hass, entry)
    assert _refill_attributes(state_of(hass, sensor)) == expected


async def test_refill_after_the_period_is_still_asked(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    entry: MockConfigEntry,
) -> None:
    """The period is what the name says, not a rule: the panel decides a late refill."""
    order_id = await _place(hass, entry, REFILL_7_DAYS)
    await _finish(hass, freezer, panel)
    sensor = f"{ORDER_SENSOR}{order_id}"
    refill_until = state_of(hass, sensor).attributes["refill_until"]
    assert refill_until == dt_util.utcnow() + timedelta(days=7)

    await move_to(hass, freezer, refill_until + timedelta(days=1))
    assert state_of(hass, sensor).attributes["refill_until"] < dt_util.utcnow()
    response = await call(hass, "refill", entry, {ATTR_ENTITY_ID: sensor})

    (refill,) = panel.refills.values()
    assert refill.order_id == order_id
    assert response == {"refills": [{"order": order_id, "refill": refill.refill_id}]}


@pytest.mark.parametrize("translation_key", ["order_status", "order_status_service"])
def test_refill_attributes_are_translated(translation_key: str) -> None:
    """The details dialog names the attributes, and each kind of guarantee."""
    attributes = TRANSLATIONS["entity"]["sensor"][translation_key]["state_attributes"]
    assert attributes.keys() >= REFILL_ATTRIBUTES
    assert attributes["refill_guarantee"]["state"].keys() == {
        term.value for term in RefillTerm
    }
