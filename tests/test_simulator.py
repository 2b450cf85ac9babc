"""Tests of the panel simulator, driven over loopback HTTP with a plain aiohttp client."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
import json
import signal
import sys
import time
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
import pytest

from panel_simulator import (
    CATALOGUE,
    CLONE,
    STANDARD,
    Fault,
    FaultRule,
    ManualClock,
    OrderStatus,
    Panel,
    Quirk,
    RealTimeClock,
    RefillStatus,
    Service,
    ServiceType,
    run_simulator,
)
from panel_simulator.cli import build_panel, build_parser, parse_args, parse_fault
from panel_simulator.faults import Faults
from panel_simulator.order_form import REQUIRED_FIELDS
from panel_simulator.orders import (
    CANCEL_DELAY_SECONDS,
    PENDING_SECONDS,
    REFILL_SECONDS,
    delivery_seconds,
)
from panel_simulator.panel import FIRST_ORDER_ID, FIRST_REFILL_ID

from .const import API_KEY, PANEL_BALANCE

LINK = "https://instagram.com/simulated"
ACTIVE_LINK_ERROR = (
    "You have active order with this link. Please wait until order being completed."
)
ORDER_ID_REQUIRED = "Order ID is required parameter. Please check your API Manual"
REFILL_ACCEPTED = "Your order will be refill asap. Thank you for patience"
FOREVER = 24 * 3600


@dataclass(frozen=True)
class Answer:
    """What the simulator sent back."""

    status: int
    headers: CIMultiDictProxy[str]
    text: str

    @property
    def json(self) -> Any:
        """Return the body decoded as JSON."""
        return json.loads(self.text)


@pytest.fixture
async def http(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """Return a plain HTTP client session."""
    async with aiohttp.ClientSession() as session:
        yield session


class Api:
    """Posts form-encoded API requests to one simulator."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        """Talk to the API at `url`."""
        self._http = http
        self._url = url

    async def __call__(self, action: str, **fields: str | int) -> Answer:
        """Post one request with the test key."""
        return await self.post({"key": API_KEY, "action": action, **fields})

    async def post(
        self, form: Mapping[str, str | int], *, give_up_after: float = 10.0
    ) -> Answer:
        """Post a form as it is."""
        data = {name: str(value) for name, value in form.items()}
        async with self._http.post(
            self._url, data=data, timeout=aiohttp.ClientTimeout(total=give_up_after)
        ) as response:
            return Answer(response.status, response.headers, await response.text())


@pytest.fixture
def api(http: aiohttp.ClientSession, panel_url: str) -> Api:
    """Return a client of the simulator serving the `panel` fixture."""
    return Api(http, panel_url)


def control_url(panel_url: str, endpoint: str) -> str:
    """Return the URL of a control endpoint of the simulator serving `panel_url`."""
    return panel_url.removesuffix("/api/v2") + f"/_simulator/{endpoint}"


def place_orders(panel: Panel, count: int, service_id: int = 2) -> list[int]:
    """Place orders on distinct links of a cheap service."""
    return [
        panel.create_order(service_id, link=f"{LINK}/{index}", quantity=100)
        for index in range(count)
    ]


def ends_partial(panel: Panel, order_id: int) -> bool:
    """Return whether the seed made an order end Partial."""
    delivery = panel.orders[order_id].delivery
    assert delivery is not None
    return delivery.undelivered > 0


def finish_time(panel: Panel, order_id: int) -> float:
    """Return the seconds from now until an order is delivered."""
    delivery = panel.orders[order_id].delivery
    assert delivery is not None
    return delivery.finishes_at - panel.clock.now()


# --- Actions -------------------------------------------------------------------------


async def test_balance(api: Api) -> None:
    """The balance comes as a string with five decimals, with the currency."""
    answer = await api("balance")

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json == {"balance": "1000.00000", "currency": "USD"}


async def test_services_catalogue(api: Api) -> None:
    """The catalogue covers every service type and keeps the seed's services."""
    rows = (await api("services")).json

    assert [row["service"] for row in rows] == [*range(1, 23), 101, 102]
    assert {row["type"] for row in rows} == {str(kind) for kind in ServiceType}
    assert len({row["category"] for row in rows}) >= 8
    assert rows[-2] == {
        "service": 101,
        "name": "Real & Active Followers - Best Server",
        "type": "Default",
        "category": "Instagram Followers",
        "rate": "250.00",
        "min": "50",
        "max": "10000",
        "refill": True,
        "cancel": True,
        "dripfeed": False,
    }
    assert rows[-1]["rate"] == "255.00"
    assert rows[-1]["refill"] is False
    assert {row["refill"] for row in rows} == {True, False}
    assert {row["cancel"] for row in rows} == {True, False}
    assert {row["dripfeed"] for row in rows} == {True, False}


async def test_add_charges_rate_times_quantity(api: Api, panel: Panel) -> None:
    """An order costs rate * quantity / 1000, exactly."""
    answer = await api("add", service=1, link=LINK, quantity=1234)

    assert answer.status == 200
    assert answer.json == {"order": FIRST_ORDER_ID}
    order = panel.orders[FIRST_ORDER_ID]
    assert (order.service.service_id, order.link, order.quantity) == (1, LINK, 1234)
    assert order.charge == Decimal("1.4808")
    assert panel.balance == Decimal("998.5192")
    balance = await api("balance")
    assert balance.json["balance"] == "998.51920"


async def test_order_lifecycle(api: Api, panel: Panel) -> None:
    """Pending for a minute, then In progress with falling remains, then finished."""
    order_id = (await api("add", service=1, link=LINK, quantity=1000)).json["order"]
    delivery = panel.orders[order_id].delivery
    assert delivery is not None
    duration = delivery_seconds(1000)

    pending = (await api("status", order=order_id)).json
    assert pending == {
        "charge": "1.20000",
        "start_count": "0",
        "status": "Pending",
        "remains": "1000",
        "currency": "USD",
    }

    panel.advance(PENDING_SECONDS + duration / 2)
    halfway = (await api("status", order=order_id)).json
    delivered = int((1000 - delivery.undelivered) / 2)
    assert halfway["status"] == "In progress"
    assert halfway["start_count"] == str(delivery.start_count)
    assert halfway["remains"] == str(1000 - delivered)

    panel.advance(duration / 2)
    finished = (await api("status", order=order_id)).json
    expected = "Partial" if delivery.undelivered else "Completed"
    assert finished["status"] == expected
    assert finished["remains"] == str(delivery.undelivered)


async def test_partial_order_refunds_the_undelivered_share(
    api: Api, panel: Panel
) -> None:
    """Some orders end Partial (decided by the seed); the rest is paid back."""
    order_ids = place_orders(panel, 40)
    partial = [order_id for order_id in order_ids if ends_partial(panel, order_id)]
    assert 1 <= len(partial) <= 15
    spent = Decimal("0.045") * 40
    assert panel.balance == PANEL_BALANCE - spent

    panel.advance(FOREVER)

    refunds = sum(
        panel.orders[order_id].service.cost(panel.orders[order_id].remains)
        for order_id in partial
    )
    assert refunds > 0
    assert panel.balance == PANEL_BALANCE - spent + refunds
    answer = (await api("status", order=partial[0])).json
    order = panel.orders[partial[0]]
    assert answer["status"] == "Partial"
    assert answer["remains"] == str(order.remains)
    assert Decimal(answer["charge"]) == Decimal("0.045") - order.service.cost(
        order.remains
    )
    completed = set(order_ids) - set(partial)
    assert {panel.orders[order_id].status for order_id in completed} == {
        OrderStatus.COMPLETED
    }


async def test_drip_feed(api: Api, panel: Panel) -> None:
    """A drip-feed order delivers runs * quantity over runs * interval minutes."""
    order_id = (
        await api(
            "add",
            service=1,
            link=LINK,
            quantity=100,
            runs=3,
            interval=10,
        )
    ).json["order"]
    assert panel.orders[order_id].charge == Decimal("0.36")
    assert (await api("status", order=order_id)).json["runs"] == "0"

    panel.advance(PENDING_SECONDS + 1)
    first_run = (await api("status", order=order_id)).json
    assert (first_run["status"], first_run["runs"]) == ("In progress", "1")
    panel.advance(25 * 60)
    assert (await api("status", order=order_id)).json["runs"] == "3"
    panel.advance(5 * 60)
    assert panel.orders[order_id].status.is_finished


async def test_subscription_is_active_until_expiry(api: Api, panel: Panel) -> None:
    """Subscriptions take no link and stay Active until their expiry date."""
    answer = await api(
        "add",
        service=22,
        username="simulated",
        min=100,
        max=200,
        posts=5,
        expiry="02/01/2026",
    )
    order_id = answer.json["order"]

    status = (await api("status", order=order_id)).json
    assert status == {
        "charge": "0.00000",
        "start_count": "0",
        "status": "Active",
        "remains": "0",
        "currency": "USD",
        "expiry": "02/01/2026",
        "posts": "0",
        "orders": [],
    }
    panel.advance(2 * 24 * 3600)
    assert panel.orders[order_id].status is OrderStatus.COMPLETED


