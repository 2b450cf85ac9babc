"""How well each service delivers: the finished orders and refills of an account.

Each finished order is counted once, when the tracking first sees it finished, and kept for at least KEPT_DAYS: its status, what it ordered and
delivered, and when it was placed (or first seen) and finished. An order first seen
already finished counts for the completion rate and the delivered quantity, but its
time to complete is unknown. Orders tracked by id name no service (a status answer
does not): they are counted together, under no service ID. Each refill requested is
counted once too. Nothing here
talks to Home Assistant.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil
from statistics import median
from typing import Any, Final

from .api import OrderStatus
from .codec import FLAG, ID, INT, LABEL, MOMENT, Field, Record, Value, choice
from .models import TrackedOrder, TrackedRefill

KEPT_DAYS: Final = 400  # at least this many days of history are kept
CANCELED_STATUSES: Final = frozenset({OrderStatus.CANCELED, OrderStatus.REFUNDED})


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishedOrder:
    """An order counted in its service's figures."""

    order_id: int
    service_id: int | None
    """None for an order tracked by id: a status answer names no service."""
    service_name: str | None
    status: OrderStatus
    placed_at: datetime
    """When it was placed here, or first seen when tracked by id."""
    finished_at: datetime
    seen_running: bool
    """Whether it was seen before it finished: only then is its time known."""
    quantity: int | None
    remains: int | None

    @property
    def delivered(self) -> int | None:
        """Return how much it delivered, when that can be known."""
        if self.quantity is None:
            return None
        if self.remains is None:
            return self.quantity if self.status is OrderStatus.COMPLETED else None
        return min(max(self.quantity - self.remains, 0), self.quantity)

    @property
    def seconds_to_complete(self) -> float | None:
        """Return how long a completed order took, when it was seen running."""
        if self.status is not OrderStatus.COMPLETED or not self.seen_running:
            return None
        return max((self.finished_at - self.placed_at).total_seconds(), 0.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestedRefill:
    """A refill counted in its service's figures."""

    refill_id: int
    service_id: int | None
    requested_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceFigures:
    """How a service delivered over the orders counted."""

    service_id: int | None
    service_name: str | None
    last_order: datetime
    orders: int
    completed: int
    partial: int
    canceled: int
    ordered_quantity: int
    delivered_quantity: int
    median_seconds: float | None
    p90_seconds: float | None
    refills: int

    @property
    def completion_rate(self) -> float:
        """Return the share of orders that completed, in percent."""
        return round(self.completed * 100 / self.orders, 1)

    @property
    def delivered_share(self) -> float | None:
        """Return the delivered share of what was ordered, in percent."""
        if not self.ordered_quantity:
            return None
        return round(self.delivered_quantity * 100 / self.ordered_quantity, 1)


def _percentile(ordered: list[float], share: float) -> float:
    """Return the nearest-rank percentile of sorted values."""
    return ordered[max(ceil(share * len(ordered)) - 1, 0)]


def _figures(
    service_id: int | None,
    orders: list[FinishedOrder],
    refills: int,
) -> ServiceFigures:
    times = sorted(
        seconds
        for order in orders
        if (seconds := order.seconds_to_complete) is not None
    )
    measured = [order for order in orders if order.delivered is not None]
    newest = max(orders, key=lambda order: order.placed_at)
    return ServiceFigures(
        service_id=service_id,
        service_name=newest.service_name,
        last_order=newest.placed_at,
        orders=len(orders),
        completed=sum(order.status is OrderStatus.COMPLETED for order in orders),
        partial=sum(order.status is OrderStatus.PARTIAL for order in orders),
        canceled=sum(order.status in CANCELED_STATUSES for order in orders),
        ordered_quantity=sum(order.quantity or 0 for order in measured),
        delivered_quantity=sum(order.delivered or 0 for order in measured),
        median_seconds=median(times) if times else None,
        p90_seconds=_percentile(times, 0.9) if times else None,
        refills=refills,
    )


@dataclass(slots=True)
class ServiceHistory:
    """The finished orders and requested refills counted, by their ids."""

    orders: dict[int, FinishedOrder] = field(default_factory=dict)
    refills: dict[int, RequestedRefill] = field(default_factory=dict)

    def record(
        self,
        orders: Iterable[TrackedOrder],
        refills: Iterable[TrackedRefill],
        seen_running: Collection[int],
    ) -> bool:
        """Count what finished or was requested and is not counted yet.

        `seen_running` are the orders that just finished from a known running status.
        `orders` must hold the order of each refill. Return whether anything counted.
        """
        services: dict[int, int | None] = {}
        counted = False
        for order in orders:
            services[order.order_id] = order.service_id
            if (
                order.status is None
                or order.finished_at is None
                or order.order_id in self.orders
            ):
                continue
            self.orders[order.order_id] = FinishedOrder(
                order_id=order.order_id,
                service_id=order.service_id,
                service_name=order.service_name,
                status=order.status,
                placed_at=order.tracked_at,
                finished_at=order.finished_at,
                seen_running=order.order_id in seen_running,
                quantity=order.quantity,
                remains=order.remains,
            )
            counted = True
        for refill in refills:
            if refill.refill_id in self.refills or refill.order_id not in services:
                continue
            self.refills[refill.refill_id] = RequestedRefill(
                refill_id=refill.refill_id,
                service_id=services[refill.order_id],
                requested_at=refill.requested_at,
            )
            counted = True
        return counted

    def prune(self, now: datetime) -> None:
        """Forget what is older than the kept days."""
        oldest = now - timedelta(days=KEPT_DAYS + 1)
        self.orders = {
            order_id: order
            for order_id, order in self.orders.items()
            if order.finished_at >= oldest
        }
        self.refills = {
            refill_id: refill
            for refill_id, refill in self.refills.items()
            if refill.requested_at >= oldest
        }

    def figures(
        self,
        since: datetime | None = None,
        service_ids: Collection[int] | None = None,
    ) -> list[ServiceFigures]:
        """Return each service's figures, newest services (by last order) first.

        `since` keeps the orders finished and refills requested from then on;
        `service_ids` keeps those services.
        """
        by_service: dict[int | None, list[FinishedOrder]] = {}
        for order in self.orders.values():
            if (since is None or order.finished_at >= since) and (
                service_ids is None or order.service_id in service_ids
            ):
                by_service.setdefault(order.service_id, []).append(order)
        refills: dict[int | None, int] = {}
        for refill in self.refills.values():
            if since is None or refill.requested_at >= since:
                refills[refill.service_id] = refills.get(refill.service_id, 0) + 1
        return sorted(
            (
                _figures(service_id, orders, refills.get(service_id, 0))
                for service_id, orders in by_service.items()
            ),
            key=lambda figures: figures.last_order,
            reverse=True,
        )

    def service_figures(self, service_id: int) -> ServiceFigures | None:
        """Return one service's figures over the whole history, if it has any."""
        figures = self.figures(service_ids=(service_id,))
        return figures[0] if figures else None


FINISHED_ORDER: Final = Record(
    FinishedOrder,
    (
        Field("order_id", ID, required=True),
        Field("service_id", ID),
        Field("service_name", LABEL),
        Field("status", choice(OrderStatus), required=True),
        Field("placed_at", MOMENT, required=True),
        Field("finished_at", MOMENT, required=True),
        Field("seen_running", FLAG, required=True),
        Field("quantity", INT),
        Field("remains", INT),
    ),
)
REQUESTED_REFILL: Final = Record(
    RequestedRefill,
    (
        Field("refill_id", ID, required=True),
        Field("service_id", ID),
        Field("requested_at", MOMENT, required=True),
    ),
)


def _read_rows[T](record: Record[T], key: str) -> Value[dict[int, T]]:
    """Return the codec of a list of records, kept by the id stored under `key`."""

    def read(stored: object) -> dict[int, T] | None:
        if not isinstance(stored, list):
            return None
        rows = (
            (row.get(key), item)
            for row in stored
            if isinstance(row, dict) and (item := record.read(row)) is not None
        )
        return {item_id: item for item_id, item in rows if isinstance(item_id, int)}

    def write(items: dict[int, T]) -> list[dict[str, Any]]:
        return [record.write(item) for item in items.values()]

    return Value(read, write)


HISTORY: Final = Record(
    ServiceHistory,
    (
        Field("orders", _read_rows(FINISHED_ORDER, "order_id"), default=dict),
        Field("refills", _read_rows(REQUESTED_REFILL, "refill_id"), default=dict),
    ),
)


def history_from_json(stored: object, url: str) -> ServiceHistory:
    """Return a stored history, keeping what can be read; another panel's is not."""
    if not isinstance(stored, dict) or stored.get("url") != url:
        return ServiceHistory()
    return HISTORY.read(stored) or ServiceHistory()


def history_to_json(history: ServiceHistory, url: str) -> dict[str, Any]:
    """Return the history as stored, with the URL of the panel it is of."""
    return {"url": url, **HISTORY.write(history)}


def figures_data(figures: ServiceFigures) -> Mapping[str, Any]:
    """Return a service's figures as an action answers them."""
    return {
        "service": figures.service_id,
        "name": figures.service_name,
        "last_order": figures.last_order.isoformat(),
        "orders": figures.orders,
        "completed": figures.completed,
        "partial": figures.partial,
        "canceled": figures.canceled,
        "completion_rate": figures.completion_rate,
        "ordered_quantity": figures.ordered_quantity,
        "delivered_quantity": figures.delivered_quantity,
        "delivered_share": figures.delivered_share,
        "median_seconds_to_complete": figures.median_seconds,
        "p90_seconds_to_complete": figures.p90_seconds,
        "refills": figures.refills,
    }
