"""Tests for how the SMM panel client reads answers, without a network."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from functools import partial
import json
from typing import Any
from unittest.mock import Mock

from aiohttp import ClientSession
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.smmpanel.api import (
    Balance,
    ErrorReason,
    NewOrder,
    OrderState,
    OrderStatus,
    PanelService,
    RefillState,
    RefillStatus,
    RowError,
    ServiceType,
    SmmPanelApiError,
    SmmPanelAuthenticationError,
    SmmPanelClient,
    SmmPanelConnectionError,
    SmmPanelError,
    SmmPanelInvalidResponseError,
    SmmPanelRateLimitError,
    SmmPanelUnsupportedActionError,
    classify_error,
    normalize_url,
    parsing,
)
from custom_components.smmpanel.api.client import _Answer, _order_form, _retry_after

KEY = "4d27c0ffee0123456789abcdef0175de"


@pytest.fixture(name="client")
def client_fixture() -> SmmPanelClient:
    """Return a client whose session is never used: these tests feed it answers."""
    return SmmPanelClient(Mock(spec=ClientSession), "https://panel.test/api/v2", KEY)


def answer(body: Any, status: int = 200, **headers: str) -> _Answer:
    """Return an answer to `balance` with a JSON body, or with raw bytes as they are."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return _Answer("balance", status, headers, raw)


def single(parse: Callable[[object], Any]) -> Callable[[object], Any]:
    """Return the parser of a single-item answer."""
    return partial(parsing.parse_row, parse)


def batch(
    ids: list[int], id_key: str, parse: Callable[[int, object], Any]
) -> Callable[[object], Any]:
    """Return the parser of a batch answer for ids."""
    return partial(parsing.parse_batch, ids, id_key, parse)


def refill_id_row(_: int, row: object) -> int | None:
    """Parse a batch `refill` row."""
    return parsing.parse_refill_id(row)


def cancel_row(_: int, row: object) -> bool | None:
    """Parse a batch `cancel` row."""
    return parsing.parse_cancel(row)


# --- Error messages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("Invalid API key", ErrorReason.INVALID_KEY),
        ("Invalid API key.", ErrorReason.INVALID_KEY),
        ("Incorrect API key", ErrorReason.INVALID_KEY),
        ("API key invalid", ErrorReason.INVALID_KEY),
        ("Incorrect order ID", ErrorReason.ORDER_NOT_FOUND),
        ("Incorrect service ID", ErrorReason.UNKNOWN_SERVICE),
        ("error.incorrect_service_id", ErrorReason.UNKNOWN_SERVICE),
        ("Incorrect link", ErrorReason.BAD_LINK),
        ("Bad link", ErrorReason.BAD_LINK),
        ("neworder.error.link", ErrorReason.BAD_LINK),
        ("Quantity less than minimal 50", ErrorReason.QUANTITY_TOO_LOW),
        ("neworder.error.min_quantity", ErrorReason.QUANTITY_TOO_LOW),
        ("Quantity more than maximum 10000", ErrorReason.QUANTITY_TOO_HIGH),
        ("neworder.error.max_quantity", ErrorReason.QUANTITY_TOO_HIGH),
        ("Not enough funds on balance", ErrorReason.INSUFFICIENT_FUNDS),
        ("Insufficient balance", ErrorReason.INSUFFICIENT_FUNDS),
        ("neworder.error.not_enough_funds", ErrorReason.INSUFFICIENT_FUNDS),
        (
            "You have active order with this link. Please wait until order being completed.",
            ErrorReason.ACTIVE_ORDER_ON_LINK,
        ),
        ("neworder.error.link_duplicate", ErrorReason.ACTIVE_ORDER_ON_LINK),
        (
            "Order ID is required parameter. Please check your API Manual",
            ErrorReason.MISSING_PARAMETER,
        ),
        ("Incorrect request", ErrorReason.BAD_REQUEST),
        ("Incorrect action", ErrorReason.UNSUPPORTED_ACTION),
        ("Rate limit exceeded. Slow down.", ErrorReason.RATE_LIMITED),
        ("Order not eligible for refill.", ErrorReason.NOT_ELIGIBLE_FOR_REFILL),
        ("Refill is disabled for this service", ErrorReason.REFILL_DISABLED),
        ("The order is not completed", ErrorReason.ORDER_NOT_COMPLETED),
        ("Refill not found", ErrorReason.REFILL_NOT_FOUND),
        ("Order not eligible for cancel.", ErrorReason.CANCEL_NOT_ALLOWED),
        ("Something odd happened", ErrorReason.OTHER),
        ("", ErrorReason.OTHER),
    ],
)
def test_classify_error(message: str, reason: ErrorReason) -> None:
    """Every wording panels use maps to its reason; anything else is OTHER."""
    assert classify_error(message) is reason


