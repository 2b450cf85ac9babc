"""What updating the service figures adds to a busy refresh, measured on its own.

The account holds `orders` tracked orders, four fifths of them finished and counted
already; in the refresh measured the other fifth finish, each from a running status,
and are counted (the figures' history pruned, as the coordinator does when anything
counted). Apart from it: writing the history as stored, which the save that follows
(batched, at most every few seconds) does on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import statistics
import time

from custom_components.smmpanel.api import OrderStatus
from custom_components.smmpanel.models import TrackedOrder
from custom_components.smmpanel.service_stats import ServiceHistory, history_to_json

RUNS = 7
SERVICES = 20
FINISHING_SHARE = 5  # one order in this many finishes in the refresh measured
_START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceStatsCost:
    """The median CPU time of counting a busy refresh's orders, and of storing them."""

    orders: int
    record_seconds: float
    write_seconds: float


def _order(order_id: int, status: OrderStatus) -> TrackedOrder:
    placed = _START + timedelta(minutes=order_id)
    return TrackedOrder(
        order_id=order_id,
        tracked_at=placed,
        service_id=order_id % SERVICES + 1,
        service_name=f"Service {order_id % SERVICES + 1}",
        quantity=1000,
        status=status,
        remains=0 if status is OrderStatus.COMPLETED else 400,
        finished_at=placed + timedelta(minutes=30),
    )


def _median_cpu_seconds(run: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return statistics.median(times)


def measure_service_stats(orders: int) -> ServiceStatsCost:
    """Return what counting and storing the figures of `orders` tracked orders cost."""
    statuses = (OrderStatus.COMPLETED, OrderStatus.PARTIAL, OrderStatus.CANCELED)
    tracked = [
        _order(order_id, statuses[order_id % len(statuses)])
        for order_id in range(1, orders + 1)
    ]
    finishing = {order.order_id for order in tracked[::FINISHING_SHARE]}
    counted = ServiceHistory()
    counted.record(
        (order for order in tracked if order.order_id not in finishing), (), ()
    )
    now = _START + timedelta(days=30)

    def record() -> ServiceHistory:
        history = ServiceHistory(dict(counted.orders), dict(counted.refills))
        history.record(tracked, (), finishing)
        history.prune(now)
        return history

    full = record()
    return ServiceStatsCost(
        orders=orders,
        record_seconds=_median_cpu_seconds(record),
        write_seconds=_median_cpu_seconds(lambda: history_to_json(full, "url")),
    )
