"""Tests for the SMM panel client against panels over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
import socket
from unittest.mock import patch

from aiohttp import ClientSession, web
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
    SmmPanelOrderOutcomeUnknownError,
    SmmPanelRateLimitError,
    SmmPanelTimeoutError,
)
from panel_simulator.dialects import CLONE, STANDARD, Dialect, Quirk
from panel_simulator.faults import Fault
from panel_simulator.panel import Panel
from tests.const import API_KEY

# Real HTTP over loopback, which the Home Assistant harness blocks unless asked.
pytestmark = pytest.mark.usefixtures("socket_enabled")

USER_AGENT = "smmpanel-tests/1.0"
LINK = "https://instagram.com/smm.test"
FIRST_ORDER = 23501
FIRST_REFILL = 12345
# Enough for any order of the test catalogue to start and be delivered.
DELIVERED = 4000
DIALECTS = {
    "standard": STANDARD,
    "clone": CLONE,
    "bare_string_rows": frozenset({Quirk.BARE_STRING_ROWS}),
    "list_answers": frozenset({Quirk.LIST_ANSWERS}),
}

type StartServer = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    """Return an HTTP session, closed after the test."""
    async with ClientSession() as session:
        yield session


@pytest.fixture
def client(session: ClientSession, panel_url: str) -> SmmPanelClient:
    """Return a client of the simulated panel."""
    return SmmPanelClient(
        session, panel_url, API_KEY, user_agent=USER_AGENT, request_timeout=5
    )


@pytest.fixture(params=list(DIALECTS.values()), ids=list(DIALECTS))
def dialect(request: pytest.FixtureRequest, panel: Panel) -> Dialect:
    """Make the simulated panel speak each dialect in turn."""
    panel.dialect = request.param
    return panel.dialect


@pytest.fixture
async def start_server() -> AsyncIterator[StartServer]:
    """Return a function serving an application on loopback and returning its URL."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def place(panel: Panel, service_id: int = 1, quantity: int = 100) -> int:
    """Place an order directly on the panel and return its id."""
    return panel.create_order(
        service_id, link=f"{LINK}/{len(panel.orders)}", quantity=quantity
    )


# --- balance and services ---------------------------------------------------------


async def test_balance(client: SmmPanelClient, panel: Panel, dialect: Dialect) -> None:
    """The balance is exact, whether the panel sends a string or a float."""
    place(panel, service_id=3, quantity=21)  # 0.30 per 1000: charges 0.0063
    assert await client.get_balance() == Balance(
        amount=Decimal("999.9937"), currency="USD"
    )


@pytest.mark.parametrize(
    "quirks",
    [set(), {Quirk.NO_CONTENT_TYPE}, {Quirk.TEXT_HTML_CONTENT_TYPE}],
    ids=["json", "no_content_type", "text_html"],
)
async def test_content_type_is_not_trusted(
    client: SmmPanelClient, panel: Panel, quirks: set[Quirk]
) -> None:
    """JSON is read whatever Content-Type it comes with."""
    panel.dialect = frozenset(quirks)
    assert (await client.get_balance()).amount == Decimal(1000)


async def test_services(client: SmmPanelClient, panel: Panel, dialect: Dialect) -> None:
    """The catalogue is typed the same whatever the dialect."""
    services = await client.get_services()
    assert len(services) == len(panel.services)
    lowercase = Quirk.LOWERCASE_VALUES in dialect
    assert services[-2] == PanelService(
        service_id=101,
        name="Real & Active Followers - Best Server",
        type=ServiceType.DEFAULT,
        raw_type="default" if lowercase else "Default",
        category="Instagram Followers",
        rate=Decimal("250.00"),
        min_quantity=50,
        max_quantity=10000,
        refill=True,
        cancel=True,
        dripfeed=False,
    )
    assert {service.service_id: service.type for service in services} == {
        service_id: ServiceType[simulated.type.name]
        for service_id, simulated in panel.services.items()
    }


@pytest.mark.parametrize(
    "quirks", [set(), {Quirk.EMPTY_CATALOGUE}], ids=["list", "empty_data"]
)
async def test_empty_catalogue(
    client: SmmPanelClient, panel: Panel, quirks: set[Quirk]
) -> None:
    """An empty catalogue, in either form, is an empty list."""
    panel.dialect = frozenset(quirks)
    panel.services.clear()
    assert await client.get_services() == []


