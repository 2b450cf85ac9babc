"""The phases of a benchmark, each in a process of its own, as a Home Assistant run.

Populating tracks the orders through the integration's action, as a user does, and
measures their memory and the full garbage collections they set off. Measuring restarts
Home Assistant on the same config directory (the orders come back from storage) and
times its setup and refreshes, beside the naive baseline's polls. Watching for stalls
does the same with every event-loop callback timed, and records the full garbage
collections. Fetching the catalogue adds an account on a panel selling a large one and
asks for it through the integration's action, timed, then again with every callback
timed. Watching the catalogue adds an account watching services and categories of it
and refreshes the watch, every callback timed; after the panel changed its catalogue,
Home Assistant restarts and refreshes it again. Comparing decoders decodes the large
catalogue's JSON in several ways.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable, Sequence
import contextlib
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial
import gc
from itertools import batched
import os
from pathlib import Path
import statistics
import timeit
import tracemalloc
from types import MappingProxyType
from typing import Any, cast
from unittest.mock import patch

from aiohttp import ClientSession
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.runner import create_event_loop

from custom_components.smmpanel.api import SmmPanelClient
from custom_components.smmpanel.config_flow import watched_service_unique_id
from custom_components.smmpanel.const import (
    CONF_CATEGORY,
    CONF_NOTABLE_CHANGE,
    CONF_SERVICE_ID,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    SUBENTRY_WATCHED_CATEGORY,
    SUBENTRY_WATCHED_SERVICE,
)
from custom_components.smmpanel.coordinator import (
    CatalogueWatchCoordinator,
    SmmPanelConfigEntry,
    watched_categories,
    watched_services,
)
from custom_components.smmpanel.order_input import MAX_ORDER_IDS
from custom_components.smmpanel.services import SERVICE_GET_SERVICES
from custom_components.smmpanel.storage import CATALOGUE_WATCH, EntryStore
from custom_components.smmpanel.watch import diff_catalogue, watch_from_json

from .baseline import NaivePoller
from .catalogue import NOTABLE_CHANGE_PERCENT, Watchlist
from .decoders import DecoderResult, async_compare_decoders
from .home_assistant import (
    async_add_panel_account,
    async_add_subentries,
    async_home_assistant,
    panel_account,
)
from .orders_card import CardOpening, async_open_orders_card
from .panel_control import PanelControl, PanelSnapshot, request_floor
from .probes import (
    TRACED_FRAMES,
    Cost,
    Origin,
    Stall,
    StepRecorder,
    async_metered,
    counting_state_writes,
    recording_full_collections,
    recording_stalls,
    timed_full_collection,
    traced_by_origin,
    traced_bytes,
    tracked_objects,
)
from .workload import API_KEY

# A busy refresh comes after one scan interval of the panel's time.
SCAN_INTERVAL_SECONDS = DEFAULT_SCAN_INTERVAL * 60.0
STALL_THRESHOLD_SECONDS = 0.05
# A watch refresh records every event-loop step from this long, to tell its longest.
STEP_FLOOR_SECONDS = 0.001
# The pure diff of the catalogue is timed this many times; its median counts.
DIFF_RUNS = 7
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
class CatalogueInput:
    """What the catalogue phase needs to know."""

    config_dir: Path
    api_url: str
    control_url: str
    services: int
    """Services the panel sells, all of which the action must return."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogueWatchInput:
    """What the catalogue watch phases need to know."""

    config_dir: Path
    api_url: str
    control_url: str
    watchlist: Watchlist
    """What the account the first phase adds watches."""


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
class Footprint:
    """What tracking the orders left in Home Assistant, and the collections it cost."""

    bytes_per_order: float
    """All a tracked order holds: its data, entity, state and registry entry."""
    bytes_per_order_by_origin: dict[Origin, float]
    """The same, by whose code allocated it."""
    integration_bytes_per_order_by_file: dict[str, float]
    """The integration's part, by the file of its code that allocated it."""
    objects_per_order: float
    """Objects the garbage collector tracks, which its full collections go through."""
    base_collection_seconds: float
    """A full collection of Home Assistant's heap, the account tracking no order."""
    full_collections: tuple[float, ...]
    """The pauses of the full collections while the orders were being tracked."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurement:
    """What the measuring phase found."""

    setup: Cost
    rounds: tuple[Round, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Watch:
    """What held the event loop too long, and the full garbage collections."""

    stalls: tuple[Stall, ...]
    setup_collections: tuple[float, ...]
    """The pauses of the full collections during setup."""
    refresh_collections: tuple[float, ...]
    """The pauses of the full collections during the refreshes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogueFetch:
    """What fetching the catalogue through the integration's action cost."""

    services: int
    """Services the action returned."""
    setup: Cost
    """The entry's reload before the call, which may fetch the catalogue itself."""
    call: Cost
    stalls: tuple[Stall, ...]
    """What held the event loop too long from the reload on, when it was watched."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchRefresh:
    """What one refresh of the catalogue watch found and cost."""

    changes: int
    """Changes to the watched services and categories the refresh announced."""
    cost: Cost
    """The refresh, every event-loop step of it timed."""
    steps: tuple[Stall, ...]
    """Every event-loop step of the refresh from STEP_FLOOR_SECONDS on."""
    state_writes: int
    """Entity states the refresh wrote: every watched service's and category's."""
    diff_seconds: float
    """The median time of `diff_catalogue` alone on the refresh's input."""

    @property
    def longest_step(self) -> Stall | None:
        """Return the refresh's longest event-loop step, all it did in it counted."""
        return max(self.steps, key=lambda step: step.seconds, default=None)

    @property
    def longest_own_step(self) -> Stall | None:
        """Return the longest step of fetching, decoding and diffing the catalogue.

        Garbage collection and Home Assistant writing the entities' states are set
        apart.
        """
        return max(self.steps, key=lambda step: step.own_seconds, default=None)


