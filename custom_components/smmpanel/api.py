"""Async client for the SMM panel "API v2" (Perfect Panel and its clones).

This module speaks the protocol only and imports nothing from Home Assistant.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from enum import StrEnum
from functools import partial
from html import unescape
from http import HTTPStatus
from itertools import batched
import json
import logging
import math
import re
from types import MappingProxyType
from typing import Any, ClassVar, Final
from urllib.parse import quote, urlencode

from aiohttp import (
    ClientConnectorError,
    ClientError,
    ClientSession,
    ClientTimeout,
    InvalidURL,
)
from yarl import URL

MAX_IDS_PER_REQUEST = 100
DEFAULT_REQUEST_TIMEOUT = 30.0
DEFAULT_API_PATH = "/api/v2"
# The cost of an order whose type has no quantity is estimated for this many units.
ESTIMATED_UNITS_WITHOUT_QUANTITY: Final = 1000

_LOGGER = logging.getLogger(__name__)


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

    @property
    def required_fields(self) -> frozenset[OrderField]:
        """Return the `add` fields this type requires besides `service`."""
        return _ORDER_RULES[self].required

    @property
    def accepted_fields(self) -> frozenset[OrderField]:
        """Return every `add` field this type accepts besides `service`."""
        rules = _ORDER_RULES[self]
        return rules.required | rules.optional

    @property
    def counted_field(self) -> OrderField | None:
        """Return the list field whose lines are this type's quantity, if any.

        The panel counts the lines itself: such a type takes no `quantity`.
        """
        return _ORDER_RULES[self].counted


class OrderField(StrEnum):
    """The fields of an `add` request besides `service`."""

    LINK = "link"
    QUANTITY = "quantity"
    COMMENTS = "comments"
    RUNS = "runs"
    INTERVAL = "interval"
    USERNAMES = "usernames"
    HASHTAGS = "hashtags"
    HASHTAG = "hashtag"
    USERNAME = "username"
    MEDIA = "media"
    ANSWER_NUMBER = "answer_number"
    GROUPS = "groups"
    KEYWORDS = "keywords"
    MIN = "min"
    MAX = "max"
    POSTS = "posts"
    OLD_POSTS = "old_posts"
    DELAY = "delay"
    EXPIRY = "expiry"
    COUNTRY = "country"
    DEVICE = "device"
    TYPE_OF_TRAFFIC = "type_of_traffic"
    GOOGLE_KEYWORD = "google_keyword"
    REFERRING_URL = "referring_url"


@dataclass(frozen=True, slots=True)
class _OrderRules:
    """The `add` fields of one service type."""

    required: frozenset[OrderField]
    optional: frozenset[OrderField] = frozenset()
    counted: OrderField | None = None


_F = OrderField
_ORDER_RULES: Final[Mapping[ServiceType, _OrderRules]] = MappingProxyType(
    {
        ServiceType.DEFAULT: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY}), frozenset({_F.RUNS, _F.INTERVAL})
        ),
        ServiceType.PACKAGE: _OrderRules(frozenset({_F.LINK})),
        ServiceType.CUSTOM_COMMENTS: _OrderRules(
            frozenset({_F.LINK, _F.COMMENTS}), counted=_F.COMMENTS
        ),
        ServiceType.CUSTOM_COMMENTS_PACKAGE: _OrderRules(
            frozenset({_F.LINK, _F.COMMENTS}), counted=_F.COMMENTS
        ),
        ServiceType.MENTIONS: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.USERNAMES})
        ),
        ServiceType.MENTIONS_WITH_HASHTAGS: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.USERNAMES, _F.HASHTAGS})
        ),
        ServiceType.MENTIONS_CUSTOM_LIST: _OrderRules(
            frozenset({_F.LINK, _F.USERNAMES}), counted=_F.USERNAMES
        ),
        ServiceType.MENTIONS_HASHTAG: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.HASHTAG})
        ),
        ServiceType.MENTIONS_USER_FOLLOWERS: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.USERNAME})
        ),
        ServiceType.MENTIONS_MEDIA_LIKERS: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.MEDIA})
        ),
        ServiceType.COMMENT_LIKES: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.USERNAME})
        ),
        ServiceType.COMMENT_REPLIES: _OrderRules(
            frozenset({_F.LINK, _F.USERNAME, _F.COMMENTS}), counted=_F.COMMENTS
        ),
        ServiceType.POLL: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.ANSWER_NUMBER})
        ),
        ServiceType.INVITES_FROM_GROUPS: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.GROUPS})
        ),
        ServiceType.SEO: _OrderRules(frozenset({_F.LINK, _F.QUANTITY, _F.KEYWORDS})),
        ServiceType.SUBSCRIPTIONS: _OrderRules(
            frozenset({_F.USERNAME, _F.MIN, _F.MAX}),
            frozenset({_F.POSTS, _F.OLD_POSTS, _F.DELAY, _F.EXPIRY}),
        ),
        ServiceType.WEB_TRAFFIC: _OrderRules(
            frozenset(
                {_F.LINK, _F.QUANTITY, _F.COUNTRY, _F.DEVICE, _F.TYPE_OF_TRAFFIC}
            ),
            # Each is needed only for its type_of_traffic.
            frozenset({_F.GOOGLE_KEYWORD, _F.REFERRING_URL}),
        ),
        ServiceType.UNKNOWN: _OrderRules(
            frozenset({_F.LINK}), frozenset(OrderField) - {_F.LINK}
        ),
    }
)
_DRIPFEED_FIELDS: Final = frozenset({OrderField.RUNS, OrderField.INTERVAL})


class ErrorReason(StrEnum):
    """Classification of an error message reported by the panel."""

    INVALID_KEY = "invalid_key"
    ACCOUNT_DISABLED = "account_disabled"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    UNKNOWN_SERVICE = "unknown_service"
    BAD_LINK = "bad_link"
    QUANTITY_TOO_LOW = "quantity_too_low"
    QUANTITY_TOO_HIGH = "quantity_too_high"
    QUANTITY_OUT_OF_RANGE = "quantity_out_of_range"
    ACTIVE_ORDER_ON_LINK = "active_order_on_link"
    NOT_ELIGIBLE_FOR_REFILL = "not_eligible_for_refill"
    REFILL_DISABLED = "refill_disabled"
    ORDER_NOT_COMPLETED = "order_not_completed"
    ORDER_NOT_FOUND = "order_not_found"
    REFILL_NOT_FOUND = "refill_not_found"
    CANCEL_NOT_ALLOWED = "cancel_not_allowed"
    UNSUPPORTED_ACTION = "unsupported_action"
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
    """The panel rejected the API key, or the account it belongs to."""


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


class SmmPanelUnsupportedActionError(SmmPanelApiError):
    """The panel does not offer an action through its API."""

    def __init__(self, message: str, action: str) -> None:
        """Keep the panel's message and the action it does not offer."""
        super().__init__(message, ErrorReason.UNSUPPORTED_ACTION)
        self.action = action


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
class OrderQuote:
    """An order that its service's rules accept, with what it delivers and costs."""

    order: NewOrder  # what to send: a counted type's `quantity` is left out
    delivered_quantity: int | None  # quantity times runs; None for types without one
    cost: Decimal  # estimated at the service's rate


