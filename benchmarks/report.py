"""The benchmark's results as Markdown, with the machine they came from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
import os
from pathlib import Path
import platform

from homeassistant.const import __version__ as home_assistant_version

from .catalogue import (
    NOTABLE_CHANGE_PERCENT,
    SERVICES_ADDED_PER_CATEGORY,
    WATCHED_EDIT_CYCLE,
)
from .decoders import (
    BUSY_CALLBACK_SECONDS,
    EXACT_NUMBERS,
    RUNS as DECODER_RUNS,
    DecoderResult,
)
from .harness import CatalogueResult, CatalogueWatch, MemoryResult, SizeResult
from .metrics import (
    KB,
    KIB,
    POLLING_ACTIONS,
    active_orders,
    at_floor,
    baseline_cpu,
    baseline_requests,
    baseline_state_writes,
    baseline_wall,
    integration_cpu,
    integration_requests,
    integration_requests_of,
    integration_wall,
    pending_refills,
    state_writes,
)
from .orders_card import CARD_ORDERS, SEARCH_LIMIT, SEARCH_RUNS, CardOpening, Search
from .phases import (
    DIFF_RUNS,
    SCAN_INTERVAL_SECONDS,
    STALL_THRESHOLD_SECONDS,
    STEP_FLOOR_SECONDS,
    RefreshKind,
    WatchRefresh,
    integration_stalls,
)
from .probes import Origin, Stall
from .targets import (
    TargetResult,
    Verdict,
    card_opening_text,
    integration_memory_per_order,
    own_step_text,
    step_text,
)
from .workload import ACTIVE_SHARE, REFILL_SHARE

GIB = 1024**3
MB = 1000**2


@dataclass(frozen=True, slots=True, kw_only=True)
class Machine:
    """Where the benchmark ran."""

    cpu: str
    cores: int
    memory_gib: float
    python: str
    home_assistant: str
    system: str
    load: float
    """The one-minute load average when the benchmark started."""

    @classmethod
    def this_one(cls) -> Machine:
        """Return this machine."""
        return cls(
            cpu=_cpu_model(),
            cores=len(os.sched_getaffinity(0)),
            memory_gib=os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB,
            python=platform.python_version(),
            home_assistant=home_assistant_version,
            system=platform.platform(terse=True),
            load=os.getloadavg()[0],
        )

    def __str__(self) -> str:
        """Return the machine in one line."""
        return (
            f"{self.cpu}, {self.cores} cores, {self.memory_gib:.0f} GiB;"
            f" Python {self.python}, Home Assistant {self.home_assistant};"
            f" {self.system}; load average {self.load:.1f} at the start"
        )


def _cpu_model() -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or "unknown CPU"
    return next(
        (
            line.partition(":")[2].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join(f"| {' | '.join(line)} |" for line in lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _ratio(baseline: float, integration: float) -> str:
    return f"{baseline / integration:.0f}x" if integration else "-"


def _refresh_row(result: SizeResult, kind: RefreshKind) -> list[str]:
    median = partial(result.median, kind)
    rounds = [round_ for round_ in result.rounds if round_.kind is kind]
    return [
        str(result.workload.orders),
        str(kind),
        f"{median(active_orders):.0f} + {median(pending_refills):.0f}",
        " + ".join(
            f"{median(integration_requests_of(action)):.0f}"
            for action in POLLING_ACTIONS
        ),
        f"{sum(map(at_floor, rounds))}/{len(rounds)}",
        f"{median(baseline_requests):.0f}",
        _ratio(median(baseline_requests), median(integration_requests)),
        _ms(median(integration_cpu)),
        _ms(median(baseline_cpu)),
        _ratio(median(baseline_cpu), median(integration_cpu)),
        _ms(median(integration_wall)),
        _ms(median(baseline_wall)),
        _ratio(median(baseline_wall), median(integration_wall)),
        f"{median(state_writes):.0f}",
        f"{median(baseline_state_writes):.0f}",
    ]


def _stall_cells(stalls: Sequence[Stall]) -> list[str]:
    """Return the stall columns: how many, how many without GC, the longest."""
    longest = max(stalls, key=lambda stall: stall.seconds, default=None)
    return [
        str(len(stalls)),
        str(len(integration_stalls(stalls))),
        "-"
        if longest is None
        else f"{_ms(longest.seconds)} ({_ms(longest.collecting_seconds)})",
    ]


def _setup_row(result: SizeResult) -> list[str]:
    footprint = result.footprint
    by_origin = footprint.bytes_per_order_by_origin
    return [
        str(result.workload.orders),
        f"{result.setup.wall_seconds:.2f}",
        f"{result.setup.cpu_seconds:.2f}",
        f"{result.memory_per_order / KIB:.1f}",
        f"{by_origin.get(Origin.INTEGRATION, 0.0) / KIB:.1f}",
        f"{by_origin.get(Origin.HOME_ASSISTANT, 0.0) / KIB:.1f}",
        f"{footprint.objects_per_order:.1f}",
        *_stall_cells(result.stalls),
    ]


def _memory_row(result: MemoryResult) -> list[str]:
    by_origin = result.footprint.bytes_per_order_by_origin
    return [
        str(result.workload.orders),
        f"{result.footprint.bytes_per_order / KIB:.2f}",
        f"{integration_memory_per_order(result) / KIB:.2f}",
        f"{by_origin.get(Origin.HOME_ASSISTANT, 0.0) / KIB:.2f}",
    ]


def memory_by_file_table(results: Sequence[MemoryResult]) -> str:
    """Return the bytes per order the integration's code holds, by file and size.

    The files holding the most at the largest size come first.
    """
    by_file = [
        result.footprint.integration_bytes_per_order_by_file for result in results
    ]
    files = sorted(
        {filename for sizes in by_file for filename in sizes},
        key=lambda filename: (-by_file[-1].get(filename, 0.0), filename),
    )
    return _table(
        ["file", *(f"{result.workload.orders} orders, B" for result in results)],
        (
            [filename, *(f"{sizes.get(filename, 0.0):.0f}" for sizes in by_file)]
            for filename in files
        ),
    )


def render_memory(
    results: Sequence[MemoryResult], target: TargetResult, machine: Machine
) -> str:
    """Return what tracking the orders alone left in memory (`--memory-only`)."""
    table = _table(
        [
            "tracked orders",
            "memory per order KiB",
            "by the integration's code",
            "by Home Assistant's",
        ],
        map(_memory_row, results),
    )
    return f"""# Memory per tracked order

