"""What the benchmark measures: time, state writes, event-loop stalls and memory."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
import gc
import os
from pathlib import Path
import time
import tracemalloc
from unittest.mock import patch

import homeassistant
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import (
    Event,
    EventStateChangedData,
    EventStateEventData,
    EventStateReportedData,
    HomeAssistant,
    callback,
)

import custom_components.smmpanel


@dataclass(frozen=True, slots=True, kw_only=True)
class Cost:
    """The time some work took."""

    wall_seconds: float
    cpu_seconds: float
    """CPU time of the whole process: the event loop and the executor threads."""


async def async_metered[T](work: Awaitable[T]) -> tuple[T, Cost]:
    """Await work; return its result and what it cost."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = await work
    return result, Cost(
        wall_seconds=time.perf_counter() - wall, cpu_seconds=time.process_time() - cpu
    )


@callback
def _every_event(event_data: EventStateEventData) -> bool:
    """Let every event through (listeners of state_reported must have a filter)."""
    return True


@contextmanager
def counting_state_writes(hass: HomeAssistant) -> Iterator[Counter[str]]:
    """Count the state writes in a block per entity, whether the state changed or not."""
    writes: Counter[str] = Counter()

    @callback
    def count(
        event: Event[EventStateChangedData] | Event[EventStateReportedData],
    ) -> None:
        writes[event.data["entity_id"]] += 1

    unsubscribers = [
        hass.bus.async_listen(EVENT_STATE_CHANGED, count, event_filter=_every_event),
        hass.bus.async_listen(EVENT_STATE_REPORTED, count, event_filter=_every_event),
    ]
    try:
        yield writes
    finally:
        for unsubscribe in unsubscribers:
            unsubscribe()


@dataclass(frozen=True, slots=True, kw_only=True)
class Stall:
    """A callback that held the event loop too long.

    Its time is the CPU time of the process while it ran: the event loop's thread,
    and any other thread that held the interpreter's lock meanwhile (the loop waits
    for it). Unlike wall-clock time, it leaves out the time other processes of the
    machine ran instead.
    """

    seconds: float
    """The process's CPU time while the callback ran."""
    wall_seconds: float
    """The wall-clock time it ran, what other processes ran meanwhile included."""
    collecting_seconds: float
    """Of which the interpreter spent collecting garbage, a pause of the whole process."""
    writing_states_seconds: float
    """Of which Home Assistant wrote entity states, where a phase sets that apart."""
    callback: str

    @property
    def own_seconds(self) -> float:
        """Return the time the callback's own code held the loop."""
        return self.seconds - self.collecting_seconds - self.writing_states_seconds


class StepRecorder:
    """Times the event loop's callbacks, with the garbage collection in them."""

    def __init__(self, threshold_seconds: float) -> None:
        """Record the callbacks that take longer than a threshold."""
        self.threshold_seconds = threshold_seconds
        self.stalls: list[Stall] = []
        self._collections: list[tuple[float, float]] = []
        self._collection_started = 0.0
        self._collecting = 0.0
        self._writing_states = 0.0

    def on_collection(self, phase: str, info: dict[str, int]) -> None:
        """Note when the garbage collector ran (a gc.callbacks callback)."""
        now = time.process_time()
        if phase == "start":
            self._collection_started = now
        else:
            self._collections.append((self._collection_started, now))
            self._collecting += now - self._collection_started

    @contextmanager
    def writing_states(self) -> Iterator[None]:
        """Set apart the time of a block that writes entity states, in a callback.

        Garbage collection in the block stays garbage collection.
        """
        start, collecting = time.process_time(), self._collecting
        try:
            yield
        finally:
            self._writing_states += (
                time.process_time() - start - (self._collecting - collecting)
            )

    def timed_run(self, handle: asyncio.Handle) -> None:
        """Run one of the loop's callbacks, as Handle._run does; keep it if too long."""
        self._writing_states = 0.0
        wall_start = time.perf_counter()
        start = time.process_time()
        _run_handle(handle)
        end = time.process_time()
        if end - start <= self.threshold_seconds:
            return
        self.stalls.append(
            Stall(
                seconds=end - start,
                wall_seconds=time.perf_counter() - wall_start,
                collecting_seconds=sum(
                    min(stop, end) - max(begin, start)
                    for begin, stop in self._collections
                    if begin < end and stop > start
                ),
                writing_states_seconds=self._writing_states,
                callback=_callback_text(handle),
            )
        )


# What the loop calls to run each callback; there is no public hook around it.
_run_handle = asyncio.Handle._run  # noqa: SLF001


