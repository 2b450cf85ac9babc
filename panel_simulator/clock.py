"""Simulated time: a manual clock for tests and a sped-up real-time clock for the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
import time
from typing import Protocol

# A fixed start keeps manual-clock runs reproducible.
DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


class Clock(Protocol):
    """The panel's notion of time, in seconds since the Unix epoch."""

    def now(self) -> float:
        """Return the current simulated time."""
        ...

    def advance(self, seconds: float) -> None:
        """Move simulated time forward."""
        ...


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = DEFAULT_START) -> None:
        """Start the clock at a fixed time."""
        self._now = start

    def now(self) -> float:
        """Return the current simulated time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move simulated time forward."""
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self._now += seconds


class RealTimeClock:
    """Wall-clock time running `speed` times faster, which can also be advanced."""

    def __init__(self, speed: float = 1.0) -> None:
        """Start at the current wall-clock time."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._speed = speed
        self._start = time.time()
        self._started = time.monotonic()
        self._skipped = 0.0

    def now(self) -> float:
        """Return the current simulated time."""
        elapsed = time.monotonic() - self._started
        return self._start + elapsed * self._speed + self._skipped

    def advance(self, seconds: float) -> None:
        """Move simulated time forward."""
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self._skipped += seconds