# --- add ---------------------------------------------------------------------------

ORDERS = {
    "default": (ServiceType.DEFAULT, NewOrder(service=1, link=LINK, quantity=100)),
    "drip_feed": (
        ServiceType.DEFAULT,
        NewOrder(service=1, link=LINK, quantity=100, runs=3, interval=30),
    ),
    "package": (ServiceType.PACKAGE, NewOrder(service=4, link=LINK)),
    "custom_comments": (
        ServiceType.CUSTOM_COMMENTS,
        NewOrder(service=5, link=LINK, comments="Nice!\nA & B = C\nWow\n100%\nok?"),
    ),
    "custom_comments_package": (
        ServiceType.CUSTOM_COMMENTS_PACKAGE,
        NewOrder(service=6, link=LINK, comments="\n".join(f"c{i}" for i in range(10))),
    ),
    "mentions": (
        ServiceType.MENTIONS,
        NewOrder(service=7, link=LINK, quantity=100, usernames="alice\nbob"),
    ),
    "mentions_with_hashtags": (
        ServiceType.MENTIONS_WITH_HASHTAGS,
        NewOrder(
            service=8, link=LINK, quantity=100, usernames="alice", hashtags="#a\n#b"
        ),
    ),
    "mentions_custom_list": (
        ServiceType.MENTIONS_CUSTOM_LIST,
        NewOrder(service=9, link=LINK, usernames="\n".join(f"u{i}" for i in range(10))),
    ),
    "mentions_hashtag": (
        ServiceType.MENTIONS_HASHTAG,
        NewOrder(service=10, link=LINK, quantity=100, hashtag="#sun"),
    ),
    "mentions_user_followers": (
        ServiceType.MENTIONS_USER_FOLLOWERS,
        NewOrder(service=11, link=LINK, quantity=100, username="celebrity"),
    ),
    "mentions_media_likers": (
        ServiceType.MENTIONS_MEDIA_LIKERS,
        NewOrder(
            service=12, link=LINK, quantity=100, media="https://instagram.com/p/x1"
        ),
    ),
    "comment_likes": (
        ServiceType.COMMENT_LIKES,
        NewOrder(service=13, link=LINK, quantity=50, username="commenter"),
    ),
    "comment_replies": (
        ServiceType.COMMENT_REPLIES,
        NewOrder(
            service=14, link=LINK, username="commenter", comments="a\nb\nc\nd\ne=f&g"
        ),
    ),
    "poll": (
        ServiceType.POLL,
        NewOrder(service=18, link=LINK, quantity=50, answer_number=2),
    ),
    "invites_from_groups": (
        ServiceType.INVITES_FROM_GROUPS,
        NewOrder(service=17, link=LINK, quantity=100, groups="group1\ngroup2"),
    ),
    "seo": (
        ServiceType.SEO,
        NewOrder(service=21, link=LINK, quantity=100, keywords="smm panel\nfollowers"),
    ),
    "subscriptions": (
        ServiceType.SUBSCRIPTIONS,
        NewOrder(
            service=22,
            username="creator",
            min=50,
            max=100,
            posts=5,
            old_posts=0,
            delay=30,
            expiry="31/12/2030",
        ),
    ),
    "web_traffic": (
        ServiceType.WEB_TRAFFIC,
        NewOrder(
            service=20,
            link="https://shop.test/?utm=a&b=c",
            quantity=1000,
            country="US",
            device="1",
            type_of_traffic="1",
            google_keyword="buy followers",
        ),
    ),
}


@pytest.mark.parametrize(("service_type", "order"), ORDERS.values(), ids=ORDERS.keys())
async def test_add_every_service_type(
    client: SmmPanelClient,
    panel: Panel,
    dialect: Dialect,
    service_type: ServiceType,
    order: NewOrder,
) -> None:
    """Every service type's order arrives with exactly the fields that were set."""
    assert await client.add_order(order) == FIRST_ORDER
    sent = {
        name: str(value)
        for name in order.__dataclass_fields__
        if name != "service" and (value := getattr(order, name)) is not None
    }
    assert panel.orders[FIRST_ORDER].fields == sent
    assert (
        service_type.required_fields
        <= sent.keys()
        <= service_type.accepted_fields | {service_type.counted_field}
    )
    assert panel.request_counts["add"] == 1