Machine: {machine}.

{table}

By the integration's code, per tracked order and file:

{memory_by_file_table(results)}

{target.target}: {target.verdict}. {target.detail}.
"""


def _collection_row(result: SizeResult) -> list[str]:
    footprint = result.footprint
    return [
        str(result.workload.orders),
        _ms(footprint.base_collection_seconds),
        _collections_cell(footprint.full_collections),
        _collections_cell(result.setup_collections),
        _collections_cell(result.refresh_collections),
    ]


def _collections_cell(pauses: Sequence[float]) -> str:
    """Return how many full collections there were, and the longest one's pause."""
    if not pauses:
        return "0"
    return f"{len(pauses)} ({_ms(max(pauses))})"


def _catalogue_row(catalogue: CatalogueResult) -> list[str]:
    fetch = catalogue.fetch
    return [
        str(fetch.services),
        f"{catalogue.body_bytes / MB:.1f}",
        _ms(fetch.setup.wall_seconds),
        _ms(fetch.call.wall_seconds),
        _ms(fetch.call.cpu_seconds),
        *_stall_cells(fetch.stalls),
    ]


def _watch_row(
    refresh_name: str, refresh: WatchRefresh, edited: int, expected: int
) -> list[str]:
    return [
        refresh_name,
        str(edited),
        f"{refresh.changes} ({expected})",
        _ms(refresh.cost.wall_seconds),
        _ms(refresh.cost.cpu_seconds),
        _ms(refresh.diff_seconds),
        str(refresh.state_writes),
        _step_cell(refresh.longest_step),
        "-" if (own := refresh.longest_own_step) is None else _ms(own.own_seconds),
    ]


