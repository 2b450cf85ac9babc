"""The targets the integration must meet, checked on the benchmark's results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from .harness import CatalogueResult, MemoryResult, SizeResult
from .metrics import KB, KIB, at_floor, baseline_cpu, integration_cpu
from .orders_card import SEARCH_RUNS, CardOpening
from .phases import (
    STALL_THRESHOLD_SECONDS,
    STEP_FLOOR_SECONDS,
    RefreshKind,
    WatchRefresh,
)
from .probes import Origin, Stall
from .service_stats import ServiceStatsCost

# CPU per refresh may grow this much faster than the number of orders between two
# sizes before it counts as growing faster than linearly (measurement noise).
LINEAR_GROWTH_SLACK = 1.25
BASELINE_CPU_RATIO = 10.0
BASELINE_RATIO_FROM_ORDERS = 1000
# What the integration's own code may allocate per tracked order; Home Assistant's
# share (the entity, its state and registry entry) is its own.
INTEGRATION_MEMORY_PER_ORDER_BYTES = 1.5 * KIB
# Below this, what an account holds whatever it tracks weighs on the memory per order.
MEMORY_CHECKED_FROM_ORDERS = 1000
CATALOGUE_CHECKED_FROM_SERVICES = 10_000
# The longest event-loop step a refresh of the catalogue watch may take to fetch,
# decode and diff the catalogue.
CATALOGUE_STEP_SECONDS = 0.025
# What opening a dashboard with the orders card may send for it over the websocket,
# and how long a search of its order form may take to answer.
CARD_OPENING_BYTES = 100 * KB
CARD_SEARCH_SECONDS = 0.1
# What counting a busy refresh's finished orders in the service figures may add.
SERVICE_STATS_SECONDS = 0.005


class Verdict(StrEnum):
    """Whether a target is met."""

    MET = "met"
    MISSED = "MISSED"
    NOT_MEASURED = "not measured"


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetResult:
    """A target and whether the results meet it."""

    target: str
    verdict: Verdict
    detail: str


def check_targets(
    results: Sequence[SizeResult], catalogue: CatalogueResult
) -> list[TargetResult]:
    """Return every target with its verdict."""
    return [
        *(check(results) for check in TARGETS),
        _catalogue_without_stalls(catalogue),
        _watch_steps(catalogue),
        _card_opening(catalogue),
        _card_search(catalogue),
    ]


def service_stats_target(cost: ServiceStatsCost) -> TargetResult:
    """Return whether updating the service figures keeps to its share of a refresh."""
    detail = (
        f"{cost.orders} orders: {cost.record_seconds * 1000:.2f} ms to count, and"
        f" {cost.write_seconds * 1000:.2f} ms to write in the batched save"
    )
    return _verdict(
        f"Updating the service figures adds under {SERVICE_STATS_SECONDS * 1000:.0f}"
        " ms to a busy refresh",
        [detail] if cost.record_seconds >= SERVICE_STATS_SECONDS else [],
        detail,
    )


def _verdict(target: str, failures: Sequence[str], passed: str) -> TargetResult:
    if failures:
        return TargetResult(
            target=target, verdict=Verdict.MISSED, detail="; ".join(failures)
        )
    return TargetResult(target=target, verdict=Verdict.MET, detail=passed)


def _requests_at_floor(results: Sequence[SizeResult]) -> TargetResult:
    failures = [
        f"{result.workload.orders} orders, {round_.kind} refresh: sent"
        f" {dict(round_.integration.requests)}, floor {dict(round_.request_floor)}"
        for result in results
        for round_ in result.rounds
        if not at_floor(round_)
    ]
    return _verdict(
        "Requests per refresh at the floor, 1 + ceil(active / 100)"
        " + ceil(pending refills / 100)",
        failures,
        f"all {sum(len(result.rounds) for result in results)} refreshes",
    )


def _no_idle_writes(results: Sequence[SizeResult]) -> TargetResult:
    failures = [
        f"{result.workload.orders} orders: {dict(round_.integration.state_writes)}"
        for result in results
        for round_ in result.rounds
        if round_.kind is RefreshKind.IDLE and round_.integration.state_writes
    ]
    idle = sum(
        round_.kind is RefreshKind.IDLE
        for result in results
        for round_ in result.rounds
    )
    return _verdict(
        "No state write on a refresh where nothing changed at the panel",
        failures,
        f"0 writes in all {idle} idle refreshes",
    )


def _cpu_linear(results: Sequence[SizeResult]) -> TargetResult:
    target = "CPU per refresh grows no faster than linearly with the tracked orders"
    if len(results) < 2:
        return TargetResult(
            target=target, verdict=Verdict.NOT_MEASURED, detail="one size only"
        )
    failures: list[str] = []
    checked: list[str] = []
    for smaller, larger in pairwise(sorted(results, key=_orders)):
        size_ratio = larger.workload.orders / smaller.workload.orders
        for kind in RefreshKind:
            cpu_ratio = larger.median(kind, integration_cpu) / smaller.median(
                kind, integration_cpu
            )
            text = (
                f"{smaller.workload.orders}→{larger.workload.orders} orders ({kind}):"
                f" x{cpu_ratio:.1f} for x{size_ratio:g}"
            )
            checked.append(text)
            if cpu_ratio > size_ratio * LINEAR_GROWTH_SLACK:
                failures.append(text)
    return _verdict(target, failures, "; ".join(checked))


def _cpu_below_baseline(results: Sequence[SizeResult]) -> TargetResult:
    target = (
        f"CPU per refresh at least {BASELINE_CPU_RATIO:g}x below the baseline's"
        f" from {BASELINE_RATIO_FROM_ORDERS} orders"
    )
    return _check_sizes(
        target,
        [
            result
            for result in results
            if result.workload.orders >= BASELINE_RATIO_FROM_ORDERS
        ],
        _baseline_ratio_failures,
        _baseline_ratios,
    )


def _baseline_ratios(result: SizeResult) -> str:
    return ", ".join(
        f"{result.workload.orders} orders ({kind}): x{_baseline_ratio(result, kind):.0f}"
        for kind in RefreshKind
    )


def _baseline_ratio(result: SizeResult, kind: RefreshKind) -> float:
    return result.median(kind, baseline_cpu) / result.median(kind, integration_cpu)


def _baseline_ratio_failures(result: SizeResult) -> bool:
    return any(
        _baseline_ratio(result, kind) < BASELINE_CPU_RATIO for kind in RefreshKind
    )


def _no_stalls_of_its_own(results: Sequence[SizeResult]) -> TargetResult:
    return _check_sizes(
        f"No event-loop callback over {STALL_THRESHOLD_SECONDS * 1000:g} ms but"
        " garbage collection, at every size",
        results,
        lambda result: bool(result.integration_stalls),
        _stall_summary,
    )


def _stall_summary(result: SizeResult) -> str:
    text = f"{result.workload.orders} orders: {stalls_text(result.stalls)}"
    if collections := result.setup_collections + result.refresh_collections:
        text += (
            f"; {len(collections)} full garbage collection(s) in setup and refreshes,"
            f" up to {max(collections) * 1000:.0f} ms"
        )
    return text


def stalls_text(stalls: Sequence[Stall]) -> str:
    """Return the callbacks over the threshold, with their garbage collection."""
    if not stalls:
        return "none"
    return ", ".join(
        f"{stall.seconds * 1000:.0f} ms ({stall.collecting_seconds * 1000:.0f} ms"
        f" collecting garbage) in {stall.callback[:100]}"
        for stall in stalls
    )


def _catalogue_without_stalls(catalogue: CatalogueResult) -> TargetResult:
    return _catalogue_target(
        f"Fetching and decoding a {CATALOGUE_CHECKED_FROM_SERVICES:,}-service"
        f" catalogue: no event-loop callback over {STALL_THRESHOLD_SECONDS * 1000:g} ms"
        " but garbage collection",
        catalogue,
        failed=bool(catalogue.integration_stalls),
        detail=stalls_text(catalogue.fetch.stalls),
    )


def _watch_steps(catalogue: CatalogueResult) -> TargetResult:
    watch = catalogue.watch
    refreshes = (watch.baseline, watch.changed)
    return _catalogue_target(
        f"Fetching, decoding and diffing a {CATALOGUE_CHECKED_FROM_SERVICES:,}-service"
        " catalogue (a watch refresh): no event-loop step over"
        f" {CATALOGUE_STEP_SECONDS * 1000:g} ms, garbage collection and the"
        " entities' state writes told apart",
        catalogue,
        failed=any(
            step.own_seconds > CATALOGUE_STEP_SECONDS
            for refresh in refreshes
            for step in refresh.steps
        ),
        detail=(
            f"longest {own_step_text(watch.baseline)} in the first refresh,"
            f" {own_step_text(watch.changed)} in the one after"
            f" {watch.edited_services} services changed; with everything in them,"
            f" {step_text(watch.baseline)}; {step_text(watch.changed)}"
        ),
    )


def _card_opening(catalogue: CatalogueResult) -> TargetResult:
    card = catalogue.card
    return _catalogue_target(
        "Opening a dashboard with the orders card: at most"
        f" {CARD_OPENING_BYTES / KB:g} kB over the websocket for it (its entities'"
        " states and its calls)",
        catalogue,
        failed=card.opening_bytes > CARD_OPENING_BYTES,
        detail=card_opening_text(card),
    )


def card_opening_text(card: CardOpening) -> str:
    """Return what opening the card sent for it, and what it read before."""
    return (
        f"{card.opening_bytes / KB:.1f} kB with {card.orders} orders: the states of"
        f" its {card.entities} entities {card.state_bytes / KB:.1f} kB, its"
        f" translations {card.translation_bytes / KB:.1f} kB (the whole catalogue it"
        f" read before: {card.catalogue_bytes / KB:,.0f} kB)"
    )


def _card_search(catalogue: CatalogueResult) -> TargetResult:
    slowest = catalogue.card.slowest_search
    return _catalogue_target(
        f"A search of the orders card's order form answers in under"
        f" {CARD_SEARCH_SECONDS * 1000:g} ms",
        catalogue,
        failed=slowest.wall_seconds >= CARD_SEARCH_SECONDS,
        detail=(
            f"the slowest, {slowest.query or '(none)'!r}, in"
            f" {slowest.wall_seconds * 1000:.1f} ms (median of {SEARCH_RUNS},"
            " wall, the answer encoded)"
        ),
    )


def own_step_text(refresh: WatchRefresh) -> str:
    """Return how long a watch refresh's longest step of its own took."""
    if (longest := refresh.longest_own_step) is None:
        return f"under {STEP_FLOOR_SECONDS * 1000:g} ms"
    return f"{longest.own_seconds * 1000:.0f} ms"


