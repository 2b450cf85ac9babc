"""How well each service delivers: its figures, their storage, action and sensors."""

from __future__ import annotations

from itertools import count
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import OrderStatus, Panel

from .helpers import berlin, call, move_to, start_in_berlin

BERLIN = "Europe/Berlin"
DAY = 24 * 3600.0
LINK = "https://www.instagram.com/p/stats"
STATS_KEY = f"{DOMAIN}.01KSMMPANELTESTENTRY0000000.service_stats"
MEDIAN = "sensor.1_instagram_followers_real_median_time_to_complete"
_LINKS = count()
RATE = "sensor.1_instagram_followers_real_completion_rate"


async def _place(hass: HomeAssistant, entry: MockConfigEntry, service: int) -> int:
    response = await call(
        hass,
        "add_order",
        entry,
        {"service": service, "link": f"{LINK}/{next(_LINKS)}", "quantity": 100},
    )
    order_id: int = response["order"]
    return order_id


async def _finish_all(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, panel: Panel, moment: str
) -> None:
    """Let every order at the panel finish, and poll at `moment` (Berlin)."""
    panel.advance(DAY)
    await move_to(hass, freezer, berlin(moment))


def _truth(panel: Panel, order_ids: list[int]) -> dict[str, int]:
    """Return the counts and quantities the panel itself shows for orders."""
    now = panel.clock.now()
    progress = [panel.find_order(order_id).progress(now) for order_id in order_ids]
    return {
        "orders": len(order_ids),
        "completed": sum(p.status is OrderStatus.COMPLETED for p in progress),
        "partial": sum(p.status is OrderStatus.PARTIAL for p in progress),
        "canceled": sum(p.status is OrderStatus.CANCELED for p in progress),
        "ordered_quantity": 100 * len(order_ids),
        "delivered_quantity": sum(100 - p.remains for p in progress),
    }


async def _stats(
    hass: HomeAssistant, entry: MockConfigEntry, **filters: Any
) -> list[dict[str, Any]]:
    response = await call(hass, "get_service_stats", entry, filters)
    services: list[dict[str, Any]] = response["services"]
    return services


COUNTS = (
    "orders",
    "completed",
    "partial",
    "canceled",
    "ordered_quantity",
    "delivered_quantity",
)


def _counts(figures: dict[str, Any]) -> dict[str, int]:
    return {key: figures[key] for key in COUNTS}