ADD_ERRORS = {
    "insufficient_funds": (
        NewOrder(service=101, link=LINK, quantity=10000),
        ErrorReason.INSUFFICIENT_FUNDS,
    ),
    "unknown_service": (
        NewOrder(service=999, link=LINK, quantity=100),
        ErrorReason.UNKNOWN_SERVICE,
    ),
    "bad_link": (
        NewOrder(service=1, link="my profile", quantity=100),
        ErrorReason.BAD_LINK,
    ),
    "quantity_too_low": (
        NewOrder(service=1, link=LINK, quantity=10),
        ErrorReason.QUANTITY_TOO_LOW,
    ),
    "quantity_too_high": (
        NewOrder(service=1, link=LINK, quantity=20000),
        ErrorReason.QUANTITY_TOO_HIGH,
    ),
    "missing_parameter": (
        NewOrder(service=1, link=LINK),
        ErrorReason.MISSING_PARAMETER,
    ),
    "bad_request": (
        NewOrder(service=4, link=LINK, quantity=1000),
        ErrorReason.BAD_REQUEST,
    ),
}


@pytest.mark.parametrize(
    ("order", "reason"), ADD_ERRORS.values(), ids=ADD_ERRORS.keys()
)
async def test_add_errors(
    client: SmmPanelClient,
    panel: Panel,
    dialect: Dialect,
    order: NewOrder,
    reason: ErrorReason,
) -> None:
    """Refused orders raise the panel's error, classified, in every dialect."""
    with pytest.raises(SmmPanelApiError) as caught:
        await client.add_order(order)
    assert caught.value.reason is reason
    assert not panel.orders


async def test_add_active_order_on_link(
    client: SmmPanelClient, panel: Panel, dialect: Dialect
) -> None:
    """A second order on a link with an active order is refused."""
    order = NewOrder(service=1, link=LINK, quantity=100)
    assert await client.add_order(order) == FIRST_ORDER
    with pytest.raises(SmmPanelApiError) as caught:
        await client.add_order(order)
    assert caught.value.reason is ErrorReason.ACTIVE_ORDER_ON_LINK
    assert len(panel.orders) == 1


LOST_ADD_ANSWERS = [
    Fault.TIMEOUT,
    Fault.CONNECTION_RESET,
    Fault.HTTP_500,
    Fault.HTTP_502,
    Fault.HTTP_503,
    Fault.CLOUDFLARE,
    Fault.INVALID_JSON,
    Fault.WRONG_SHAPE,
]


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("fault", LOST_ADD_ANSWERS)
async def test_add_with_lost_answer_is_outcome_unknown(
    session: ClientSession, panel: Panel, panel_url: str, fault: Fault, after: bool
) -> None:
    """When the answer to `add` is lost or garbled, the order may exist: never retry."""
    client = SmmPanelClient(session, panel_url, API_KEY, request_timeout=0.3)
    panel.faults.inject(fault, action="add", seconds=5, after=after)
    with pytest.raises(SmmPanelOrderOutcomeUnknownError, match="may have placed"):
        await client.add_order(NewOrder(service=1, link=LINK, quantity=100))
    assert panel.request_counts["add"] == 1
    assert client.request_counts == {"add": 1}
    assert len(panel.orders) == int(after)


async def test_add_rate_limited(client: SmmPanelClient, panel: Panel) -> None:
    """A rate-limited `add` was refused, not lost."""
    panel.faults.inject(Fault.RATE_LIMIT, action="add")
    with pytest.raises(SmmPanelRateLimitError) as caught:
        await client.add_order(NewOrder(service=1, link=LINK, quantity=100))
    assert caught.value.retry_after == 30.0
    assert not panel.orders