def integration_stalls(stalls: Iterable[Stall]) -> list[Stall]:
    """Return the stalls of the integration's own code, garbage collection aside."""
    return [stall for stall in stalls if stall.own_seconds > STALL_THRESHOLD_SECONDS]


def populate(spec: PhaseInput) -> Footprint:
    """Add the account, track its orders and refills; return what the orders hold."""
    return _run(_async_populate(spec))


def measure(spec: PhaseInput) -> Measurement:
    """Restart on the populated config directory; time its setup and refreshes."""
    return _run(_async_measure(spec))


def watch_stalls(spec: PhaseInput) -> Watch:
    """Restart on the config directory; return what held the event loop too long."""
    return _run(_async_watch_stalls(spec))


def fetch_catalogue(spec: CatalogueInput) -> CatalogueFetch:
    """Add the account; fetch its catalogue through the action, timed, then watched."""
    return _run(_async_fetch_catalogue(spec))


def watch_catalogue(spec: CatalogueWatchInput) -> WatchRefresh:
    """Add the account watching the watchlist; refresh the watch, the first time."""
    return _run(_async_watch_catalogue(spec))


def rewatch_catalogue(spec: CatalogueWatchInput) -> WatchRefresh:
    """Restart on the config directory; refresh the watch of the catalogue again."""
    return _run(_async_rewatch_catalogue(spec))


def open_orders_card(spec: CatalogueInput) -> CardOpening:
    """Add an account with orders; measure opening the orders card, and its search."""
    return _run(async_open_orders_card(spec.config_dir, spec.api_url, spec.services))


def compare_decoders(body: bytes) -> tuple[DecoderResult, ...]:
    """Decode the catalogue's body every way the benchmark compares."""
    return _run(async_compare_decoders(body))


def _run[T](main: Coroutine[Any, Any, T]) -> T:
    # Other work on the machine should preempt Home Assistant as little as it can:
    # a callback preempted half-way looks as slow as one doing twice the work.
    with contextlib.suppress(PermissionError):
        os.nice(PHASE_NICENESS)
    return asyncio.run(main, loop_factory=create_event_loop)


async def _async_populate(spec: PhaseInput) -> Footprint:
    async with async_home_assistant(spec.config_dir) as hass:
        entry = await async_add_panel_account(hass, spec.api_url, API_KEY)
        base_collection = timed_full_collection()
        objects_before = tracked_objects()
        tracemalloc.start(TRACED_FRAMES)
        try:
            since = tracemalloc.take_snapshot()
            before = traced_bytes()
            with recording_full_collections() as full_collections:
                await _async_call_on_orders(hass, entry, "track_order", spec.order_ids)
            held = traced_bytes() - before
            held_by_code = traced_by_origin(since)
        finally:
            tracemalloc.stop()
        objects = tracked_objects() - objects_before
        rows = await _async_call_on_orders(hass, entry, "refill", spec.refill_order_ids)
        if refused := [row["order"] for row in rows if "error" in row]:
            raise RuntimeError(f"The panel refused to refill orders {refused}")
    orders = len(spec.order_ids)
    return Footprint(
        bytes_per_order=held / orders,
        bytes_per_order_by_origin={
            origin: size / orders for origin, size in held_by_code.by_origin.items()
        },
        integration_bytes_per_order_by_file={
            filename: size / orders
            for filename, size in held_by_code.integration_by_file.items()
        },
        objects_per_order=objects / orders,
        base_collection_seconds=base_collection,
        full_collections=tuple(full_collections),
    )


