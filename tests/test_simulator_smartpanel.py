"""The simulator's SmartPanel dialect, driven over loopback HTTP with plain aiohttp.

SmartPanel 4.0 (app/modules/api/controllers/api.php): the API on /api/v1 only, JSON
pretty-printed by PHP under text/html, string ids, "status": "success" on `balance`
and `add`, no refill or cancel, and its own error messages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
import contextlib
from dataclasses import dataclass
from decimal import Decimal
import json
from typing import Any

import aiohttp
import pytest

from panel_simulator import (
    CATALOGUE,
    DIALECTS,
    SMARTPANEL,
    SMARTPANEL_REPORTED,
    STANDARD,
    Dialect,
    Fault,
    Panel,
    Quirk,
    Service,
    ServiceType,
    run_simulator,
)
from panel_simulator.cli import build_panel, parse_args
from panel_simulator.errors import PanelError
from panel_simulator.orders import PENDING_SECONDS
from panel_simulator.panel import FIRST_ORDER_ID

from .const import API_KEY, PANEL_BALANCE

LINK = "https://instagram.com/smartpanel"
INVALID_KEY = "API is Disable for this user or User Not Found! Contact the Support"
INVALID_ACTION = "This action is Invalid"
MISSING_PARAMETERS = (
    "There are missing required parameters. Please check your API Manual"
)
# A service with the limits of the bug report's example.
WIDE = Service(
    service_id=30,
    name="Facebook Page Likes",
    type=ServiceType.DEFAULT,
    category="Facebook",
    rate=Decimal("2.00"),
    min_quantity=10,
    max_quantity=10000,
)


@dataclass(frozen=True)
class Answer:
    """What the simulator sent back."""

    status: int
    content_type: str | None
    text: str

    @property
    def json(self) -> Any:
        """Return the body decoded as JSON."""
        return json.loads(self.text)


@dataclass(frozen=True)
class SmartPanel:
    """A simulated SmartPanel and a client of its API."""

    panel: Panel
    url: str
    http: aiohttp.ClientSession

    async def __call__(self, action: str, **fields: str | int) -> Answer:
        """Post one request with the test key."""
        return await self.post({"key": API_KEY, "action": action, **fields})

    async def post(self, form: Mapping[str, str | int], url: str = "") -> Answer:
        """Post a form as it is, to the API or to another URL."""
        data = {name: str(value) for name, value in form.items()}
        async with self.http.post(url or self.url, data=data) as response:
            return Answer(
                response.status,
                response.headers.get("Content-Type"),
                await response.text(),
            )


@pytest.fixture
async def http(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """Return a plain HTTP client session."""
    async with aiohttp.ClientSession() as session:
        yield session


@contextlib.asynccontextmanager
async def serve(
    http: aiohttp.ClientSession,
    dialect: Dialect,
    catalogue: Iterable[Service] = (*CATALOGUE, WIDE),
) -> AsyncIterator[SmartPanel]:
    """Serve a panel speaking `dialect` until the block exits."""
    panel = Panel(
        api_key=API_KEY, balance=PANEL_BALANCE, dialect=dialect, catalogue=catalogue
    )
    async with run_simulator(panel) as running:
        yield SmartPanel(panel, running.url, http)


@pytest.fixture
async def smartpanel(http: aiohttp.ClientSession) -> AsyncIterator[SmartPanel]:
    """Return a client of a panel speaking SmartPanel 4.0."""
    async with serve(http, SMARTPANEL) as served:
        yield served


@pytest.fixture
async def reported(http: aiohttp.ClientSession) -> AsyncIterator[SmartPanel]:
    """Return a client of the SmartPanel-based panel of the bug report."""
    async with serve(http, SMARTPANEL_REPORTED) as served:
        yield served


def php_json(body: Any) -> str:
    """Return a body as PHP's json_encode($body, JSON_PRETTY_PRINT) writes it."""
    return json.dumps(body, indent=4).replace("/", "\\/")


# --- Transport -----------------------------------------------------------------------