def closed_port_url() -> str:
    """Return a loopback API URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v2"


@pytest.mark.parametrize(
    "make_url", [closed_port_url, lambda: "nowhere"], ids=["refused", "invalid_url"]
)
async def test_add_that_never_left(
    session: ClientSession, make_url: Callable[[], str]
) -> None:
    """When nothing could be sent, `add` fails plainly: no order can exist."""
    client = SmmPanelClient(session, make_url(), API_KEY)
    with pytest.raises(SmmPanelConnectionError) as caught:
        await client.add_order(NewOrder(service=1, link=LINK, quantity=100))
    assert not isinstance(caught.value, SmmPanelOrderOutcomeUnknownError)
    assert client.request_counts == {"add": 1}


# --- status, refill, refill_status, cancel ----------------------------------------


async def test_order_status(
    client: SmmPanelClient, panel: Panel, dialect: Dialect
) -> None:
    """One order's status follows the order, in every dialect."""
    order_id = place(panel)
    pending = await client.get_order_status(order_id)
    assert (pending.status, pending.charge, pending.currency) == (
        OrderStatus.PENDING,
        Decimal("0.12"),
        "USD",
    )
    assert pending.remains == (None if Quirk.UNKNOWN_REMAINS in dialect else 100)
    panel.advance(DELIVERED)
    done = await client.get_order_status(order_id)
    assert done == OrderState(
        order_id=order_id,
        status=OrderStatus.COMPLETED,
        raw_status="completed" if Quirk.LOWERCASE_VALUES in dialect else "Completed",
        charge=Decimal("0.12"),
        start_count=panel.orders[order_id].start_count,
        remains=0,
        currency="USD",
    )


async def test_order_status_in_progress(client: SmmPanelClient, panel: Panel) -> None:
    """ "In progress" and the clones' "inprogress" are one status."""
    order_id = place(panel)
    panel.advance(120)
    assert (await client.get_order_status(order_id)).status is OrderStatus.IN_PROGRESS
    panel.dialect = frozenset({Quirk.LOWERCASE_VALUES})
    state = await client.get_order_status(order_id)
    assert (state.status, state.raw_status) == (OrderStatus.IN_PROGRESS, "inprogress")


async def test_unknown_order(client: SmmPanelClient, dialect: Dialect) -> None:
    """A single unknown order is the call's error."""
    with pytest.raises(SmmPanelApiError) as caught:
        await client.get_order_status(999)
    assert (caught.value.message, caught.value.reason) == (
        "Incorrect order ID",
        ErrorReason.ORDER_NOT_FOUND,
    )


async def test_order_statuses(
    client: SmmPanelClient, panel: Panel, dialect: Dialect
) -> None:
    """Many orders: one result per distinct id, unknown ids as row errors."""
    first, second = place(panel), place(panel)
    panel.advance(DELIVERED)
    results = await client.get_order_statuses([first, 999, second, first])
    assert list(results) == [first, 999, second]
    assert results[999] == RowError(
        message="Incorrect order ID", reason=ErrorReason.ORDER_NOT_FOUND
    )
    for order_id in (first, second):
        state = results[order_id]
        assert isinstance(state, OrderState)
        assert (state.order_id, state.status, state.remains) == (
            order_id,
            OrderStatus.COMPLETED,
            0,
        )
    assert panel.request_counts["status"] == 1


async def test_order_statuses_in_batches_of_100(
    client: SmmPanelClient, panel: Panel
) -> None:
    """250 ids take three requests and give 250 results."""
    order_id = place(panel)
    ids = [order_id, *range(1, 250)]
    results = await client.get_order_statuses(ids + ids)
    assert len(results) == 250
    assert isinstance(results[order_id], OrderState)
    assert results[249] == RowError(
        message="Incorrect order ID", reason=ErrorReason.ORDER_NOT_FOUND
    )
    assert panel.request_counts["status"] == 3
    assert client.request_counts == {"status": 3}


async def test_no_ids_no_request(client: SmmPanelClient, panel: Panel) -> None:
    """An empty batch sends nothing."""
    assert await client.get_order_statuses([]) == {}
    assert await client.cancel([]) == {}
    assert not panel.request_counts


