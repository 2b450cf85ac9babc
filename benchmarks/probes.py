"""What the benchmark measures: time, state writes, event-loop stalls and memory."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
import gc
import logging
import os
from pathlib import Path
import time
import tracemalloc
from typing import override

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

# asyncio's debug mode reports each callback that held the event loop longer than the
# loop's slow_callback_duration with this message.
_SLOW_CALLBACK_MESSAGE = "Executing %s took %.3f seconds"
_ASYNCIO_LOGGER = logging.getLogger("asyncio")


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
    """A callback that held the event loop too long."""

    seconds: float
    collecting_seconds: float
    """Of which the interpreter spent collecting garbage, a pause of the whole process."""
    callback: str

    @property
    def own_seconds(self) -> float:
        """Return the time the callback's own code held the loop."""
        return self.seconds - self.collecting_seconds


class _StallLog(logging.Handler):
    """Keeps asyncio's reports of slow callbacks, with the garbage collection in them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.stalls: list[Stall] = []
        self._collections: list[tuple[float, float]] = []
        self._collection_started = 0.0

    def on_collection(self, phase: str, info: dict[str, int]) -> None:
        """Note when the garbage collector ran (a gc.callbacks callback)."""
        if phase == "start":
            self._collection_started = time.monotonic()
        else:
            self._collections.append((self._collection_started, time.monotonic()))

    @override
    def emit(self, record: logging.LogRecord) -> None:
        match record.args:
            case (handle, float(seconds)) if record.msg == _SLOW_CALLBACK_MESSAGE:
                # The loop logs right after the callback, on the same monotonic clock.
                end = time.monotonic()
                start = end - seconds
                collecting = sum(
                    min(stop, end) - max(begin, start)
                    for begin, stop in self._collections
                    if begin < end and stop > start
                )
                self.stalls.append(
                    Stall(
                        seconds=seconds,
                        collecting_seconds=collecting,
                        callback=str(handle),
                    )
                )


@contextmanager
def recording_stalls(threshold_seconds: float) -> Iterator[list[Stall]]:
    """Record the callbacks that hold the running loop longer than a threshold.

    Uses asyncio's debug mode, which slows the loop down: measure time elsewhere.
    """
    loop = asyncio.get_running_loop()
    log = _StallLog()
    level = _ASYNCIO_LOGGER.level
    threshold = loop.slow_callback_duration
    debug = loop.get_debug()
    _ASYNCIO_LOGGER.setLevel(logging.WARNING)
    _ASYNCIO_LOGGER.addHandler(log)
    gc.callbacks.append(log.on_collection)
    loop.slow_callback_duration = threshold_seconds
    loop.set_debug(True)
    try:
        yield log.stalls
    finally:
        loop.set_debug(debug)
        loop.slow_callback_duration = threshold
        gc.callbacks.remove(log.on_collection)
        _ASYNCIO_LOGGER.removeHandler(log)
        _ASYNCIO_LOGGER.setLevel(level)


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


def traced_by_origin(since: tracemalloc.Snapshot) -> Counter[Origin]:
    """Return the memory allocated since a snapshot and still held, by origin.

    An allocation is the integration's or Home Assistant's after the innermost
    frame of either in its traceback: what the libraries they call allocate counts
    as theirs, and what Home Assistant allocates when it calls the integration's
    entities (a property, say) counts as the integration's.
    """
    gc.collect()
    now = tracemalloc.take_snapshot()
    held: Counter[Origin] = Counter()
    for difference in now.compare_to(since, "traceback"):
        held[_origin(difference.traceback)] += difference.size_diff
    return held


def _origin(traceback: tracemalloc.Traceback) -> Origin:
    for frame in reversed(traceback):  # the innermost frame last
        if frame.filename.startswith(_INTEGRATION_CODE):
            return Origin.INTEGRATION
        if frame.filename.startswith(_HOME_ASSISTANT_CODE):
            return Origin.HOME_ASSISTANT
    return Origin.OTHER


def tracked_objects() -> int:
    """Return how many objects the garbage collector tracks, garbage collected first."""
    gc.collect()
    return len(gc.get_objects())


def timed_full_collection() -> float:
    """Return the seconds a full garbage collection of the process takes now."""
    start = time.perf_counter()
    gc.collect()
    return time.perf_counter() - start


@contextmanager
def recording_full_collections() -> Iterator[list[float]]:
    """Record the pause of each full (generation 2) garbage collection in a block.

    The interpreter sets one off when the objects that survived the younger
    generations since the last one reach a quarter of those it kept then.
    """
    pauses: list[float] = []
    started = 0.0

    def on_collection(phase: str, info: dict[str, int]) -> None:
        nonlocal started
        if info["generation"] != 2:
            return
        if phase == "start":
            started = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - started)

    gc.callbacks.append(on_collection)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(on_collection)