# --- Whole-call answers and HTTP statuses -----------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "error", "reason"),
    [
        ({"error": "Invalid API key"}, 200, SmmPanelAuthenticationError, None),
        ({"error": "Incorrect API key"}, 200, SmmPanelAuthenticationError, None),
        ({"error": "API key invalid"}, 200, SmmPanelAuthenticationError, None),
        ({"error": "Invalid API key."}, 401, SmmPanelAuthenticationError, None),
        ({"error": "Access denied"}, 403, SmmPanelAuthenticationError, None),
        (
            {"error": "Not enough funds on balance"},
            402,
            SmmPanelApiError,
            ErrorReason.INSUFFICIENT_FUNDS,
        ),
        (
            {"error": "Incorrect order ID"},
            404,
            SmmPanelApiError,
            ErrorReason.ORDER_NOT_FOUND,
        ),
        ({"error": "Incorrect link"}, 422, SmmPanelApiError, ErrorReason.BAD_LINK),
        (
            {"error": "Incorrect request", "status": "error"},
            200,
            SmmPanelApiError,
            ErrorReason.BAD_REQUEST,
        ),
        (
            {"error": True, "message": "Incorrect action", "code": 400},
            200,
            SmmPanelUnsupportedActionError,
            ErrorReason.UNSUPPORTED_ACTION,
        ),
        ({"error": {"detail": "x"}}, 200, SmmPanelApiError, ErrorReason.OTHER),
    ],
)
def test_whole_call_errors(
    client: SmmPanelClient,
    body: dict[str, Any],
    status: int,
    error: type[SmmPanelError],
    reason: ErrorReason | None,
) -> None:
    """An answer whose only meaningful key is `error` fails the call, by kind."""
    with pytest.raises(error) as caught:
        client._decode(answer(body, status), single(parsing.parse_balance))
    if reason is not None:
        assert isinstance(caught.value, SmmPanelApiError)
        assert caught.value.reason is reason
        assert caught.value.message == str(caught.value)


def test_error_message_is_kept(client: SmmPanelClient) -> None:
    """The panel's own words reach the caller."""
    with pytest.raises(SmmPanelApiError) as caught:
        client._decode(
            answer({"error": "Quantity less than minimal 50"}),
            single(parsing.parse_order_id),
        )
    assert caught.value.message == "Quantity less than minimal 50"
    assert caught.value.reason is ErrorReason.QUANTITY_TOO_LOW


def test_error_with_data_is_not_a_whole_call_error(client: SmmPanelClient) -> None:
    """An `add` answer carrying an order id is a placed order, whatever else it says."""
    parse = single(parsing.parse_order_id)
    assert client._decode(answer({"order": 23501, "error": "notice"}), parse) == 23501
    assert client._decode(answer({"status": "success", "order": "151"}), parse) == 151
    assert client._decode(answer({"order": 7}, 201), parse) == 7


def test_error_false_is_no_error(client: SmmPanelClient) -> None:
    """`"error": false` beside the data is not an error."""
    assert client._decode(
        answer({"error": False, "balance": "1.5", "currency": "EUR"}),
        single(parsing.parse_balance),
    ) == Balance(amount=Decimal("1.5"), currency="EUR")


def test_nested_error_in_single_answer(client: SmmPanelClient) -> None:
    """A single answer whose value is an error object fails the call."""
    with pytest.raises(SmmPanelApiError) as caught:
        client._decode(
            answer({"order": 3, "refill": {"error": "Order not eligible for refill."}}),
            single(parsing.parse_refill_id),
        )
    assert caught.value.reason is ErrorReason.NOT_ELIGIBLE_FOR_REFILL


def test_bare_string_single_answer(client: SmmPanelClient) -> None:
    """A bare JSON string answer is the panel's error message."""
    with pytest.raises(SmmPanelApiError) as caught:
        client._decode(
            answer("Incorrect order ID"), single(partial(parsing.parse_order_state, 1))
        )
    assert caught.value.reason is ErrorReason.ORDER_NOT_FOUND


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({"Retry-After": "30"}, 30.0), ({"Retry-After": "2.5"}, 2.5), ({}, None)],
)
def test_http_429(
    client: SmmPanelClient, headers: dict[str, str], retry_after: float | None
) -> None:
    """429 is a rate limit, with the seconds the panel asked for."""
    with pytest.raises(SmmPanelRateLimitError) as caught:
        client._decode(
            answer({"error": "Rate limit exceeded. Slow down."}, 429, **headers),
            parsing.parse_services,
        )
    assert caught.value.retry_after == retry_after
    assert str(caught.value) == "Rate limit exceeded. Slow down."


def test_http_429_without_json(client: SmmPanelClient) -> None:
    """429 with an HTML body is still a rate limit."""
    with pytest.raises(SmmPanelRateLimitError) as caught:
        client._decode(
            answer(b"<h1>Too Many Requests</h1>", 429, **{"Retry-After": "7"}),
            parsing.parse_services,
        )
    assert caught.value.retry_after == 7.0