async def test_figures_count_each_order_once_through_polls_retracking_restarts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Orders placed here count their time; one first seen finished counts none."""
    await start_in_berlin(hass, freezer, config_entry, "2026-03-10 10:00:00")
    first = await _place(hass, config_entry, 1)
    await move_to(hass, freezer, berlin("2026-03-10 10:05:00"))
    second = await _place(hass, config_entry, 1)
    canceled = await _place(hass, config_entry, 1)
    panel.request_cancel(canceled)
    # Placed at the panel's website a day earlier, tracked here once finished.
    seen_done = panel.create_order(1, link=f"{LINK}/website", quantity=100)
    await _finish_all(hass, freezer, panel, "2026-03-10 10:15:00")
    await call(hass, "track_order", config_entry, {"orders": [seen_done]})
    orders = [first, second, canceled, seen_done]

    # Newest first: the one tracked by id was first seen last.
    tracked_by_id, figures = await _stats(hass, config_entry)
    # A status answer names no service: orders tracked by id count under none.
    assert tracked_by_id["service"] is None
    # Nor its quantity: what it ordered and delivered is unknown.
    assert _counts(tracked_by_id) == {
        **_truth(panel, [seen_done]),
        "ordered_quantity": 0,
        "delivered_quantity": 0,
    }
    assert tracked_by_id["delivered_share"] is None
    assert tracked_by_id["median_seconds_to_complete"] is None
    truth = _truth(panel, [first, second, canceled])
    assert truth["canceled"] == 1
    assert _counts(figures) == truth
    # The first took 15 minutes, the second 10; the canceled and the one first
    # seen finished have no time to complete.
    timed = sorted(
        seconds
        for order_id, seconds in ((first, 900.0), (second, 600.0))
        if panel.find_order(order_id).progress(panel.clock.now()).status
        is OrderStatus.COMPLETED
    )
    assert figures["median_seconds_to_complete"] == (
        sum(timed) / len(timed) if timed else None
    )
    assert figures["p90_seconds_to_complete"] == (timed[-1] if timed else None)
    assert figures["service"] == 1
    assert figures["name"] == "Instagram Followers - Real [Refill 30D]"
    assert figures["completion_rate"] == round(truth["completed"] * 100 / 3, 1)

    # Polled again, untracked and tracked again: still counted once.
    await move_to(hass, freezer, berlin("2026-03-10 10:30:00"))
    await call(
        hass, "untrack_order", config_entry, {"orders": orders}, return_response=False
    )
    await call(hass, "track_order", config_entry, {"orders": orders})
    await move_to(hass, freezer, berlin("2026-03-10 10:45:00"))
    assert await _stats(hass, config_entry) == [tracked_by_id, figures]

    # Through a restart.
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert STATS_KEY in hass_storage
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert await _stats(hass, config_entry) == [tracked_by_id, figures]


async def test_refills_requested_count_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
) -> None:
    """Each refill requested counts for the service of its order."""
    await start_in_berlin(hass, freezer, config_entry, "2026-03-10 10:00:00")
    order_id = await _place(hass, config_entry, 1)
    await _finish_all(hass, freezer, panel, "2026-03-10 10:15:00")
    await call(hass, "refill", config_entry, {"orders": [order_id]})
    await move_to(hass, freezer, berlin("2026-03-10 10:30:00"))
    await move_to(hass, freezer, berlin("2026-03-10 10:45:00"))

    [figures] = await _stats(hass, config_entry)
    assert figures["refills"] == 1


async def test_periods_are_the_users_days(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
) -> None:
    """A day is a day in Home Assistant's time zone, not in UTC."""
    await start_in_berlin(hass, freezer, config_entry, "2026-03-10 23:00:00")
    await _place(hass, config_entry, 1)
    await _finish_all(hass, freezer, panel, "2026-03-10 23:30:00")
    await _place(hass, config_entry, 2)
    # 00:30 in Berlin is still March 10 in UTC.
    await _finish_all(hass, freezer, panel, "2026-03-11 00:30:00")

    today = await _stats(hass, config_entry, period="day")
    assert [figures["service"] for figures in today] == [2]
    two_days = await _stats(hass, config_entry, period="day", count=2)
    assert [figures["service"] for figures in two_days] == [2, 1]
    assert [figures["service"] for figures in await _stats(hass, config_entry)] == [
        2,
        1,
    ]


async def test_the_action_filters_by_service_and_category(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
) -> None:
    """Services are picked by ID or by their catalogue category."""
    await start_in_berlin(hass, freezer, config_entry, "2026-03-10 10:00:00")
    await _place(hass, config_entry, 1)
    await move_to(hass, freezer, berlin("2026-03-10 10:01:00"))
    await _place(hass, config_entry, 3)
    await _finish_all(hass, freezer, panel, "2026-03-10 10:30:00")

    assert [f["service"] for f in await _stats(hass, config_entry)] == [3, 1]
    assert [f["service"] for f in await _stats(hass, config_entry, service=1)] == [1]
    assert [
        f["service"] for f in await _stats(hass, config_entry, category="likes")
    ] == [3]
    assert await _stats(hass, config_entry, service=1, category="likes") == []
    with pytest.raises(ServiceValidationError) as raised:
        await _stats(hass, config_entry, period="month", count=15)
    assert raised.value.translation_key == "too_many_periods"