async def test_api_answers_on_v1_only(smartpanel: SmartPanel) -> None:
    """The URL the simulator gives ends in /api/v1; /api/v2 is not found."""
    v2 = smartpanel.url.replace("/api/v1", "/api/v2")

    balance = await smartpanel("balance")
    elsewhere = await smartpanel.post({"key": API_KEY, "action": "balance"}, v2)

    assert smartpanel.url.endswith("/api/v1")
    assert balance.json["balance"] == "1000.00000"
    assert elsewhere.status == 404
    assert smartpanel.panel.request_counts == {"balance": 1}


async def test_standard_url_is_unchanged(http: aiohttp.ClientSession) -> None:
    """The standard dialect still gives /api/v2 and also answers on /api/v1."""
    async with serve(http, STANDARD) as served:
        v1 = served.url.replace("/api/v2", "/api/v1")
        assert served.url.endswith("/api/v2")
        assert (await served.post({"key": API_KEY, "action": "balance"}, v1)).json == {
            "balance": "1000.00000",
            "currency": "USD",
        }


async def test_dialect_set_after_the_start(http: aiohttp.ClientSession) -> None:
    """Switching a served panel to SmartPanel moves its API at once (the simulator's
    URL keeps the path of the start: use the dialect's `api_path`)."""
    async with serve(http, STANDARD) as served:
        served.panel.dialect = SMARTPANEL
        v1 = served.url.replace("/api/v2", SMARTPANEL.api_path)

        assert (await served("balance")).status == 404
        assert (await served.post({"key": API_KEY, "action": "balance"}, v1)).json[
            "status"
        ] == "success"


async def test_php_pretty_json_under_text_html(smartpanel: SmartPanel) -> None:
    """JSON comes pretty-printed as PHP does it, slashes escaped, under text/html."""
    balance = await smartpanel("balance")
    services = await smartpanel("services")

    assert balance.status == 200
    assert balance.content_type == "text/html; charset=UTF-8"
    assert balance.text == (
        '{\n    "status": "success",\n    "balance": "1000.00000",\n'
        '    "currency": "USD"\n}'
    )
    assert services.text == php_json(services.json)
    assert '"name": "Twitter\\/X Followers"' in services.text


async def test_reported_panel_sends_a_leading_newline(reported: SmartPanel) -> None:
    """The reported panel sends a newline, then the pretty JSON, errors included."""
    balance = await reported("balance")
    error = await reported("status", order=7)

    assert balance.content_type == "text/html; charset=UTF-8"
    assert balance.text.startswith('\n{\n    "status": "success",\n')
    assert balance.text == "\n" + php_json(balance.json)
    assert error.text == '\n{\n    "error": "Incorrect order ID"\n}'


# --- Answers -------------------------------------------------------------------------


async def test_services_rows(smartpanel: SmartPanel) -> None:
    """Rows read back from the database: string ids, limits and flags, snake_case
    types, and no refill or cancel flags."""
    rows = (await smartpanel("services")).json

    assert rows[0] == {
        "service": "1",
        "name": "Instagram Followers - Real [Refill 30D]",
        "type": "default",
        "category": "Instagram Followers",
        "rate": "1.20",
        "min": "50",
        "max": "10000",
        "dripfeed": "1",
    }
    assert all(isinstance(row["service"], str) for row in rows)
    assert rows[4]["type"] == "custom_comments"
    assert rows[3]["type"] == "package"
    assert rows[3]["dripfeed"] == "0"


async def test_empty_catalogue(http: aiohttp.ClientSession) -> None:
    """An empty catalogue is a success wrapper around "Empty Data"."""
    async with serve(http, SMARTPANEL, catalogue=()) as served:
        assert (await served("services")).json == {
            "status": "success",
            "data": "Empty Data",
        }


async def test_status_success_beside_balance_and_add(smartpanel: SmartPanel) -> None:
    """`balance` and `add` carry "status": "success"; the order id is a number."""
    balance = await smartpanel("balance")
    added = await smartpanel("add", service=1, link=LINK, quantity=100)

    assert balance.json == {
        "status": "success",
        "balance": "1000.00000",
        "currency": "USD",
    }
    assert (added.status, added.json) == (
        200,
        {"status": "success", "order": FIRST_ORDER_ID},
    )


