"""Async client for the SMM panel "API v2" (Perfect Panel and its clones).

This module speaks the protocol only and imports nothing from Home Assistant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from aiohttp import ClientSession

MAX_IDS_PER_REQUEST = 100
DEFAULT_REQUEST_TIMEOUT = 30.0


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


class ServiceType(StrEnum):
    """Service types; each takes its own set of `add` fields."""

    DEFAULT = "default"
    PACKAGE = "package"
    CUSTOM_COMMENTS = "custom_comments"
    CUSTOM_COMMENTS_PACKAGE = "custom_comments_package"
    MENTIONS = "mentions"
    MENTIONS_WITH_HASHTAGS = "mentions_with_hashtags"
    MENTIONS_CUSTOM_LIST = "mentions_custom_list"
    MENTIONS_HASHTAG = "mentions_hashtag"
    MENTIONS_USER_FOLLOWERS = "mentions_user_followers"
    MENTIONS_MEDIA_LIKERS = "mentions_media_likers"
    COMMENT_LIKES = "comment_likes"
    COMMENT_REPLIES = "comment_replies"
    POLL = "poll"
    INVITES_FROM_GROUPS = "invites_from_groups"
    SEO = "seo"
    SUBSCRIPTIONS = "subscriptions"
    WEB_TRAFFIC = "web_traffic"
    UNKNOWN = "unknown"


class ErrorReason(StrEnum):
    """Classification of an error message reported by the panel."""

    INVALID_KEY = "invalid_key"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    UNKNOWN_SERVICE = "unknown_service"
    BAD_LINK = "bad_link"
    QUANTITY_TOO_LOW = "quantity_too_low"
    QUANTITY_TOO_HIGH = "quantity_too_high"
    ACTIVE_ORDER_ON_LINK = "active_order_on_link"
    NOT_ELIGIBLE_FOR_REFILL = "not_eligible_for_refill"
    REFILL_DISABLED = "refill_disabled"
    ORDER_NOT_COMPLETED = "order_not_completed"
    ORDER_NOT_FOUND = "order_not_found"
    REFILL_NOT_FOUND = "refill_not_found"
    MISSING_PARAMETER = "missing_parameter"
    BAD_REQUEST = "bad_request"
    RATE_LIMITED = "rate_limited"
    OTHER = "other"


class SmmPanelError(Exception):
    """Base class for every error this client raises."""


class SmmPanelConnectionError(SmmPanelError):
    """The panel could not be reached."""


class SmmPanelTimeoutError(SmmPanelConnectionError):
    """The panel did not answer in time."""


class SmmPanelOrderOutcomeUnknownError(SmmPanelError):
    """An `add` request was sent but its answer was lost: the order may exist."""


class SmmPanelAuthenticationError(SmmPanelError):
    """The panel rejected the API key."""


class SmmPanelRateLimitError(SmmPanelError):
    """The panel asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Keep the number of seconds the panel asked us to wait, if it said."""
        super().__init__(message)
        self.retry_after = retry_after


class SmmPanelInvalidResponseError(SmmPanelError):
    """The panel answered something that is not the API (HTML, bad JSON, wrong shape)."""

    def __init__(self, message: str, excerpt: str = "") -> None:
        """Keep a short, sanitized excerpt of the body."""
        super().__init__(message)
        self.excerpt = excerpt


class SmmPanelApiError(SmmPanelError):
    """The panel reported an error for the whole request."""

    def __init__(self, message: str, reason: ErrorReason) -> None:
        """Keep the panel's message and its classification."""
        super().__init__(message)
        self.message = message
        self.reason = reason


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
class Service:
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


class SmmPanelClient:
    """Client for one panel account."""

    def __init__(
        self,
        session: ClientSession,
        url: str,
        api_key: str,
        *,
        user_agent: str = "smmpanel-client",
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        """Initialize the client."""
        raise NotImplementedError

    async def get_balance(self) -> Balance:
        """Return the account balance."""
        raise NotImplementedError

    async def get_services(self) -> list[Service]:
        """Return the service catalogue."""
        raise NotImplementedError

    async def add_order(self, order: NewOrder) -> int:
        """Place an order and return its id. Never retried."""
        raise NotImplementedError

    async def get_order_status(self, order_id: int) -> OrderState:
        """Return the status of one order."""
        raise NotImplementedError

    async def get_order_statuses(
        self, order_ids: Iterable[int]
    ) -> dict[int, OrderState | RowError]:
        """Return the status of many orders, one result per distinct id."""
        raise NotImplementedError

    async def refill(self, order_id: int) -> int:
        """Request a refill of one order and return the refill id."""
        raise NotImplementedError

    async def refill_many(self, order_ids: Iterable[int]) -> dict[int, int | RowError]:
        """Request refills of many orders; per order a refill id or an error."""
        raise NotImplementedError

    async def get_refill_status(self, refill_id: int) -> RefillState:
        """Return the status of one refill."""
        raise NotImplementedError

    async def get_refill_statuses(
        self, refill_ids: Iterable[int]
    ) -> dict[int, RefillState | RowError]:
        """Return the status of many refills, one result per distinct id."""
        raise NotImplementedError

    async def cancel(self, order_ids: Iterable[int]) -> dict[int, bool | RowError]:
        """Ask the panel to cancel orders; True means the cancel was requested."""
        raise NotImplementedError

    @property
    def request_counts(self) -> Mapping[str, int]:
        """Return how many requests were sent, per action."""
        raise NotImplementedError


def required_fields(service_type: ServiceType) -> frozenset[str]:
    """Return the `add` fields a service type requires besides `service`."""
    raise NotImplementedError


def allowed_fields(service_type: ServiceType) -> frozenset[str]:
    """Return every `add` field a service type accepts besides `service`."""
    raise NotImplementedError


def normalize_url(url: str) -> str:
    """Return the canonical form of a panel API URL."""
    raise NotImplementedError