def test_rate_limit_message_with_http_200(client: SmmPanelClient) -> None:
    """The rate limit message on HTTP 200 is a rate limit too."""
    with pytest.raises(SmmPanelRateLimitError) as caught:
        client._decode(
            answer({"error": "Rate limit exceeded. Slow down."}), parsing.parse_services
        )
    assert caught.value.retry_after is None


def test_retry_after_http_date() -> None:
    """Retry-After may be an HTTP-date; it becomes seconds from now."""
    when = datetime.now(UTC) + timedelta(seconds=120)
    assert _retry_after(format_datetime(when, usegmt=True)) == pytest.approx(120, abs=2)
    naive = format_datetime((when + timedelta(seconds=60)).replace(tzinfo=None))
    assert _retry_after(naive) == pytest.approx(180, abs=2)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("-5", 0.0),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        (None, None),
    ],
)
def test_retry_after_odd_values(value: str | None, seconds: float | None) -> None:
    """Past dates wait nothing; values that are not a time are ignored."""
    assert _retry_after(value) == seconds


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_is_an_error(client: SmmPanelClient, status: int) -> None:
    """A redirect is never followed: the call fails."""
    with pytest.raises(SmmPanelInvalidResponseError, match=f"HTTP {status}"):
        client._decode(
            answer(b"", status, Location="https://x/"), parsing.parse_services
        )


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error_page_means_unavailable(
    client: SmmPanelClient, status: int
) -> None:
    """A 5xx page that is not the API means the panel is unavailable."""
    with pytest.raises(SmmPanelConnectionError, match=f"HTTP {status}"):
        client._decode(
            answer(f"<html><title>{status}</title></html>".encode(), status),
            parsing.parse_services,
        )


def test_server_error_with_json_that_is_not_the_api(client: SmmPanelClient) -> None:
    """A 5xx JSON body without an API error means the panel is unavailable."""
    with pytest.raises(SmmPanelConnectionError):
        client._decode(answer({"message": "Server Error"}, 500), parsing.parse_services)


def test_server_error_with_api_error(client: SmmPanelClient) -> None:
    """A 5xx answer carrying an API error is that error."""
    with pytest.raises(SmmPanelApiError) as caught:
        client._decode(
            answer({"error": "Incorrect request"}, 500), parsing.parse_services
        )
    assert caught.value.reason is ErrorReason.BAD_REQUEST


def test_client_error_with_json_that_is_not_the_api(client: SmmPanelClient) -> None:
    """A 4xx JSON body without an API error is an invalid answer."""
    with pytest.raises(SmmPanelInvalidResponseError, match="HTTP 404"):
        client._decode(answer({"message": "Not Found"}, 404), parsing.parse_services)


CLOUDFLARE_PAGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>'
    b"<body><h1>Checking if the site connection is secure</h1></body></html>"
)


@pytest.mark.parametrize("status", [403, 503])
def test_cloudflare_challenge(client: SmmPanelClient, status: int) -> None:
    """A Cloudflare challenge is an invalid answer, with a readable excerpt."""
    with pytest.raises(SmmPanelInvalidResponseError, match="Cloudflare") as caught:
        client._decode(answer(CLOUDFLARE_PAGE, status), parsing.parse_services)
    assert caught.value.excerpt == (
        "Just a moment... Checking if the site connection is secure"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b'{"balance": "100.84292", "currency": "US',
        b"<html><body>Hello</body></html>",
        b"\xff\xfe\xfa",
        b"[" * 100_000,
        b"1" * 5000,
    ],
)
def test_not_json(client: SmmPanelClient, body: bytes) -> None:
    """A body that is not JSON fails the call as an invalid answer."""
    with pytest.raises(SmmPanelInvalidResponseError, match="HTTP 200"):
        client._decode(answer(body), single(parsing.parse_balance))


def test_json_with_byte_order_mark(client: SmmPanelClient) -> None:
    """Some PHP panels put a UTF-8 byte order mark before the JSON."""
    body = b'\xef\xbb\xbf{"balance": "5", "currency": "USD"}'
    assert client._decode(answer(body), single(parsing.parse_balance)).amount == 5


def test_excerpt_is_sanitized(client: SmmPanelClient) -> None:
    """Excerpts lose tags and extra whitespace, mask the key and stay short."""
    body = (
        f"<html>\n<head><title>Error</title></head>\n<body>\n\n  <p>key={KEY} &amp; more"
        f"</p>{'x ' * 300}</body></html>"
    ).encode()
    with pytest.raises(SmmPanelInvalidResponseError) as caught:
        client._decode(answer(body), parsing.parse_services)
    excerpt = caught.value.excerpt
    assert excerpt.startswith("Error key=******** & more x x")
    assert len(excerpt) == 200
    assert KEY not in excerpt