async def test_refills(client: SmmPanelClient, panel: Panel, dialect: Dialect) -> None:
    """Refills of one or many orders, and their statuses, in every dialect."""
    first, second, no_refill = place(panel), place(panel), place(panel, service_id=2)
    panel.advance(DELIVERED)
    late = place(panel)
    assert await client.refill(first) == FIRST_REFILL
    assert await client.refill_many([first, second, late, no_refill, 999]) == {
        first: RowError(
            message="Order not eligible for refill.",
            reason=ErrorReason.NOT_ELIGIBLE_FOR_REFILL,
        ),
        second: FIRST_REFILL + 1,
        late: RowError(
            message="The order is not completed",
            reason=ErrorReason.ORDER_NOT_COMPLETED,
        ),
        no_refill: RowError(
            message="Refill is disabled for this service",
            reason=ErrorReason.REFILL_DISABLED,
        ),
        999: RowError(message="Incorrect order ID", reason=ErrorReason.ORDER_NOT_FOUND),
    }
    pending = await client.get_refill_status(FIRST_REFILL)
    assert pending.status is RefillStatus.PENDING
    panel.advance(400)
    raw_completed = "completed" if Quirk.LOWERCASE_VALUES in dialect else "Completed"
    assert await client.get_refill_statuses([FIRST_REFILL, FIRST_REFILL + 1, 5]) == {
        refill_id: RefillState(
            refill_id=refill_id,
            status=RefillStatus.COMPLETED,
            raw_status=raw_completed,
        )
        for refill_id in (FIRST_REFILL, FIRST_REFILL + 1)
    } | {5: RowError(message="Refill not found", reason=ErrorReason.REFILL_NOT_FOUND)}


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda panel: place(panel, service_id=2), ErrorReason.REFILL_DISABLED),
        (place, ErrorReason.ORDER_NOT_COMPLETED),
        (lambda panel: 999, ErrorReason.ORDER_NOT_FOUND),
    ],
    ids=["disabled", "not_completed", "not_found"],
)
async def test_refill_errors(
    client: SmmPanelClient,
    panel: Panel,
    dialect: Dialect,
    setup: Callable[[Panel], int],
    reason: ErrorReason,
) -> None:
    """A refused single refill raises the panel's error, classified."""
    order_id = setup(panel)
    with pytest.raises(SmmPanelApiError) as caught:
        await client.refill(order_id)
    assert caught.value.reason is reason


async def test_not_eligible_for_refill(client: SmmPanelClient, panel: Panel) -> None:
    """A second refill while one is open is not eligible."""
    order_id = place(panel)
    panel.advance(DELIVERED)
    assert await client.refill(order_id) == FIRST_REFILL
    with pytest.raises(SmmPanelApiError) as caught:
        await client.refill(order_id)
    assert caught.value.reason is ErrorReason.NOT_ELIGIBLE_FOR_REFILL


async def test_unknown_refill(client: SmmPanelClient, dialect: Dialect) -> None:
    """A single unknown refill is the call's error."""
    with pytest.raises(SmmPanelApiError) as caught:
        await client.get_refill_status(5)
    assert caught.value.reason is ErrorReason.REFILL_NOT_FOUND


async def test_cancel(client: SmmPanelClient, panel: Panel, dialect: Dialect) -> None:
    """Cancels answer per order; an accepted one ends as Canceled."""
    cancelable, not_cancelable = place(panel), place(panel, service_id=2)
    assert await client.cancel([cancelable, not_cancelable, 999, cancelable]) == {
        cancelable: True,
        not_cancelable: RowError(
            message="Cancel is disabled for this service",
            reason=ErrorReason.CANCEL_NOT_ALLOWED,
        ),
        999: RowError(message="Incorrect order ID", reason=ErrorReason.ORDER_NOT_FOUND),
    }
    panel.advance(60)
    assert (await client.get_order_status(cancelable)).status is OrderStatus.CANCELED


# --- errors of the transport and of the panel -------------------------------------

FAULTS = {
    Fault.TIMEOUT: SmmPanelTimeoutError,
    Fault.CONNECTION_RESET: SmmPanelConnectionError,
    Fault.HTTP_500: SmmPanelConnectionError,
    Fault.HTTP_502: SmmPanelConnectionError,
    Fault.HTTP_503: SmmPanelConnectionError,
    Fault.CLOUDFLARE: SmmPanelInvalidResponseError,
    Fault.INVALID_JSON: SmmPanelInvalidResponseError,
    Fault.WRONG_SHAPE: SmmPanelInvalidResponseError,
    Fault.RATE_LIMIT: SmmPanelRateLimitError,
    Fault.KEY_REVOKED: SmmPanelAuthenticationError,
}


