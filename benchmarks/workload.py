"""The account a benchmark runs on: a panel holding a realistic mix of orders."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import count
import random

from panel_simulator import OrderStatus, Panel

API_KEY = "benchmark-api-key"
SEED = 6

# Of the tracked orders, this share is still in flight; the rest finished within the
# retention window. Of those in flight, this share has not started yet.
ACTIVE_SHARE = 0.3
NOT_STARTED_SHARE = 0.2
# Pending refills, per tracked order.
REFILL_SHARE = 0.1

# Services of the simulator's catalogue that finished and running orders use; every
# one takes the quantities below. Most of them offer refills.
FINISHED_SERVICES = (1, 3, 15, 16, 101, 2, 19)
ACTIVE_SERVICES = (1, 3, 15, 16, 101, 19)
FINISHED_QUANTITIES = (100, 5000)
# Deliveries of 30 to 60 minutes, so running orders progress at every refresh.
ACTIVE_QUANTITIES = (5000, 10000)
# Long enough for every finished order's delivery (at most an hour) to end.
FINISHED_AGE_SECONDS = 2 * 3600.0
# Long enough for started orders to leave Pending (one minute).
STARTED_AGE_SECONDS = 120.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Workload:
    """How much an account tracks."""

    orders: int
    refills: int

    @classmethod
    def of_size(cls, orders: int) -> Workload:
        """Return the workload of an account tracking this many orders."""
        return cls(orders=orders, refills=max(1, round(orders * REFILL_SHARE)))


@dataclass(frozen=True, slots=True, kw_only=True)
class StagedPanel:
    """A panel holding a workload's orders."""

    panel: Panel
    order_ids: tuple[int, ...]
    refillable_order_ids: tuple[int, ...]
    """Completed orders of refillable services, as many as the workload's refills."""


def stage_panel(workload: Workload) -> StagedPanel:
    """Return a panel with the workload's orders placed, finished, started or pending."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible, not secret
    panel = Panel(api_key=API_KEY, seed=SEED, balance=Decimal(10**9))
    link_numbers = count()
    active = round(workload.orders * ACTIVE_SHARE)
    not_started = round(active * NOT_STARTED_SHARE)

    def place(
        orders: int, services: tuple[int, ...], quantities: tuple[int, int]
    ) -> list[int]:
        return [
            panel.create_order(
                services[index % len(services)],
                link=f"https://instagram.com/benchmark{next(link_numbers)}",
                quantity=rng.randint(*quantities),
            )
            for index in range(orders)
        ]

    finished = place(workload.orders - active, FINISHED_SERVICES, FINISHED_QUANTITIES)
    panel.advance(FINISHED_AGE_SECONDS)
    started = place(active - not_started, ACTIVE_SERVICES, ACTIVE_QUANTITIES)
    panel.advance(STARTED_AGE_SECONDS)
    pending = place(not_started, ACTIVE_SERVICES, ACTIVE_QUANTITIES)

    refillable = [
        order_id
        for order_id in finished
        if panel.orders[order_id].service.refill
        and panel.orders[order_id].status is OrderStatus.COMPLETED
    ]
    if len(refillable) < workload.refills:
        raise ValueError(
            f"{workload.orders} orders leave {len(refillable)} to refill,"
            f" fewer than {workload.refills}"
        )
    return StagedPanel(
        panel=panel,
        order_ids=(*finished, *started, *pending),
        refillable_order_ids=tuple(refillable[: workload.refills]),
    )
