"""The service catalogue: off the setup path, fetched when an action needs it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smmpanel.const import DOMAIN
from panel_simulator.faults import Fault
from panel_simulator.panel import Panel

from .helpers import (
    REQUEST_TIMEOUT,
    RecordingFaults,
    call,
    short_request_timeout,
    state_of,
)

__all__ = ["short_request_timeout"]

BALANCE_ENTITY = "sensor.smm_panel_127_0_0_1_balance"
LINK = "https://www.instagram.com/p/catalogue/"
TRANSLATIONS: dict[str, Any] = json.loads(
    (
        Path(__file__).parent.parent
        / "custom_components"
        / DOMAIN
        / "translations"
        / "en.json"
    ).read_text(encoding="utf-8")
)


@pytest.fixture
def catalogue_down(panel: Panel) -> Iterator[None]:
    """Make every `services` request fail, as on panels whose catalogue times out."""
    panel.faults.inject(Fault.HTTP_500, action="services", times=None)
    yield
    panel.faults.clear()


@pytest.mark.usefixtures("catalogue_down")
async def test_setup_needs_only_the_balance(
    hass: HomeAssistant, panel: Panel, config_entry: MockConfigEntry
) -> None:
    """A panel whose catalogue fails still sets up; balance and orders update."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    assert panel.request_counts["services"] == 0
    assert state_of(hass, BALANCE_ENTITY).state == "1000.00000"

    order_id = panel.create_order(1, link=LINK, quantity=100)
    response = await call(hass, "track_order", config_entry, {"orders": [order_id]})
    assert response["orders"][0]["status"] == "pending"
    assert panel.request_counts["services"] == 0


@pytest.mark.usefixtures("catalogue_down")
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("get_services", {}),
        ("add_order", {"service": 1, "link": LINK, "quantity": 100}),
    ],
)
async def test_actions_needing_the_catalogue_fail_translated(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    action: str,
    data: dict[str, Any],
) -> None:
    """Only the actions that need the catalogue fail, saying it cannot be fetched."""
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, action, setup_integration, data)

    error = caught.value
    assert error.translation_key == "catalogue_unavailable"
    assert error.translation_placeholders == {
        "title": "127.0.0.1",
        "error": "The panel is unavailable (HTTP 500)",
    }
    assert "{title}" in TRANSLATIONS["exceptions"]["catalogue_unavailable"]["message"]
    assert panel.request_counts["services"] == 1
    assert panel.request_counts["add"] == 0
    assert state_of(hass, BALANCE_ENTITY).state != STATE_UNAVAILABLE


async def test_catalogue_is_fetched_once_when_first_needed(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Calls that need the catalogue at once share one request; later ones none."""
    assert panel.request_counts["services"] == 0

    responses = await asyncio.gather(
        *(call(hass, "get_services", setup_integration) for _ in range(3))
    )

    assert panel.request_counts["services"] == 1
    assert all(
        len(response["services"]) == len(panel.services) for response in responses
    )
    await call(
        hass,
        "add_order",
        setup_integration,
        {"service": 1, "link": LINK, "quantity": 100},
    )
    assert panel.request_counts["services"] == 1


async def test_old_catalogue_is_refreshed_in_the_background(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """After 12 hours the cached catalogue answers while a fresh one is fetched."""
    await call(hass, "get_services", setup_integration)
    freezer.tick(timedelta(hours=11, minutes=59))
    await call(hass, "get_services", setup_integration)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert panel.request_counts["services"] == 1

    panel.services[500] = replace(panel.services[1], service_id=500, name="New one")
    freezer.tick(timedelta(minutes=2))
    stale = await call(hass, "get_services", setup_integration, {"search": "new one"})
    await hass.async_block_till_done(wait_background_tasks=True)
    fresh = await call(hass, "get_services", setup_integration, {"search": "new one"})

    assert stale["services"] == []
    assert [row["service"] for row in fresh["services"]] == [500]
    assert panel.request_counts["services"] == 2

    # A failed background refresh keeps the cached catalogue, and says nothing.
    freezer.tick(timedelta(hours=13))
    panel.faults.inject(Fault.HTTP_503, action="services")
    await call(hass, "get_services", setup_integration)
    await hass.async_block_till_done(wait_background_tasks=True)
    response = await call(
        hass, "get_services", setup_integration, {"search": "new one"}
    )
    assert [row["service"] for row in response["services"]] == [500]


@pytest.mark.parametrize(
    "fault",
    [
        Fault.CATALOGUE_EMPTY_LIST,
        Fault.CATALOGUE_EMPTY_DATA,
        Fault.CATALOGUE_UNREADABLE,
    ],
)
async def test_an_empty_answer_keeps_the_cached_catalogue(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    fault: Fault,
) -> None:
    """A panel under maintenance lists nothing: the actions keep the catalogue."""
    await call(hass, "get_services", setup_integration)
    freezer.tick(timedelta(hours=13))
    panel.faults.inject(fault)

    await call(hass, "get_services", setup_integration)
    await hass.async_block_till_done(wait_background_tasks=True)
    response = await call(hass, "get_services", setup_integration)

    assert not panel.faults.rules
    assert len(response["services"]) == len(panel.services)


async def test_an_empty_first_answer_is_not_kept(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """With nothing cached an empty answer is what the action gets, but the next
    action asks the panel again rather than using it for 12 hours."""
    panel.faults.inject(Fault.CATALOGUE_EMPTY_DATA)

    empty = await call(hass, "get_services", setup_integration)
    listed = await call(hass, "get_services", setup_integration)

    assert empty["services"] == []
    assert len(listed["services"]) == len(panel.services)
    assert panel.request_counts["services"] == 2


async def test_each_call_gets_the_outcome_of_the_fetch_it_waited_for(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Two calls wait for a fetch that times out; a call made as it fails starts a
    fetch of its own, which succeeds. The first two fail, the third gets the
    catalogue."""
    panel.faults = faults = RecordingFaults()
    faults.inject(Fault.TIMEOUT, action="services", seconds=10 * REQUEST_TIMEOUT)
    waiting = [
        hass.async_create_task(call(hass, "get_services", setup_integration))
        for _ in range(2)
    ]
    await faults.hit.wait()

    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    later = await call(hass, "get_services", setup_integration)
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)

    for outcome in outcomes:
        assert isinstance(outcome, HomeAssistantError)
        assert outcome.translation_key == "catalogue_unavailable"
    assert len(later["services"]) == len(panel.services)
    assert panel.request_counts["services"] == 2