class OrderProblemKind(StrEnum):
    """Why a service does not accept an order."""

    FIELDS_NOT_ALLOWED = "fields_not_allowed"
    MISSING_FIELDS = "missing_fields"
    DRIPFEED_NOT_SUPPORTED = "dripfeed_not_supported"
    DRIPFEED_INCOMPLETE = "dripfeed_incomplete"
    QUANTITY_MISMATCH = "quantity_mismatch"
    QUANTITY_OUT_OF_RANGE = "quantity_out_of_range"
    MIN_ABOVE_MAX = "min_above_max"


@dataclass(frozen=True, slots=True)
class OrderProblem:
    """Base class of the reasons a service does not accept an order."""

    kind: ClassVar[OrderProblemKind]


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldsNotAllowed(OrderProblem):
    """The order sets fields its service type does not accept."""

    kind = OrderProblemKind.FIELDS_NOT_ALLOWED
    fields: frozenset[OrderField]


@dataclass(frozen=True, slots=True, kw_only=True)
class MissingFields(OrderProblem):
    """The order lacks fields its service type requires."""

    kind = OrderProblemKind.MISSING_FIELDS
    fields: frozenset[OrderField]


@dataclass(frozen=True, slots=True, kw_only=True)
class DripfeedNotSupported(OrderProblem):
    """The order asks for a drip-feed from a service that offers none."""

    kind = OrderProblemKind.DRIPFEED_NOT_SUPPORTED


@dataclass(frozen=True, slots=True, kw_only=True)
class DripfeedIncomplete(OrderProblem):
    """The order sets only one of `runs` and `interval`."""

    kind = OrderProblemKind.DRIPFEED_INCOMPLETE


