"""What a round measured, as numbers to compare across rounds and sizes."""

from __future__ import annotations

from collections.abc import Callable

from .phases import Round

KIB = 1024
KB = 1000
# The actions a refresh sends, in the order the tables show them.
POLLING_ACTIONS = ("balance", "status", "refill_status")


def active_orders(round_: Round) -> float:
    """Return how many orders were in flight at the refresh before the round's."""
    return round_.active_orders


def pending_refills(round_: Round) -> float:
    """Return how many refills were pending at the refresh before the round's."""
    return round_.pending_refills


def integration_requests(round_: Round) -> float:
    """Return how many requests the integration's refresh sent."""
    return round_.integration.requests.total()


def integration_requests_of(action: str) -> Callable[[Round], float]:
    """Return the metric of how many requests of an action the refresh sent."""
    return lambda round_: round_.integration.requests[action]


def at_floor(round_: Round) -> bool:
    """Return whether the refresh sent the fewest requests the API allows."""
    return round_.integration.requests == round_.request_floor


def floor_requests(round_: Round) -> float:
    """Return the fewest requests the API allows for the refresh."""
    return round_.request_floor.total()


def baseline_requests(round_: Round) -> float:
    """Return how many requests the baseline's poll sent."""
    return round_.baseline.requests.total()


def integration_cpu(round_: Round) -> float:
    """Return the CPU seconds of the integration's refresh."""
    return round_.integration.cost.cpu_seconds


def baseline_cpu(round_: Round) -> float:
    """Return the CPU seconds of the baseline's poll."""
    return round_.baseline.cost.cpu_seconds


def integration_wall(round_: Round) -> float:
    """Return the wall-clock seconds of the integration's refresh."""
    return round_.integration.cost.wall_seconds


def baseline_wall(round_: Round) -> float:
    """Return the wall-clock seconds of the baseline's poll."""
    return round_.baseline.cost.wall_seconds


def state_writes(round_: Round) -> float:
    """Return how many entity states the integration's refresh wrote."""
    return round_.integration.state_writes.total()


def baseline_state_writes(round_: Round) -> float:
    """Return how many entity states the baseline's poll wrote."""
    return round_.baseline.state_writes.total()