VALID_ORDERS: list[tuple[int, dict[str, str | int], int]] = [
    (1, {"link": LINK, "quantity": 100}, 100),
    (4, {"link": LINK}, 1000),
    (5, {"link": LINK, "comments": "great\nnice\n\nwow\r\ncool\nlovely\n"}, 5),
    (6, {"link": LINK, "comments": "\n".join(f"comment {n}" for n in range(10))}, 10),
    (7, {"link": LINK, "quantity": 100, "usernames": "alice\nbob"}, 100),
    (8, {"link": LINK, "quantity": 100, "usernames": "alice", "hashtags": "#a"}, 100),
    (9, {"link": LINK, "usernames": "\n".join(f"user{n}" for n in range(12))}, 12),
    (10, {"link": LINK, "quantity": 100, "hashtag": "summer"}, 100),
    (11, {"link": LINK, "quantity": 100, "username": "alice"}, 100),
    (12, {"link": LINK, "quantity": 100, "media": "https://instagram.com/p/1"}, 100),
    (13, {"link": LINK, "quantity": 50, "username": "alice"}, 50),
    (14, {"link": LINK, "username": "alice", "comments": "a\nb\nc\nd\ne"}, 5),
    (18, {"link": LINK, "quantity": 50, "answer_number": 2}, 50),
    (17, {"link": LINK, "quantity": 100, "groups": "t.me/a\nt.me/b"}, 100),
    (21, {"link": LINK, "quantity": 100, "keywords": "smm panel"}, 100),
    (22, {"username": "alice", "min": 50, "max": 100, "delay": 30}, 0),
    (
        20,
        {
            "link": LINK,
            "quantity": 1000,
            "country": "US",
            "device": "1",
            "type_of_traffic": "1",
            "google_keyword": "smm",
        },
        1000,
    ),
]


@pytest.mark.parametrize(("service_id", "fields", "quantity"), VALID_ORDERS)
async def test_add_fields_by_service_type(
    api: Api, panel: Panel, service_id: int, fields: dict[str, str | int], quantity: int
) -> None:
    """Each type takes its own fields; list fields count their non-empty lines."""
    answer = await api("add", service=service_id, **fields)

    order = panel.orders[answer.json["order"]]
    assert order.quantity == quantity
    assert order.charge == order.service.rate * quantity / 1000
    assert panel.balance == PANEL_BALANCE - order.charge


def test_valid_orders_cover_every_service_type() -> None:
    """The table above exercises every service type."""
    services = {service.service_id: service for service in CATALOGUE}
    covered = {services[service_id].type for service_id, _, _ in VALID_ORDERS}
    assert covered == set(ServiceType)


@pytest.mark.parametrize(
    ("service_id", "field"),
    [
        (service_id, field)
        for service_id, fields, _ in VALID_ORDERS
        for field in fields
        if field
        in REQUIRED_FIELDS[
            next(s.type for s in CATALOGUE if s.service_id == service_id)
        ]
    ],
)
async def test_add_refuses_a_missing_required_field(
    api: Api, panel: Panel, service_id: int, field: str
) -> None:
    """Leaving out a required field is an error naming it; nothing is charged."""
    fields = dict(next(f for s, f, _ in VALID_ORDERS if s == service_id))
    del fields[field]

    answer = await api("add", service=service_id, **fields)

    label = field.replace("_", " ").capitalize()
    assert answer.json == {
        "error": f"{label} is required parameter. Please check your API Manual"
    }
    assert not panel.orders
    assert panel.balance == PANEL_BALANCE


# --- Errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"service": 999, "link": LINK, "quantity": 100}, "Incorrect service ID"),
        ({"service": "x", "link": LINK, "quantity": 100}, "Incorrect service ID"),
        ({"link": LINK, "quantity": 100}, "Incorrect service ID"),
        ({"service": 1, "link": "instagram.com/x", "quantity": 100}, "Incorrect link"),
        ({"service": 1, "link": "ftp://x.com/a", "quantity": 100}, "Incorrect link"),
        ({"service": 1, "link": LINK, "quantity": 49}, "Quantity less than minimal 50"),
        (
            {"service": 1, "link": LINK, "quantity": 10001},
            "Quantity more than maximum 10000",
        ),
        ({"service": 1, "link": LINK, "quantity": "many"}, "Incorrect request"),
        ({"service": 1, "link": LINK, "quantity": 100, "foo": 1}, "Incorrect request"),
        ({"service": 4, "link": LINK, "quantity": 100}, "Incorrect request"),
        (
            {"service": 16, "link": LINK, "quantity": 100, "runs": 2, "interval": 5},
            "Incorrect request",
        ),
        (
            {"service": 1, "link": LINK, "quantity": 100, "runs": 2},
            "Incorrect request",
        ),
        (
            {"service": 5, "link": LINK, "comments": "a\nb"},
            "Quantity less than minimal 5",
        ),
        (
            {"service": 22, "username": "a", "min": 10, "max": 100},
            "Quantity less than minimal 50",
        ),
        (
            {"service": 22, "username": "a", "min": 200, "max": 100},
            "Incorrect request",
        ),
        (
            {"service": 22, "username": "a", "min": 50, "max": 100, "expiry": "soon"},
            "Incorrect request",
        ),
        (
            {"service": 101, "link": LINK, "quantity": 5000},
            "Not enough funds on balance",
        ),
    ],
)
async def test_add_errors(
    api: Api, panel: Panel, fields: dict[str, str | int], message: str
) -> None:
    """Invalid orders get the panel's message, HTTP 200, and cost nothing."""
    answer = await api("add", **fields)

    assert answer.status == 200
    assert answer.json == {"error": message}
    assert not panel.orders
    assert panel.balance == PANEL_BALANCE


async def test_active_order_on_the_same_link(api: Api, panel: Panel) -> None:
    """A second order for a link waits until the first is finished."""
    first = panel.create_order(1, link=LINK, quantity=100)
    second = await api("add", service=1, link=LINK, quantity=100)
    other_service = await api("add", service=3, link=LINK, quantity=100)

    assert second.json == {"error": ACTIVE_LINK_ERROR}
    assert "order" in other_service.json
    panel.advance(finish_time(panel, first))
    again = await api("add", service=1, link=LINK, quantity=100)
    assert again.json == {"order": FIRST_ORDER_ID + 2}


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("status", {}, ORDER_ID_REQUIRED),
        ("status", {"order": ""}, ORDER_ID_REQUIRED),
        ("status", {"order": 1}, "Incorrect order ID"),
        ("status", {"order": "abc"}, "Incorrect order ID"),
        ("status", {"orders": ","}, ORDER_ID_REQUIRED),
        ("status", {"order": 1, "orders": 1}, "Incorrect request"),
        ("status", {"orders": ",".join(map(str, range(101)))}, "Incorrect request"),
        ("balance", {"order": 1}, "Incorrect request"),
        ("refill", {}, ORDER_ID_REQUIRED),
        ("refill", {"order": 7}, "Incorrect order ID"),
        ("refill_status", {"refill": 7}, "Refill not found"),
        ("refill_status", {"refills": ""}, "Incorrect request"),
        ("cancel", {"order": 7}, "Incorrect order ID"),
        ("cancel", {}, ORDER_ID_REQUIRED),
        ("unknown", {}, "Incorrect action"),
        ("", {}, "Incorrect action"),
    ],
)
async def test_request_errors(
    api: Api, action: str, fields: dict[str, str | int], message: str
) -> None:
    """Missing, unknown and malformed parameters get the documented messages."""
    answer = await api(action, **fields)

    assert answer.status == 200
    assert answer.json == {"error": message}


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
async def test_invalid_api_key(api: Api, key: str | None) -> None:
    """A missing or wrong key is refused before anything else."""
    form: dict[str, str | int] = {"action": "add", "service": 1}
    if key is not None:
        form["key"] = key
    answer = await api.post(form)

    assert answer.json == {"error": "Invalid API key"}


async def test_revoked_key(api: Api, panel: Panel) -> None:
    """A revoked key is refused until it is restored."""
    panel.revoke_key()
    assert (await api("balance")).json == {"error": "Invalid API key"}

    panel.restore_key()
    assert "balance" in (await api("balance")).json


async def test_json_body_is_refused(
    http: aiohttp.ClientSession, panel: Panel, panel_url: str
) -> None:
    """A JSON body is not a form: the panel does not understand it."""
    async with http.post(
        panel_url, json={"key": API_KEY, "action": "balance"}
    ) as response:
        assert await response.json() == {"error": "Incorrect request"}
    assert panel.request_counts == {"": 1}


async def test_multipart_form_is_accepted(
    http: aiohttp.ClientSession, panel_url: str
) -> None:
    """Panels read multipart forms like url-encoded ones."""
    form = aiohttp.FormData({"key": API_KEY, "action": "balance"})
    form.add_field("currency_hint", b"x", filename="x.txt")
    async with http.post(panel_url, data=form) as response:
        assert (await response.json())["currency"] == "USD"


async def test_other_paths_and_methods(
    http: aiohttp.ClientSession, panel_url: str
) -> None:
    """The API also answers on /api/v1; it takes POST only."""
    v1 = panel_url.replace("/api/v2", "/api/v1")
    assert (await Api(http, v1)("balance")).json["currency"] == "USD"
    async with http.get(panel_url) as response:
        assert response.status == 405