@dataclass(frozen=True, slots=True, kw_only=True)
class QuantityMismatch(OrderProblem):
    """The order's `quantity` differs from the number of lines of its counted field."""

    kind = OrderProblemKind.QUANTITY_MISMATCH
    quantity: int
    count: int
    field: OrderField


@dataclass(frozen=True, slots=True, kw_only=True)
class QuantityOutOfRange(OrderProblem):
    """A quantity (`quantity`, counted lines, `min` or `max`) is outside the range."""

    kind = OrderProblemKind.QUANTITY_OUT_OF_RANGE
    field: OrderField  # `quantity` also when it is counted from lines
    quantity: int
    minimum: int
    maximum: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MinAboveMax(OrderProblem):
    """A subscription's `min` is above its `max`."""

    kind = OrderProblemKind.MIN_ABOVE_MAX
    minimum: int
    maximum: int


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


_MASK = "********"
_EXCERPT_LENGTH = 200
# Numbers further from 1 than this are garbage, not money or counts.
_MAX_MAGNITUDE = 24
_MAX_INT: Final = 2**63 - 1
_MIN_INT: Final = -(2**63)
_FLAGS: Final = {"1": True, "true": True, "0": False, "false": False}
# Keys that may accompany `error` without making the answer more than an error.
_ERROR_COMPANIONS: Final = frozenset({"error", "status", "success", "code", "message"})
_TAG = re.compile(r"<[^>]*>")


def _compact(text: str) -> str:
    """Return text lowercased with everything but letters and digits removed."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


_ORDER_STATUSES: Final = {_compact(status): status for status in OrderStatus} | {
    "cancelled": OrderStatus.CANCELED
}
_REFILL_STATUSES: Final = {_compact(status): status for status in RefillStatus} | {
    "awaiting": RefillStatus.PENDING,
    "processed": RefillStatus.COMPLETED,
    "failed": RefillStatus.ERROR,
}
_SERVICE_TYPES: Final = {_compact(kind): kind for kind in ServiceType}

# Checked in order: the first pattern found in the normalized message (lowercase,
# words separated by single spaces) wins. The wordings come from the API controllers
# of public panel scripts; tests/test_panel_wordings.py lists them with their sources.
_ERROR_PATTERNS: Final = tuple(
    (re.compile(pattern), reason)
    for pattern, reason in (
        # SmartPanel: "API is Disable for this user or User Not Found! ..."
        (r"\bapi ?key\b|\bapi is disable", ErrorReason.INVALID_KEY),
        (
            (
                r"\b(account|user)( has been| is)? (suspended|banned|blocked|disabled"
                r"|deactivated|inactive)\b|account does not exist"
            ),
            ErrorReason.ACCOUNT_DISABLED,
        ),
        (r"rate limit|too many requests|slow down", ErrorReason.RATE_LIMITED),
        (r"not enough funds|insufficient|low balance", ErrorReason.INSUFFICIENT_FUNDS),
        (r"active order|link duplicate", ErrorReason.ACTIVE_ORDER_ON_LINK),
        (
            (
                r"action is invalid|\b(incorrect|invalid|unknown|wrong) action\b"
                r"|action not (found|supported|allowed)"
            ),
            ErrorReason.UNSUPPORTED_ACTION,
        ),
        (r"\bcancel", ErrorReason.CANCEL_NOT_ALLOWED),
        (
            (
                r"not eligible|refill (was )?requested less than|refill already requested"
                r"|refill (period|days)"
            ),
            ErrorReason.NOT_ELIGIBLE_FOR_REFILL,
        ),
        (
            (
                r"refill (is )?disabled|refill not (available|supported)"
                r"|(not|n t) support refill|no refill"
            ),
            ErrorReason.REFILL_DISABLED,
        ),
        (r"not completed", ErrorReason.ORDER_NOT_COMPLETED),
        (r"refill not found|incorrect refill", ErrorReason.REFILL_NOT_FOUND),
        (r"required|missing", ErrorReason.MISSING_PARAMETER),
        (r"incorrect order|invalid order|order not found", ErrorReason.ORDER_NOT_FOUND),
        (
            (
                r"(incorrect|invalid|unknown|disabled) service|service (id )?(not found"
                r"|does not exist|is not available|is currently disabled)"
                r"|selected service is invalid"
            ),
            ErrorReason.UNKNOWN_SERVICE,
        ),
        (
            r"(bad|incorrect|invalid) link|error link\b|url is not valid",
            ErrorReason.BAD_LINK,
        ),
        (
            (
                r"quantity must be between|quantity limit|(invalid|incorrect) quantity"
                r"|quantity (incorrect|inccorect)"
            ),
            ErrorReason.QUANTITY_OUT_OF_RANGE,
        ),
        (r"quantity less|min quantity|minimal|minimum", ErrorReason.QUANTITY_TOO_LOW),
        (r"quantity more|max quantity|maximal|maximum", ErrorReason.QUANTITY_TOO_HIGH),
        (r"(incorrect|invalid|bad) request", ErrorReason.BAD_REQUEST),
    )
)


@dataclass(frozen=True, slots=True)
class _Answer:
    """What the panel sent back to one request."""

    action: str
    status: int
    headers: Mapping[str, str]
    body: bytes


def classify_error(message: str) -> ErrorReason:
    """Return what an error message reported by a panel means."""
    normalized = re.sub(r"[\W_]+", " ", message.lower())
    for pattern, reason in _ERROR_PATTERNS:
        if pattern.search(normalized):
            return reason
    return ErrorReason.OTHER


def _load_json(body: bytes) -> object:
    """Return the JSON in a body with floats as Decimal, or None if there is none."""
    try:
        return json.loads(
            body.decode("utf-8-sig"),
            parse_float=Decimal,
            parse_constant=Decimal,
            object_hook=_decoded_object,
        )
    except ValueError, RecursionError:
        return None


def _decoded_object(value: dict[str, object]) -> dict[str, object]:
    """Return an object json decoded, as it is.

    json's C decoder runs no Python code of its own, so a thread decoding a catalogue
    of megabytes keeps the interpreter's lock until it is done, and the event loop
    waits that long. This hook is Python code run after each object: there the
    interpreter hands its lock to the event loop once it asked for it (after its 5 ms
    switch interval).
    """
    return value


def _text(value: object) -> str | None:
    """Return a JSON string or number as text."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _decimal(value: object) -> Decimal | None:
    """Return a JSON number or numeric string as a Decimal of sane magnitude."""
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except InvalidOperation:
            return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    number = Decimal(value)
    if not number.is_finite() or abs(number.adjusted()) > _MAX_MAGNITUDE:
        return None
    return number


