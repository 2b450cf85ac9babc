"""The benchmark harness still works: a small account through every phase.

Only behaviour is asserted (requests at the floor, no state write when nothing
changed, every service returned, every change to a watched service found): times and
memory are for scripts/benchmark, on a quiet machine, to judge.
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
import re
import time

import pytest

from benchmarks.__main__ import main as benchmark_main
from benchmarks.harness import async_run_benchmark, async_run_catalogue_benchmark
from benchmarks.orders_card import CARD_ORDERS, SEARCH_LIMIT, SEARCHES
from benchmarks.phases import STALL_THRESHOLD_SECONDS, RefreshKind
from benchmarks.probes import recording_full_collections, recording_stalls
from benchmarks.report import Machine, render_markdown
from benchmarks.service_stats import measure_service_stats
from benchmarks.targets import Verdict, check_targets, service_stats_target
from benchmarks.workload import Workload


async def test_small_account_through_every_phase(
    socket_enabled: None, tmp_path: Path
) -> None:
    """Every refresh is measured at the floor, beside a baseline polling each order.

    The catalogue, small here, comes whole through the action, timed and watched,
    and a watch of it finds what the panel changed.
    """
    workload = Workload.of_size(10)

    results = await async_run_benchmark([workload], rounds=1, work_dir=tmp_path)
    catalogue = await async_run_catalogue_benchmark(100, work_dir=tmp_path)

    (result,) = results
    assert result.workload == workload
    assert [round_.kind for round_ in result.rounds] == list(RefreshKind)
    for round_ in result.rounds:
        assert round_.active_orders == 3
        assert round_.pending_refills == workload.refills
        assert round_.integration.requests == round_.request_floor
        assert round_.baseline.requests == {
            "balance": 1,
            "status": workload.orders,
            "refill_status": workload.refills,
        }
        assert round_.baseline.state_writes.total() == 1 + 10 + workload.refills
    idle, busy = result.rounds
    assert not idle.integration.state_writes
    assert busy.integration.state_writes
    assert catalogue.fetch.services == 100
    assert catalogue.body_bytes > 100 * 200
    exact = {
        decoder.name: decoder.exact
        for decoder in catalogue.decoders
        if decoder.installed
    }
    assert exact["json with a Python object hook, in the executor (the integration's)"]
    assert not exact["orjson, in the executor"]
    # The orders card: its entities (the orders, the balance, what was spent, the
    # low balance), and a search per query, answered by the server.
    card = catalogue.card
    assert (card.orders, card.entities) == (CARD_ORDERS, CARD_ORDERS + 5)
    assert card.state_bytes > CARD_ORDERS * 200
    assert card.translation_bytes > 1000
    assert card.catalogue_bytes > 100 * 200
    assert [search.query for search in card.searches] == list(SEARCHES)
    answered = {search.query: search.services for search in card.searches}
    assert answered[""] == SEARCH_LIMIT
    assert answered["no such service"] == 0
    assert all(search.wall_seconds > 0 for search in card.searches)

    page = render_markdown(
        results,
        catalogue,
        check_targets(results, catalogue),
        Machine.this_one(),
        "scripts/benchmark",
    )
    assert "| 10 | busy | 3 + 1 |" in page
    assert "| 100 | 0.1 |" in page
    assert "| after the changes | 60 | 50 (50) |" in page
    assert "| (none: the form opening) | 50 |" in page
    assert "Opening a dashboard with the orders card" in page
    assert (
        "| json with a Python object hook, in the executor (the integration's) |"
        in (page)
    )


async def test_catalogue_watch_finds_every_change(
    socket_enabled: None, tmp_path: Path
) -> None:
    """The watch's first refresh is the baseline; the next finds what the panel changed.

    Of 1000 services, 200 are watched: 20 rates rise, 20 fall, 20 limits widen and 20
    services go; 10 of the 20 watched categories get new services.
    """
    catalogue = await async_run_catalogue_benchmark(1000, work_dir=tmp_path)

    watch = catalogue.watch
    assert (watch.watched_services, watch.watched_categories) == (200, 20)
    assert watch.edited_services == 100
    assert watch.baseline.changes == 0
    assert watch.changed.changes == watch.expected_changes == 4 * 20 + 10
    for refresh in (watch.baseline, watch.changed):
        assert refresh.cost.wall_seconds > 0
        assert refresh.diff_seconds > 0
        assert refresh.steps


def spin(seconds: float) -> None:
    """Keep the CPU busy for some seconds of CPU time."""
    deadline = time.process_time() + seconds
    while time.process_time() < deadline:
        pass


async def test_stalls_are_recorded() -> None:
    """A callback busy past the threshold is reported; one merely waiting is not.

    Its time is CPU time: what other processes of the machine run meanwhile does not
    count.
    """
    loop = asyncio.get_running_loop()
    with recording_stalls(STALL_THRESHOLD_SECONDS) as recorder:
        loop.call_soon(spin, STALL_THRESHOLD_SECONDS * 2)
        loop.call_soon(time.sleep, STALL_THRESHOLD_SECONDS * 2)
        await asyncio.sleep(0.01)

    (stall,) = recorder.stalls
    assert stall.own_seconds > STALL_THRESHOLD_SECONDS
    assert stall.wall_seconds >= stall.seconds
    assert "spin" in stall.callback


async def test_writing_states_is_set_apart() -> None:
    """Time a callback spends writing states is not its own."""
    loop = asyncio.get_running_loop()
    with recording_stalls(STALL_THRESHOLD_SECONDS) as recorder:

        def write_states() -> None:
            with recorder.writing_states():
                spin(STALL_THRESHOLD_SECONDS * 2)

        loop.call_soon(write_states)
        await asyncio.sleep(0.01)

    (stall,) = recorder.stalls
    assert stall.writing_states_seconds > STALL_THRESHOLD_SECONDS * 2
    assert stall.own_seconds < STALL_THRESHOLD_SECONDS


def test_full_collections_are_recorded() -> None:
    """A full garbage collection in the block is recorded; a young one is not."""
    with recording_full_collections() as pauses:
        gc.collect(0)
        gc.collect()

    assert len(pauses) == 1


def test_service_stats_update_is_measured() -> None:
    """Counting a busy refresh's finished orders is timed and checked on its target."""
    cost = measure_service_stats(500)

    assert cost.orders == 500
    assert cost.record_seconds > 0
    assert cost.write_seconds > 0
    target = service_stats_target(cost)
    assert target.verdict is not Verdict.NOT_MEASURED
    assert "500 orders" in target.detail


def test_memory_alone(socket_enabled: None, capsys: pytest.CaptureFixture[str]) -> None:
    """`--memory-only` tracks the orders alone and prints their memory, by whose
    code and by the integration's file, with its target, writing no file."""
    assert benchmark_main(["--memory-only", "--orders", "10", "20"]) == 0

    page = capsys.readouterr().out
    assert re.search(r"^\| 10 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$", page, re.MULTILINE)
    assert re.search(r"^\| 20 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$", page, re.MULTILINE)
    assert re.search(r"^\| sensor\.py \| \d+ \| \d+ \|$", page, re.MULTILINE)
    assert "| file | 10 orders, B | 20 orders, B |" in page
    assert "from 1000 orders: not measured. no such size measured." in page