# --- Batches, refills, cancels -------------------------------------------------------


async def test_batch_status(api: Api, panel: Panel) -> None:
    """Batch status is keyed by string id, per-id errors are rows, repeats collapse."""
    first, second = place_orders(panel, 2)

    answer = await api("status", orders=f"{first}, {second},{first},7,abc")

    assert list(answer.json) == [str(first), str(second), "7", "abc"]
    assert answer.json[str(first)]["status"] == "Pending"
    assert answer.json[str(second)]["charge"] == "0.04500"
    assert answer.json["7"] == {"error": "Incorrect order ID"}
    assert answer.json["abc"] == {"error": "Incorrect order ID"}


async def test_batch_status_of_a_hundred_orders(api: Api, panel: Panel) -> None:
    """A hundred ids is the most one request takes; thousands of orders are cheap."""
    started = time.monotonic()
    order_ids = place_orders(panel, 5000)
    assert time.monotonic() - started < 5

    answer = await api("status", orders=",".join(map(str, order_ids[-100:])))

    assert len(answer.json) == 100
    assert all(row["status"] == "Pending" for row in answer.json.values())


async def test_refill_lifecycle(api: Api, panel: Panel) -> None:
    """A completed order can be refilled; the refill runs then ends."""
    order_id = next(
        order_id
        for order_id in place_orders(panel, 10, service_id=3)
        if not ends_partial(panel, order_id)
    )
    not_yet = await api("refill", order=order_id)
    assert not_yet.json == {"error": "The order is not completed"}
    panel.advance(FOREVER)

    answer = await api("refill", order=order_id)

    assert answer.json == {"success": REFILL_ACCEPTED, "refill": FIRST_REFILL_ID}
    refill = panel.refills[FIRST_REFILL_ID]
    assert refill.order_id == order_id
    again = await api("refill", order=order_id)
    assert again.json == {"error": "Order not eligible for refill."}
    statuses = []
    for step in (0, PENDING_SECONDS, REFILL_SECONDS):
        panel.advance(step)
        answer = await api("refill_status", refill=FIRST_REFILL_ID)
        statuses.append(answer.json["status"])
    final = "Rejected" if refill.rejected else "Completed"
    assert statuses == ["Pending", "In progress", final]


async def test_refills_are_rejected_sometimes(panel: Panel) -> None:
    """The seed decides which refills are rejected."""
    order_ids = place_orders(panel, 60, service_id=3)
    panel.advance(FOREVER)
    completed = [
        i for i in order_ids if panel.orders[i].status is OrderStatus.COMPLETED
    ]
    refills = [panel.request_refill(order_id) for order_id in completed]
    panel.advance(FOREVER)

    statuses = {refill.status for refill in refills}
    assert statuses == {RefillStatus.COMPLETED, RefillStatus.REJECTED}


async def test_refill_errors(api: Api, panel: Panel) -> None:
    """Refills need a refillable service and a completed order."""
    no_refill = panel.create_order(2, link=LINK, quantity=100)
    order_ids = place_orders(panel, 30, service_id=3)
    partial = next(i for i in order_ids if ends_partial(panel, i))
    panel.advance(FOREVER)

    disabled = await api("refill", order=no_refill)
    not_eligible = await api("refill", order=partial)

    assert disabled.json == {"error": "Refill is disabled for this service"}
    assert not_eligible.json == {"error": "Order not eligible for refill."}


async def test_batch_refill_and_refill_status(api: Api, panel: Panel) -> None:
    """Batch refill and refill_status answer lists of rows with per-row errors."""
    order_ids = place_orders(panel, 10, service_id=3)
    done = [i for i in order_ids if not ends_partial(panel, i)][:2]
    panel.advance(FOREVER)

    refills = await api("refill", orders=f"{done[0]},{done[1]},7")
    statuses = await api("refill_status", refills=f"{FIRST_REFILL_ID},3")

    assert refills.json == [
        {"order": done[0], "refill": FIRST_REFILL_ID},
        {"order": done[1], "refill": FIRST_REFILL_ID + 1},
        {"order": 7, "refill": {"error": "Incorrect order ID"}},
    ]
    assert statuses.json == [
        {"refill": FIRST_REFILL_ID, "status": "Pending"},
        {"refill": 3, "status": {"error": "Refill not found"}},
    ]


async def test_cancel(api: Api, panel: Panel) -> None:
    """Cancel is only requested; a minute later the order is Canceled and refunded."""
    order_id = panel.create_order(1, link=LINK, quantity=1000)
    no_cancel = panel.create_order(2, link=LINK, quantity=100)
    assert panel.balance == PANEL_BALANCE - Decimal("1.245")

    answer = await api("cancel", orders=f"{order_id},{no_cancel},7")

    assert answer.json == [
        {"order": order_id, "cancel": 1},
        {
            "order": no_cancel,
            "cancel": {"error": "Cancel is disabled for this service"},
        },
        {"order": 7, "cancel": {"error": "Incorrect order ID"}},
    ]
    assert panel.orders[order_id].status is OrderStatus.PENDING
    assert panel.balance == PANEL_BALANCE - Decimal("1.245")
    again = await api("cancel", order=order_id)
    assert again.json == {"error": "Order not eligible for cancel."}

    panel.advance(60)
    status = (await api("status", order=order_id)).json
    assert (status["status"], status["charge"]) == ("Canceled", "0.00000")
    assert panel.balance == PANEL_BALANCE - Decimal("0.045")


@pytest.mark.parametrize("lag", [300.0, -300.0], ids=["credited_later", "first"])
async def test_refund_lag(api: Api, panel: Panel, lag: float) -> None:
    """A panel may credit a refund after the order shows it, or before."""
    panel.refund_lag = lag
    canceled = panel.create_order(1, link=LINK, quantity=1000)
    placed = place_orders(panel, 40)
    partial = [order_id for order_id in placed if ends_partial(panel, order_id)]
    assert (await api("cancel", order=canceled)).json == {"cancel": 1}
    charged = PANEL_BALANCE - Decimal("1.2") - 40 * Decimal("0.045")
    refunds = Decimal("1.2")  # all of the canceled order's charge
    for order_id in partial:
        delivery = panel.orders[order_id].delivery
        assert delivery is not None
        refunds += panel.orders[order_id].service.cost(delivery.undelivered)

    # Credited first: before any order shows its refund.
    assert panel.orders[canceled].status is OrderStatus.PENDING
    assert panel.balance == charged + (refunds if lag < 0 else 0)
    panel.advance(max(finish_time(panel, order_id) for order_id in placed))
    answer = (await api("status", orders=f"{canceled},{partial[0]}")).json
    assert answer[str(canceled)]["status"] == "Canceled"
    assert Decimal(answer[str(canceled)]["charge"]) == 0
    assert answer[str(partial[0])]["status"] == "Partial"
    # Credited later: the orders show their refunds, the balance does not yet.
    assert panel.balance == charged + (refunds if lag < 0 else 0)
    panel.advance(max(lag, 0))
    assert panel.balance == charged + refunds


async def test_cancel_of_a_finished_order(api: Api, panel: Panel) -> None:
    """A finished order cannot be canceled; a single cancel answers {"cancel": 1}."""
    finished = panel.create_order(1, link=LINK, quantity=100)
    panel.advance(FOREVER)
    running = panel.create_order(1, link=f"{LINK}/2", quantity=100)

    assert (await api("cancel", order=finished)).json == {
        "error": "Order not eligible for cancel."
    }
    assert (await api("cancel", order=running)).json == {"cancel": 1}


# --- Dialects ------------------------------------------------------------------------


async def test_clone_preset() -> None:
    """The clone has every quirk of the clones of the reference; standard has none."""
    script_quirks = {
        Quirk.NO_CONTENT_TYPE,
        Quirk.PHP_PRETTY_JSON,
        Quirk.LEADING_NEWLINE,
        Quirk.STATUS_SUCCESS_BALANCE,
        Quirk.STRING_IDS,
        Quirk.NULL_START_COUNT,
        Quirk.ZERO_REMAINS_UNTIL_STARTED,
        Quirk.SNAKE_CASE_TYPES,
        Quirk.STRING_FLAGS,
        Quirk.NO_REFILL_CANCEL_FLAGS,
        Quirk.CANCEL_REQUESTED_STATUS,
    }
    assert frozenset(Quirk) - CLONE.quirks == script_quirks
    assert not STANDARD.quirks
    assert not STANDARD.wordings
    assert not CLONE.wordings
    assert STANDARD.api_paths == CLONE.api_paths == ("/api/v2", "/api/v1")
    assert Quirk.HTTP_CODES in CLONE
    assert Quirk.HTTP_CODES not in STANDARD


async def test_quirk_numbers(api: Api, panel: Panel) -> None:
    """Numbers come as JSON numbers."""
    panel.dialect = frozenset({Quirk.NUMBERS})
    order_id = panel.create_order(1, link=LINK, quantity=100)

    balance = (await api("balance")).json
    service = (await api("services")).json[0]
    status = (await api("status", order=order_id)).json

    assert balance == {"balance": 999.88, "currency": "USD"}
    assert (service["rate"], service["min"], service["max"]) == (1.2, 50, 10000)
    assert (status["charge"], status["start_count"], status["remains"]) == (
        0.12,
        0,
        100,
    )