async def test_order_status(smartpanel: SmartPanel) -> None:
    """The status carries the order id as a string; start_count is null and remains
    "0" until the order starts."""
    order_id = smartpanel.panel.create_order(1, link=LINK, quantity=100)

    pending = (await smartpanel("status", order=order_id)).json
    smartpanel.panel.advance(PENDING_SECONDS)
    started = (await smartpanel("status", order=order_id)).json

    assert pending == {
        "order": str(order_id),
        "charge": "0.12000",
        "start_count": None,
        "status": "Pending",
        "remains": "0",
        "currency": "USD",
    }
    assert started["status"] == "In progress"
    assert started["start_count"] == str(smartpanel.panel.orders[order_id].start_count)
    assert started["remains"] == "100"


async def test_batch_status_has_bare_string_errors(smartpanel: SmartPanel) -> None:
    """Unknown ids of a batch are bare strings beside the found orders' rows."""
    order_id = smartpanel.panel.create_order(1, link=LINK, quantity=100)

    answer = (await smartpanel("status", orders=f"{order_id},7,abc")).json

    assert answer["7"] == answer["abc"] == "Incorrect order ID"
    assert answer[str(order_id)]["order"] == str(order_id)
    assert answer[str(order_id)]["start_count"] is None


# --- Errors --------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
async def test_wrong_key(smartpanel: SmartPanel, key: str | None) -> None:
    """A missing or wrong key gets SmartPanel's message with HTTP 200."""
    form: dict[str, str | int] = {"action": "balance"}
    if key is not None:
        form["key"] = key

    answer = await smartpanel.post(form)

    assert (answer.status, answer.json) == (200, {"error": INVALID_KEY})


async def test_disabled_key(smartpanel: SmartPanel) -> None:
    """A revoked key, or the key_revoked fault, gets the same message."""
    smartpanel.panel.revoke_key()
    revoked = await smartpanel("services")
    smartpanel.panel.restore_key()
    smartpanel.panel.faults.inject(Fault.KEY_REVOKED)
    fault = await smartpanel("services")

    assert (revoked.status, revoked.json) == (200, {"error": INVALID_KEY})
    assert (fault.status, fault.json) == (200, {"error": INVALID_KEY})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"service": 999, "link": LINK, "quantity": 100}, "Service ID does not exists"),
        ({"service": "x", "link": LINK, "quantity": 100}, "Service ID does not exists"),
        ({"link": LINK, "quantity": 100}, MISSING_PARAMETERS),
        ({"service": 1, "quantity": 100}, "Bad Link"),
        ({"service": 1, "link": "instagram.com/x", "quantity": 100}, "Invalid Link"),
        ({"service": 1, "link": LINK}, "Quantity is required"),
        ({"service": 5, "link": LINK}, "Comments field is required"),
        ({"service": 7, "link": LINK, "quantity": 100}, MISSING_PARAMETERS),
        (
            {"service": 30, "link": LINK, "quantity": 9},
            "Quantity must to be greater than or equal to minimum amount 10",
        ),
        (
            {"service": 30, "link": LINK, "quantity": 10001},
            "Quantity must to be less than or equal to maximum amount 10000",
        ),
        (
            {"service": 101, "link": LINK, "quantity": 5000},
            "Not enough funds on balance",
        ),
    ],
)
async def test_add_errors(
    smartpanel: SmartPanel, fields: dict[str, str | int], message: str
) -> None:
    """`add` refusals in SmartPanel's words, HTTP 200, nothing charged."""
    answer = await smartpanel("add", **fields)

    assert (answer.status, answer.json) == (200, {"error": message})
    assert not smartpanel.panel.orders
    assert smartpanel.panel.balance == PANEL_BALANCE


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (9, "Quantity must be between 10 and 10000"),
        (10001, "Quantity must be between 10 and 10000"),
    ],
)
async def test_reported_quantity_range(
    reported: SmartPanel, quantity: int, message: str
) -> None:
    """The reported panel words both quantity limits as one range."""
    answer = await reported("add", service=30, link=LINK, quantity=quantity)
    assert (answer.status, answer.json) == (200, {"error": message})


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("status", {"order": 7}, "Incorrect order ID"),
        ("status", {"order": "abc"}, "Incorrect order ID"),
        ("status", {"orders": ","}, "Order ID is required parameter. Please check your API Manual"),
        ("unknown", {}, INVALID_ACTION),
        ("", {}, INVALID_ACTION),
    ],
)  # fmt: skip
async def test_request_errors(
    smartpanel: SmartPanel, action: str, fields: dict[str, str | int], message: str
) -> None:
    """Other refusals in SmartPanel's words, HTTP 200."""
    answer = await smartpanel(action, **fields)
    assert (answer.status, answer.json) == (200, {"error": message})


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("refill", {"order": "ORDER"}),
        ("refill", {"orders": "ORDER"}),
        ("refill_status", {"refill": 12345}),
        ("refill_status", {"refills": "12345"}),
        ("cancel", {"order": "ORDER"}),
        ("cancel", {"orders": "ORDER"}),
    ],
)
async def test_refill_and_cancel_are_invalid_actions(
    smartpanel: SmartPanel, action: str, fields: dict[str, str | int]
) -> None:
    """The script has no refill, refill_status or cancel, even for orders that could."""
    order_id = smartpanel.panel.create_order(1, link=LINK, quantity=100)
    smartpanel.panel.advance(24 * 3600)
    form = {
        name: str(order_id) if value == "ORDER" else value
        for name, value in fields.items()
    }

    answer = await smartpanel(action, **form)

    assert (answer.status, answer.json) == (200, {"error": INVALID_ACTION})
    assert not smartpanel.panel.refills
    assert smartpanel.panel.orders[order_id].cancel_at is None