@pytest.mark.parametrize(("fault", "error"), FAULTS.items(), ids=FAULTS.keys())
async def test_faults(
    session: ClientSession,
    panel: Panel,
    panel_url: str,
    fault: Fault,
    error: type[SmmPanelError],
) -> None:
    """Each fault raises its kind of error, once, and the next call succeeds."""
    client = SmmPanelClient(session, panel_url, API_KEY, request_timeout=0.3)
    panel.faults.inject(fault, action="status", seconds=5)
    order_id = place(panel)
    with pytest.raises(error) as caught:
        await client.get_order_statuses([order_id])
    assert type(caught.value) is error
    assert API_KEY not in str(caught.value)
    assert panel.request_counts["status"] == 1
    assert isinstance(
        (await client.get_order_statuses([order_id]))[order_id], OrderState
    )


async def test_cloudflare_excerpt(client: SmmPanelClient, panel: Panel) -> None:
    """A Cloudflare page comes with a short plain-text excerpt."""
    panel.faults.inject(Fault.CLOUDFLARE)
    with pytest.raises(SmmPanelInvalidResponseError) as caught:
        await client.get_balance()
    assert caught.value.excerpt.startswith(
        "Just a moment... Checking if the site connection is secure"
    )


@pytest.mark.parametrize("dialect", [STANDARD, CLONE], ids=["standard", "clone"])
async def test_invalid_key(
    session: ClientSession, panel: Panel, panel_url: str, dialect: Dialect
) -> None:
    """A wrong key, on HTTP 200 or 401, is an authentication error without the key."""
    panel.dialect = dialect
    client = SmmPanelClient(session, panel_url, "wrong-key-1234567890")
    with pytest.raises(SmmPanelAuthenticationError, match=r"^Invalid API key$"):
        await client.get_balance()


async def test_revoked_key(client: SmmPanelClient, panel: Panel) -> None:
    """A key revoked on the panel is an authentication error."""
    panel.revoke_key()
    with pytest.raises(SmmPanelAuthenticationError):
        await client.get_services()


async def test_rate_limit(client: SmmPanelClient, panel: Panel) -> None:
    """Over the panel's limit, HTTP 429 says how long to wait."""
    panel.rate_limit_per_minute = 2
    await client.get_balance()
    await client.get_balance()
    with pytest.raises(SmmPanelRateLimitError) as caught:
        await client.get_balance()
    assert caught.value.retry_after == 60.0
    assert str(caught.value) == "Rate limit exceeded. Slow down."
    assert client.request_counts == {"balance": 3}


# --- what goes on the wire --------------------------------------------------------


async def test_request_is_a_form_post(
    session: ClientSession, start_server: StartServer
) -> None:
    """Requests post a form with key, action and the set fields, safely encoded."""
    received: list[tuple[str, str, dict[str, str]]] = []

    async def handler(request: web.Request) -> web.Response:
        form = await request.post()
        received.append(
            (
                request.headers["User-Agent"],
                request.content_type,
                {name: str(value) for name, value in form.items()},
            )
        )
        return web.json_response({"order": 1})

    app = web.Application()
    app.router.add_post("/api/v2", handler)
    url = await start_server(app) + "/api/v2"
    client = SmmPanelClient(session, url, "k&ey=1\n", user_agent=USER_AGENT)
    order = NewOrder(
        service=5, link="https://x.test/?a=1&b=2", comments="one=1&two\nthree"
    )
    assert await client.add_order(order) == 1
    assert received == [
        (
            USER_AGENT,
            "application/x-www-form-urlencoded",
            {
                "key": "k&ey=1\n",
                "action": "add",
                "service": "5",
                "link": "https://x.test/?a=1&b=2",
                "comments": "one=1&two\nthree",
            },
        )
    ]


async def test_form_encodes_spaces_as_percent_20(
    session: ClientSession, start_server: StartServer
) -> None:
    """A space is sent as %20, never `+`, which some panels keep as a plus sign."""
    bodies: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.json_response({"order": 1})

    app = web.Application()
    app.router.add_post("/api/v2", handler)
    url = await start_server(app) + "/api/v2"
    client = SmmPanelClient(session, url, "key", user_agent=USER_AGENT)
    await client.add_order(NewOrder(service=5, link="x", comments="nice post+1"))

    assert bodies == [b"key=key&action=add&service=5&link=x&comments=nice%20post%2B1"]