def test_key_cut_by_the_excerpt_limit_is_masked(client: SmmPanelClient) -> None:
    """The key is masked before the excerpt is cut, so no part of it shows."""
    body = ("a" * 190 + KEY).encode()
    with pytest.raises(SmmPanelInvalidResponseError) as caught:
        client._decode(answer(body), parsing.parse_services)
    assert caught.value.excerpt == "a" * 190 + "********"
    assert KEY[:5] not in caught.value.excerpt


def test_key_is_masked_in_error_messages(client: SmmPanelClient) -> None:
    """An error message that echoes the key does not carry it."""
    with pytest.raises(SmmPanelAuthenticationError) as caught:
        client._decode(
            answer({"error": f"Invalid API key {KEY}"}), parsing.parse_services
        )
    assert str(caught.value) == "Invalid API key ********"
    with pytest.raises(SmmPanelApiError) as row_error:
        client._decode(
            answer({"refill": {"error": f"Bad {KEY}"}}), single(parsing.parse_refill_id)
        )
    assert KEY not in str(row_error.value)


def test_wrong_shape_has_an_excerpt(client: SmmPanelClient) -> None:
    """A JSON answer of the wrong shape fails with an excerpt of it."""
    with pytest.raises(SmmPanelInvalidResponseError) as caught:
        client._decode(answer([{"unexpected": "shape"}]), single(parsing.parse_balance))
    assert caught.value.excerpt == '[{"unexpected": "shape"}]'


def test_repr_has_no_key(client: SmmPanelClient) -> None:
    """The client's repr never shows the key."""
    assert repr(client) == "SmmPanelClient(url='https://panel.test/api/v2')"


@pytest.mark.parametrize(
    ("status", "finished"),
    [
        (OrderStatus.PENDING, False),
        (OrderStatus.IN_PROGRESS, False),
        (OrderStatus.ACTIVE, False),
        (OrderStatus.COMPLETED, True),
        (OrderStatus.PARTIAL, True),
        (OrderStatus.CANCELED, True),
        (OrderStatus.REFUNDED, True),
        (RefillStatus.PENDING, False),
        (RefillStatus.COMPLETED, True),
        (RefillStatus.REJECTED, True),
        (RefillStatus.ERROR, True),
    ],
)
def test_finished_statuses(status: OrderStatus | RefillStatus, finished: bool) -> None:
    """Terminal statuses are finished; the others are not."""
    assert status.is_finished is finished


# --- Values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"balance": "100.84292", "currency": "USD"}', Decimal("100.84292")),
        ('{"balance": 100.84292, "currency": "USD"}', Decimal("100.84292")),
        ('{"balance": 100, "currency": "USD"}', Decimal(100)),
        ('{"balance": " 0.1000000 ", "currency": "USD"}', Decimal("0.1000000")),
    ],
)
def test_balance_is_exact(client: SmmPanelClient, body: str, expected: Decimal) -> None:
    """The balance keeps every digit, from a string or a number."""
    balance = client._decode(answer(body.encode()), single(parsing.parse_balance))
    assert balance == Balance(amount=expected, currency="USD")
    assert str(balance.amount) == str(expected)


def test_balance_without_currency(client: SmmPanelClient) -> None:
    """A panel that omits the currency gives an empty one."""
    balance = client._decode(answer({"balance": "3"}), single(parsing.parse_balance))
    assert balance == Balance(amount=Decimal(3), currency="")


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "abc", "", None, True, [1], "1e999", "1e-999"]
)
def test_balance_that_is_not_money(client: SmmPanelClient, value: object) -> None:
    """A balance that is not a sane finite number is an invalid answer."""
    with pytest.raises(SmmPanelInvalidResponseError):
        client._decode(answer({"balance": value}), single(parsing.parse_balance))


def test_json_nan_is_not_money(client: SmmPanelClient) -> None:
    """JSON's non-standard NaN is not a balance."""
    with pytest.raises(SmmPanelInvalidResponseError):
        client._decode(answer(b'{"balance": NaN}'), single(parsing.parse_balance))


SERVICE_ROW = {
    "service": 101,
    "name": "Real & Active Followers - Best Server",
    "rate": "250.00",
    "min": "50",
    "max": "10000",
    "category": "Instagram Followers",
    "type": "Default",
    "refill": True,
    "cancel": False,
}


def test_service_row() -> None:
    """A catalogue row becomes a typed service."""
    assert parsing.parse_services([SERVICE_ROW]) == [
        PanelService(
            service_id=101,
            name="Real & Active Followers - Best Server",
            type=ServiceType.DEFAULT,
            raw_type="Default",
            category="Instagram Followers",
            rate=Decimal("250.00"),
            min_quantity=50,
            max_quantity=10000,
            refill=True,
            cancel=False,
            dripfeed=False,
            description=None,
        )
    ]