async def test_quirk_float_balance(api: Api, panel: Panel) -> None:
    """Only the balance is a number."""
    panel.dialect = frozenset({Quirk.FLOAT_BALANCE})
    assert (await api("balance")).json["balance"] == 1000.0
    assert (await api("services")).json[0]["rate"] == "1.20"


async def test_quirk_numeric_flags(api: Api, panel: Panel) -> None:
    """Service flags are 1 and 0."""
    panel.dialect = frozenset({Quirk.NUMERIC_FLAGS})
    row = (await api("services")).json[1]
    assert (row["refill"], row["cancel"], row["dripfeed"]) == (0, 0, 1)


async def test_quirk_lowercase_values(api: Api, panel: Panel) -> None:
    """Statuses and types are lowercase, without spaces in statuses."""
    panel.dialect = frozenset({Quirk.LOWERCASE_VALUES})
    order_id = panel.create_order(1, link=LINK, quantity=100)
    panel.advance(PENDING_SECONDS)

    services = (await api("services")).json
    status = (await api("status", order=order_id)).json

    assert services[4]["type"] == "custom comments"
    assert status["status"] == "inprogress"


async def test_quirk_bare_string_rows(api: Api, panel: Panel) -> None:
    """Per-id errors of keyed batch answers are bare strings."""
    panel.dialect = frozenset({Quirk.BARE_STRING_ROWS})
    order_id = panel.create_order(1, link=LINK, quantity=100)

    answer = (await api("status", orders=f"{order_id},7")).json

    assert answer["7"] == "Incorrect order ID"
    assert answer[str(order_id)]["status"] == "Pending"


async def test_quirk_list_answers(api: Api, panel: Panel) -> None:
    """Batch answers come in their other shape."""
    panel.dialect = frozenset({Quirk.LIST_ANSWERS})
    order_id = panel.create_order(1, link=LINK, quantity=100)

    status = (await api("status", orders=f"{order_id},7")).json
    cancel = (await api("cancel", orders=f"{order_id},7")).json
    refills = (await api("refill_status", refills="5")).json

    assert status[0]["order"] == order_id
    assert status[0]["status"] == "Pending"
    assert status[1] == {"order": 7, "error": "Incorrect order ID"}
    assert cancel == {
        str(order_id): {"cancel": 1},
        "7": {"error": "Incorrect order ID"},
    }
    assert refills == {"5": {"error": "Refill not found"}}


async def test_quirk_order_in_status_and_unknown_remains(
    api: Api, panel: Panel
) -> None:
    """The status carries the order id; remains are "Unknown" until the order starts."""
    panel.dialect = frozenset({Quirk.ORDER_IN_STATUS, Quirk.UNKNOWN_REMAINS})
    order_id = panel.create_order(1, link=LINK, quantity=100)

    pending = (await api("status", order=order_id)).json
    panel.advance(PENDING_SECONDS)
    started = (await api("status", order=order_id)).json

    assert (pending["order"], pending["remains"]) == (order_id, "Unknown")
    assert started["remains"] == "100"


async def test_service_description_is_sent_as_desc(api: Api, panel: Panel) -> None:
    """A service with a description carries it as `desc`; others have no such key."""
    panel.services[2] = replace(panel.services[2], description="No refill")

    rows = {row["service"]: row for row in (await api("services")).json}

    assert rows[2]["desc"] == "No refill"
    assert "desc" not in rows[1]


async def test_quirk_cancel_requested_status(api: Api, panel: Panel) -> None:
    """A cancel in progress shows the panel's own status, then the order is canceled."""
    panel.dialect = frozenset({Quirk.CANCEL_REQUESTED_STATUS})
    order_id = panel.create_order(1, link=LINK, quantity=1000)
    before = (await api("status", order=order_id)).json["status"]
    await api("cancel", orders=str(order_id))

    requested = (await api("status", orders=str(order_id))).json
    panel.advance(CANCEL_DELAY_SECONDS)
    canceled = (await api("status", order=order_id)).json["status"]

    assert before == "Pending"
    assert requested[str(order_id)]["status"] == "Cancellation Requested"
    assert canceled == "Canceled"


@pytest.mark.parametrize(
    ("quirk", "content_type"),
    [
        (None, "application/json"),
        (Quirk.TEXT_HTML_CONTENT_TYPE, "text/html; charset=UTF-8"),
        (Quirk.NO_CONTENT_TYPE, None),
    ],
)
async def test_content_type_quirks(
    api: Api, panel: Panel, quirk: Quirk | None, content_type: str | None
) -> None:
    """JSON comes with, without or under the wrong Content-Type."""
    panel.dialect = frozenset() if quirk is None else frozenset({quirk})

    answer = await api("balance")

    assert answer.headers.get("Content-Type") == content_type
    assert answer.json["currency"] == "USD"


async def test_quirk_http_codes(api: Api, panel: Panel) -> None:
    """Clones use HTTP status codes, still with JSON bodies."""
    panel.dialect = frozenset({Quirk.HTTP_CODES})

    added = await api("add", service=1, link=LINK, quantity=100)
    bad_key = await api.post({"key": "wrong", "action": "balance"})
    no_funds = await api("add", service=101, link=LINK + "/2", quantity=9000)
    not_found = await api("status", order=7)
    invalid = await api("add", service=1, link="x", quantity=100)
    batch = await api("status", orders="7")

    assert (added.status, added.json) == (201, {"order": FIRST_ORDER_ID})
    assert (bad_key.status, bad_key.json) == (401, {"error": "Invalid API key"})
    assert no_funds.status == 402
    assert (not_found.status, not_found.json) == (404, {"error": "Incorrect order ID"})
    assert (invalid.status, invalid.json) == (422, {"error": "Incorrect link"})
    assert batch.status == 200


async def test_quirk_status_success_wrapper(api: Api, panel: Panel) -> None:
    """`add` wraps the order id."""
    panel.dialect = frozenset({Quirk.STATUS_SUCCESS_WRAPPER})
    answer = await api("add", service=1, link=LINK, quantity=100)
    assert answer.json == {"status": "success", "order": FIRST_ORDER_ID}


@pytest.mark.parametrize(
    ("dialect", "body"),
    [
        (frozenset(), []),
        (
            frozenset({Quirk.EMPTY_CATALOGUE}),
            {"status": "success", "data": "Empty Data"},
        ),
    ],
)
async def test_quirk_empty_catalogue(
    http: aiohttp.ClientSession, dialect: frozenset[Quirk], body: Any
) -> None:
    """An empty catalogue is an empty list, or a success wrapper on one clone."""
    panel = Panel(api_key=API_KEY, dialect=dialect, catalogue=())
    async with run_simulator(panel) as running:
        assert (await Api(http, running.url)("services")).json == body


async def test_quirk_refill_string_id(api: Api, panel: Panel) -> None:
    """`refill` answers the id as a string without the success text."""
    panel.dialect = frozenset({Quirk.REFILL_STRING_ID})
    order_ids = place_orders(panel, 10, service_id=3)
    done = [i for i in order_ids if not ends_partial(panel, i)]
    panel.advance(FOREVER)

    single = await api("refill", order=done[0])
    batch = await api("refill", orders=str(done[1]))

    assert single.json == {"refill": str(FIRST_REFILL_ID)}
    assert batch.json == [{"order": done[1], "refill": str(FIRST_REFILL_ID + 1)}]


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"service": 1, "link": LINK, "quantity": 1}, "neworder.error.min_quantity"),
        (
            {"service": 1, "link": LINK, "quantity": 99999},
            "neworder.error.max_quantity",
        ),
        ({"service": 1, "link": "x", "quantity": 100}, "neworder.error.link"),
        ({"service": 999}, "error.incorrect_service_id"),
        (
            {"service": 101, "link": LINK, "quantity": 9000},
            "neworder.error.not_enough_funds",
        ),
    ],
)
async def test_quirk_untranslated_errors(
    api: Api, panel: Panel, fields: dict[str, str | int], key: str
) -> None:
    """`add` errors come as untranslated language keys."""
    panel.dialect = frozenset({Quirk.UNTRANSLATED_ERRORS})
    assert (await api("add", **fields)).json == {"error": key}


async def test_untranslated_duplicate_link(api: Api, panel: Panel) -> None:
    """The duplicate-link error has its own key; other actions keep their messages."""
    panel.dialect = frozenset({Quirk.UNTRANSLATED_ERRORS})
    panel.create_order(1, link=LINK, quantity=100)

    duplicate = await api("add", service=1, link=LINK, quantity=100)
    status = await api("status", order=7)

    assert duplicate.json == {"error": "neworder.error.link_duplicate"}
    assert status.json == {"error": "Incorrect order ID"}


# --- Faults --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "marker"),
    [
        (Fault.HTTP_500, 500, "500 Internal Server Error"),
        (Fault.HTTP_502, 502, "502 Bad Gateway"),
        (Fault.HTTP_503, 503, "503 Service Temporarily Unavailable"),
        (Fault.CLOUDFLARE, 403, "Just a moment..."),
    ],
)
async def test_html_faults(
    api: Api, panel: Panel, fault: Fault, status: int, marker: str
) -> None:
    """Server errors and Cloudflare answer HTML pages; the request has no effect."""
    panel.faults.inject(fault, action="add")

    failed = await api("add", service=1, link=LINK, quantity=100)
    retried = await api("add", service=1, link=LINK, quantity=100)

    assert failed.status == status
    assert failed.headers["Content-Type"].startswith("text/html")
    assert marker in failed.text
    assert retried.json == {"order": FIRST_ORDER_ID}
    assert len(panel.orders) == 1


