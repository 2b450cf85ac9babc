"""The values the protocol sends and answers: statuses, services, orders, balance."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .service_types import ServiceType
from .wordings import ErrorReason


class OrderStatus(StrEnum):
    """Normalized order status."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    PROCESSING = "processing"
    COMPLETED = "completed"
    PARTIAL = "partial"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    ACTIVE = "active"
    UNKNOWN = "unknown"

    @property
    def is_finished(self) -> bool:
        """Return whether the panel will not change this order any more."""
        return self in FINISHED_ORDER_STATUSES


FINISHED_ORDER_STATUSES = frozenset(
    {
        OrderStatus.COMPLETED,
        OrderStatus.PARTIAL,
        OrderStatus.CANCELED,
        OrderStatus.REFUNDED,
    }
)


class RefillStatus(StrEnum):
    """Normalized refill status."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"
    ERROR = "error"
    UNKNOWN = "unknown"

    @property
    def is_finished(self) -> bool:
        """Return whether the panel will not change this refill any more."""
        return self in FINISHED_REFILL_STATUSES


FINISHED_REFILL_STATUSES = frozenset(
    {RefillStatus.COMPLETED, RefillStatus.REJECTED, RefillStatus.ERROR}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RowError:
    """A per-row error inside a batch answer: data, not an exception."""

    message: str
    reason: ErrorReason


@dataclass(frozen=True, slots=True, kw_only=True)
class Balance:
    """The account balance."""

    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PanelService:
    """One entry of the panel's service catalogue."""

    service_id: int
    name: str
    type: ServiceType
    raw_type: str
    category: str
    rate: Decimal  # price per 1000
    min_quantity: int
    max_quantity: int
    refill: bool
    cancel: bool
    dripfeed: bool
    description: str | None = None

    def cost(self, quantity: int) -> Decimal:
        """Return the charge for a quantity at this service's rate."""
        return self.rate * quantity / 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class NewOrder:
    """The fields of an `add` request; only the fields that are set are sent."""

    service: int
    link: str | None = None
    quantity: int | None = None
    comments: str | None = None
    runs: int | None = None
    interval: int | None = None
    usernames: str | None = None
    hashtags: str | None = None
    hashtag: str | None = None
    username: str | None = None
    media: str | None = None
    answer_number: int | None = None
    groups: str | None = None
    keywords: str | None = None
    min: int | None = None
    max: int | None = None
    posts: int | None = None
    old_posts: int | None = None
    delay: int | None = None
    expiry: str | None = None
    country: str | None = None
    device: str | None = None
    type_of_traffic: str | None = None
    google_keyword: str | None = None
    referring_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderState:
    """The status of one order."""

    order_id: int
    status: OrderStatus
    raw_status: str
    charge: Decimal | None
    start_count: int | None
    remains: int | None
    currency: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RefillState:
    """The status of one refill."""

    refill_id: int
    status: RefillStatus
    raw_status: str