def step_text(refresh: WatchRefresh) -> str:
    """Return a watch refresh's longest step, with what it spent on what."""
    if (longest := refresh.longest_step) is None:
        return f"under {STEP_FLOOR_SECONDS * 1000:g} ms"
    return (
        f"{longest.seconds * 1000:.0f} ms, {longest.writing_states_seconds * 1000:.0f}"
        f" ms of it updating the entities ({refresh.state_writes} state writes)"
        f" and {longest.collecting_seconds * 1000:.0f} ms collecting garbage"
    )


def _catalogue_target(
    target: str, catalogue: CatalogueResult, *, failed: bool, detail: str
) -> TargetResult:
    """Return a target on the large catalogue, checked from its size on."""
    services = catalogue.fetch.services
    if services < CATALOGUE_CHECKED_FROM_SERVICES:
        return TargetResult(
            target=target,
            verdict=Verdict.NOT_MEASURED,
            detail=f"{services} services only",
        )
    detail = f"{services} services: {detail}"
    return _verdict(target, [detail] if failed else [], detail)


def _check_sizes[R](
    target: str,
    results: Sequence[R],
    failed: Callable[[R], bool],
    describe: Callable[[R], str],
) -> TargetResult:
    if not results:
        return TargetResult(
            target=target, verdict=Verdict.NOT_MEASURED, detail="no such size measured"
        )
    return _verdict(
        target,
        [describe(result) for result in results if failed(result)],
        "; ".join(map(describe, results)),
    )