async def test_fault_after_the_effect(api: Api, panel: Panel) -> None:
    """With `after`, the order is placed and charged, then the answer is lost."""
    panel.faults.inject(Fault.HTTP_500, action="add", after=True)

    failed = await api("add", service=1, link=LINK, quantity=100)

    assert failed.status == 500
    assert list(panel.orders) == [FIRST_ORDER_ID]
    assert panel.balance == PANEL_BALANCE - Decimal("0.12")


@pytest.mark.parametrize("after", [False, True])
async def test_connection_reset(api: Api, panel: Panel, after: bool) -> None:
    """The connection closes without an answer, before or after the effect."""
    panel.faults.inject(Fault.CONNECTION_RESET, action="add", after=after)

    with pytest.raises(aiohttp.ClientConnectionError):
        await api("add", service=1, link=LINK, quantity=100)

    assert len(panel.orders) == int(after)
    assert (await api("balance")).status == 200


@pytest.mark.parametrize("after", [False, True])
async def test_timeout(api: Api, panel: Panel, after: bool) -> None:
    """The panel stalls until the client gives up."""
    panel.faults.inject(Fault.TIMEOUT, action="add", after=after, seconds=30)

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await api.post(
            {
                "key": API_KEY,
                "action": "add",
                "service": 1,
                "link": LINK,
                "quantity": 100,
            },
            give_up_after=0.3,
        )

    assert time.monotonic() - started < 5
    assert len(panel.orders) == int(after)


async def test_timeout_then_the_connection_drops(api: Api, panel: Panel) -> None:
    """A client that waits longer than the stall sees the connection drop."""
    panel.faults.inject(Fault.TIMEOUT, action="balance", seconds=0.1)

    with pytest.raises(aiohttp.ClientConnectionError):
        await api("balance")


async def test_shutdown_releases_stalled_requests(
    http: aiohttp.ClientSession, panel: Panel
) -> None:
    """Stopping the server does not wait for a stalled request."""
    panel.faults.inject(Fault.TIMEOUT, seconds=60)
    async with run_simulator(panel) as running:
        request = asyncio.create_task(Api(http, running.url)("balance"))
        done, _ = await asyncio.wait({request}, timeout=0.3)
        assert not done
        assert panel.request_counts["balance"] == 1
        started = time.monotonic()
    assert time.monotonic() - started < 3
    with pytest.raises(aiohttp.ClientConnectionError):
        await request


async def test_latency(api: Api, panel: Panel) -> None:
    """Latency delays a normal answer."""
    panel.faults.inject(Fault.LATENCY, action="balance", seconds=0.3)

    started = time.monotonic()
    answer = await api("balance")

    assert time.monotonic() - started >= 0.3
    assert answer.json["currency"] == "USD"


async def test_invalid_json(api: Api, panel: Panel) -> None:
    """The body claims to be JSON but is cut off."""
    panel.faults.inject(Fault.INVALID_JSON)

    answer = await api("balance")

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        _ = answer.json


async def test_wrong_shape(api: Api, panel: Panel) -> None:
    """Valid JSON, but not what the action answers."""
    panel.faults.inject(Fault.WRONG_SHAPE, action="balance")
    assert (await api("balance")).json == [{"unexpected": "shape"}]


async def test_rate_limit_fault(api: Api, panel: Panel) -> None:
    """429 with Retry-After and X-RateLimit-* headers."""
    panel.faults.inject(Fault.RATE_LIMIT, seconds=7)

    answer = await api("balance")

    assert answer.status == 429
    assert answer.json == {"error": "Rate limit exceeded. Slow down."}
    assert answer.headers["Retry-After"] == "7"
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert answer.headers["X-RateLimit-Limit"] == "100"
    assert answer.headers["X-RateLimit-Reset"] == "7"


async def test_key_revoked_fault(api: Api, panel: Panel) -> None:
    """The request is refused as if the key were revoked; later ones pass."""
    panel.faults.inject(Fault.KEY_REVOKED, action="balance")

    assert (await api("balance")).json == {"error": "Invalid API key"}
    assert (await api("balance")).json["currency"] == "USD"


async def test_scripted_faults_times_and_action(api: Api, panel: Panel) -> None:
    """A scripted fault hits the next `times` requests of its action only."""
    panel.faults.inject(Fault.HTTP_503, action="balance", times=2)

    statuses = [(await api("balance")).status for _ in range(3)]
    services = await api("services")

    assert statuses == [503, 503, 200]
    assert services.status == 200
    assert not panel.faults.rules


async def test_scripted_fault_without_limit_until_cleared(
    api: Api, panel: Panel
) -> None:
    """`times=None` hits every matching request until the faults are cleared."""
    panel.faults.inject(Fault.HTTP_502, times=None)

    statuses = [(await api("balance")).status for _ in range(3)]
    panel.faults.clear()

    assert statuses == [502, 502, 502]
    assert (await api("balance")).status == 200


@pytest.mark.parametrize("fault", [Fault.HTTP_500, Fault.TIMEOUT])
async def test_only_the_catalogue_fails(api: Api, panel: Panel, fault: Fault) -> None:
    """A fault on `services` alone, for good: the catalogue call answers 500 or stalls
    every time while the balance and order statuses answer normally."""
    order_id = panel.create_order(1, link=LINK, quantity=100)
    panel.faults.inject(fault, action="services", times=None, seconds=30)

    for _ in range(3):
        if fault is Fault.HTTP_500:
            assert (await api("services")).status == 500
        else:
            with pytest.raises(TimeoutError):
                await api.post({"key": API_KEY, "action": "services"}, give_up_after=2)
        balance = await api("balance")
        status = await api("status", order=order_id)
        assert (balance.status, balance.json["currency"]) == (200, "USD")
        assert (status.status, status.json["status"]) == (200, "Pending")

    assert panel.faults.rules == (
        FaultRule(fault=fault, action="services", times=None, seconds=30),
    )
    assert panel.request_counts == {"services": 3, "balance": 3, "status": 3}


@pytest.mark.parametrize(
    "fault",
    [
        Fault.CATALOGUE_EMPTY_LIST,
        Fault.CATALOGUE_EMPTY_DATA,
        Fault.CATALOGUE_UNREADABLE,
    ],
)
async def test_catalogue_faults_answer_services_only(
    api: Api, http: aiohttp.ClientSession, panel: Panel, panel_url: str, fault: Fault
) -> None:
    """Switched on through the control API without an action, a catalogue fault
    answers the next `services` request as a panel under maintenance does; the
    balance answers meanwhile, and the catalogue after it."""
    async with http.post(
        control_url(panel_url, "faults"), json={"fault": str(fault)}
    ) as response:
        assert response.status == 201

    balance = await api("balance")
    faulted = (await api("services")).json
    catalogue = (await api("services")).json

    assert balance.json["currency"] == "USD"
    assert [row["service"] for row in catalogue] == list(panel.services)
    match fault:
        case Fault.CATALOGUE_EMPTY_LIST:
            assert faulted == []
        case Fault.CATALOGUE_EMPTY_DATA:
            assert faulted == {"status": "success", "data": "Empty Data"}
        case Fault.CATALOGUE_UNREADABLE:
            assert faulted == [row | {"rate": None} for row in catalogue]
    assert not panel.faults.rules


async def test_catalogue_fault_in_the_panels_dialect(api: Api, panel: Panel) -> None:
    """Unreadable rows are the dialect's rows: here ids, counts and flags as text."""
    panel.dialect = frozenset({Quirk.STRING_IDS, Quirk.STRING_FLAGS})
    panel.faults.inject(Fault.CATALOGUE_UNREADABLE)

    first = (await api("services")).json[0]

    assert first["service"] == "1"
    assert (first["refill"], first["rate"]) == ("1", None)


async def test_faults_by_rate(api: Api, panel: Panel) -> None:
    """A rate fault hits a seeded share of the requests."""
    panel.faults.inject(Fault.HTTP_500, action="status", rate=0.5)
    order_id = panel.create_order(1, link=LINK, quantity=100)

    statuses = [(await api("status", order=order_id)).status for _ in range(40)]

    assert 8 <= statuses.count(500) <= 32
    assert statuses.count(200) == 40 - statuses.count(500)


def test_fault_rates_are_seeded() -> None:
    """The same seed hits the same requests; the share follows the rate."""
    runs = []
    for _ in range(2):
        faults = Faults(seed=3)
        faults.inject(Fault.TIMEOUT, rate=0.2)
        runs.append([faults.pick("status") is not None for _ in range(2000)])

    assert runs[0] == runs[1]
    assert 300 <= sum(runs[0]) <= 500
    never = Faults()
    never.inject(Fault.TIMEOUT, rate=0.0)
    assert never.pick("add") is None


