"""Orders and refills, whose state is a function of the panel's clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .catalogue import Service
from .clock import Clock

PENDING_SECONDS = 60.0
CANCEL_DELAY_SECONDS = 60.0
REFILL_SECONDS = 300.0


class OrderStatus(StrEnum):
    """Order statuses as the panel names them."""

    PENDING = "Pending"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    PARTIAL = "Partial"
    CANCELED = "Canceled"
    ACTIVE = "Active"

    @property
    def is_finished(self) -> bool:
        """Return whether the order will not change any more."""
        return self in {self.COMPLETED, self.PARTIAL, self.CANCELED}


class RefillStatus(StrEnum):
    """Refill statuses as the panel names them."""

    PENDING = "Pending"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    REJECTED = "Rejected"

    @property
    def is_finished(self) -> bool:
        """Return whether the refill will not change any more."""
        return self in {self.COMPLETED, self.REJECTED}


def delivery_seconds(quantity: int) -> float:
    """Return how long delivering a quantity takes: minutes for small, an hour for big."""
    return min(3600.0, 180.0 + quantity * 0.34)


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """How an order will be delivered, decided when it is placed."""

    starts_at: float
    finishes_at: float
    start_count: int
    undelivered: int  # remains at the end; more than 0 makes the order Partial


@dataclass(frozen=True, slots=True, kw_only=True)
class DripFeed:
    """A drip-feed order delivers `quantity` per run, one run every `interval` minutes."""

    runs: int
    interval: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """Where an order stands at one moment."""

    status: OrderStatus
    remains: int
    start_count: int
    refund: Decimal


@dataclass(slots=True, kw_only=True)
class Order:
    """One order; its status, remains and refund follow the clock."""

    order_id: int
    service: Service
    link: str | None
    quantity: int
    charge: Decimal
    created_at: float
    delivery: Delivery | None  # None for subscriptions, which stay Active
    fields: Mapping[str, str]
    clock: Clock = field(repr=False, compare=False)
    drip_feed: DripFeed | None = None
    expires_at: float | None = None
    cancel_at: float | None = None
    refunded: Decimal = Decimal(0)

    def progress(self, now: float) -> Progress:
        """Return the order's state at a moment."""
        if self.delivery is None:
            if self.expires_at is not None and now >= self.expires_at:
                return Progress(
                    status=OrderStatus.COMPLETED,
                    remains=0,
                    start_count=0,
                    refund=Decimal(0),
                )
            return Progress(
                status=OrderStatus.ACTIVE, remains=0, start_count=0, refund=Decimal(0)
            )
        plan = self.delivery
        if (
            self.cancel_at is not None
            and self.cancel_at < plan.finishes_at
            and now >= self.cancel_at
        ):
            return Progress(
                status=OrderStatus.CANCELED,
                remains=self.quantity,
                start_count=0,
                refund=self.charge,
            )
        if now < plan.starts_at:
            return Progress(
                status=OrderStatus.PENDING,
                remains=self.quantity,
                start_count=0,
                refund=Decimal(0),
            )
        if now < plan.finishes_at:
            share = (now - plan.starts_at) / (plan.finishes_at - plan.starts_at)
            delivered = int((self.quantity - plan.undelivered) * share)
            return Progress(
                status=OrderStatus.IN_PROGRESS,
                remains=self.quantity - delivered,
                start_count=plan.start_count,
                refund=Decimal(0),
            )
        if plan.undelivered:
            return Progress(
                status=OrderStatus.PARTIAL,
                remains=plan.undelivered,
                start_count=plan.start_count,
                refund=self.service.cost(plan.undelivered),
            )
        return Progress(
            status=OrderStatus.COMPLETED,
            remains=0,
            start_count=plan.start_count,
            refund=Decimal(0),
        )

    def runs_done(self, now: float) -> int:
        """Return how many drip-feed runs have started."""
        if (
            self.drip_feed is None
            or self.delivery is None
            or now < self.delivery.starts_at
        ):
            return 0
        elapsed_runs = (
            int((now - self.delivery.starts_at) // (self.drip_feed.interval * 60)) + 1
        )
        return min(self.drip_feed.runs, elapsed_runs)

    @property
    def status(self) -> OrderStatus:
        """Return the current status."""
        return self.progress(self.clock.now()).status

    @property
    def remains(self) -> int:
        """Return how much is still to deliver."""
        return self.progress(self.clock.now()).remains

    @property
    def start_count(self) -> int:
        """Return the counter the delivery started from (0 until it starts)."""
        return self.progress(self.clock.now()).start_count

    @property
    def current_charge(self) -> Decimal:
        """Return what the order costs once its refund, if any, is paid back."""
        return self.charge - self.progress(self.clock.now()).refund


@dataclass(slots=True, kw_only=True)
class Refill:
    """One refill request; Pending, then In progress, then Completed or Rejected.

    A stalled refill stays Pending, as one a panel's provider never takes up.
    """

    refill_id: int
    order_id: int
    created_at: float
    rejected: bool
    clock: Clock = field(repr=False, compare=False)
    stalled: bool = False

    def status_at(self, now: float) -> RefillStatus:
        """Return the refill's status at a moment."""
        if self.stalled or now < self.created_at + PENDING_SECONDS:
            return RefillStatus.PENDING
        if now < self.created_at + PENDING_SECONDS + REFILL_SECONDS:
            return RefillStatus.IN_PROGRESS
        return RefillStatus.REJECTED if self.rejected else RefillStatus.COMPLETED

    @property
    def status(self) -> RefillStatus:
        """Return the current status."""
        return self.status_at(self.clock.now())