def _int(value: object) -> int | None:
    """Return a JSON number or numeric string holding a whole number as int.

    Ids and counts past 64 bits are garbage, and Home Assistant's storage could not
    write them.
    """
    number = _decimal(value)
    if (
        number is None
        or number != number.to_integral_value()
        or not _MIN_INT <= number <= _MAX_INT
    ):
        return None
    return int(number)


def _flag(value: object) -> bool | None:
    """Return a JSON flag (true/false, 1/0, "1"/"0") as bool."""
    if isinstance(value, bool):
        return value
    text = _text(value)
    return None if text is None else _FLAGS.get(text.lower())


def _error_message(
    value: object, companions: frozenset[str] = _ERROR_COMPANIONS
) -> str | None:
    """Return the panel's message if `error` is the only meaningful key of value."""
    if not isinstance(value, dict) or not (error := value.get("error")):
        return None
    if not value.keys() <= companions:
        return None
    if isinstance(error, str):
        return error.strip()
    message = value.get("message")
    return message.strip() if isinstance(message, str) else str(error)


def _nested_error_message(row: object) -> str | None:
    """Return the error of a row that is a bare string or holds an error object."""
    if isinstance(row, str):
        return row.strip()
    if isinstance(row, dict):
        return next(filter(None, map(_error_message, row.values())), None)
    return None


def _parse_row[T](
    parse: Callable[[object], T | None],
    row: object,
    companions: frozenset[str] = _ERROR_COMPANIONS,
) -> T | RowError:
    """Parse an answer or a batch row into its value or the error reported in it."""
    if (message := _error_message(row, companions)) is None:
        if (value := parse(row)) is not None:
            return value
        if (message := _nested_error_message(row)) is None:
            raise SmmPanelInvalidResponseError("The panel answered an unexpected shape")
    return RowError(message=message, reason=classify_error(message))


def _rows_by_id(data: object, id_key: str) -> dict[int, object]:
    """Index a batch answer, an object keyed by id or a list of rows, by id."""
    if isinstance(data, dict):
        keyed_rows = list(data.items())
    elif isinstance(data, list):
        keyed_rows = [(row.get(id_key), row) for row in data if isinstance(row, dict)]
    else:
        raise SmmPanelInvalidResponseError(
            "The batch answer is not an object or a list"
        )
    return {
        item_id: row for key, row in keyed_rows if (item_id := _int(key)) is not None
    }