@pytest.mark.parametrize(
    "options",
    [{"rate": 1.5}, {"rate": -0.1}, {"times": 0}, {"seconds": -1.0}],
)
def test_fault_rule_validation(options: dict[str, Any]) -> None:
    """Impossible rules are refused."""
    with pytest.raises(ValueError):
        FaultRule(fault=Fault.TIMEOUT, **options)


async def test_panel_rate_limit(
    http: aiohttp.ClientSession,
) -> None:
    """Over the per-minute limit, the panel answers 429 until the window moves on."""
    panel = Panel(api_key=API_KEY, rate_limit_per_minute=3)
    async with run_simulator(panel) as running:
        api = Api(http, running.url)
        answers = [await api("balance") for _ in range(4)]
        panel.advance(20)
        throttled = await api("balance")
        panel.advance(40)
        recovered = await api("balance")

    assert [answer.status for answer in answers] == [200, 200, 200, 429]
    assert answers[3].json == {"error": "Rate limit exceeded. Slow down."}
    assert answers[3].headers["Retry-After"] == "60"
    assert answers[3].headers["X-RateLimit-Limit"] == "3"
    assert (throttled.status, throttled.headers["Retry-After"]) == (429, "40")
    assert recovered.status == 200


# --- Request counts and control API ----------------------------------------------


async def test_request_counts(api: Api, panel: Panel) -> None:
    """Every request is counted under its action, faulted and invalid ones too."""
    panel.faults.inject(Fault.HTTP_500, action="status")
    await api("balance")
    await api.post({"key": "wrong", "action": "balance"})
    await api("status", order=1)
    await api("mystery")
    await api("add", service=999)

    assert panel.request_counts == {
        "balance": 2,
        "status": 1,
        "mystery": 1,
        "add": 1,
    }


async def test_control_advance_and_state(
    http: aiohttp.ClientSession, panel: Panel, panel_url: str
) -> None:
    """The control API moves time and shows the panel's state."""
    order_id = panel.create_order(1, link=LINK, quantity=100)
    now = panel.clock.now()

    async with http.post(
        control_url(panel_url, "advance"), json={"seconds": 90}
    ) as response:
        assert await response.json() == {"now": now + 90}
    async with http.get(control_url(panel_url, "state")) as response:
        state = await response.json()

    assert state["balance"] == "999.88"
    assert state["currency"] == "USD"
    assert state["request_counts"] == {}
    assert state["orders"] == [
        {
            "order": order_id,
            "service": 1,
            "link": LINK,
            "quantity": 100,
            "charge": "0.12",
            "status": "In progress",
            "remains": panel.orders[order_id].remains,
            "start_count": panel.orders[order_id].start_count,
        }
    ]
    assert state["refills"] == []
    assert state["removed_services"] == []


async def test_control_faults(
    api: Api, http: aiohttp.ClientSession, panel: Panel, panel_url: str
) -> None:
    """Faults can be injected and cleared over the control API."""
    spec = {"fault": "http_503", "action": "balance", "times": None, "seconds": 1}
    async with http.post(control_url(panel_url, "faults"), json=spec) as response:
        assert response.status == 201
    assert panel.faults.rules == (
        FaultRule(fault=Fault.HTTP_503, action="balance", times=None, seconds=1.0),
    )
    assert (await api("balance")).status == 503

    async with http.delete(control_url(panel_url, "faults")) as response:
        assert response.status == 200
    assert (await api("balance")).status == 200


@pytest.mark.parametrize(
    ("spec", "times"),
    [
        ({"fault": "http_500", "action": "services", "times": None}, None),
        ({"fault": "http_500", "action": "services"}, 1),
        ({"fault": "http_500", "action": "services", "times": 2}, 2),
    ],
    ids=["times_null_is_unlimited", "no_times_is_once", "times_2"],
)
async def test_control_fault_on_services_only(
    api: Api,
    http: aiohttp.ClientSession,
    panel: Panel,
    panel_url: str,
    spec: dict[str, Any],
    times: int | None,
) -> None:
    """`"times": null` fails every `services` request until cleared; an absent
    "times" fails the next one only. Other actions answer meanwhile."""
    async with http.post(control_url(panel_url, "faults"), json=spec) as response:
        assert response.status == 201
    assert panel.faults.rules == (
        FaultRule(fault=Fault.HTTP_500, action="services", times=times),
    )

    statuses = []
    for _ in range(4):
        statuses.append((await api("services")).status)
        assert (await api("balance")).status == 200

    failures = 4 if times is None else times
    assert statuses == [500] * failures + [200] * (4 - failures)
    assert bool(panel.faults.rules) == (times is None)


def test_deposit_credits_the_balance(panel: Panel) -> None:
    """A deposit adds exactly its amount to the balance; refunds still come on top."""
    order_id = panel.create_order(1, link=LINK, quantity=100)
    panel.request_cancel(order_id)

    assert panel.deposit(Decimal("25.005")) == PANEL_BALANCE - Decimal(
        "0.12"
    ) + Decimal("25.005")
    panel.advance(CANCEL_DELAY_SECONDS)
    assert panel.balance == PANEL_BALANCE + Decimal("25.005")


@pytest.mark.parametrize(
    "amount", [Decimal(0), Decimal(-1), Decimal("NaN"), Decimal("Infinity"), 5]
)
def test_deposit_refuses_what_is_not_a_positive_amount(
    panel: Panel, amount: Any
) -> None:
    """Only a positive, finite Decimal is a deposit; the balance stays as it was."""
    with pytest.raises(ValueError, match="positive amount"):
        panel.deposit(amount)
    assert panel.balance == PANEL_BALANCE


@pytest.mark.parametrize(
    ("amount", "credited"),
    [
        ("25.00", "25.00"),
        (" 0.1 ", "0.1"),
        (0.1, "0.1"),
        (7, "7"),
        ("1e2", "1E+2"),
        ("999999999999.99", "999999999999.99"),
    ],
)
async def test_control_deposit(
    api: Api,
    http: aiohttp.ClientSession,
    panel: Panel,
    panel_url: str,
    amount: str | float,
    credited: str,
) -> None:
    """The control API credits a deposit exactly; the API's balance shows it."""
    async with http.post(
        control_url(panel_url, "deposit"), json={"amount": amount}
    ) as response:
        assert response.status == 200
        answer = await response.json()

    expected = PANEL_BALANCE + Decimal(credited)
    assert answer == {"amount": credited, "balance": str(expected), "currency": "USD"}
    assert panel.balance == expected
    assert Decimal((await api("balance")).json["balance"]) == expected


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "0"},
        {"amount": "-5"},
        {"amount": -5},
        {"amount": 0},
        {"amount": "ten"},
        {"amount": ""},
        {"amount": "NaN"},
        {"amount": "Infinity"},
        {"amount": "1e9999999"},
        {"amount": "1000000000000"},
        {"amount": True},
        {"amount": None},
        {"amount": ["5"]},
        {},
        ["5"],
    ],
)
async def test_control_deposit_refuses_bad_amounts(
    http: aiohttp.ClientSession, panel: Panel, panel_url: str, body: Any
) -> None:
    """A deposit that is not a positive amount gets 400 and changes nothing."""
    async with http.post(control_url(panel_url, "deposit"), json=body) as response:
        assert response.status == 400
        assert "amount" in await response.text() or "JSON object" in (
            await response.text()
        )
    assert panel.balance == PANEL_BALANCE


async def test_control_deposit_refuses_non_finite_json_numbers(
    http: aiohttp.ClientSession, panel: Panel, panel_url: str
) -> None:
    """JSON's NaN and Infinity extensions are not amounts either."""
    for text in ('{"amount": NaN}', '{"amount": Infinity}', '{"amount": 1e400}'):
        async with http.post(
            control_url(panel_url, "deposit"),
            data=text,
            headers={"Content-Type": "application/json"},
        ) as response:
            assert response.status == 400, text
    assert panel.balance == PANEL_BALANCE


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("faults", {"fault": "meteor"}),
        ("faults", {"fault": "timeout", "rate": 2}),
        ("faults", {"fault": "timeout", "colour": "red"}),
        ("faults", {"fault": "timeout", "times": "twice"}),
        ("faults", {"fault": "catalogue_empty_list", "action": "status"}),
        ("faults", ["timeout"]),
        ("advance", {"seconds": -1}),
        ("advance", {"seconds": "soon"}),
        ("advance", "not json"),
        ("deposit", "not json"),
    ],
)
async def test_control_refuses_bad_requests(
    http: aiohttp.ClientSession, panel_url: str, endpoint: str, body: Any
) -> None:
    """Malformed control requests get 400."""
    payload = {"data": body} if isinstance(body, str) else {"json": body}
    async with http.post(control_url(panel_url, endpoint), **payload) as response:
        assert response.status == 400


# --- Catalogue changes -------------------------------------------------------------

NEW_SERVICE = {
    "name": "Threads Followers",
    "category": "Threads",
    "rate": "3.25",
    "min": 100,
    "max": 5000,
}


async def control(
    http: aiohttp.ClientSession,
    panel_url: str,
    method: str,
    endpoint: str,
    body: Any = None,
) -> Answer:
    """Send one control request, with a JSON body unless it is None."""
    async with http.request(
        method, control_url(panel_url, endpoint), json=body
    ) as response:
        return Answer(response.status, response.headers, await response.text())


