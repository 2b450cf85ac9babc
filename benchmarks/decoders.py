"""Ways to decode the large catalogue's JSON, measured against each other.

A thread holding the interpreter's lock holds up the event loop, and json's C decoder,
orjson and msgspec all hold it from the first byte to the last: decoding in the
executor alone does not free the loop. Each candidate decodes the same body, alone
(timed), then while the event loop runs short callbacks back to back, as a busy Home
Assistant does: the longest time between two of them tells how long the decoding
made the loop wait. Each also decodes numbers whose text a float cannot hold, to tell
whether it keeps rates exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
import gc
import importlib.util
import json
import multiprocessing
import re
import statistics
import time

import orjson

from custom_components.smmpanel.api.client import _load_json

from .probes import Cost, async_metered

# Each candidate decodes the body this many times, alone and beside the busy loop.
RUNS = 5
# A callback of the busy loop spins this long, then yields.
BUSY_CALLBACK_SECONDS = 0.0005
# How long decoding on the event loop runs before it yields.
SLICE_SECONDS = 0.005
# JSON numbers a float cannot keep as written: trailing zeros, 20 digits, an exponent.
EXACT_NUMBERS = ("1.50", "0.12345678901234567891", "12345678901234567.25", "2.5E-7")
_WHITESPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True, slots=True, kw_only=True)
class DecoderResult:
    """What one way of decoding the catalogue cost, and whether it is exact."""

    name: str
    installed: bool
    cpu_seconds: float
    """The median CPU time of this process in a decode, the event loop idle."""
    wall_seconds: float
    """The median wall-clock time of a decode, the event loop idle."""
    longest_wait_seconds: float
    """The longest the event loop waited (CPU time) while it decoded, of RUNS."""
    exact: bool
    """Whether every number came back as the Decimal of its text."""


type Decode = Callable[[bytes], Awaitable[object]]


def _json_decimal(body: bytes) -> object:
    """Decode as the integration did before: json's C decoder, floats as Decimal."""
    return json.loads(body.decode("utf-8-sig"), parse_float=Decimal)


def _msgspec_decimal(body: bytes) -> object:
    """Decode with msgspec, which hands each float's text to Decimal."""
    import msgspec  # noqa: PLC0415 - a benchmark requirement only

    return msgspec.json.Decoder(float_hook=Decimal).decode(body)


def _orjson(body: bytes) -> object:
    """Decode with orjson, which Home Assistant ships: floats are floats."""
    return orjson.loads(body)


def _in_executor(decode: Callable[[bytes], object]) -> Decode:
    """Return a decoder run in the event loop's default executor."""

    async def decode_in_executor(body: bytes) -> object:
        return await asyncio.get_running_loop().run_in_executor(None, decode, body)

    return decode_in_executor


async def _decode_on_loop_in_slices(body: bytes) -> object:
    """Decode a JSON array element by element on the event loop, yielding regularly.

    A sketch for the catalogue, an array: any other JSON is decoded at once.
    """
    text = body.decode("utf-8-sig")
    decoder = json.JSONDecoder(parse_float=Decimal)
    position = _skip_whitespace(text, 0)
    if not text.startswith("[", position):
        return decoder.decode(text)
    position = _skip_whitespace(text, position + 1)
    elements: list[object] = []
    deadline = time.perf_counter() + SLICE_SECONDS
    while not text.startswith("]", position):
        element, position = decoder.raw_decode(text, position)
        elements.append(element)
        position = _skip_whitespace(text, position)
        if text.startswith(",", position):
            position = _skip_whitespace(text, position + 1)
        if time.perf_counter() > deadline:
            await asyncio.sleep(0)
            deadline = time.perf_counter() + SLICE_SECONDS
    return elements