def _parse_batch[T](
    item_ids: Sequence[int],
    id_key: str,
    parse: Callable[[int, object], T | None],
    data: object,
) -> dict[int, T | RowError]:
    """Parse a batch answer into one result per requested id."""
    rows = _rows_by_id(data, id_key)
    if rows.keys().isdisjoint(item_ids):
        raise SmmPanelInvalidResponseError("The batch answer has none of the ids asked")
    companions = _ERROR_COMPANIONS | {id_key}
    results: dict[int, T | RowError] = {}
    for item_id in item_ids:
        if (row := rows.get(item_id)) is None:
            results[item_id] = RowError(
                message="The panel's answer has no row for this id",
                reason=ErrorReason.OTHER,
            )
            continue
        try:
            results[item_id] = _parse_row(partial(parse, item_id), row, companions)
        except SmmPanelInvalidResponseError as err:
            results[item_id] = RowError(message=str(err), reason=ErrorReason.OTHER)
    return results


def _parse_balance(data: object) -> Balance | None:
    """Parse the answer to `balance`."""
    if not isinstance(data, dict) or (amount := _decimal(data.get("balance"))) is None:
        return None
    return Balance(amount=amount, currency=_text(data.get("currency")) or "")


def _parse_service(row: object) -> PanelService | None:
    """Parse one catalogue entry, or return None if it is malformed."""
    if not isinstance(row, dict):
        return None
    service_id = _int(row.get("service"))
    rate = _decimal(row.get("rate"))
    min_quantity = _int(row.get("min"))
    max_quantity = _int(row.get("max"))
    if (
        service_id is None
        or rate is None
        or min_quantity is None
        or max_quantity is None
    ):
        return None
    raw_type = _text(row.get("type")) or ""
    return PanelService(
        service_id=service_id,
        name=_text(row.get("name")) or "",
        type=_SERVICE_TYPES.get(_compact(raw_type), ServiceType.UNKNOWN),
        raw_type=raw_type,
        category=_text(row.get("category")) or "",
        rate=rate,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
        refill=_flag(row.get("refill")) or False,
        cancel=_flag(row.get("cancel")) or False,
        dripfeed=_flag(row.get("dripfeed")) or False,
        description=_text(row.get("desc")) or _text(row.get("description")) or None,
    )


def _parse_services(data: object) -> list[PanelService]:
    """Parse the catalogue, skipping malformed entries."""
    if isinstance(data, dict) and data.get("data") == "Empty Data":
        return []
    if not isinstance(data, list):
        raise SmmPanelInvalidResponseError("The service catalogue is not a list")
    services = [service for row in data if (service := _parse_service(row))]
    if skipped := len(data) - len(services):
        _LOGGER.debug("Skipped %d malformed services in the catalogue", skipped)
    return services


def _parse_order_id(data: object) -> int | None:
    """Parse the answer to `add`."""
    return _int(data.get("order")) if isinstance(data, dict) else None


def _parse_order_state(order_id: int, row: object) -> OrderState | None:
    """Parse the status of one order."""
    if not isinstance(row, dict) or (raw_status := _text(row.get("status"))) is None:
        return None
    return OrderState(
        order_id=order_id,
        status=_ORDER_STATUSES.get(_compact(raw_status), OrderStatus.UNKNOWN),
        raw_status=raw_status,
        charge=_decimal(row.get("charge")),
        start_count=_int(row.get("start_count")),
        remains=_int(row.get("remains")),
        currency=_text(row.get("currency")) or None,
    )


def _field_or_value(row: object, key: str) -> object:
    """Return a row's field, or the row itself where it is a bare value."""
    return row.get(key) if isinstance(row, dict) else row


def _parse_refill_id(row: object) -> int | None:
    """Parse the refill id of a `refill` answer or row."""
    return _int(_field_or_value(row, "refill"))


def _parse_refill_state(refill_id: int, row: object) -> RefillState | None:
    """Parse the status of one refill."""
    if not isinstance(row, dict) or (raw_status := _text(row.get("status"))) is None:
        return None
    return RefillState(
        refill_id=refill_id,
        status=_REFILL_STATUSES.get(_compact(raw_status), RefillStatus.UNKNOWN),
        raw_status=raw_status,
    )


def _parse_cancel(row: object) -> bool | None:
    """Parse whether the panel accepted to cancel one order."""
    return _flag(_field_or_value(row, "cancel"))