def catalogue_ids(panel: Panel) -> list[int]:
    """Return the ids of the offered services, in the order `services` lists them."""
    return list(panel.services)


def test_update_service(panel: Panel) -> None:
    """A change replaces the service in place; orders keep the service they bought."""
    order_id = panel.create_order(1, link=LINK, quantity=1000)
    before = panel.services[1]

    updated = panel.update_service(
        1,
        rate=Decimal("1.35"),
        min_quantity=100,
        max_quantity=500,
        name="Renamed",
        category="Moved",
        type=ServiceType.PACKAGE,
        refill=False,
        cancel=False,
        dripfeed=False,
        description="Now a package",
    )

    assert updated == replace(
        before,
        rate=Decimal("1.35"),
        min_quantity=100,
        max_quantity=500,
        name="Renamed",
        category="Moved",
        type=ServiceType.PACKAGE,
        refill=False,
        cancel=False,
        dripfeed=False,
        description="Now a package",
    )
    assert panel.services[1] is updated
    assert catalogue_ids(panel) == [*range(1, 23), 101, 102]
    assert panel.orders[order_id].service is before
    assert panel.update_service(2) == panel.services[2]


def test_update_service_refusals(panel: Panel) -> None:
    """Unknown or removed services, a minimum over the maximum and non-positive rates
    are refused; the service stays as it was."""
    before = panel.services[1]
    panel.remove_service(2)

    with pytest.raises(KeyError):
        panel.update_service(999, rate=Decimal(1))
    with pytest.raises(KeyError):
        panel.update_service(2, rate=Decimal(1))
    with pytest.raises(ValueError, match="minimum 20000"):
        panel.update_service(1, min_quantity=20000)
    with pytest.raises(ValueError, match="maximum 10"):
        panel.update_service(1, max_quantity=10)
    with pytest.raises(ValueError, match="minimum 0"):
        panel.update_service(1, min_quantity=0)
    for rate in (Decimal(0), Decimal(-1), Decimal("NaN")):
        with pytest.raises(ValueError, match="positive amount"):
            panel.update_service(1, rate=rate)
    assert panel.services[1] is before
    assert panel.update_service(1, min_quantity=10000).min_quantity == 10000


async def test_remove_and_restore_service(api: Api, panel: Panel) -> None:
    """A removed service leaves the catalogue, its orders go on, and it comes back in
    its place."""
    order_id = panel.create_order(3, link=LINK, quantity=100)
    service = panel.services[3]

    assert panel.remove_service(3) is service
    assert panel.removed_services == {3: service}
    assert 3 not in {row["service"] for row in (await api("services")).json}
    added = await api("add", service=3, link=f"{LINK}/2", quantity=100)
    assert added.json == {"error": "Incorrect service ID"}
    status = await api("status", order=order_id)
    assert (status.status, status.json["status"]) == (200, "Pending")
    panel.advance(FOREVER)
    assert (await api("status", order=order_id)).json["status"] in {
        "Completed",
        "Partial",
    }
    with pytest.raises(KeyError):
        panel.remove_service(3)

    assert panel.restore_service(3) is service
    assert panel.removed_services == {}
    assert catalogue_ids(panel) == [*range(1, 23), 101, 102]
    assert (await api("add", service=3, link=f"{LINK}/2", quantity=100)).status == 200
    with pytest.raises(KeyError):
        panel.restore_service(3)
    with pytest.raises(KeyError):
        panel.restore_service(999)


async def test_add_service(api: Api, panel: Panel) -> None:
    """A new service is listed in id order and sold at its rate."""
    new = Service(
        service_id=50,
        name="Threads Followers",
        type=ServiceType.DEFAULT,
        category="Threads",
        rate=Decimal("3.25"),
        min_quantity=100,
        max_quantity=5000,
    )

    assert panel.add_service(new) is new
    assert catalogue_ids(panel) == [*range(1, 23), 50, 101, 102]
    order_id = (await api("add", service=50, link=LINK, quantity=200)).json["order"]
    assert panel.orders[order_id].charge == Decimal("0.65")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"service_id": 1}, "service 1 already exists"),
        ({"service_id": 2}, "service 2 already exists"),
        ({"min_quantity": 6000, "max_quantity": 5000}, "minimum 6000"),
        ({"rate": Decimal(0)}, "positive amount"),
    ],
)
def test_add_service_refusals(
    panel: Panel, changes: dict[str, Any], message: str
) -> None:
    """An id offered or removed, a minimum over the maximum or a rate of zero is
    refused, and the catalogue stays as it was."""
    panel.remove_service(2)
    service = replace(panel.services[1], **{"service_id": 50, **changes})

    with pytest.raises(ValueError, match=message):
        panel.add_service(service)
    assert catalogue_ids(panel) == [1, *range(3, 23), 101, 102]


async def test_control_update_service(
    api: Api, http: aiohttp.ClientSession, panel: Panel, panel_url: str
) -> None:
    """PATCH changes a service; it answers and `services` lists it as changed."""
    body = {
        "rate": "1.35",
        "min": 100,
        "max": 500,
        "name": "Renamed",
        "category": "Moved",
        "type": "Package",
        "refill": False,
        "cancel": False,
        "dripfeed": False,
    }

    answer = await control(http, panel_url, "PATCH", "services/1", body)

    row = {
        "service": 1,
        "name": "Renamed",
        "type": "Package",
        "category": "Moved",
        "rate": "1.35",
        "min": "100",
        "max": "500",
        "refill": False,
        "cancel": False,
        "dripfeed": False,
    }
    assert (answer.status, answer.json) == (200, row)
    assert (await api("services")).json[0] == row
    assert panel.services[1].rate == Decimal("1.35")


@pytest.mark.parametrize(
    ("rate", "listed"),
    [("1.35", "1.35"), (" 0.1 ", "0.1"), (0.1, "0.1"), (2, "2"), ("1e2", "1E+2")],
)
async def test_control_update_rate_exactly(
    api: Api,
    http: aiohttp.ClientSession,
    panel_url: str,
    rate: str | float,
    listed: str,
) -> None:
    """A rate as text or a number is read exactly; the rest stays as it was."""
    answer = await control(http, panel_url, "PATCH", "services/2", {"rate": rate})

    assert answer.status == 200
    row = (await api("services")).json[1]
    assert row == answer.json
    assert (row["rate"], row["min"], row["max"]) == (listed, "10", "5000")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"rate": "0"}, '"rate" must be a positive amount'),
        ({"rate": -1}, '"rate" must be a positive amount'),
        ({"rate": "cheap"}, '"rate" must be a positive amount'),
        ({"rate": "NaN"}, '"rate" must be a positive amount'),
        ({"rate": True}, '"rate" must be a positive amount'),
        ({"rate": None}, '"rate" must be a positive amount'),
        ({"min": 20000}, "minimum 20000"),
        ({"min": 500, "max": 100}, "minimum 500"),
        ({"max": 10}, "maximum 10"),
        ({"min": 0}, '"min" must be a positive integer'),
        ({"max": "100"}, '"max" must be a positive integer'),
        ({"min": 1.5}, '"min" must be a positive integer'),
        ({"name": ""}, '"name" must be non-empty text'),
        ({"category": 7}, '"category" must be non-empty text'),
        ({"type": "Bogus"}, '"type" must be one of'),
        ({"refill": "yes"}, '"refill" must be true or false'),
        ({"dripfeed": 1}, '"dripfeed" must be true or false'),
        ({"desc": "new"}, "unknown fields ['desc']"),
        (["rate"], "JSON object"),
        ("not json", "must be JSON"),
    ],
)
async def test_control_update_service_refuses_bad_bodies(
    http: aiohttp.ClientSession, panel: Panel, panel_url: str, body: Any, message: str
) -> None:
    """A bad change gets 400 with what is wrong; the service stays as it was."""
    before = panel.services[1]
    payload = {"data": body} if isinstance(body, str) else {"json": body}

    async with http.patch(control_url(panel_url, "services/1"), **payload) as response:
        assert response.status == 400
        assert message in await response.text()
    assert panel.services[1] is before


@pytest.mark.parametrize(
    ("method", "endpoint", "message"),
    [
        ("PATCH", "services/999", "service 999 is not offered"),
        ("PATCH", "services/2", "service 2 is not offered"),
        ("DELETE", "services/999", "service 999 is not offered"),
        ("DELETE", "services/2", "service 2 is not offered"),
        ("POST", "services/999/restore", "service 999 was not removed"),
        ("POST", "services/1/restore", "service 1 was not removed"),
        ("PATCH", "services/one", "404: Not Found"),
    ],
)
async def test_control_service_not_found(
    http: aiohttp.ClientSession,
    panel: Panel,
    panel_url: str,
    method: str,
    endpoint: str,
    message: str,
) -> None:
    """Unknown services, and changes to removed ones, get 404."""
    panel.remove_service(2)

    answer = await control(http, panel_url, method, endpoint, {"rate": "1"})

    assert (answer.status, answer.text) == (404, message)
    assert sorted(panel.removed_services) == [2]


