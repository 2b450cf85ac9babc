"""The panel's ground truth, clock and faults, through the simulator's control API."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import math
from typing import Any

from aiohttp import ClientSession

from panel_simulator import Fault, OrderStatus, RefillStatus
from panel_simulator.control import PREFIX
from panel_simulator.protocol import MAX_IDS_PER_REQUEST


def request_floor(active_orders: int, pending_refills: int) -> Counter[str]:
    """Return the fewest requests a refresh can make, by action.

    One `balance`, then the orders and refills still in flight, 100 ids a request.
    """
    return +Counter(
        {
            "balance": 1,
            "status": math.ceil(active_orders / MAX_IDS_PER_REQUEST),
            "refill_status": math.ceil(pending_refills / MAX_IDS_PER_REQUEST),
        }
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PanelSnapshot:
    """What the panel holds at one moment."""

    active_order_ids: frozenset[int]
    pending_refill_ids: frozenset[int]
    request_counts: Counter[str]

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> PanelSnapshot:
        """Return the snapshot of the control API's state answer."""
        return cls(
            active_order_ids=frozenset(
                row["order"]
                for row in state["orders"]
                if not OrderStatus(row["status"]).is_finished
            ),
            pending_refill_ids=frozenset(
                row["refill"]
                for row in state["refills"]
                if not RefillStatus(row["status"]).is_finished
            ),
            request_counts=Counter(state["request_counts"]),
        )


class PanelControl:
    """Reads the simulated panel's state, moves its clock and injects faults."""

    def __init__(self, session: ClientSession, base_url: str) -> None:
        """Initialize with the simulator's root URL."""
        self._session = session
        self._url = f"{base_url}{PREFIX}"

    async def async_snapshot(self) -> PanelSnapshot:
        """Return what the panel holds now."""
        async with self._session.get(f"{self._url}/state") as response:
            response.raise_for_status()
            return PanelSnapshot.from_state(await response.json())

    async def async_advance(self, seconds: float) -> None:
        """Move the panel's clock forward."""
        async with self._session.post(
            f"{self._url}/advance", json={"seconds": seconds}
        ) as response:
            response.raise_for_status()

    async def async_fail_next(self, action: str) -> None:
        """Make the panel answer the next request of an action with an HTTP 500."""
        async with self._session.post(
            f"{self._url}/faults", json={"fault": Fault.HTTP_500, "action": action}
        ) as response:
            response.raise_for_status()