def _retry_after(value: str | None) -> float | None:
    """Return the seconds a Retry-After header asks for: a number or an HTTP-date."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except ValueError:
            return None
        when = when.replace(tzinfo=when.tzinfo or UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _form_body(fields: Mapping[str, str]) -> bytes:
    """Return form fields URL-encoded, a space as %20.

    Some panels decode the body without turning `+` into a space, so a link or a
    comment must not depend on it.
    """
    return urlencode(fields, quote_via=quote).encode()


def _order_form(order: NewOrder) -> dict[str, str]:
    """Return the `add` fields of an order that are set, as form values."""
    return {
        field.name: str(value)
        for field in fields(order)
        if (value := getattr(order, field.name)) is not None
    }


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
        self._session = session
        self._url = url
        self._api_key = api_key
        self._headers = {
            "User-Agent": user_agent,
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self._timeout = ClientTimeout(total=request_timeout)
        self._request_counts: Counter[str] = Counter()

    def __repr__(self) -> str:
        """Return a representation that leaves the API key out."""
        return f"{type(self).__name__}(url={self._url!r})"

    async def get_balance(self) -> Balance:
        """Return the account balance."""
        return await self._call_single("balance", {}, _parse_balance)

    async def get_services(self) -> list[PanelService]:
        """Return the service catalogue.

        Catalogues run to thousands of services and megabytes of JSON: the answer is
        decoded in the event loop's default executor, not on the loop.
        """
        answer = await self._send("services", {})
        return await asyncio.get_running_loop().run_in_executor(
            None, self._decode, answer, _parse_services
        )

    async def add_order(self, order: NewOrder) -> int:
        """Place an order and return its id. Never retried."""
        try:
            return await self._call_single("add", _order_form(order), _parse_order_id)
        except (SmmPanelConnectionError, SmmPanelInvalidResponseError) as err:
            if isinstance(err.__cause__, ClientConnectorError | InvalidURL):
                raise  # The request never left, so no order exists.
            raise SmmPanelOrderOutcomeUnknownError(
                f"The panel may have placed the order: {err}"
            ) from err

    async def get_order_status(self, order_id: int) -> OrderState:
        """Return the status of one order."""
        return await self._call_single(
            "status", {"order": str(order_id)}, partial(_parse_order_state, order_id)
        )

    async def get_order_statuses(
        self, order_ids: Iterable[int]
    ) -> dict[int, OrderState | RowError]:
        """Return the status of many orders, one result per distinct id."""
        return await self._call_batch("status", "order", order_ids, _parse_order_state)

    async def refill(self, order_id: int) -> int:
        """Request a refill of one order and return the refill id."""
        return await self._call_single(
            "refill", {"order": str(order_id)}, _parse_refill_id
        )

    async def refill_many(self, order_ids: Iterable[int]) -> dict[int, int | RowError]:
        """Request refills of many orders; per order a refill id or an error."""
        return await self._call_batch(
            "refill", "order", order_ids, lambda _, row: _parse_refill_id(row)
        )

    async def get_refill_status(self, refill_id: int) -> RefillState:
        """Return the status of one refill."""
        return await self._call_single(
            "refill_status",
            {"refill": str(refill_id)},
            partial(_parse_refill_state, refill_id),
        )

    async def get_refill_statuses(
        self, refill_ids: Iterable[int]
    ) -> dict[int, RefillState | RowError]:
        """Return the status of many refills, one result per distinct id."""
        return await self._call_batch(
            "refill_status", "refill", refill_ids, _parse_refill_state
        )

    async def cancel(self, order_ids: Iterable[int]) -> dict[int, bool | RowError]:
        """Ask the panel to cancel orders; True means the cancel was requested."""
        return await self._call_batch(
            "cancel", "order", order_ids, lambda _, row: _parse_cancel(row)
        )

    @property
    def request_counts(self) -> Mapping[str, int]:
        """Return how many requests were sent, per action."""
        return MappingProxyType(self._request_counts)

    async def _call_single[T](
        self,
        action: str,
        params: Mapping[str, str],
        parse: Callable[[object], T | None],
    ) -> T:
        """Send a request about one thing; an error in the answer is the call's."""
        return await self._call(action, params, partial(_parse_row, parse))

    async def _call_batch[T](
        self,
        action: str,
        id_key: str,
        item_ids: Iterable[int],
        parse: Callable[[int, object], T | None],
    ) -> dict[int, T | RowError]:
        """Send the distinct ids as `<id_key>s`, 100 a request; keep per-row errors."""
        results: dict[int, T | RowError] = {}
        for chunk in batched(
            dict.fromkeys(item_ids), MAX_IDS_PER_REQUEST, strict=False
        ):
            results |= await self._call(
                action,
                {f"{id_key}s": ",".join(map(str, chunk))},
                partial(_parse_batch, chunk, id_key, parse),
            )
        return {
            item_id: replace(result, message=self._mask(result.message))
            if isinstance(result, RowError)
            else result
            for item_id, result in results.items()
        }

    async def _call[T](
        self,
        action: str,
        params: Mapping[str, str],
        parse: Callable[[object], T | RowError],
    ) -> T:
        """Send one request and parse its answer."""
        return self._decode(await self._send(action, params), parse)

    async def _send(self, action: str, params: Mapping[str, str]) -> _Answer:
        """Post one form to the panel, never following a redirect."""
        form = _form_body({"key": self._api_key, "action": action, **params})
        self._request_counts[action] += 1
        try:
            async with self._session.post(
                self._url,
                data=form,
                headers=self._headers,
                allow_redirects=False,
                timeout=self._timeout,
            ) as response:
                return _Answer(
                    action, response.status, response.headers, await response.read()
                )
        except ClientConnectorError as err:
            raise SmmPanelConnectionError(
                f"Cannot connect to the panel: {err}"
            ) from err
        except TimeoutError as err:
            raise SmmPanelTimeoutError(
                f"The panel did not answer within {self._timeout.total} seconds"
            ) from err
        except ClientError as err:
            raise SmmPanelConnectionError(
                f"The connection to the panel failed: {err!r}"
            ) from err

    def _decode[T](self, answer: _Answer, parse: Callable[[object], T | RowError]) -> T:
        """Return the parsed answer, or raise the error it stands for."""
        data = self._read(answer)
        try:
            result = parse(data)
        except SmmPanelInvalidResponseError as err:
            raise SmmPanelInvalidResponseError(
                str(err), self._excerpt(answer.body)
            ) from err
        if isinstance(result, RowError):
            raise self._panel_error(result.message, answer)
        return result

    def _read(self, answer: _Answer) -> object:
        """Return the JSON of an API answer, or raise the error the answer means."""
        status = answer.status
        if 300 <= status < 400:
            raise SmmPanelInvalidResponseError(
                f"The panel answered with a redirect (HTTP {status}), which is never"
                " followed: check the URL",
                self._excerpt(answer.body),
            )
        data = _load_json(answer.body)
        if (message := _error_message(data)) is not None:
            raise self._panel_error(message, answer)
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            raise self._panel_error("The panel is rate limiting requests", answer)
        if data is None and b"Just a moment..." in answer.body:
            raise SmmPanelInvalidResponseError(
                "A Cloudflare challenge page blocks the API", self._excerpt(answer.body)
            )
        if status >= 500:
            raise SmmPanelConnectionError(f"The panel is unavailable (HTTP {status})")
        if data is None or not 200 <= status < 300:
            raise SmmPanelInvalidResponseError(
                f"The panel did not answer with the API (HTTP {status})",
                self._excerpt(answer.body),
            )
        return data

    def _panel_error(self, message: str, answer: _Answer) -> SmmPanelError:
        """Return the exception for an error the panel reported."""
        message = self._mask(message)
        # Read after masking: a key the panel quotes must not read as words.
        reason = classify_error(message)
        if (
            answer.status == HTTPStatus.TOO_MANY_REQUESTS
            or reason is ErrorReason.RATE_LIMITED
        ):
            return SmmPanelRateLimitError(
                message, _retry_after(answer.headers.get("Retry-After"))
            )
        if answer.status in {
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.FORBIDDEN,
        } or reason in {ErrorReason.INVALID_KEY, ErrorReason.ACCOUNT_DISABLED}:
            return SmmPanelAuthenticationError(message)
        if reason is ErrorReason.UNSUPPORTED_ACTION:
            return SmmPanelUnsupportedActionError(message, answer.action)
        return SmmPanelApiError(message, reason)

    def _excerpt(self, body: bytes) -> str:
        """Return the start of a body as short plain text without the API key."""
        text = unescape(_TAG.sub(" ", body.decode("utf-8", "replace")))
        return self._mask(" ".join(text.split()))[:_EXCERPT_LENGTH]

    def _mask(self, text: str) -> str:
        """Return text with the API key masked."""
        return text.replace(self._api_key, _MASK) if self._api_key else text


