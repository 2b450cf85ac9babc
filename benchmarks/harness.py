"""The harness: serves each workload's panel and runs the phases against it.

The simulator runs in this process; each phase runs Home Assistant in a fresh process
of its own, so that its CPU time and memory are Home Assistant's and the integration's
alone, and each restart is a real one. The large catalogue gets a panel of its own,
whose catalogue the harness changes between two refreshes of a watch of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
import logging
import multiprocessing
from pathlib import Path
import statistics

from aiohttp import ClientSession

from panel_simulator import Panel, RunningSimulator, run_simulator

from . import phases
from .catalogue import async_catalogue_body, catalogue_edit, catalogue_panel, watchlist
from .decoders import DecoderResult
from .orders_card import CardOpening
from .phases import (
    CatalogueFetch,
    CatalogueInput,
    CatalogueWatchInput,
    Footprint,
    PhaseInput,
    RefreshKind,
    Round,
    WatchRefresh,
    integration_stalls,
)
from .probes import Cost, Stall
from .workload import Workload, stage_panel

_LOGGER = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryResult:
    """What tracking one workload's orders left in memory."""

    workload: Workload
    footprint: Footprint


@dataclass(frozen=True, slots=True, kw_only=True)
class SizeResult:
    """What the benchmark measured for one workload."""

    workload: Workload
    setup: Cost
    footprint: Footprint
    rounds: tuple[Round, ...]
    stalls: tuple[Stall, ...]
    setup_collections: tuple[float, ...]
    """The pauses of the full garbage collections during setup (watched)."""
    refresh_collections: tuple[float, ...]
    """The pauses of the full garbage collections during the watched refreshes."""

    @property
    def memory_per_order(self) -> float:
        """Return the bytes a tracked order holds in Home Assistant, all parts in."""
        return self.footprint.bytes_per_order

    @property
    def memory(self) -> MemoryResult:
        """Return what tracking the orders left in memory."""
        return MemoryResult(workload=self.workload, footprint=self.footprint)

    @property
    def integration_stalls(self) -> list[Stall]:
        """Return the stalls of the integration's own code, garbage collection aside."""
        return integration_stalls(self.stalls)

    def median(self, kind: RefreshKind, metric: Callable[[Round], float]) -> float:
        """Return the median of a metric over the rounds of one kind."""
        return statistics.median(
            metric(round_) for round_ in self.rounds if round_.kind is kind
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogueWatch:
    """What the benchmark measured of watching services and categories of it."""

    watched_services: int
    watched_categories: int
    edited_services: int
    """Services the panel changed, removed or added between the two refreshes."""
    expected_changes: int
    """Changes to the watched services and categories among them."""
    baseline: WatchRefresh
    """The first refresh, which sees the watched services and categories anew."""
    changed: WatchRefresh
    """The refresh after the panel changed its catalogue."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogueResult:
    """What the benchmark measured of fetching and watching a large catalogue."""

    body_bytes: int
    """The size of the panel's JSON answer to `services`."""
    fetch: CatalogueFetch
    card: CardOpening
    """What opening a dashboard with the orders card costs, and its search."""
    watch: CatalogueWatch
    decoders: tuple[DecoderResult, ...]
    """The ways of decoding that answer, compared."""

    @property
    def integration_stalls(self) -> list[Stall]:
        """Return the stalls of the integration's own code, garbage collection aside."""
        return integration_stalls(self.fetch.stalls)


@asynccontextmanager
async def _phase_pool() -> AsyncIterator[ProcessPoolExecutor]:
    """Yield a pool running each phase in a fresh process, one at a time."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        max_tasks_per_child=1,
    )
    try:
        yield pool
    finally:
        await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)


async def async_run_benchmark(
    workloads: Iterable[Workload], *, rounds: int, work_dir: Path
) -> list[SizeResult]:
    """Run every phase on each workload; keep Home Assistant's files under work_dir."""
    async with _phase_pool() as pool:
        return [
            await _async_run_workload(
                pool, workload, rounds, work_dir / f"orders-{workload.orders}"
            )
            for workload in workloads
        ]


async def async_run_catalogue_benchmark(
    services: int, *, work_dir: Path
) -> CatalogueResult:
    """Fetch and watch a catalogue of this many services; keep the files in work_dir."""
    panel = catalogue_panel(services)
    async with (
        _phase_pool() as pool,
        run_simulator(panel) as simulator,
        ClientSession() as session,
    ):
        body = await async_catalogue_body(session, simulator.url)
        spec = CatalogueInput(
            config_dir=work_dir / f"catalogue-{services}",
            api_url=simulator.url,
            control_url=simulator.base_url,
            services=services,
        )
        _LOGGER.info("%d services: fetching the catalogue", services)
        fetch = await asyncio.get_running_loop().run_in_executor(
            pool, phases.fetch_catalogue, spec
        )
        _LOGGER.info("%d services: opening the orders card", services)
        card = await asyncio.get_running_loop().run_in_executor(
            pool,
            phases.open_orders_card,
            replace(spec, config_dir=work_dir / f"catalogue-{services}-card"),
        )
        watch = await _async_watch_catalogue(
            pool, panel, simulator, work_dir / f"catalogue-{services}-watch"
        )
        _LOGGER.info("%d services: comparing ways of decoding them", services)
        decoders = await asyncio.get_running_loop().run_in_executor(
            pool, phases.compare_decoders, body
        )
    return CatalogueResult(
        body_bytes=len(body), fetch=fetch, card=card, watch=watch, decoders=decoders
    )


async def _async_watch_catalogue(
    pool: ProcessPoolExecutor,
    panel: Panel,
    simulator: RunningSimulator,
    config_dir: Path,
) -> CatalogueWatch:
    """Refresh a watch of the panel's catalogue, change the catalogue, refresh again."""
    loop = asyncio.get_running_loop()
    catalogue = tuple(panel.services.values())
    watched = watchlist(catalogue)
    edit = catalogue_edit(catalogue, watched)
    spec = CatalogueWatchInput(
        config_dir=config_dir,
        api_url=simulator.url,
        control_url=simulator.base_url,
        watchlist=watched,
    )
    _LOGGER.info(
        "%d services: watching %d services and %d categories (the panel fails the"
        " check that setup starts, on purpose)",
        len(catalogue),
        len(watched.service_ids),
        len(watched.categories),
    )
    baseline = await loop.run_in_executor(pool, phases.watch_catalogue, spec)
    edit.apply(panel)
    _LOGGER.info(
        "%d services: watching again, %d changed", len(catalogue), edit.services
    )
    changed = await loop.run_in_executor(pool, phases.rewatch_catalogue, spec)
    return CatalogueWatch(
        watched_services=len(watched.service_ids),
        watched_categories=len(watched.categories),
        edited_services=edit.services,
        expected_changes=edit.watched_changes(watched),
        baseline=baseline,
        changed=changed,
    )


async def async_run_memory_benchmark(
    workloads: Iterable[Workload], *, work_dir: Path
) -> list[MemoryResult]:
    """Track each workload's orders and measure their memory, the other phases left out.

    Home Assistant's files are kept under work_dir.
    """
    loop = asyncio.get_running_loop()
    results: list[MemoryResult] = []
    async with _phase_pool() as pool:
        for workload in workloads:
            config_dir = work_dir / f"orders-{workload.orders}"
            # The memory is measured before any refresh.
            async with _serving(workload, config_dir, rounds=0) as spec:
                _LOGGER.info("%d orders: tracking them", workload.orders)
                footprint = await loop.run_in_executor(pool, phases.populate, spec)
            results.append(MemoryResult(workload=workload, footprint=footprint))
    return results


@asynccontextmanager
async def _serving(
    workload: Workload, config_dir: Path, *, rounds: int
) -> AsyncIterator[PhaseInput]:
    """Serve a panel holding a workload's orders; yield what the phases need to know."""
    staged = stage_panel(workload)
    async with run_simulator(staged.panel) as simulator:
        yield PhaseInput(
            config_dir=config_dir,
            api_url=simulator.url,
            control_url=simulator.base_url,
            order_ids=staged.order_ids,
            refill_order_ids=staged.refillable_order_ids,
            rounds=rounds,
        )


async def _async_run_workload(
    pool: ProcessPoolExecutor, workload: Workload, rounds: int, config_dir: Path
) -> SizeResult:
    loop = asyncio.get_running_loop()
    async with _serving(workload, config_dir, rounds=rounds) as spec:
        _LOGGER.info("%d orders: tracking them", workload.orders)
        footprint = await loop.run_in_executor(pool, phases.populate, spec)
        _LOGGER.info("%d orders: measuring setup and refreshes", workload.orders)
        measurement = await loop.run_in_executor(pool, phases.measure, spec)
        _LOGGER.info("%d orders: watching the event loop", workload.orders)
        watch = await loop.run_in_executor(pool, phases.watch_stalls, spec)
    return SizeResult(
        workload=workload,
        setup=measurement.setup,
        footprint=footprint,
        rounds=measurement.rounds,
        stalls=watch.stalls,
        setup_collections=watch.setup_collections,
        refresh_collections=watch.refresh_collections,
    )