async def test_an_unreadable_file_starts_over_and_bad_rows_are_skipped(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A file of a newer version starts over; a row that cannot be read is left out."""
    hass_storage[STATS_KEY] = {
        "version": 9,
        "minor_version": 1,
        "key": STATS_KEY,
        "data": {},
    }
    await start_in_berlin(hass, freezer, config_entry, "2026-03-10 10:00:00")
    assert "The service statistics of 127.0.0.1 cannot be read" in caplog.text
    assert await _stats(hass, config_entry) == []
    assert await hass.config_entries.async_unload(config_entry.entry_id)

    row = {
        "order_id": 7,
        "service_id": 2,
        "service_name": "Kept",
        "status": "partial",
        "placed_at": "2026-03-09T10:00:00+00:00",
        "finished_at": "2026-03-09T11:00:00+00:00",
        "seen_running": True,
        "quantity": 100,
        "remains": 40,
    }
    hass_storage[STATS_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STATS_KEY,
        "data": {
            "url": config_entry.data["url"],
            "orders": [row, {**row, "order_id": "eight"}, "garbage"],
            "refills": [{"refill_id": 3, "service_id": 2, "requested_at": "x"}],
        },
    }
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    [figures] = await _stats(hass, config_entry)
    assert figures["orders"] == 1
    assert figures["partial"] == 1
    assert figures["delivered_quantity"] == 60
    assert figures["delivered_share"] == 60.0
    assert figures["median_seconds_to_complete"] is None
    assert figures["refills"] == 0


async def test_a_watched_service_gets_its_figures_sensors_with_history(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The sensors appear once the service has a finished order, and stay."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=config_entry.entry_id,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        data=dict(config_entry.data),
        subentries_data=[
            ConfigSubentryData(
                subentry_type="watched_service",
                data={"service_id": 1},
                title="#1 · Instagram Followers - Real",
                unique_id="service_1",
            )
        ],
    )
    await start_in_berlin(hass, freezer, entry, "2026-03-10 10:00:00")
    order_id = await _place(hass, entry, 1)
    await move_to(hass, freezer, berlin("2026-03-10 10:01:00"))
    assert hass.states.get(MEDIAN) is None
    assert hass.states.get(RATE) is None

    await _finish_all(hass, freezer, panel, "2026-03-10 10:20:00")
    status = panel.find_order(order_id).progress(panel.clock.now()).status
    completed = status is OrderStatus.COMPLETED
    rate = hass.states.get(RATE)
    assert rate is not None
    assert float(rate.state) == (100.0 if completed else 0.0)
    assert rate.attributes["unit_of_measurement"] == "%"
    median = hass.states.get(MEDIAN)
    assert median is not None
    assert median.attributes["unit_of_measurement"] == "min"
    assert median.state == ("20.0" if completed else "unknown")
    registry_entry = entity_registry.async_get(RATE)
    assert registry_entry is not None
    assert registry_entry.config_subentry_id == next(iter(entry.subentries))

    # After a restart they are there at once.
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    rate = hass.states.get(RATE)
    assert rate is not None
    assert float(rate.state) == (100.0 if completed else 0.0)


async def test_a_search_tells_how_each_found_service_delivered(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    config_entry: MockConfigEntry,
) -> None:
    """Get services answers each service found with its figures in brief, as Get
    service statistics counts them; a service never ordered has none."""
    await start_in_berlin(hass, freezer, config_entry, "2026-03-10 10:00:00")
    await _place(hass, config_entry, 1)
    await move_to(hass, freezer, berlin("2026-03-10 10:05:00"))
    await _place(hass, config_entry, 1)
    panel.request_cancel(await _place(hass, config_entry, 1))
    await _finish_all(hass, freezer, panel, "2026-03-10 10:20:00")

    response = await call(
        hass,
        "get_services",
        config_entry,
        {"search": "instagram followers", "limit": 50},
    )
    found = {row["service"]: row["stats"] for row in response["services"]}
    [figures] = await _stats(hass, config_entry, service=1)
    assert figures["orders"] == 3
    assert found.pop(1) == {
        "orders": figures["orders"],
        "completion_rate": figures["completion_rate"],
        "median_seconds_to_complete": figures["median_seconds_to_complete"],
    }
    assert found
    assert set(found.values()) == {None}