def quote_order(
    service: PanelService, order: NewOrder
) -> OrderQuote | tuple[OrderProblem, ...]:
    """Check an order against its service: return its quote, or every problem.

    Problems come in the order of OrderProblemKind. Checks after the field checks
    look only at fields the type accepts. A counted type also takes a `quantity`,
    which must match the count and is then left out of the quoted order. Nothing is
    checked against a balance: that is the caller's.
    """
    if order.service != service.service_id:
        raise ValueError(
            f"Order for service {order.service} quoted with service {service.service_id}"
        )
    given = _set_fields(order)
    dropped: dict[str, Any] = dict.fromkeys(given - service.type.accepted_fields)
    sent = replace(order, **dropped)
    quantity = _quantity(service.type, sent)
    problems = (
        *_field_problems(service.type, given),
        *_dripfeed_problems(service, _set_fields(sent)),
        *_mismatch_problems(service.type, order.quantity, quantity),
        *_range_problems(service, quantity, sent),
    )
    if problems:
        return problems
    runs = 1 if sent.runs is None else sent.runs
    delivered = None if quantity is None else quantity * runs
    units = ESTIMATED_UNITS_WITHOUT_QUANTITY if delivered is None else delivered
    return OrderQuote(
        order=sent, delivered_quantity=delivered, cost=service.cost(units)
    )