async def test_redirect_is_never_followed(
    session: ClientSession, start_server: StartServer
) -> None:
    """A redirect is an error; the key is never sent to where it points."""
    followed: list[str] = []

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/elsewhere")

    async def elsewhere(request: web.Request) -> web.Response:
        followed.append(request.method)
        return web.json_response({"balance": "1", "currency": "USD"})

    app = web.Application()
    app.router.add_post("/api/v2", moved)
    app.router.add_route("*", "/elsewhere", elsewhere)
    url = await start_server(app) + "/api/v2"
    client = SmmPanelClient(session, url, API_KEY)
    with pytest.raises(SmmPanelInvalidResponseError, match="redirect"):
        await client.get_balance()
    with pytest.raises(SmmPanelOrderOutcomeUnknownError):
        await client.add_order(NewOrder(service=1, link=LINK, quantity=100))
    assert followed == []
    assert client.request_counts == {"balance": 1, "add": 1}


async def test_key_echoed_in_a_page_is_masked(
    session: ClientSession, start_server: StartServer
) -> None:
    """A page that echoes the posted key shows it masked."""

    async def echo(request: web.Request) -> web.Response:
        form = await request.post()
        return web.Response(
            text=f"<html><body><pre>key={form.getone('key')!s}</pre></body></html>",
            content_type="text/html",
        )

    app = web.Application()
    app.router.add_post("/api/v2", echo)
    client = SmmPanelClient(session, await start_server(app) + "/api/v2", API_KEY)
    with pytest.raises(SmmPanelInvalidResponseError) as caught:
        await client.get_balance()
    assert caught.value.excerpt == "key=********"
    assert API_KEY not in repr(client)


async def test_cannot_connect(session: ClientSession) -> None:
    """A panel that cannot be reached is a connection error, not a timeout."""
    client = SmmPanelClient(session, closed_port_url(), API_KEY)
    with pytest.raises(SmmPanelConnectionError, match="Cannot connect") as caught:
        await client.get_balance()
    assert not isinstance(caught.value, SmmPanelTimeoutError)


# --- the session ----------------------------------------------------------------------


@pytest.fixture
def opened_sessions() -> Iterator[list[ClientSession]]:
    """Record the sessions the client opens for itself."""
    opened: list[ClientSession] = []

    def open_session() -> ClientSession:
        opened.append(session := ClientSession())
        return session

    with patch("custom_components.smmpanel.api.client.ClientSession", open_session):
        yield opened


async def test_own_session_closed_at_the_end_of_the_block(
    panel_url: str, opened_sessions: list[ClientSession]
) -> None:
    """Without a session, the client opens one and closes it when the block ends."""
    async with SmmPanelClient(None, panel_url, API_KEY) as client:
        balance = await client.get_balance()
        services = await client.get_services()
    assert balance.currency == "USD"
    assert services
    (session,) = opened_sessions
    assert session.closed


async def test_own_session_not_opened_before_a_request(
    opened_sessions: list[ClientSession],
) -> None:
    """A client that sends nothing opens no session."""
    async with SmmPanelClient(None, "https://panel.test/api/v2", API_KEY):
        pass
    assert opened_sessions == []


async def test_closed_client_opens_a_new_session(
    panel_url: str, opened_sessions: list[ClientSession]
) -> None:
    """`close()` closes the client's session; a request after it opens another."""
    client = SmmPanelClient(None, panel_url, API_KEY)
    await client.get_balance()
    await client.close()
    await client.get_balance()
    assert [session.closed for session in opened_sessions] == [True, False]
    await client.close()
    assert opened_sessions[1].closed


async def test_given_session_stays_open(
    session: ClientSession, panel_url: str, opened_sessions: list[ClientSession]
) -> None:
    """A session given to the client is used, and left open for its owner."""
    async with SmmPanelClient(session, panel_url, API_KEY) as client:
        await client.get_balance()
    await client.close()
    assert opened_sessions == []
    assert not session.closed
    async with session.post(panel_url, data={"key": API_KEY, "action": "balance"}):
        pass