def _step_cell(step: Stall | None) -> str:
    """Return a step's time, with its writing of states and garbage collection."""
    if step is None:
        return "-"
    return (
        f"{_ms(step.seconds)} ({_ms(step.writing_states_seconds)},"
        f" {_ms(step.collecting_seconds)})"
    )


def _decoder_row(decoder: DecoderResult) -> list[str]:
    if not decoder.installed:
        return [decoder.name, "not installed", "-", "-", "-"]
    return [
        decoder.name,
        _ms(decoder.cpu_seconds),
        _ms(decoder.wall_seconds),
        _ms(decoder.longest_wait_seconds),
        "yes" if decoder.exact else "no",
    ]


def _search_row(search: Search) -> list[str]:
    return [
        f"`{search.query}`" if search.query else "(none: the form opening)",
        str(search.services),
        f"{search.answer_bytes / KB:.1f}",
        f"{search.wall_seconds * 1000:.1f}",
    ]


def card_summary(card: CardOpening) -> str:
    """Return a paragraph on opening the orders card and searching its order form."""
    slowest = card.slowest_search
    return (
        f"On that panel, opening a dashboard with the orders card sends"
        f" {card_opening_text(card)}. A search of its order form answers at most"
        f" {SEARCH_LIMIT} services, the slowest in {slowest.wall_seconds * 1000:.1f} ms."
    )


def _watch_rows(watch: CatalogueWatch) -> list[list[str]]:
    return [
        _watch_row("first (baseline)", watch.baseline, 0, 0),
        _watch_row(
            "after the changes",
            watch.changed,
            watch.edited_services,
            watch.expected_changes,
        ),
    ]


def _stall_text(stalls: Sequence[Stall]) -> str:
    """Return how the integration held the event loop, garbage collection aside."""
    threshold = f"{STALL_THRESHOLD_SECONDS * 1000:g} ms"
    if own := integration_stalls(stalls):
        text = f"{len(own)} of its callbacks held the event loop over {threshold}"
    else:
        text = f"none of its callbacks held the event loop over {threshold}"
    if collecting := max((stall.collecting_seconds for stall in stalls), default=0.0):
        text += (
            f" (garbage collection paused the whole process for up to"
            f" {_ms(collecting)} ms)"
        )
    return text


def catalogue_summary(catalogue: CatalogueResult) -> str:
    """Return a paragraph on fetching the large catalogue."""
    fetch = catalogue.fetch
    return (
        f"Fetching a catalogue of {fetch.services} services"
        f" ({catalogue.body_bytes / MB:.1f} MB of JSON) through the"
        f" `smmpanel.get_services` action takes {_ms(fetch.call.wall_seconds)} ms"
        f" when nothing holds it yet, and {_stall_text(fetch.stalls)}."
    )


def watch_summary(catalogue: CatalogueResult) -> str:
    """Return a paragraph on refreshing a watch of the large catalogue."""
    watch = catalogue.watch
    changed = watch.changed
    return (
        f"Watching {watch.watched_services} services and {watch.watched_categories}"
        f" categories of it, a refresh of the watch after the panel changed"
        f" {watch.edited_services} services found {changed.changes} changes to the"
        f" watched ones ({watch.expected_changes} made) in"
        f" {_ms(changed.cost.wall_seconds)} ms; diffing the catalogue against the"
        f" watched slice alone takes {_ms(changed.diff_seconds)} ms. Fetching,"
        f" decoding and diffing the catalogue held the event loop"
        f" {own_step_text(changed)} at the longest, in the first refresh"
        f" {own_step_text(watch.baseline)}. The longest step is the coordinator's"
        f" update of the watched services' and categories' entities, in which Home"
        f" Assistant writes their states: {step_text(changed)}; in the first refresh"
        f" {step_text(watch.baseline)}."
    )