async def test_control_remove_and_restore_service(
    api: Api, http: aiohttp.ClientSession, panel: Panel, panel_url: str
) -> None:
    """DELETE takes a service off `services` and `add`; its orders still answer;
    restore brings it back in its place."""
    order_id = panel.create_order(1, link=LINK, quantity=100)
    row = (await api("services")).json[0]

    removed = await control(http, panel_url, "DELETE", "services/1")

    assert (removed.status, removed.json) == (200, row)
    assert [row["service"] for row in (await api("services")).json] == [
        *range(2, 23),
        101,
        102,
    ]
    added = await api("add", service=1, link=f"{LINK}/2", quantity=100)
    assert added.json == {"error": "Incorrect service ID"}
    status = await api("status", order=order_id)
    assert (status.status, status.json["status"]) == (200, "Pending")
    state = await control(http, panel_url, "GET", "state")
    assert state.json["removed_services"] == [1]
    assert [order["service"] for order in state.json["orders"]] == [1]

    restored = await control(http, panel_url, "POST", "services/1/restore")

    assert (restored.status, restored.json) == (200, row)
    assert (await api("services")).json[0] == row
    added = await api("add", service=1, link=f"{LINK}/2", quantity=100)
    assert added.status == 200
    assert "order" in added.json
    state = await control(http, panel_url, "GET", "state")
    assert state.json["removed_services"] == []


async def test_control_add_service(
    api: Api, http: aiohttp.ClientSession, panel: Panel, panel_url: str
) -> None:
    """POST offers a new service, by default of type Default, without refill, cancel
    or drip-feed, under the id after every offered or removed one."""
    panel.remove_service(102)

    answer = await control(http, panel_url, "POST", "services", NEW_SERVICE)

    row = {
        "service": 103,
        "name": "Threads Followers",
        "type": "Default",
        "category": "Threads",
        "rate": "3.25",
        "min": "100",
        "max": "5000",
        "refill": False,
        "cancel": False,
        "dripfeed": False,
    }
    assert (answer.status, answer.json) == (201, row)
    assert (await api("services")).json[-1] == row
    order = await api("add", service=103, link=LINK, quantity=200)
    assert panel.orders[order.json["order"]].charge == Decimal("0.65")


async def test_control_add_service_with_every_field(
    api: Api, http: aiohttp.ClientSession, panel_url: str
) -> None:
    """An id and every field can be chosen; the service is listed in id order."""
    body = NEW_SERVICE | {
        "service": 50,
        "rate": 0.5,
        "type": "Package",
        "refill": True,
        "cancel": True,
        "dripfeed": True,
    }

    answer = await control(http, panel_url, "POST", "services", body)

    assert (answer.status, answer.json["service"]) == (201, 50)
    rows = (await api("services")).json
    assert [row["service"] for row in rows][21:24] == [22, 50, 101]
    assert rows[22] == answer.json
    assert (rows[22]["rate"], rows[22]["type"]) == ("0.5", "Package")
    assert (rows[22]["refill"], rows[22]["cancel"], rows[22]["dripfeed"]) == (
        True,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (NEW_SERVICE | {"service": 1}, "service 1 already exists"),
        (NEW_SERVICE | {"service": 2}, "service 2 already exists"),
        (NEW_SERVICE | {"service": 0}, '"service" must be a positive integer'),
        (NEW_SERVICE | {"service": "60"}, '"service" must be a positive integer'),
        (NEW_SERVICE | {"service": True}, '"service" must be a positive integer'),
        (NEW_SERVICE | {"min": 6000}, "minimum 6000"),
        (NEW_SERVICE | {"rate": "0"}, '"rate" must be a positive amount'),
        (NEW_SERVICE | {"rate": "free"}, '"rate" must be a positive amount'),
        (NEW_SERVICE | {"type": "default"}, '"type" must be one of'),
        (NEW_SERVICE | {"colour": "red"}, "unknown fields ['colour']"),
        ({"name": "Threads", "rate": "1"}, "missing fields ['category', 'max', 'min']"),
        ([NEW_SERVICE], "JSON object"),
    ],
)
async def test_control_add_service_refuses_bad_bodies(
    http: aiohttp.ClientSession, panel: Panel, panel_url: str, body: Any, message: str
) -> None:
    """Duplicate ids, including removed ones, and bad fields get 400; nothing is
    added."""
    panel.remove_service(2)

    answer = await control(http, panel_url, "POST", "services", body)

    assert answer.status == 400
    assert message in answer.text
    assert catalogue_ids(panel) == [1, *range(3, 23), 101, 102]
    assert list(panel.removed_services) == [2]


# --- Clocks and the command line -----------------------------------------------------


def test_clocks() -> None:
    """The manual clock moves only when told; the real-time one runs faster."""
    manual = ManualClock(start=100.0)
    manual.advance(5)
    assert manual.now() == 105.0
    with pytest.raises(ValueError):
        manual.advance(-1)

    fast = RealTimeClock(speed=1000)
    before = fast.now()
    time.sleep(0.01)
    assert fast.now() - before >= 10
    fast.advance(3600)
    assert fast.now() - before >= 3610
    with pytest.raises(ValueError):
        RealTimeClock(speed=0)


def test_cli_defaults() -> None:
    """Without arguments the simulator serves a standard panel on 127.0.0.1:8321."""
    options = parse_args([])
    assert (options.host, options.port, options.key) == ("127.0.0.1", 8321, "demo-key")
    assert (options.dialect, options.speed, options.faults) == (STANDARD, 1.0, ())


def test_cli_options() -> None:
    """Every option reaches the panel."""
    options = parse_args(
        [
            "--port=0",
            "--key=k",
            "--seed=1",
            "--balance=100.5",
            "--currency=EUR",
            "--dialect=clone",
            "--speed=60",
            "--rate-limit=120",
            "--fault=status:timeout:0.2",
            "--fault=add:connection_reset:after",
        ]
    )
    panel = build_panel(options)

    assert (panel.api_key, panel.currency, panel.balance) == (
        "k",
        "EUR",
        Decimal("100.5"),
    )
    assert panel.dialect == CLONE
    assert panel.rate_limit_per_minute == 120
    assert isinstance(panel.clock, RealTimeClock)
    assert panel.faults.rules == (
        FaultRule(fault=Fault.TIMEOUT, action="status", rate=0.2),
        FaultRule(fault=Fault.CONNECTION_RESET, action="add", after=True),
    )


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("*:http_503:times=3", FaultRule(fault=Fault.HTTP_503, times=3)),
        (
            "balance:latency:always:seconds=2",
            FaultRule(fault=Fault.LATENCY, action="balance", times=None, seconds=2.0),
        ),
        (":key_revoked", FaultRule(fault=Fault.KEY_REVOKED)),
        (
            "services:http_500:always",
            FaultRule(fault=Fault.HTTP_500, action="services", times=None),
        ),
        (
            "services:timeout:always",
            FaultRule(fault=Fault.TIMEOUT, action="services", times=None),
        ),
    ],
)
def test_cli_fault_syntax(text: str, rule: FaultRule) -> None:
    """The --fault syntax of the help text."""
    assert parse_fault(text) == rule


@pytest.mark.parametrize(
    "text",
    [
        "status:meteor",
        "status:timeout:often",
        "add:timeout:1.5",
        "add:timeout:times=0",
        "balance:catalogue_unreadable",
    ],
)
def test_cli_refuses_bad_faults(text: str) -> None:
    """Bad --fault values are usage errors."""
    with pytest.raises(argparse.ArgumentTypeError):
        parse_fault(text)
    with pytest.raises(SystemExit):
        parse_args(["--fault", text])


@pytest.mark.parametrize(
    "stop_signal", [signal.SIGINT, signal.SIGTERM], ids=lambda stop: stop.name
)
async def test_cli_serves_until_interrupted(
    socket_enabled: None, stop_signal: signal.Signals
) -> None:
    """`python -m panel_simulator` prints its URL and key, serves, and exits on Ctrl-C.

    Also when started in the background by a script, which starts it with SIGINT
    ignored (the shell's `trap '' INT` does the same), and on SIGTERM.
    """
    process = await asyncio.create_subprocess_exec(
        "/bin/sh",
        "-c",
        'trap "" INT; exec "$@"',
        "sh",
        sys.executable,
        "-m",
        "panel_simulator",
        "--port=0",
        "--key=cli-key",
        "--balance=42",
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    lines = [(await process.stdout.readline()).decode() for _ in range(3)]
    url = lines[1].split()[-1]
    try:
        assert lines[2].split()[-1] == "cli-key"
        async with aiohttp.ClientSession() as http:
            answer = await Api(http, url).post({"key": "cli-key", "action": "balance"})
        assert answer.json == {"balance": "42.00000", "currency": "USD"}
    finally:
        process.send_signal(stop_signal)
        assert await asyncio.wait_for(process.wait(), 10) == 0


def test_cli_help_names_the_control_api() -> None:
    """`--help` tells how to move the clock, credit a deposit and change services."""
    help_text = build_parser().format_help()
    assert "/_simulator/advance" in help_text
    assert '/_simulator/deposit  {"amount": "25.00"}' in help_text
    assert "POST   /_simulator/services  " in help_text
    assert 'PATCH  /_simulator/services/ID  {"rate": "1.35"' in help_text
    assert "DELETE /_simulator/services/ID  " in help_text
    assert "POST   /_simulator/services/ID/restore  " in help_text