def _memory_per_order(results: Sequence[SizeResult]) -> TargetResult:
    return memory_target([result.memory for result in results])


def memory_target(results: Sequence[MemoryResult]) -> TargetResult:
    """Return whether the integration's own memory per tracked order is in bounds."""
    return _check_sizes(
        "Memory allocated by the integration's code per tracked order at most"
        f" {INTEGRATION_MEMORY_PER_ORDER_BYTES / KIB:g} KiB from"
        f" {MEMORY_CHECKED_FROM_ORDERS} orders",
        [
            result
            for result in results
            if result.workload.orders >= MEMORY_CHECKED_FROM_ORDERS
        ],
        lambda result: (
            integration_memory_per_order(result) > INTEGRATION_MEMORY_PER_ORDER_BYTES
        ),
        _memory_summary,
    )


def integration_memory_per_order(result: SizeResult | MemoryResult) -> float:
    """Return the bytes per tracked order the integration's code allocated."""
    return result.footprint.bytes_per_order_by_origin.get(Origin.INTEGRATION, 0.0)


def _memory_summary(result: MemoryResult) -> str:
    footprint = result.footprint
    by_origin = footprint.bytes_per_order_by_origin
    return (
        f"{result.workload.orders} orders:"
        f" {integration_memory_per_order(result) / KIB:.2f} KiB (of"
        f" {footprint.bytes_per_order / KIB:.1f} KiB in all; Home Assistant's code"
        f" {by_origin.get(Origin.HOME_ASSISTANT, 0.0) / KIB:.1f})"
    )


def _orders(result: SizeResult) -> int:
    return result.workload.orders


TARGETS: tuple[Callable[[Sequence[SizeResult]], TargetResult], ...] = (
    _requests_at_floor,
    _no_idle_writes,
    _cpu_linear,
    _cpu_below_baseline,
    _no_stalls_of_its_own,
    _memory_per_order,
)