def decoders_summary(catalogue: CatalogueResult) -> str:
    """Return a paragraph on the ways of decoding the catalogue compared."""
    return (
        "The catalogue's JSON was decoded every way below, each"
        f" {DECODER_RUNS} times alone, then {DECODER_RUNS} times while the event loop"
        f" ran callbacks of {BUSY_CALLBACK_SECONDS * 1000:g} ms back to back, as a"
        " busy Home Assistant does, with garbage collection off: the longest time"
        " from one of those callbacks to the next is how long the decoding made the"
        " loop wait. A decoder that holds the interpreter's lock makes it wait the"
        " whole decoding, which grows with the catalogue and with a slower machine;"
        " json with a Python object hook gives the lock back after its switch"
        " interval, whatever the size. Rates exact: whether"
        f" {', '.join(EXACT_NUMBERS)} come back as the Decimal of their text."
    )


def summary(results: Sequence[SizeResult]) -> str:
    """Return a paragraph on the largest workload's results, for the README."""
    largest = max(results, key=lambda result: result.workload.orders)
    busy = partial(largest.median, RefreshKind.BUSY)
    stall_text = _stall_text(largest.stalls)
    integration_memory = integration_memory_per_order(largest)
    idle = partial(largest.median, RefreshKind.IDLE)
    return (
        f"Tracking {largest.workload.orders} orders, with"
        f" {largest.workload.refills} refills requested, a refresh of the account"
        f" sends {busy(integration_requests):.0f} requests, the fewest the API"
        f" allows, where polling each order and refill on its own, as the public API"
        f" clients do, sends {busy(baseline_requests):.0f}. A refresh in which"
        f" orders progressed costs {_ms(busy(integration_cpu))} ms of CPU,"
        f" {_ratio(busy(baseline_cpu), busy(integration_cpu))} less than that naive"
        f" polling, and one in which nothing changed"
        f" {_ms(idle(integration_cpu))} ms"
        f" ({_ratio(idle(baseline_cpu), idle(integration_cpu))} less) and writes"
        f" {idle(state_writes):.0f} entity states, where the naive way writes"
        f" {idle(baseline_state_writes):.0f}. The integration sets up in"
        f" {largest.setup.wall_seconds:.1f} s, each tracked order holds about"
        f" {largest.memory_per_order / KIB:.1f} KiB of memory in Home Assistant"
        f" ({integration_memory / KIB:.1f} KiB of it allocated by the integration's"
        f" code, the rest by Home Assistant's, for its entity, state and registry"
        f" entry), and {stall_text}."
    )


def collection_summary(results: Sequence[SizeResult]) -> str:
    """Return a paragraph on the full garbage collections at the largest size."""
    largest = max(results, key=lambda result: result.workload.orders)
    footprint = largest.footprint
    threshold = f"{STALL_THRESHOLD_SECONDS * 1000:g} ms"
    watched = largest.setup_collections + largest.refresh_collections
    longest = f" (up to {_ms(max(watched))} ms)" if watched else ""
    return (
        f"A full collection of Home Assistant's heap, before the account tracks any"
        f" order, takes {_ms(footprint.base_collection_seconds)} ms: more than the"
        f" {threshold} an event-loop step may take, whatever the integration does,"
        f" in any step it falls in. The interpreter sets one off when the objects"
        f" that outlived its younger generations since the last one reach a quarter"
        f" of those it kept then, so what the integration can do is leave fewer:"
        f" each of {largest.workload.orders} tracked orders leaves"
        f" {footprint.objects_per_order:.1f} objects for the collector, its"
        f" entity, state, registry entry and Home Assistant's listeners included."
        f" Tracking them set off {len(footprint.full_collections)} full"
        f" collection(s), and the watched setup and refreshes after a restart"
        f" {len(watched)}{longest}."
    )