def _callback_text(handle: asyncio.Handle) -> str:
    """Return what a callback runs: a task's step names the task, as asyncio does."""
    task = getattr(getattr(handle, "_callback", None), "__self__", None)
    return repr(task) if isinstance(task, asyncio.Task) else str(handle)


@contextmanager
def recording_stalls(threshold_seconds: float) -> Iterator[StepRecorder]:
    """Record the callbacks that hold the event loop longer than a threshold.

    Every callback the loop runs (a task's step, a timer, an I/O callback) is timed,
    as asyncio's debug mode times them, but without its cost: debug mode captures a
    traceback at every callback and future created, which makes a step that
    schedules many of them look several times longer than it is. A thread holding
    the interpreter's lock while the loop waits between two callbacks holds up no
    callback: benchmarks.decoders measures that wait.
    """
    recorder = StepRecorder(threshold_seconds)

    def timed_run(handle: asyncio.Handle) -> None:
        recorder.timed_run(handle)

    gc.callbacks.append(recorder.on_collection)
    try:
        with patch.object(asyncio.Handle, "_run", timed_run):
            yield recorder
    finally:
        gc.callbacks.remove(recorder.on_collection)


def traced_bytes() -> int:
    """Return the memory tracemalloc traces now, garbage collected first."""
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


# Frames tracemalloc keeps per allocation: enough to reach, from any library, the
# Home Assistant or integration code that called it.
TRACED_FRAMES = 32
_INTEGRATION_CODE = f"{Path(custom_components.smmpanel.__file__).parent}{os.sep}"
_HOME_ASSISTANT_CODE = f"{Path(homeassistant.__file__).parent}{os.sep}"


class Origin(StrEnum):
    """Whose code allocated some memory."""

    INTEGRATION = "integration"
    HOME_ASSISTANT = "Home Assistant"
    OTHER = "other"
    """Neither's, as far as the frames traced go back (event loop internals)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldMemory:
    """Memory allocated since a snapshot and still held, by whose code allocated it."""

    by_origin: Counter[Origin]
    integration_by_file: Counter[str]
    """The integration's part, by its file (relative to the integration's folder)."""


def traced_by_origin(since: tracemalloc.Snapshot) -> HeldMemory:
    """Return the memory allocated since a snapshot and still held, by origin.

    An allocation is the integration's or Home Assistant's after the innermost
    frame of either in its traceback: what the libraries they call allocate counts
    as theirs, and what Home Assistant allocates when it calls the integration's
    entities (a property, say) counts as the integration's.
    """
    gc.collect()
    now = tracemalloc.take_snapshot()
    by_origin: Counter[Origin] = Counter()
    integration_by_file: Counter[str] = Counter()
    for difference in now.compare_to(since, "traceback"):
        origin, filename = _origin(difference.traceback)
        by_origin[origin] += difference.size_diff
        if origin is Origin.INTEGRATION:
            integration_by_file[
                filename.removeprefix(_INTEGRATION_CODE).replace(os.sep, "/")
            ] += difference.size_diff
    return HeldMemory(by_origin=by_origin, integration_by_file=integration_by_file)


def _origin(traceback: tracemalloc.Traceback) -> tuple[Origin, str]:
    """Return whose code allocated some memory, and the file of that code."""
    for frame in reversed(traceback):  # the innermost frame last
        if frame.filename.startswith(_INTEGRATION_CODE):
            return Origin.INTEGRATION, frame.filename
        if frame.filename.startswith(_HOME_ASSISTANT_CODE):
            return Origin.HOME_ASSISTANT, frame.filename
    return Origin.OTHER, ""


def tracked_objects() -> int:
    """Return how many objects the garbage collector tracks, garbage collected first."""
    gc.collect()
    return len(gc.get_objects())


def timed_full_collection() -> float:
    """Return the CPU seconds a full garbage collection of the process takes now."""
    start = time.process_time()
    gc.collect()
    return time.process_time() - start


@contextmanager
def recording_full_collections() -> Iterator[list[float]]:
    """Record the pause of each full (generation 2) garbage collection in a block.

    A pause is the CPU time of the collection. The interpreter sets one off when the
    objects that survived the younger generations since the last one reach a quarter
    of those it kept then.
    """
    pauses: list[float] = []
    started = 0.0

    def on_collection(phase: str, info: dict[str, int]) -> None:
        nonlocal started
        if info["generation"] != 2:
            return
        if phase == "start":
            started = time.process_time()
        else:
            pauses.append(time.process_time() - started)

    gc.callbacks.append(on_collection)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(on_collection)