async def test_reported_panel_is_smartpanel_otherwise(reported: SmartPanel) -> None:
    """The reported panel keeps every other SmartPanel behaviour."""
    assert (await reported("refill", order=1)).json == {"error": INVALID_ACTION}
    assert (await reported.post({"key": "x", "action": "balance"})).json == {
        "error": INVALID_KEY
    }
    assert (await reported("services")).json[0]["service"] == "1"
    assert reported.url.endswith("/api/v1")


# --- The dialect as data -------------------------------------------------------------


def test_named_dialects() -> None:
    """Both SmartPanel dialects are named for the command line."""
    assert DIALECTS["smartpanel"] is SMARTPANEL
    assert DIALECTS["smartpanel-reported"] is SMARTPANEL_REPORTED
    assert SMARTPANEL.api_paths == ("/api/v1",)
    assert SMARTPANEL.unsupported_actions == {"refill", "refill_status", "cancel"}
    assert SMARTPANEL_REPORTED.quirks == SMARTPANEL.quirks | {Quirk.LEADING_NEWLINE}
    assert Quirk.LEADING_NEWLINE not in SMARTPANEL


def test_cli_dialect() -> None:
    """`--dialect smartpanel` builds a SmartPanel."""
    options = parse_args(["--dialect", "smartpanel"])
    assert build_panel(options).dialect == SMARTPANEL
    assert parse_args(["--dialect=smartpanel-reported"]).dialect == SMARTPANEL_REPORTED


def test_a_set_of_quirks_is_the_standard_dialect_with_them() -> None:
    """Panels take a Dialect or a bare set of quirks, as the constructor or later."""
    panel = Panel(api_key=API_KEY, dialect={Quirk.NUMBERS})
    assert panel.dialect == STANDARD.derive(Quirk.NUMBERS)
    panel.dialect = frozenset({Quirk.BARE_STRING_ROWS})
    assert panel.dialect.quirks == {Quirk.BARE_STRING_ROWS}
    assert panel.dialect.api_paths == STANDARD.api_paths
    assert not panel.dialect.wordings


def test_wording_lookup() -> None:
    """Wordings are looked up by key, then by template; parameters fill them."""
    dialect = STANDARD.derive(
        wordings={"missing link": "No link", "Low {minimum}": "At least {minimum}"}
    )
    missing_link = PanelError("Link is required", key="missing link")
    low = PanelError("Low {minimum}", minimum=10)
    other = PanelError("Something else")

    assert dialect.word(missing_link) == "No link"
    assert dialect.word(low) == "At least 10"
    assert dialect.word(other) == "Something else"
    assert STANDARD.word(low) == "Low 10"