def test_service_row_with_numbers_and_extras() -> None:
    """Numbers may be numbers, flags 0/1, ids strings; desc becomes description."""
    row = SERVICE_ROW | {
        "service": "7",
        "rate": Decimal("0.90"),
        "min": 10,
        "max": 500,
        "refill": 1,
        "cancel": "1",
        "dripfeed": "true",
        "desc": "Fast",
    }
    (service,) = parsing.parse_services([row])
    assert (service.service_id, service.rate, service.min_quantity) == (
        7,
        Decimal("0.90"),
        10,
    )
    assert (service.refill, service.cancel, service.dripfeed) == (True, True, True)
    assert service.description == "Fast"
    assert service.cost(1500) == Decimal("1.35")


def test_service_description_key() -> None:
    """`description` is read like `desc`."""
    (service,) = parsing.parse_services([SERVICE_ROW | {"description": "Slow"}])
    assert service.description == "Slow"


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("Default", ServiceType.DEFAULT),
        ("default", ServiceType.DEFAULT),
        ("Package", ServiceType.PACKAGE),
        ("Custom Comments", ServiceType.CUSTOM_COMMENTS),
        ("custom_comments", ServiceType.CUSTOM_COMMENTS),
        ("Custom Comments Package", ServiceType.CUSTOM_COMMENTS_PACKAGE),
        ("Mentions", ServiceType.MENTIONS),
        ("Mentions with Hashtags", ServiceType.MENTIONS_WITH_HASHTAGS),
        ("Mentions Custom List", ServiceType.MENTIONS_CUSTOM_LIST),
        ("Mentions Hashtag", ServiceType.MENTIONS_HASHTAG),
        ("Mentions User Followers", ServiceType.MENTIONS_USER_FOLLOWERS),
        ("Mentions Media Likers", ServiceType.MENTIONS_MEDIA_LIKERS),
        ("Comment Likes", ServiceType.COMMENT_LIKES),
        ("Comment Replies", ServiceType.COMMENT_REPLIES),
        ("Poll", ServiceType.POLL),
        ("Invites from Groups", ServiceType.INVITES_FROM_GROUPS),
        ("SEO", ServiceType.SEO),
        ("Subscriptions", ServiceType.SUBSCRIPTIONS),
        ("Web Traffic", ServiceType.WEB_TRAFFIC),
        ("Story Views Magic", ServiceType.UNKNOWN),
        ("", ServiceType.UNKNOWN),
    ],
)
def test_service_types(raw: str, kind: ServiceType) -> None:
    """Service types in any spelling map to one member; others are UNKNOWN."""
    (service,) = parsing.parse_services([SERVICE_ROW | {"type": raw}])
    assert service.type is kind
    assert service.raw_type == raw


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("1", True),
        ("0", False),
        ("true", True),
        ("False", False),
        (None, False),
        ("maybe", False),
    ],
)
def test_service_flags(value: object, flag: bool) -> None:
    """Flags read true/false, 1/0 and "1"/"0"; missing or odd ones are False."""
    (service,) = parsing.parse_services([SERVICE_ROW | {"dripfeed": value}])
    assert service.dripfeed is flag


def test_malformed_services_are_skipped() -> None:
    """Rows that are not services are skipped, not fatal."""
    rows = [
        SERVICE_ROW,
        "junk",
        SERVICE_ROW | {"service": "abc"},
        SERVICE_ROW | {"rate": None},
        SERVICE_ROW | {"min": "1.5"},
        {k: v for k, v in SERVICE_ROW.items() if k != "max"},
        SERVICE_ROW | {"service": 102},
    ]
    assert [service.service_id for service in parsing.parse_services(rows)] == [
        101,
        102,
    ]


def test_empty_catalogue() -> None:
    """The "Empty Data" answer is an empty catalogue."""
    assert parsing.parse_services({"status": "success", "data": "Empty Data"}) == []
    assert parsing.parse_services([]) == []