def _skip_whitespace(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    assert match is not None
    return match.end()


@contextmanager
def _process_pool() -> Iterator[ProcessPoolExecutor]:
    """Yield a started process to decode in, as a process pool of one."""
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        pool.submit(_json_decimal, b"[]").result()
        yield pool


def _in_process(pool: ProcessPoolExecutor) -> Decode:
    """Return a decoder run in another process, its result sent back pickled."""

    async def decode_in_process(body: bytes) -> object:
        return await asyncio.get_running_loop().run_in_executor(
            pool, _json_decimal, body
        )

    return decode_in_process


def _candidates(pool: ProcessPoolExecutor) -> dict[str, Decode | None]:
    """Return each way of decoding, by name; None where it is not installed."""
    return {
        "json, floats as Decimal, in the executor (the decoding before)": (
            _in_executor(_json_decimal)
        ),
        "json with a Python object hook, in the executor (the integration's)": (
            _in_executor(_load_json)
        ),
        "orjson, in the executor": _in_executor(_orjson),
        "msgspec, floats as Decimal, in the executor": (
            _in_executor(_msgspec_decimal)
            if importlib.util.find_spec("msgspec")
            else None
        ),
        "json, element by element on the event loop, yielding every"
        f" {SLICE_SECONDS * 1000:g} ms": _decode_on_loop_in_slices,
        "json, floats as Decimal, in another process": _in_process(pool),
    }


async def async_compare_decoders(body: bytes) -> tuple[DecoderResult, ...]:
    """Decode the body every way; return what each cost and whether it is exact."""
    with _process_pool() as pool:
        return tuple(
            [
                await _async_measure(name, decode, body)
                for name, decode in _candidates(pool).items()
            ]
        )


async def _async_measure(
    name: str, decode: Decode | None, body: bytes
) -> DecoderResult:
    if decode is None:
        return DecoderResult(
            name=name,
            installed=False,
            cpu_seconds=0.0,
            wall_seconds=0.0,
            longest_wait_seconds=0.0,
            exact=False,
        )
    costs: list[Cost] = []
    longest_waits: list[float] = []
    for _ in range(RUNS):
        with _without_garbage_collection():
            costs.append((await async_metered(decode(body)))[1])
        with _without_garbage_collection():
            longest_waits.append(await _async_longest_wait(decode, body))
    return DecoderResult(
        name=name,
        installed=True,
        cpu_seconds=statistics.median(cost.cpu_seconds for cost in costs),
        wall_seconds=statistics.median(cost.wall_seconds for cost in costs),
        longest_wait_seconds=max(longest_waits),
        exact=await _async_is_exact(decode),
    )


@contextmanager
def _without_garbage_collection() -> Iterator[None]:
    """Run a block with the garbage collector off, after a full collection.

    A collection pauses the whole process wherever it falls, whatever decodes.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _async_longest_wait(decode: Decode, body: bytes) -> float:
    """Decode beside a busy event loop; return the longest time the loop waited.

    The loop runs callbacks of BUSY_CALLBACK_SECONDS back to back: the CPU time the
    process spends from one to the next is theirs, plus whatever held the loop in
    between, in a callback or while it was between two (a thread holding the
    interpreter's lock keeps the loop from running anything). CPU time leaves out
    the time other processes of the machine ran.
    """
    decoding = asyncio.Event()
    intervals: list[float] = []

    async def keep_busy() -> None:
        last = time.process_time()
        while not decoding.is_set():
            deadline = time.perf_counter() + BUSY_CALLBACK_SECONDS
            while time.perf_counter() < deadline:
                pass
            await asyncio.sleep(0)
            now = time.process_time()
            intervals.append(now - last)
            last = now

    busy = asyncio.create_task(keep_busy())
    await asyncio.sleep(0)
    try:
        await decode(body)
    finally:
        decoding.set()
        await busy
    return max(intervals, default=0.0)


async def _async_is_exact(decode: Decode) -> bool:
    """Return whether every number comes back as the Decimal of its text."""
    decoded = await decode(f"[{', '.join(EXACT_NUMBERS)}]".encode())
    return isinstance(decoded, list) and all(
        isinstance(value, Decimal) and value.as_tuple() == Decimal(text).as_tuple()
        for value, text in zip(decoded, EXACT_NUMBERS, strict=True)
    )