def render_markdown(
    results: Sequence[SizeResult],
    catalogue: CatalogueResult,
    targets: Sequence[TargetResult],
    machine: Machine,
    command: str,
) -> str:
    """Return the results page."""
    refresh_table = _table(
        [
            "tracked orders",
            "refresh",
            "in flight (orders + refills)",
            f"requests ({' + '.join(POLLING_ACTIONS)})",
            "at the floor",
            "baseline requests",
            "ratio",
            "CPU ms",
            "baseline CPU ms",
            "ratio",
            "wall ms",
            "baseline wall ms",
            "ratio",
            "state writes",
            "baseline state writes",
        ],
        (_refresh_row(result, kind) for result in results for kind in RefreshKind),
    )
    setup_table = _table(
        [
            "tracked orders",
            "setup wall s",
            "setup CPU s",
            "memory per order KiB",
            "by the integration's code",
            "by Home Assistant's",
            "objects for the collector per order",
            f"callbacks over {STALL_THRESHOLD_SECONDS * 1000:g} ms",
            "without garbage collection",
            "longest CPU ms (collecting garbage)",
        ],
        map(_setup_row, results),
    )
    collection_table = _table(
        [
            "tracked orders",
            "full collection of Home Assistant's heap alone, ms",
            "full collections while tracking (longest ms)",
            "during setup",
            "during refreshes",
        ],
        map(_collection_row, results),
    )
    catalogue_table = _table(
        [
            "services",
            "JSON body MB",
            "reload wall ms",
            "call wall ms",
            "call CPU ms",
            f"callbacks over {STALL_THRESHOLD_SECONDS * 1000:g} ms",
            "without garbage collection",
            "longest CPU ms (collecting garbage)",
        ],
        [_catalogue_row(catalogue)],
    )
    watch_table = _table(
        [
            "watch refresh",
            "services changed at the panel",
            "changes found (made to the watched)",
            "wall ms",
            "CPU ms",
            f"diff_catalogue alone ms (median of {DIFF_RUNS})",
            "entity states written",
            "longest step CPU ms (updating the entities, collecting garbage)",
            "longest step fetching, decoding, diffing, CPU ms",
        ],
        _watch_rows(catalogue.watch),
    )
    search_table = _table(
        [
            "search",
            "services answered",
            "answer kB",
            f"wall ms (median of {SEARCH_RUNS})",
        ],
        map(_search_row, catalogue.card.searches),
    )
    decoder_table = _table(
        [
            "decoding",
            "CPU ms in Home Assistant's process (median)",
            "wall ms (median)",
            f"longest event-loop wait, CPU ms (worst of {DECODER_RUNS})",
            "rates exact",
        ],
        map(_decoder_row, catalogue.decoders),
    )
    target_table = _table(
        ["target", "result", "detail"],
        ([target.target, str(target.verdict), target.detail] for target in targets),
    )
    verdict = (
        "every target is met"
        if all(target.verdict is not Verdict.MISSED for target in targets)
        else "**some targets are not met**"
    )
    return f"""# Benchmarks: polling cost at scale

Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {verdict}.
Do not edit this page: run the benchmark again.

Machine: {machine}.

## Summary

{summary(results)}

{catalogue_summary(catalogue)} {watch_summary(catalogue)}

{card_summary(catalogue.card)}

## How it is measured

Each size runs against the panel simulator over loopback, in three fresh Home Assistant
processes (core, registries and entity platforms, as bootstrap sets them up) sharing
one config directory:

1. **Populate.** The account is added through the config flow, and the orders
   tracked with the integration's action: {ACTIVE_SHARE:.0%} still in flight, the
   others finished; then refills are requested for {REFILL_SHARE:.0%} as many orders.
   Memory per order is what tracemalloc sees allocated while tracking (tracked data,
   entities, states and registry entries), told apart by whose code allocated it:
   the integration's, or Home Assistant's (what a library allocates counts as its
   caller's). Before any order is tracked, a full garbage collection is forced and
   timed: the pause of Home Assistant's heap alone. The full collections the
   tracking sets off, and the objects it leaves for the collector, are counted.
   `scripts/benchmark --memory-only` runs this phase alone and lists the
   integration's share by file.
2. **Measure.** Home Assistant restarts: the integration's setup is timed, then come
   idle refreshes (nothing changed at the panel) and busy refreshes (the panel's clock
   moved on by the {SCAN_INTERVAL_SECONDS / 60:g}-minute scan interval: orders
   progress, start and finish, refills move). Before each refresh, the naive baseline polls the same panel at the same
   moment: the balance, then every tracked order and refill with a request of its own,
   writing each one's state, as a sensor per order polling its own order would. CPU
   time is the Home Assistant process's (event loop and executor threads); the
   integration's refresh includes the state writes and the storage write it causes.
   Figures are medians over the refreshes of a kind.
3. **Watch the event loop.** Home Assistant restarts, every callback of its event
   loop timed, through setup, an idle refresh and busy ones; each that takes over
   {STALL_THRESHOLD_SECONDS * 1000:g} ms is recorded. A callback's time is the CPU
   time of the process while it runs: the loop's thread and any thread holding the
   interpreter's lock meanwhile, which the loop waits for, but not the time other
   processes of the machine ran. Garbage-collection pauses inside a callback are
   measured and told apart, and every full collection is recorded.
4. **Fetch a large catalogue.** Once, against a panel of its own selling
   {catalogue.fetch.services} services (names and categories of about 60 characters,
   in Russian with emoji, escaped in the JSON as PHP does), a Home Assistant process
   of its own adds the account, then reloads it, which drops any catalogue it holds, and calls
   `smmpanel.get_services`; the panel must answer one `services` request in between,
   wherever the integration sends it, and the action must return every service. The
   reload and the call are timed; then they are repeated with every callback timed
   as above.
5. **Watch the large catalogue.** On the same panel, a Home Assistant process of its
   own adds an account watching {catalogue.watch.watched_services} services spread
   over the catalogue (a rate change of {NOTABLE_CHANGE_PERCENT}% or more notable) and
   {catalogue.watch.watched_categories} categories, as subentries. Setup checks the
   catalogue in the background; the panel fails that check, so that the refresh then
   measured is the first to see it, alone: the baseline. The panel's owner then
   changes {catalogue.watch.edited_services} services: of every
   {WATCHED_EDIT_CYCLE} watched ones, one's rate rises past the notable change,
   one's falls short of it, one's limits widen and one is removed; every other
   watched category gets {SERVICES_ADDED_PER_CATEGORY} new services, and the rest
   are rate changes of unwatched services. Home Assistant restarts, and the same
   measured refresh must find each change to what is watched. Both refreshes record
   every event-loop step from {STEP_FLOOR_SECONDS * 1000:g} ms, timed as above, with
   garbage collection and the coordinator's update of its entities, in which Home
   Assistant writes their states, told apart; `diff_catalogue` alone is then timed
   on the refresh's input, with garbage collection off, and its median over
   {DIFF_RUNS} runs kept.
6. **Decode the large catalogue.** A process of its own decodes the panel's answer
   in each of the ways compared below.
7. **Open the orders card.** On the same panel, a Home Assistant process of its own
   adds an account and places {CARD_ORDERS} orders with `smmpanel.add_order`, each a
   row of the card. Opening a dashboard, the frontend sends the card the states of
   its entities (the balance, what was spent, the low balance and the orders),
   counted as `subscribe_entities` sends them, and answers the card's calls: its
   texts and the order statuses' translations (`frontend/get_translations`). The
   card reads no catalogue: its order form asks `smmpanel.get_services` for the
   first {SEARCH_LIMIT} services matching what is typed when it opens. Each search
   below is timed {SEARCH_RUNS} times, wall, from the call to its answer encoded as
   the websocket sends it, the catalogue held (the actions fetched it); the answer
   to `get_services` for the whole catalogue, which the card read on every
   dashboard open before, is measured too.

Times are the CPU time of the Home Assistant process (its event loop and executor
threads) unless a column says wall: on a machine other processes share, wall-clock
time also counts the time they ran instead.

## Per refresh

{refresh_table}

## Setup, memory and event-loop stalls

{setup_table}

## Garbage collection

{collection_summary(results)}

{collection_table}

## Fetching a large service catalogue

{catalogue_table}

{watch_table}

### Opening the orders card

{card_summary(catalogue.card)}

{search_table}

### Decoding the catalogue

{decoders_summary(catalogue)}

{decoder_table}

## Targets

{target_table}

![Requests, CPU time, setup time and memory against tracked orders](benchmarks.png)
"""