@pytest.mark.parametrize("data", [{"data": []}, "services", 5, None])
def test_catalogue_that_is_not_a_list(data: object) -> None:
    """A catalogue that is not a list is an invalid answer."""
    with pytest.raises(SmmPanelInvalidResponseError):
        parsing.parse_services(data)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Pending", OrderStatus.PENDING),
        ("In progress", OrderStatus.IN_PROGRESS),
        ("inprogress", OrderStatus.IN_PROGRESS),
        ("IN_PROGRESS", OrderStatus.IN_PROGRESS),
        ("in progress", OrderStatus.IN_PROGRESS),
        ("Processing", OrderStatus.PROCESSING),
        ("processing", OrderStatus.PROCESSING),
        ("Completed", OrderStatus.COMPLETED),
        ("Partial", OrderStatus.PARTIAL),
        ("Canceled", OrderStatus.CANCELED),
        ("Cancelled", OrderStatus.CANCELED),
        ("Refunded", OrderStatus.REFUNDED),
        ("Active", OrderStatus.ACTIVE),
        ("Paused", OrderStatus.UNKNOWN),
    ],
)
def test_order_statuses(raw: str, status: OrderStatus) -> None:
    """Order statuses in any case or spacing map to one member, raw kept."""
    state = parsing.parse_order_state(5, {"status": raw})
    assert state is not None
    assert (state.status, state.raw_status) == (status, raw)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Pending", RefillStatus.PENDING),
        ("Awaiting", RefillStatus.PENDING),
        ("In progress", RefillStatus.IN_PROGRESS),
        ("inprogress", RefillStatus.IN_PROGRESS),
        ("Completed", RefillStatus.COMPLETED),
        ("Processed", RefillStatus.COMPLETED),
        ("completed", RefillStatus.COMPLETED),
        ("Rejected", RefillStatus.REJECTED),
        ("Error", RefillStatus.ERROR),
        ("Failed", RefillStatus.ERROR),
        ("Queued", RefillStatus.UNKNOWN),
    ],
)
def test_refill_statuses(raw: str, status: RefillStatus) -> None:
    """Refill statuses, including the Awaiting/Processed/Failed API, map to members."""
    assert parsing.parse_refill_state(9, {"status": raw}) == RefillState(
        refill_id=9, status=status, raw_status=raw
    )


def test_order_state_from_the_seed(client: SmmPanelClient) -> None:
    """The seed's status answer becomes a typed state."""
    body = {
        "charge": "0.01",
        "start_count": "3572",
        "status": "Partial",
        "remains": "157",
        "currency": "USD",
    }
    assert client._decode(
        answer(body), single(partial(parsing.parse_order_state, 23501))
    ) == OrderState(
        order_id=23501,
        status=OrderStatus.PARTIAL,
        raw_status="Partial",
        charge=Decimal("0.01"),
        start_count=3572,
        remains=157,
        currency="USD",
    )


@pytest.mark.parametrize("remains", ["Unknown", "", None, "n/a"])
def test_unknown_remains(remains: object) -> None:
    """`remains` that is not a count becomes None."""
    state = parsing.parse_order_state(1, {"status": "Pending", "remains": remains})
    assert state is not None
    assert state.remains is None
    assert state.charge is None
    assert state.currency is None


def test_numeric_order_state() -> None:
    """Counts and money may be JSON numbers."""
    state = parsing.parse_order_state(
        1,
        {
            "status": "Completed",
            "charge": Decimal("0.4"),
            "start_count": 10,
            "remains": 0,
        },
    )
    assert state is not None
    assert (state.charge, state.start_count, state.remains) == (Decimal("0.4"), 10, 0)


@pytest.mark.parametrize(
    ("count", "read"),
    [
        (2**63 - 1, 2**63 - 1),
        (-(2**63), -(2**63)),
        (2**63, None),
        ("100000000000000000000", None),
        (-(2**63) - 1, None),
    ],
)
def test_counts_past_64_bits_are_unknown(count: int | str, read: int | None) -> None:
    """A count no panel can mean, and no storage could write, is read as unknown."""
    state = parsing.parse_order_state(
        1, {"status": "Completed", "start_count": count, "remains": count}
    )
    assert state is not None
    assert (state.start_count, state.remains) == (read, read)


# --- Batch answers -----------------------------------------------------------------

NOT_FOUND = RowError(message="Incorrect order ID", reason=ErrorReason.ORDER_NOT_FOUND)
NO_ROW = RowError(
    message="The panel's answer has no row for this id", reason=ErrorReason.OTHER
)


def completed(order_id: int) -> OrderState:
    """Return the state of a completed order as these tests answer it."""
    return OrderState(
        order_id=order_id,
        status=OrderStatus.COMPLETED,
        raw_status="Completed",
        charge=Decimal("0.27819"),
        start_count=3572,
        remains=0,
        currency="USD",
    )


COMPLETED_ROW = {
    "charge": "0.27819",
    "start_count": "3572",
    "status": "Completed",
    "remains": "0",
    "currency": "USD",
}


@pytest.mark.parametrize(
    "data",
    [
        {"1": COMPLETED_ROW, "10": {"error": "Incorrect order ID"}},
        {"1": COMPLETED_ROW, "10": "Incorrect order ID"},
        [COMPLETED_ROW | {"order": 1}, {"order": 10, "error": "Incorrect order ID"}],
        [
            COMPLETED_ROW | {"order": "1"},
            {"order": "10", "error": "Incorrect order ID"},
        ],
        {"1": COMPLETED_ROW, "10": {"status": "error", "error": "Incorrect order ID"}},
    ],
)
def test_status_batch_shapes(client: SmmPanelClient, data: object) -> None:
    """Keyed, bare-string and list answers give one result per id."""
    results = client._decode(
        answer(data), batch([1, 10, 100], "order", parsing.parse_order_state)
    )
    assert results == {1: completed(1), 10: NOT_FOUND, 100: NO_ROW}