async def _async_call_on_orders(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    action: str,
    order_ids: Sequence[int],
) -> list[dict[str, Any]]:
    """Call an action of the integration on orders, as many at once as it takes."""
    rows: list[dict[str, Any]] = []
    for chunk in batched(order_ids, MAX_ORDER_IDS, strict=False):
        response = await hass.services.async_call(
            DOMAIN,
            action,
            {ATTR_CONFIG_ENTRY_ID: entry.entry_id, "orders": list(chunk)},
            blocking=True,
            return_response=True,
        )
        assert response is not None
        (result,) = response.values()
        rows += cast(list[dict[str, Any]], result)
    await hass.async_block_till_done()
    return rows


async def _async_set_up(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError("The integration did not set up")
    await hass.async_block_till_done()


async def _async_refresh(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
    """Refresh the account, then write the tracking if the refresh scheduled that.

    The integration writes its tracking some seconds after a refresh that changed it;
    the harness cannot wait that long at every refresh, so it writes at once.
    """
    coordinator = entry.runtime_data.coordinator
    tracker = entry.runtime_data.tracker
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


async def _async_watch_stalls(spec: PhaseInput) -> Watch:
    async with (
        async_home_assistant(spec.config_dir) as hass,
        ClientSession() as session,
    ):
        panel = PanelControl(session, spec.control_url)
        entry = panel_account(hass)
        stalls: list[Stall] = []
        with (
            recording_stalls(STALL_THRESHOLD_SECONDS) as recorder,
            recording_full_collections() as setup_collections,
        ):
            await _async_set_up(hass, entry)
        stalls += recorder.stalls
        with recording_full_collections() as refresh_collections:
            with recording_stalls(STALL_THRESHOLD_SECONDS) as recorder:
                await _async_refresh(hass, entry)
            stalls += recorder.stalls
            for _ in range(spec.rounds):
                await panel.async_advance(SCAN_INTERVAL_SECONDS)
                with recording_stalls(STALL_THRESHOLD_SECONDS) as recorder:
                    await _async_refresh(hass, entry)
                stalls += recorder.stalls
    return Watch(
        stalls=tuple(stalls),
        setup_collections=tuple(setup_collections),
        refresh_collections=tuple(refresh_collections),
    )


async def _async_fetch_catalogue(spec: CatalogueInput) -> CatalogueFetch:
    async with (
        async_home_assistant(spec.config_dir) as hass,
        ClientSession() as session,
    ):
        panel = PanelControl(session, spec.control_url)
        entry = await async_add_panel_account(hass, spec.api_url, API_KEY)
        timed = await _async_fetch_afresh(
            hass, entry, panel, spec.services, contextlib.nullcontext()
        )
        watched = await _async_fetch_afresh(
            hass,
            entry,
            panel,
            spec.services,
            recording_stalls(STALL_THRESHOLD_SECONDS),
        )
    return replace(timed, stalls=watched.stalls)


async def _async_fetch_afresh(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    panel: PanelControl,
    services: int,
    watch: contextlib.AbstractContextManager[StepRecorder | None],
) -> CatalogueFetch:
    """Reload the entry, dropping the catalogue it holds, and call get_services.

    Wherever the integration fetches the catalogue, at setup or when asked, the panel
    must have answered exactly one `services` request by the end of the call.
    """
    before = await panel.async_snapshot()
    gc.collect()
    with watch as recorder:
        _, setup = await async_metered(_async_reload(hass, entry))
        response, call = await async_metered(
            hass.services.async_call(
                DOMAIN,
                SERVICE_GET_SERVICES,
                {ATTR_CONFIG_ENTRY_ID: entry.entry_id},
                blocking=True,
                return_response=True,
            )
        )
        await hass.async_block_till_done()
    after = await panel.async_snapshot()
    fetches = after.request_counts["services"] - before.request_counts["services"]
    if fetches != 1:
        raise RuntimeError(f"The catalogue was fetched {fetches} times, not once")
    if (returned := _service_count(response)) != services:
        raise RuntimeError(f"The action returned {returned} of {services} services")
    return CatalogueFetch(
        services=returned,
        setup=setup,
        call=call,
        stalls=() if recorder is None else tuple(recorder.stalls),
    )


async def _async_reload(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> None:
    if not await hass.config_entries.async_reload(entry.entry_id):
        raise RuntimeError("The integration did not set up again")
    await hass.async_block_till_done()


def _service_count(response: ServiceResponse) -> int:
    services = None if response is None else response.get("services")
    if not isinstance(services, list):
        raise TypeError(f"The action's response holds no list of services: {response}")
    return len(services)


def _watch_subentries(watchlist: Watchlist) -> list[ConfigSubentry]:
    """Return the subentries watching the watchlist, with the subentry flows' data."""
    return [
        *(
            ConfigSubentry(
                data=MappingProxyType(
                    {
                        CONF_SERVICE_ID: service_id,
                        CONF_NOTABLE_CHANGE: NOTABLE_CHANGE_PERCENT,
                    }
                ),
                subentry_type=SUBENTRY_WATCHED_SERVICE,
                title=f"#{service_id}",
                unique_id=watched_service_unique_id(service_id),
            )
            for service_id in watchlist.service_ids
        ),
        *(
            ConfigSubentry(
                data=MappingProxyType({CONF_CATEGORY: category}),
                subentry_type=SUBENTRY_WATCHED_CATEGORY,
                title=category,
                unique_id=f"category_{category}",
            )
            for category in watchlist.categories
        ),
    ]


async def _async_watch_catalogue(spec: CatalogueWatchInput) -> WatchRefresh:
    async with (
        async_home_assistant(spec.config_dir) as hass,
        ClientSession() as session,
    ):
        entry = await async_add_panel_account(hass, spec.api_url, API_KEY)
        await async_add_subentries(hass, entry, _watch_subentries(spec.watchlist))
        return await _async_refresh_watch(
            hass, entry, PanelControl(session, spec.control_url)
        )


async def _async_rewatch_catalogue(spec: CatalogueWatchInput) -> WatchRefresh:
    async with (
        async_home_assistant(spec.config_dir) as hass,
        ClientSession() as session,
    ):
        return await _async_refresh_watch(
            hass, panel_account(hass), PanelControl(session, spec.control_url)
        )


async def _async_refresh_watch(
    hass: HomeAssistant, entry: SmmPanelConfigEntry, panel: PanelControl
) -> WatchRefresh:
    """Set the account up, then refresh its catalogue watch, watched; time the diff.

    Setup checks the catalogue in the background, beside everything else it does:
    the panel fails that check, so that the refresh measured is the first to see the
    catalogue as it is, alone.
    """
    await panel.async_fail_next("services")
    await _async_set_up(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    watch = _failed_watch(entry)
    before = watch_from_json(
        await EntryStore(hass, entry, CATALOGUE_WATCH).async_load()
    )
    gc.collect()
    with (
        recording_stalls(STEP_FLOOR_SECONDS) as recorder,
        counting_state_writes(hass) as state_writes,
        patch.object(
            watch,
            "async_update_listeners",
            _writing_states(recorder, watch.async_update_listeners),
        ),
    ):
        _, cost = await async_metered(_async_refresh_watch_coordinator(hass, watch))
    if not watch.last_update_success or watch.data is None:
        raise RuntimeError("The catalogue watch did not refresh")
    diff = partial(
        diff_catalogue,
        before,
        entry.runtime_data.catalogue.services,
        watched_services(entry),
        watched_categories(entry),
    )
    return WatchRefresh(
        changes=len(watch.data.changes),
        cost=cost,
        steps=tuple(recorder.stalls),
        state_writes=state_writes.total(),
        diff_seconds=statistics.median(timeit.repeat(diff, number=1, repeat=DIFF_RUNS)),
    )


def _writing_states(
    recorder: StepRecorder, update_listeners: Callable[[], None]
) -> Callable[[], None]:
    """Return a coordinator's listener update, its time set apart as writing states."""

    def update_listeners_apart() -> None:
        with recorder.writing_states():
            update_listeners()

    return update_listeners_apart


def _failed_watch(entry: SmmPanelConfigEntry) -> CatalogueWatchCoordinator:
    """Return the account's catalogue watch, after its check at setup failed."""
    watch = entry.runtime_data.watch
    if watch is None:
        raise RuntimeError("The account watches nothing")
    if watch.last_update_success:
        raise RuntimeError("The catalogue check at setup did not fail")
    return watch


async def _async_refresh_watch_coordinator(
    hass: HomeAssistant, watch: CatalogueWatchCoordinator
) -> None:
    await watch.async_refresh()
    await hass.async_block_till_done()
