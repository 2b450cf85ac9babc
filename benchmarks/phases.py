"""The phases of a benchmark, each in a process of its own, as a Home Assistant run.

Populating tracks the orders through the integration's action, as a user does, and
measures their memory. Measuring restarts Home Assistant on the same config directory
(the orders come back from storage) and times its setup and refreshes, beside the naive
baseline's polls. Watching for stalls does the same with asyncio's debug mode on, which
slows everything down and so gets a run of its own.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Coroutine
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import gc
import os
from pathlib import Path
import tracemalloc
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.runner import create_event_loop

from custom_components.smmpanel.api import RowError, SmmPanelClient
from custom_components.smmpanel.const import DEFAULT_SCAN_INTERVAL
from custom_components.smmpanel.coordinator import SmmPanelConfigEntry

from .baseline import NaivePoller
from .home_assistant import async_add_panel_account, async_home_assistant, panel_account
from .panel_control import PanelControl, PanelSnapshot, request_floor
from .probes import (
    Cost,
    Stall,
    async_metered,
    counting_state_writes,
    recording_stalls,
    traced_bytes,
)
from .workload import API_KEY

# A busy refresh comes after one scan interval of the panel's time.
SCAN_INTERVAL_SECONDS = DEFAULT_SCAN_INTERVAL * 60.0
STALL_THRESHOLD_SECONDS = 0.05
# Raised scheduling priority of the phases, where the system allows it (as root).
PHASE_NICENESS = -10


class RefreshKind(StrEnum):
    """What happened at the panel since the previous refresh."""

    IDLE = "idle"
    """Nothing: the panel's clock stood still."""
    BUSY = "busy"
    """One scan interval passed: orders progressed, some finished, refills moved."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseInput:
    """What every phase needs to know."""

    config_dir: Path
    api_url: str
    control_url: str
    order_ids: tuple[int, ...]
    refill_order_ids: tuple[int, ...]
    rounds: int
    """Refreshes of each kind."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Poll:
    """One poll of the panel: the requests it sent, its cost, the states it wrote."""

    requests: Counter[str]
    cost: Cost
    state_writes: Counter[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Round:
    """One refresh of the integration and one poll of the baseline, at the same moment."""

    kind: RefreshKind
    active_orders: int
    pending_refills: int
    integration: Poll
    baseline: Poll

    @property
    def request_floor(self) -> Counter[str]:
        """Return the fewest requests the API allows for this refresh."""
        return request_floor(self.active_orders, self.pending_refills)


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurement:
    """What the measuring phase found."""

    setup: Cost
    rounds: tuple[Round, ...]


def populate(spec: PhaseInput) -> float:
    """Add the account, track its orders and refills; return bytes per tracked order."""
    return _run(_async_populate(spec))


def measure(spec: PhaseInput) -> Measurement:
    """Restart on the populated config directory; time its setup and refreshes."""
    return _run(_async_measure(spec))


def watch_stalls(spec: PhaseInput) -> tuple[Stall, ...]:
    """Restart on the config directory; return what held the event loop too long."""
    return _run(_async_watch_stalls(spec))


def _run[T](main: Coroutine[Any, Any, T]) -> T:
    # Other work on the machine should preempt Home Assistant as little as it can:
    # a callback preempted half-way looks as slow as one doing twice the work.
    with contextlib.suppress(PermissionError):
        os.nice(PHASE_NICENESS)
    return asyncio.run(main, loop_factory=create_event_loop)


async def _async_populate(spec: PhaseInput) -> float:
    async with async_home_assistant(spec.config_dir) as hass:
        entry = await async_add_panel_account(hass, spec.api_url, API_KEY)
        coordinator = entry.runtime_data
        tracemalloc.start()
        try:
            before = traced_bytes()
            await coordinator.async_track_orders(spec.order_ids)
            await hass.async_block_till_done()
            per_order = (traced_bytes() - before) / len(spec.order_ids)
        finally:
            tracemalloc.stop()
        refills = await coordinator.async_refill(spec.refill_order_ids)
        if refused := [
            order_id
            for order_id, refill in refills.items()
            if isinstance(refill, RowError)
        ]:
            raise RuntimeError(f"The panel refused to refill orders {refused}")
        await hass.async_block_till_done()
    return per_order


async def _async_set_up(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError("The integration did not set up")
    await hass.async_block_till_done()


async def _async_refresh(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
    """Refresh the account, then write the tracking if the refresh scheduled that.

    The integration writes its tracking some seconds after a refresh that changed it;
    the harness cannot wait that long at every refresh, so it writes at once.
    """
    coordinator = entry.runtime_data
    tracker = coordinator.tracker
    with patch.object(
        tracker, "schedule_save", wraps=tracker.schedule_save
    ) as schedule_save:
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    if schedule_save.called:
        await tracker.async_save()


async def _async_measure(spec: PhaseInput) -> Measurement:
    async with (
        async_home_assistant(spec.config_dir) as hass,
        ClientSession() as session,
    ):
        panel = PanelControl(session, spec.control_url)
        entry = panel_account(hass)
        _, setup = await async_metered(_async_set_up(hass, entry))
        tracker = entry.runtime_data.tracker
        baseline = NaivePoller(
            hass,
            SmmPanelClient(async_get_clientsession(hass), spec.api_url, API_KEY),
            tracker.orders.keys(),
            tracker.refills.keys(),
        )
        snapshot = await panel.async_snapshot()
        rounds: list[Round] = []
        for kind in [RefreshKind.IDLE] * spec.rounds + [RefreshKind.BUSY] * spec.rounds:
            # What was in flight at the last refresh is what this one must poll.
            in_flight = snapshot
            if kind is RefreshKind.BUSY:
                await panel.async_advance(SCAN_INTERVAL_SECONDS)
            snapshot, baseline_poll = await _async_poll(
                hass, panel, snapshot, baseline.async_poll()
            )
            snapshot, integration_poll = await _async_poll(
                hass, panel, snapshot, _async_refresh(hass, entry)
            )
            rounds.append(
                Round(
                    kind=kind,
                    active_orders=len(in_flight.active_order_ids),
                    pending_refills=len(in_flight.pending_refill_ids),
                    integration=integration_poll,
                    baseline=baseline_poll,
                )
            )
    return Measurement(setup=setup, rounds=tuple(rounds))


async def _async_poll(
    hass: HomeAssistant,
    panel: PanelControl,
    before: PanelSnapshot,
    poll: Coroutine[Any, Any, None],
) -> tuple[PanelSnapshot, Poll]:
    """Run a poll; return the panel's state after it, and what the poll did."""
    # Each poll starts without the garbage of the one before.
    gc.collect()
    with counting_state_writes(hass) as state_writes:
        _, cost = await async_metered(poll)
    after = await panel.async_snapshot()
    return after, Poll(
        requests=after.request_counts - before.request_counts,
        cost=cost,
        state_writes=state_writes,
    )


async def _async_watch_stalls(spec: PhaseInput) -> tuple[Stall, ...]:
    async with (
        async_home_assistant(spec.config_dir) as hass,
        ClientSession() as session,
    ):
        panel = PanelControl(session, spec.control_url)
        entry = panel_account(hass)
        stalls: list[Stall] = []
        with recording_stalls(STALL_THRESHOLD_SECONDS) as recorded:
            await _async_set_up(hass, entry)
            await _async_refresh(hass, entry)
        stalls += recorded
        for _ in range(spec.rounds):
            await panel.async_advance(SCAN_INTERVAL_SECONDS)
            with recording_stalls(STALL_THRESHOLD_SECONDS) as recorded:
                await _async_refresh(hass, entry)
            stalls += recorded
    return tuple(stalls)