def test_statuses_and_currencies_are_kept_once(client: SmmPanelClient) -> None:
    """Every order answered with the same status and currency shares one copy of each.

    Thousands of tracked orders keep their states.
    """
    orders = client._decode(
        answer({"1": COMPLETED_ROW, "2": COMPLETED_ROW}),
        batch([1, 2], "order", parsing.parse_order_state),
    )
    refills = client._decode(
        answer(
            [{"refill": 7, "status": "Pending"}, {"refill": 8, "status": "Pending"}]
        ),
        batch([7, 8], "refill", parsing.parse_refill_state),
    )

    first, second = orders[1], orders[2]
    assert isinstance(first, OrderState)
    assert isinstance(second, OrderState)
    assert first.raw_status is second.raw_status
    assert first.currency is second.currency
    first_refill, second_refill = refills[7], refills[8]
    assert isinstance(first_refill, RefillState)
    assert isinstance(second_refill, RefillState)
    assert first_refill.raw_status is second_refill.raw_status


def test_status_batch_malformed_row(client: SmmPanelClient) -> None:
    """A row that is neither a state nor an error is that id's error, not the call's."""
    results = client._decode(
        answer({"1": COMPLETED_ROW, "2": {"charge": "1"}, "3": [1], "4": None}),
        batch([1, 2, 3, 4], "order", parsing.parse_order_state),
    )
    assert results[1] == completed(1)
    assert (
        results[2]
        == results[3]
        == RowError(
            message="The panel answered an unexpected shape", reason=ErrorReason.OTHER
        )
    )
    assert results[4] == NO_ROW


@pytest.mark.parametrize(
    "data",
    [
        "Incorrect order ID",
        5,
        None,
        [],
        {},
        [{"unexpected": "shape"}],
        {"7": COMPLETED_ROW},
    ],
)
def test_batch_answer_that_is_no_batch(client: SmmPanelClient, data: object) -> None:
    """A batch answer without any of the ids asked for is invalid."""
    with pytest.raises(SmmPanelInvalidResponseError):
        client._decode(answer(data), batch([1], "order", parsing.parse_order_state))


def test_batch_whole_call_error(client: SmmPanelClient) -> None:
    """An error-only batch answer fails the whole call."""
    with pytest.raises(SmmPanelApiError) as caught:
        client._decode(
            answer({"error": "Incorrect request"}),
            batch([1], "order", parsing.parse_order_state),
        )
    assert caught.value.reason is ErrorReason.BAD_REQUEST


@pytest.mark.parametrize(
    "data",
    [
        [
            {"order": 1, "refill": 1},
            {"order": 3, "refill": {"error": "Incorrect order ID"}},
        ],
        {"1": {"refill": "1"}, "3": {"error": "Incorrect order ID"}},
        {"1": 1, "3": "Incorrect order ID"},
    ],
)
def test_refill_batch(client: SmmPanelClient, data: object) -> None:
    """Batch refills give a refill id or the row's error per order."""
    assert client._decode(answer(data), batch([1, 3], "order", refill_id_row)) == {
        1: 1,
        3: NOT_FOUND,
    }


@pytest.mark.parametrize(
    "body",
    [{"refill": "1"}, {"success": "Your order will be refill asap.", "refill": 1}],
)
def test_single_refill(client: SmmPanelClient, body: object) -> None:
    """A single refill answers the refill id as a number or a string."""
    assert client._decode(answer(body), single(parsing.parse_refill_id)) == 1


@pytest.mark.parametrize(
    "data",
    [
        [
            {"refill": 1, "status": "Completed"},
            {"refill": 3, "status": {"error": "Refill not found"}},
        ],
        {"1": {"status": "Completed"}, "3": {"error": "Refill not found"}},
        {"1": {"status": "Completed"}, "3": "Refill not found"},
    ],
)
def test_refill_status_batch(client: SmmPanelClient, data: object) -> None:
    """Batch refill statuses give a state or the row's error per refill."""
    assert client._decode(
        answer(data), batch([1, 3], "refill", parsing.parse_refill_state)
    ) == {
        1: RefillState(
            refill_id=1, status=RefillStatus.COMPLETED, raw_status="Completed"
        ),
        3: RowError(message="Refill not found", reason=ErrorReason.REFILL_NOT_FOUND),
    }


