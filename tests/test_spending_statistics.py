"""The recorder compiles long-term statistics of the spend sensors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from panel_simulator import Panel

SPENT_TODAY = "sensor.smm_panel_127_0_0_1_spent_today"
SPENT_MONTH = "sensor.smm_panel_127_0_0_1_spent_this_month"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant, then allow custom integrations."""


async def _refresh_at(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    moment: datetime,
) -> None:
    freezer.move_to(moment)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def test_spend_statistics(
    hass: HomeAssistant,
    panel: Panel,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Spend sums up in the statistics, across the reset at midnight."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    start = datetime(2026, 11, 30, 22, 50, tzinfo=dt_util.UTC)  # 23:50 in Berlin
    freezer.move_to(start)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    panel.create_order(1, link="https://instagram.com/stats/1", quantity=1000)
    await _refresh_at(hass, freezer, config_entry, start.replace(minute=51))
    panel.create_order(1, link="https://instagram.com/stats/2", quantity=1000)
    await _refresh_at(hass, freezer, config_entry, start.replace(minute=52))
    # Midnight in Berlin: the day starts again.
    panel.create_order(1, link="https://instagram.com/stats/3", quantity=1000)
    await _refresh_at(hass, freezer, config_entry, start.replace(hour=23, minute=1))
    assert hass.states.get(SPENT_TODAY).state == "1.20000"  # type: ignore[union-attr]
    await async_wait_recording_done(hass)

    for period in (start, start.replace(hour=23, minute=0)):
        do_adhoc_statistics(hass, start=period)
        await async_wait_recording_done(hass)
    freezer.move_to(start.replace(hour=23, minute=10))
    statistics = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        start,
        None,
        {SPENT_TODAY, SPENT_MONTH},
        "5minute",
        None,
        {"state", "sum"},
    )
    today = [(row["state"], row["sum"]) for row in statistics[SPENT_TODAY]]
    assert today == [
        (pytest.approx(2.4), pytest.approx(2.4)),
        (1.2, pytest.approx(3.6)),
    ]
    month = [(row["state"], row["sum"]) for row in statistics[SPENT_MONTH]]
    assert month == [
        (pytest.approx(2.4), pytest.approx(2.4)),
        (1.2, pytest.approx(3.6)),
    ]
