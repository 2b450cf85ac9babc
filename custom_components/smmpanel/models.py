"""What is tracked of a panel account: orders, refills, and the changes to tell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

from .api import OrderStatus, RefillStatus


def order_event_type(status: OrderStatus) -> str:
    """Return the event type of an order changing to a status."""
    return str(status)


def refill_event_type(status: RefillStatus) -> str:
    """Return the event type of a refill changing to a status."""
    return f"refill_{status}"


# The event types of the order events entity.
ORDER_EVENT_TYPES: Final = (
    *map(order_event_type, OrderStatus),
    *map(refill_event_type, RefillStatus),
)


# The event type of money added to the balance (a deposit).
BALANCE_TOPPED_UP: Final = "balance_topped_up"
# The event type of a budget used up, once a period.
BUDGET_REACHED: Final = "budget_reached"


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedOrder:
    """An order this integration follows, with its last known state."""

    order_id: int
    tracked_at: datetime
    service_id: int | None = None
    service_name: str | None = None
    link: str | None = None
    quantity: int | None = None
    status: OrderStatus | None = None
    raw_status: str | None = None
    charge: Decimal | None = None
    start_count: int | None = None
    remains: int | None = None
    currency: str | None = None
    finished_at: datetime | None = None
    error: str | None = None

    @property
    def is_finished(self) -> bool:
        """Return whether the panel will not change this order any more."""
        return self.status is not None and self.status.is_finished

    @property
    def progress(self) -> float | None:
        """Return the delivered share in percent, when it can be known."""
        if self.status is OrderStatus.COMPLETED:
            return 100.0
        if self.status is OrderStatus.PENDING:
            return 0.0  # Some panels answer `remains: 0` until the order starts.
        if not self.quantity or self.remains is None:
            return None
        delivered = min(max(self.quantity - self.remains, 0), self.quantity)
        return round(delivered * 100 / self.quantity, 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedRefill:
    """A refill this integration follows, with its last known state."""

    refill_id: int
    order_id: int
    requested_at: datetime
    status: RefillStatus | None = None
    raw_status: str | None = None
    finished_at: datetime | None = None
    error: str | None = None

    @property
    def is_finished(self) -> bool:
        """Return whether the panel will not change this refill any more."""
        return self.status is not None and self.status.is_finished


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingEvent:
    """A status change worth telling automations about."""

    event_type: str
    order_id: int
    order: TrackedOrder | None
    """The order as it is now, while it is tracked."""
    previous_status: OrderStatus | None = None
    """For an order's change: the status it left."""
    refill_id: int | None = None
    """For a refill's change: the refill."""