@pytest.mark.parametrize(
    "data",
    [
        [
            {"order": 2, "cancel": 1},
            {"order": 5, "cancel": 0},
            {"order": 9, "cancel": {"error": "Incorrect order ID"}},
        ],
        {
            "2": {"cancel": "1"},
            "5": {"cancel": False},
            "9": {"error": "Incorrect order ID"},
        },
        {"2": 1, "5": "0", "9": "Incorrect order ID"},
    ],
)
def test_cancel_batch(client: SmmPanelClient, data: object) -> None:
    """Cancel answers say per order whether the cancel was requested."""
    assert client._decode(answer(data), batch([2, 5, 9], "order", cancel_row)) == {
        2: True,
        5: False,
        9: NOT_FOUND,
    }


# --- Order fields and URLs ---------------------------------------------------------


def test_order_form_sends_only_set_fields() -> None:
    """Only the fields that are set are sent, ints as decimal strings."""
    order = NewOrder(service=1, link="https://x/?a=1&b=2", quantity=1000, runs=5)
    assert _order_form(order) == {
        "service": "1",
        "link": "https://x/?a=1&b=2",
        "quantity": "1000",
        "runs": "5",
    }


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://pro.smmpanels.store/api/v2", "https://pro.smmpanels.store/api/v2"),
        (
            "  HTTPS://Pro.SMMPanels.Store:443/api/v2/?x=1#top ",
            "https://pro.smmpanels.store/api/v2",
        ),
        ("http://panel.test:80", "http://panel.test/api/v2"),
        ("http://panel.test/", "http://panel.test/api/v2"),
        ("https://panel.test:8443/api/v1/", "https://panel.test:8443/api/v1"),
        ("http://127.0.0.1:8123/api/v2", "http://127.0.0.1:8123/api/v2"),
    ],
)
def test_normalize_url(url: str, normalized: str) -> None:
    """URLs are reduced to one canonical form."""
    assert normalize_url(url) == normalized


@pytest.mark.parametrize(
    "url", ["", "panel.test/api/v2", "ftp://panel.test/api/v2", "http://", "mailto:a@b"]
)
def test_normalize_url_rejects(url: str) -> None:
    """URLs that are not http(s) with a host are refused."""
    with pytest.raises(ValueError):
        normalize_url(url)


# --- Robustness: arbitrary input yields only the client's own errors ---------------

JSON_KEYS = st.sampled_from(
    [
        "error",
        "status",
        "message",
        "order",
        "refill",
        "cancel",
        "balance",
        "currency",
        "service",
        "rate",
        "min",
        "max",
        "type",
        "data",
        "remains",
        "charge",
        "1",
        "2",
    ]
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["1", "0", "Completed", "Unknown", "1e999", "NaN", "Empty Data"])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(JSON_KEYS | st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=20,
)
PARSERS: list[Callable[[object], Any]] = [
    parsing.parse_services,
    single(parsing.parse_balance),
    single(parsing.parse_order_id),
    single(partial(parsing.parse_order_state, 1)),
    single(parsing.parse_refill_id),
    single(partial(parsing.parse_refill_state, 1)),
    batch([1, 2], "order", parsing.parse_order_state),
    batch([1, 2], "order", refill_id_row),
    batch([1, 2], "refill", parsing.parse_refill_state),
    batch([1, 2], "order", cancel_row),
]
RESULT_TYPES = (
    list,
    dict,
    int,
    Balance,
    OrderState,
    RefillState,
    RowError,
)


@settings(max_examples=300, deadline=None)
@given(data=JSON_VALUES, parse=st.sampled_from(PARSERS))
def test_parsers_take_any_json(data: object, parse: Callable[[object], Any]) -> None:
    """Any JSON value gives a result or a client error, never a crash."""
    try:
        result = parse(data)
    except SmmPanelError:
        return
    assert isinstance(result, RESULT_TYPES)


@settings(max_examples=300, deadline=None)
@given(
    body=st.binary(max_size=64)
    | JSON_VALUES.map(lambda v: json.dumps(v, default=str).encode()),
    status=st.integers(100, 599),
    retry_after=st.none() | st.text(max_size=30),
    parse=st.sampled_from(PARSERS),
)
def test_answers_take_any_body(
    body: bytes, status: int, retry_after: str | None, parse: Callable[[object], Any]
) -> None:
    """Any status, body and Retry-After give a result or a client error."""
    client = SmmPanelClient(Mock(spec=ClientSession), "https://panel.test/api/v2", KEY)
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    try:
        result = client._decode(_Answer("balance", status, headers, body), parse)
    except SmmPanelError as err:
        result = err
    assert isinstance(result, (*RESULT_TYPES, SmmPanelError))
    assert KEY not in str(result)


@settings(deadline=None)
@given(
    url=st.text(max_size=40)
    | st.from_regex(r"(?i)https?://[^/]{0,12}(/.{0,10})?", fullmatch=True)
)
def test_normalize_url_takes_any_text(url: str) -> None:
    """Any text gives a canonical URL or ValueError, and normalizing is idempotent."""
    try:
        normalized = normalize_url(url)
    except ValueError:
        return
    assert normalize_url(normalized) == normalized