def _set_fields(order: NewOrder) -> frozenset[OrderField]:
    """Return the `add` fields an order sets."""
    return frozenset(field for field in OrderField if getattr(order, field) is not None)


def _quantity(service_type: ServiceType, order: NewOrder) -> int | None:
    """Return the per-run quantity of an order: for a counted type, its lines."""
    if (counted := service_type.counted_field) is None:
        return order.quantity
    text: str | None = getattr(order, counted)
    return None if text is None else _count_lines(text)


def _count_lines(text: str) -> int:
    """Return the number of non-blank lines of a list field."""
    return sum(1 for line in text.split("\n") if line.strip())


def _field_problems(
    service_type: ServiceType, given: frozenset[OrderField]
) -> Iterator[OrderProblem]:
    """Yield the fields a type does not accept, then those it lacks."""
    accepted = service_type.accepted_fields
    if service_type.counted_field is not None:
        accepted |= {OrderField.QUANTITY}  # checked against the count, then dropped
    if unexpected := given - accepted:
        yield FieldsNotAllowed(fields=unexpected)
    if missing := service_type.required_fields - given:
        yield MissingFields(fields=missing)


def _dripfeed_problems(
    service: PanelService, given: frozenset[OrderField]
) -> Iterator[OrderProblem]:
    """Yield why a drip-feed cannot be ordered, if the order asks for one."""
    if not (dripfeed := given & _DRIPFEED_FIELDS):
        return
    if not service.dripfeed:
        yield DripfeedNotSupported()
    elif dripfeed != _DRIPFEED_FIELDS:
        yield DripfeedIncomplete()


def _mismatch_problems(
    service_type: ServiceType, quantity: int | None, count: int | None
) -> Iterator[OrderProblem]:
    """Yield a mismatch between a counted type's given quantity and its count."""
    field = service_type.counted_field
    if field is None or quantity is None or count is None:
        return
    if quantity != count:
        yield QuantityMismatch(quantity=quantity, count=count, field=field)


def _range_problems(
    service: PanelService, quantity: int | None, order: NewOrder
) -> Iterator[OrderProblem]:
    """Yield the quantities outside the service's range, then a `min` above `max`."""
    for field, value in (
        (OrderField.QUANTITY, quantity),
        (OrderField.MIN, order.min),
        (OrderField.MAX, order.max),
    ):
        if value is not None and not (
            service.min_quantity <= value <= service.max_quantity
        ):
            yield QuantityOutOfRange(
                field=field,
                quantity=value,
                minimum=service.min_quantity,
                maximum=service.max_quantity,
            )
    if order.min is not None and order.max is not None and order.min > order.max:
        yield MinAboveMax(minimum=order.min, maximum=order.max)


def normalize_url(url: str) -> str:
    """Return the canonical form of a panel API URL."""
    parsed = URL(url.strip())
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise ValueError(f"Not an http(s) URL with a host: {url!r}")
    return str(
        URL.build(
            scheme=parsed.scheme,
            host=parsed.host,
            port=None if parsed.is_default_port() else parsed.port,
            path=parsed.path.rstrip("/") or DEFAULT_API_PATH,
        )
    )
