"""Tests for the SMM Panel actions, through real service calls against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
import json
import math
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.script import Script
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.smmpanel import services as smm_services
from custom_components.smmpanel.action_errors import INPUT_ERROR_REASONS
from custom_components.smmpanel.api import ErrorReason, classify_error
from custom_components.smmpanel.const import CONF_MAX_ORDER_COST, DOMAIN
from panel_simulator import errors
from panel_simulator.dialects import Dialect
from panel_simulator.faults import Fault
from panel_simulator.orders import OrderStatus as PanelOrderStatus
from panel_simulator.panel import Panel

from .const import API_KEY
from .helpers import (
    async_set_options,
    call,
    load_catalogue,
    order_sensor_ids,
    state_of,
    stored_tracking,
)

COMPONENT = Path(__file__).parent.parent / "custom_components" / DOMAIN
TRANSLATIONS: dict[str, Any] = json.loads(
    (COMPONENT / "translations" / "en.json").read_text(encoding="utf-8")
)
LINK = "https://www.instagram.com/p/abc123/"
FIVE_COMMENTS = ["Nice!", "Great shot", "Wow", "Love it", "Top"]
TEN_COMMENTS = [f"Comment {n}" for n in range(10)]
TEN_USERS = [f"user{n}" for n in range(10)]


@pytest.fixture(autouse=True)
async def _settle(hass: HomeAssistant) -> Any:
    """Let every refresh and save an action started finish before teardown."""
    yield
    await hass.async_block_till_done(wait_background_tasks=True)


def _assert_translated(
    error: HomeAssistantError, key: str, placeholders: dict[str, str] | None = None
) -> None:
    """Check an error's translation, and that its text exists with its placeholders."""
    assert error.translation_domain == DOMAIN
    assert error.translation_key == key
    given = error.translation_placeholders or {}
    if placeholders is not None:
        assert given == placeholders
    message = TRANSLATIONS["exceptions"][key]["message"]
    assert set(re.findall(r"{(\w+)}", message)) == set(given)


@pytest.fixture
def panel_orders_unchanged(panel: Panel) -> Iterator[None]:
    """Assert that nothing reached the panel's `add`."""
    yield
    assert panel.request_counts["add"] == 0
    assert panel.orders == {}


# --- add_order: successes -------------------------------------------------------------


def _sent(data: dict[str, Any]) -> dict[str, str]:
    """Return the form the panel should receive for simple field values."""
    return {
        key: "\n".join(value) if isinstance(value, list) else str(value)
        for key, value in data.items()
    }


EXPIRY = date(2099, 12, 31)
ORDER_CASES = [
    # service, fields, estimated charge, panel quantity, panel charge, form received
    pytest.param(
        1, {"link": LINK, "quantity": 1000}, 1.2, 1000, "1.2", None, id="default"
    ),
    pytest.param(
        1,
        {"link": LINK, "quantity": 100, "runs": 5, "interval": 30},
        0.6,
        500,
        "0.6",
        None,
        id="drip_feed",
    ),
    pytest.param(4, {"link": LINK}, 2.5, 1000, "2.5", None, id="package"),
    pytest.param(
        5,
        {"link": LINK, "comments": "Nice!\n\n  Great shot  \r\nWow\nLove it\nTop\n"},
        0.075,
        5,
        "0.075",
        {"link": LINK, "comments": "Nice!\nGreat shot\nWow\nLove it\nTop"},
        id="custom_comments",
    ),
    pytest.param(
        5,
        {"link": LINK, "comments": FIVE_COMMENTS, "quantity": 5},
        0.075,
        5,
        "0.075",
        {"link": LINK, "comments": "\n".join(FIVE_COMMENTS)},
        id="custom_comments_matching_quantity",
    ),
    pytest.param(
        6,
        {"link": LINK, "comments": TEN_COMMENTS},
        0.2,
        10,
        "0.2",
        None,
        id="custom_comments_package",
    ),
    pytest.param(
        7,
        {"link": LINK, "quantity": 100, "usernames": ["alice", "bob"]},
        0.6,
        100,
        "0.6",
        None,
        id="mentions",
    ),
    pytest.param(
        8,
        {
            "link": LINK,
            "quantity": 200,
            "usernames": "alice\nbob",
            "hashtags": "#sun\n#sea",
        },
        1.6,
        200,
        "1.6",
        None,
        id="mentions_with_hashtags",
    ),
    pytest.param(
        9,
        {"link": LINK, "usernames": TEN_USERS},
        0.1,
        10,
        "0.1",
        None,
        id="mentions_custom_list",
    ),
    pytest.param(
        10,
        {"link": LINK, "quantity": 100, "hashtag": "travel"},
        0.7,
        100,
        "0.7",
        None,
        id="mentions_hashtag",
    ),
    pytest.param(
        11,
        {"link": LINK, "quantity": 200, "username": "natgeo"},
        1.5,
        200,
        "1.5",
        None,
        id="mentions_user_followers",
    ),
    pytest.param(
        12,
        {"link": LINK, "quantity": 100, "media": "https://instagram.com/p/xyz/"},
        0.75,
        100,
        "0.75",
        None,
        id="mentions_media_likers",
    ),
    pytest.param(
        13,
        {"link": LINK, "quantity": 50, "username": "commenter"},
        0.15,
        50,
        "0.15",
        None,
        id="comment_likes",
    ),
    pytest.param(
        14,
        {"link": LINK, "username": "commenter", "comments": FIVE_COMMENTS},
        0.09,
        5,
        "0.09",
        None,
        id="comment_replies",
    ),
    pytest.param(
        17,
        {"link": "https://t.me/mygroup", "quantity": 100, "groups": ["@a", "@b"]},
        0.4,
        100,
        "0.4",
        None,
        id="invites_from_groups",
    ),
    pytest.param(
        18,
        {"link": "https://t.me/poll/1", "quantity": 50, "answer_number": 2},
        0.075,
        50,
        "0.075",
        None,
        id="poll",
    ),
    pytest.param(
        21,
        {"link": "https://example.com", "quantity": 100, "keywords": "a b\nc d"},
        0.5,
        100,
        "0.5",
        None,
        id="seo",
    ),
    pytest.param(
        20,
        {
            "link": "https://example.com",
            "quantity": 1000,
            "country": "US",
            "device": "5",
            "type_of_traffic": "1",
            "google_keyword": "smart home",
            "referring_url": "https://www.google.com/",
        },
        0.9,
        1000,
        "0.9",
        None,
        id="web_traffic",
    ),
    pytest.param(
        22,
        {
            "username": "someaccount",
            "min": 100,
            "max": 200,
            "posts": 10,
            "old_posts": 0,
            "delay": 30,
            "expiry": EXPIRY.isoformat(),
        },
        0.5,  # no quantity: one order counts as 1000 units
        0,
        "0",
        {
            "username": "someaccount",
            "min": "100",
            "max": "200",
            "posts": "10",
            "old_posts": "0",
            "delay": "30",
            "expiry": "31/12/2099",
        },
        id="subscriptions",
    ),
]


@pytest.mark.parametrize(
    ("service", "fields", "estimate", "quantity", "charge", "form"), ORDER_CASES
)
async def test_add_order(
    hass: HomeAssistant,
    *,
    panel: Panel,
    setup_integration: MockConfigEntry,
    service: int,
    fields: dict[str, Any],
    estimate: float,
    quantity: int,
    charge: str,
    form: dict[str, str] | None,
) -> None:
    """Each service type is validated, sent once with its own fields, and tracked."""
    response = await call(
        hass, "add_order", setup_integration, {"service": service, **fields}
    )

    assert panel.request_counts["add"] == 1
    (order_id,) = panel.orders
    order = panel.orders[order_id]
    assert response == {
        "order": order_id,
        "service": service,
        "service_name": order.service.name,
        "rate": float(order.service.rate),
        "quantity": response["quantity"],  # per type: see the validate_only test
        "estimated_charge": estimate,
        "balance": 1000.0,
        "balance_after": float(Decimal(1000) - Decimal(str(estimate))),
        "currency": "USD",
        "budget_left_after": {},  # no budget is set
    }
    assert order.service.service_id == service
    assert dict(order.fields) == (form if form is not None else _sent(fields))
    assert order.quantity == quantity
    assert order.charge == Decimal(charge)
    assert panel.balance == Decimal(1000) - Decimal(charge)
    tracked = state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{order_id}").attributes
    assert tracked["service_id"] == service
    counted = {"quantity", "comments"} & fields.keys() or service == 9
    assert tracked.get("quantity") == (order.quantity if counted else None)


async def test_add_order_without_response(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Without a response wanted, the order is placed all the same."""
    response = await call(
        hass,
        "add_order",
        setup_integration,
        {"service": "3", "link": LINK, "quantity": 20.0},
        return_response=False,
    )
    assert response is None
    assert [order.quantity for order in panel.orders.values()] == [20]


@pytest.mark.usefixtures("panel_orders_unchanged")
@pytest.mark.parametrize(
    ("data", "estimate"),
    [
        ({"service": 1, "link": LINK, "quantity": 10000}, 12.0),
        # Some networks take a username where a link goes: no scheme needed.
        ({"service": 16, "link": "tiktok_user.01", "quantity": 100}, 0.21),
        # Emoji sequences (with zero-width joiners) are fine in comments.
        ({"service": 5, "link": LINK, "comments": ["👨‍👩‍👧 yes"] * 5}, 0.075),
        ({"service": 22, "username": "x", "min": 50, "max": 50}, 0.5),
        (
            {
                "service": 22,
                "username": "x",
                "min": 50,
                "max": 50,
                "expiry": EXPIRY.strftime("%d/%m/%Y"),
            },
            0.5,
        ),
    ],
)
async def test_add_order_validate_only(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    data: dict[str, Any],
    estimate: float,
) -> None:
    """validate_only checks and estimates, and sends nothing to the panel."""
    response = await call(
        hass, "add_order", setup_integration, {**data, "validate_only": True}
    )
    assert response["order"] is None
    assert response["estimated_charge"] == estimate
    assert response["currency"] == "USD"
    assert response["balance_after"] == float(Decimal(1000) - Decimal(str(estimate)))
    assert order_sensor_ids(hass, setup_integration) == set()


async def test_add_order_echoes_what_is_bought(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """The response says which service, how many, at what rate, and what is left.

    Money is exact until sent (1000 - 0.36 is 999.64, not 999.6399999999999).
    """
    data = {"service": 1, "link": LINK, "quantity": 100, "runs": 3, "interval": 10}
    checked = await call(
        hass, "add_order", setup_integration, {**data, "validate_only": True}
    )
    placed = await call(hass, "add_order", setup_integration, data)

    expected = {
        "service": 1,
        "service_name": panel.services[1].name,
        "rate": 1.2,
        "quantity": 300,
        "estimated_charge": 0.36,
        "balance": 1000.0,
        "balance_after": 999.64,
        "currency": "USD",
        "budget_left_after": {},
    }
    assert checked == {"order": None, **expected}
    assert placed == {"order": next(iter(panel.orders)), **expected}


async def test_concurrent_orders_place_exactly_one_each(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """N concurrent calls place exactly N orders."""
    count = 8
    responses = await asyncio.gather(
        *(
            call(
                hass,
                "add_order",
                setup_integration,
                {"service": 1, "link": f"{LINK}{n}", "quantity": 100},
            )
            for n in range(count)
        )
    )
    order_ids = {response["order"] for response in responses}
    assert len(order_ids) == count
    assert order_ids == set(panel.orders)
    assert panel.request_counts["add"] == count
    assert panel.balance == Decimal(1000) - count * Decimal("0.12")
    assert order_ids <= order_sensor_ids(hass, setup_integration)


# --- add_order: validation ------------------------------------------------------------


VALIDATION_CASES = [
    pytest.param(
        {"service": 999, "link": LINK, "quantity": 100},
        "unknown_service",
        {"service": "999"},
        id="unknown_service",
    ),
    pytest.param(
        {"service": 4, "link": LINK, "quantity": 1000},
        "fields_not_allowed",
        {"type": "Package", "fields": "quantity"},
        id="quantity_for_package",
    ),
    pytest.param(
        {"service": 22, "link": LINK, "username": "x", "min": 50, "max": 60},
        "fields_not_allowed",
        {"type": "Subscriptions", "fields": "link"},
        id="link_for_subscription",
    ),
    pytest.param(
        {"service": 1, "link": LINK, "quantity": 100, "comments": "a", "hashtag": "b"},
        "fields_not_allowed",
        {"type": "Default", "fields": "comments, hashtag"},
        id="foreign_fields",
    ),
    pytest.param(
        {"service": 1, "link": LINK},
        "missing_fields",
        {"type": "Default", "fields": "quantity"},
        id="missing_quantity",
    ),
    pytest.param(
        {"service": 5, "link": LINK, "comments": "\n \n"},
        "missing_fields",
        {"type": "Custom Comments", "fields": "comments"},
        id="blank_comments",
    ),
    pytest.param(
        {"service": 22, "username": "x"},
        "missing_fields",
        {
            "type": "Subscriptions",
            "fields": "min, max",
        },
        id="missing_subscription_range",
    ),
    pytest.param(
        {"service": 16, "link": LINK, "quantity": 100, "runs": 2, "interval": 10},
        "dripfeed_not_supported",
        {"service": "TikTok Followers", "service_id": "16"},
        id="dripfeed_not_offered",
    ),
    pytest.param(
        {"service": 1, "link": LINK, "quantity": 100, "runs": 2},
        "dripfeed_incomplete",
        {},
        id="runs_without_interval",
    ),
    pytest.param(
        {"service": 1, "link": LINK, "quantity": 49},
        "quantity_out_of_range",
        {
            "quantity": "49",
            "service": "Instagram Followers - Real [Refill 30D]",
            "service_id": "1",
            "min": "50",
            "max": "10000",
        },
        id="quantity_too_low",
    ),
    pytest.param(
        {"service": 1, "link": LINK, "quantity": 10001},
        "quantity_out_of_range",
        {
            "quantity": "10001",
            "service": "Instagram Followers - Real [Refill 30D]",
            "service_id": "1",
            "min": "50",
            "max": "10000",
        },
        id="quantity_too_high",
    ),
    pytest.param(
        {"service": 5, "link": LINK, "comments": "a\nb\nc"},
        "quantity_out_of_range",
        {
            "quantity": "3",
            "service": "Instagram Comments - Custom",
            "service_id": "5",
            "min": "5",
            "max": "500",
        },
        id="too_few_comments",
    ),
    pytest.param(
        {"service": 6, "link": LINK, "comments": TEN_COMMENTS[:9]},
        "quantity_out_of_range",
        {
            "quantity": "9",
            "service": "Instagram Comments - 10 Custom Package",
            "service_id": "6",
            "min": "10",
            "max": "10",
        },
        id="package_needs_its_comment_count",
    ),
    pytest.param(
        {"service": 5, "link": LINK, "comments": FIVE_COMMENTS, "quantity": 6},
        "quantity_mismatch",
        {"quantity": "6", "count": "5", "field": "comments"},
        id="quantity_disagrees_with_comments",
    ),
    pytest.param(
        {"service": 22, "username": "x", "min": 10, "max": 100},
        "quantity_out_of_range",
        {
            "quantity": "10",
            "service": "Instagram Auto Likes - Subscription",
            "service_id": "22",
            "min": "50",
            "max": "10000",
        },
        id="subscription_min_too_low",
    ),
    pytest.param(
        {"service": 22, "username": "x", "min": 300, "max": 200},
        "min_above_max",
        {"min": "300", "max": "200"},
        id="subscription_min_above_max",
    ),
    pytest.param(
        {"service": 22, "username": "x", "min": 50, "max": 60, "expiry": "2099-02-30"},
        "invalid_expiry",
        {"expiry": "2099-02-30"},
        id="expiry_not_a_date",
    ),
    pytest.param(
        {"service": 22, "username": "x", "min": 50, "max": 60, "expiry": "31/02/2099"},
        "invalid_expiry",
        {"expiry": "31/02/2099"},
        id="expiry_not_a_day",
    ),
    pytest.param(
        {"service": 22, "username": "x", "min": 50, "max": 60, "expiry": "01/01/2020"},
        "expiry_in_past",
        {"expiry": "01/01/2020"},
        id="expiry_in_past",
    ),
    pytest.param(
        {"service": 1, "link": "https://x.com/a b", "quantity": 100},
        "invalid_link",
        {"max": "2048"},
        id="link_with_space",
    ),
    pytest.param(
        {"service": 1, "link": "https://x.com/a\nhttps://x.com/b", "quantity": 100},
        "invalid_link",
        {"max": "2048"},
        id="two_links",
    ),
    pytest.param(
        {"service": 1, "link": "https://x.com/\x07", "quantity": 100},
        "invalid_link",
        {"max": "2048"},
        id="link_with_control_character",
    ),
    pytest.param(
        {"service": 1, "link": "https://x.com/\u200ba", "quantity": 100},
        "invalid_link",
        {"max": "2048"},
        id="link_with_invisible_character",
    ),
    pytest.param(
        {"service": 1, "link": "https://x.com/" + "a" * 2035, "quantity": 100},
        "invalid_link",
        {"max": "2048"},
        id="link_too_long",
    ),
    pytest.param(
        {"service": 11, "link": LINK, "quantity": 100, "username": "a\nb"},
        "invalid_text",
        {"field": "username"},
        id="newline_in_single_line_field",
    ),
    pytest.param(
        {"service": 11, "link": LINK, "quantity": 100, "username": "a\u2028b"},
        "invalid_text",
        {"field": "username"},
        id="line_separator_in_single_line_field",
    ),
    pytest.param(
        {"service": 7, "link": LINK, "quantity": 100, "usernames": "a\u2029b"},
        "invalid_text",
        {"field": "usernames"},
        id="paragraph_separator_in_list",
    ),
    pytest.param(
        {"service": 5, "link": LINK, "comments": ["ok", "tab\there", "c", "d", "e"]},
        "invalid_text",
        {"field": "comments"},
        id="tab_in_comments",
    ),
    pytest.param(
        {"service": 7, "link": LINK, "quantity": 100, "usernames": "a\x00b"},
        "invalid_text",
        {"field": "usernames"},
        id="nul_in_usernames",
    ),
    pytest.param(
        {"service": 101, "link": LINK, "quantity": 4001},
        "insufficient_balance",
        {"cost": "1000.25", "balance": "1000.00", "currency": "USD"},
        id="above_balance",
    ),
]


@pytest.mark.usefixtures("panel_orders_unchanged")
@pytest.mark.parametrize(("data", "key", "placeholders"), VALIDATION_CASES)
async def test_add_order_validation(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Bad input is refused with a translated error before anything is sent."""
    with pytest.raises(ServiceValidationError) as error:
        await call(hass, "add_order", setup_integration, data)
    _assert_translated(error.value, key, placeholders)


async def test_add_order_link_at_the_length_limit(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """A link of exactly 2048 characters, surrounded by blanks, is accepted."""
    link = "https://x.com/" + "a" * 2034
    response = await call(
        hass,
        "add_order",
        setup_integration,
        {"service": 1, "link": f"  {link}\n", "quantity": 100, "validate_only": True},
    )
    assert response["estimated_charge"] == 0.12


@pytest.mark.usefixtures("panel_orders_unchanged")
@pytest.mark.parametrize(
    "data",
    [
        {"service": 0, "link": LINK, "quantity": 100},
        {"service": 1, "link": LINK, "quantity": 1.5},
        {"service": 1, "link": LINK, "quantity": "many"},
        {"service": 1, "link": LINK, "quantity": "\u00b2"},
        {"service": 1, "link": LINK, "quantity": "-100"},
        {"service": 1, "link": LINK, "quantity": True},
        {"service": 1, "link": LINK, "quantity": 0},
        {"service": 1, "link": LINK, "quantity": 100, "runs": 0, "interval": 5},
        {"service": 1, "link": LINK, "quantity": 100, "surprise": 1},
        {"link": LINK, "quantity": 100},
    ],
)
async def test_add_order_schema(
    hass: HomeAssistant, setup_integration: MockConfigEntry, data: dict[str, Any]
) -> None:
    """Fields of the wrong type are refused by the action's schema."""
    with pytest.raises(probatio.Invalid):
        await call(hass, "add_order", setup_integration, data)


async def test_add_order_cost_cap(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """The optional cap refuses orders estimated above it, and allows one at it."""
    await async_set_options(hass, setup_integration, {CONF_MAX_ORDER_COST: 1.2})
    with pytest.raises(ServiceValidationError) as error:
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": LINK, "quantity": 1001},
        )
    _assert_translated(
        error.value,
        "cost_above_cap",
        {"cost": "1.2012", "cap": "1.20", "currency": "USD"},
    )
    assert panel.request_counts["add"] == 0

    # Drip-feed: 100 per run times 11 runs costs 1.32.
    with pytest.raises(ServiceValidationError) as error:
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": LINK, "quantity": 100, "runs": 11, "interval": 5},
        )
    _assert_translated(
        error.value,
        "cost_above_cap",
        {"cost": "1.32", "cap": "1.20", "currency": "USD"},
    )

    response = await call(
        hass,
        "add_order",
        setup_integration,
        {"service": 1, "link": LINK, "quantity": 1000},
    )
    assert response["estimated_charge"] == 1.2
    assert panel.request_counts["add"] == 1


async def test_add_order_uses_last_known_balance(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """The balance check uses the balance last fetched, and the panel has the last word."""
    # Spend on the panel behind Home Assistant's back: 975 of the 1000.
    panel.create_order(101, link="https://x.com/elsewhere", quantity=3900)
    assert state_of(hass, "sensor.smm_panel_127_0_0_1_balance").state == "1000.00000"

    with pytest.raises(ServiceValidationError) as error:
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 15, "link": LINK, "quantity": 20000},
        )
    _assert_translated(
        error.value, "panel_rejected_input", {"message": "Not enough funds on balance"}
    )
    assert panel.request_counts["add"] == 1
    assert len(panel.orders) == 1


# --- add_order: panel errors ----------------------------------------------------------


async def test_add_order_outcome_unknown_after_reset(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """A lost answer to `add` says the order may exist, and is never retried."""
    panel.faults.inject(Fault.CONNECTION_RESET, action="add", times=1, after=True)

    with pytest.raises(HomeAssistantError) as error:
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": LINK, "quantity": 100},
        )

    assert not isinstance(error.value, ServiceValidationError)
    _assert_translated(error.value, "order_outcome_unknown")
    assert "order list" in str(error.value)
    assert "not retried" in str(error.value)
    assert panel.request_counts["add"] == 1
    assert len(panel.orders) == 1  # the panel did place it
    assert order_sensor_ids(hass, setup_integration) == set()


async def test_add_order_outcome_unknown_after_timeout(
    hass: HomeAssistant, panel: Panel, config_entry: MockConfigEntry
) -> None:
    """A timed-out `add` that the panel carried out is reported and not retried."""
    with patch("custom_components.smmpanel.REQUEST_TIMEOUT", 0.3):
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    panel.faults.inject(Fault.TIMEOUT, action="add", times=1, after=True, seconds=3)

    with pytest.raises(HomeAssistantError) as error:
        await call(
            hass,
            "add_order",
            config_entry,
            {"service": 1, "link": LINK, "quantity": 100},
        )

    _assert_translated(error.value, "order_outcome_unknown")
    assert panel.request_counts["add"] == 1
    assert len(panel.orders) == 1
    assert order_sensor_ids(hass, config_entry) == set()


@pytest.mark.parametrize(
    ("prepare", "key", "placeholders"),
    [
        pytest.param(
            lambda panel: panel.services.pop(1),
            "panel_rejected_input",
            {"message": "Incorrect service ID"},
            id="service_gone_from_panel",
        ),
        pytest.param(
            lambda panel: panel.services.update(
                {1: replace(panel.services[1], min_quantity=500)}
            ),
            "panel_rejected_input",
            {"message": "Quantity less than minimal 500"},
            id="panel_minimum_raised",
        ),
        pytest.param(
            lambda panel: panel.create_order(1, link=LINK, quantity=100),
            "panel_rejected_input",
            {
                "message": "You have active order with this link. "
                "Please wait until order being completed."
            },
            id="active_order_on_link",
        ),
    ],
)
async def test_add_order_refused_by_panel(
    hass: HomeAssistant,
    *,
    panel: Panel,
    setup_integration: MockConfigEntry,
    prepare: Any,
    key: str,
    placeholders: dict[str, str],
) -> None:
    """What the panel refuses about the input comes back as a validation error."""
    await load_catalogue(hass, setup_integration)
    prepare(panel)
    orders_before = len(panel.orders)
    with pytest.raises(ServiceValidationError) as error:
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": LINK, "quantity": 100},
        )
    _assert_translated(error.value, key, placeholders)
    assert panel.request_counts["add"] == 1
    assert len(panel.orders) == orders_before


async def test_add_order_bad_link_refused_by_panel(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """A panel that wants a URL refuses a username link; the panel's text is shown."""
    with pytest.raises(ServiceValidationError) as error:
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": "someuser", "quantity": 100},
        )
    _assert_translated(
        error.value, "panel_rejected_input", {"message": "Incorrect link"}
    )
    assert panel.request_counts["add"] == 1


@pytest.mark.parametrize(
    ("fault", "key", "placeholders"),
    [
        (Fault.RATE_LIMIT, "action_rate_limited", {}),
        (
            Fault.CLOUDFLARE,
            "invalid_response",
            {"error": "A Cloudflare challenge page blocks the API"},
        ),
        (Fault.INVALID_JSON, "invalid_response", None),
        (Fault.WRONG_SHAPE, "invalid_response", None),
        (
            Fault.HTTP_503,
            "cannot_connect",
            {"error": "The panel is unavailable (HTTP 503)"},
        ),
        (Fault.CONNECTION_RESET, "cannot_connect", None),
    ],
)
async def test_panel_failures(
    hass: HomeAssistant,
    *,
    panel: Panel,
    setup_integration: MockConfigEntry,
    fault: Fault,
    key: str,
    placeholders: dict[str, str] | None,
) -> None:
    """Transport and protocol failures become translated HomeAssistantErrors."""
    panel.faults.inject(fault, action="status", times=None)
    with pytest.raises(HomeAssistantError) as error:
        await call(hass, "get_order_status", setup_integration, {"orders": "1"})
    assert not isinstance(error.value, ServiceValidationError)
    _assert_translated(error.value, key, placeholders)
    assert API_KEY not in str(error.value)
    assert panel.request_counts["status"] == 1


async def test_add_order_rate_limited_is_not_retried(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """A rate-limited `add` places nothing and is not retried."""
    panel.faults.inject(Fault.RATE_LIMIT, action="add", times=1)
    with pytest.raises(HomeAssistantError) as error:
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": LINK, "quantity": 100},
        )
    _assert_translated(error.value, "action_rate_limited", {})
    assert panel.request_counts["add"] == 1
    assert panel.orders == {}


@pytest.mark.parametrize("revoke", ["key_revoked_fault", "revoke_key"])
async def test_rejected_key_starts_reauth(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    revoke: str,
) -> None:
    """A rejected key fails the action and asks the user to re-authenticate."""
    if revoke == "revoke_key":
        panel.revoke_key()
    else:
        panel.faults.inject(Fault.KEY_REVOKED, action="add")
    with pytest.raises(HomeAssistantError) as error:
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": LINK, "quantity": 100},
        )
    assert not isinstance(error.value, ServiceValidationError)
    _assert_translated(error.value, "action_invalid_auth", {})
    assert panel.orders == {}
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == setup_integration.entry_id


# A wording of each reason a panel can give for refusing an `add`.
WORDINGS: dict[ErrorReason, str] = {
    ErrorReason.INVALID_KEY: "Invalid API key",
    ErrorReason.ACCOUNT_DISABLED: "Account suspended",
    ErrorReason.INSUFFICIENT_FUNDS: "Not enough funds on balance",
    ErrorReason.UNKNOWN_SERVICE: "Incorrect service ID",
    ErrorReason.BAD_LINK: "Incorrect link",
    ErrorReason.QUANTITY_TOO_LOW: "Quantity less than minimal 500",
    ErrorReason.QUANTITY_TOO_HIGH: "Quantity more than maximum 50",
    ErrorReason.QUANTITY_OUT_OF_RANGE: "Quantity must be between 500 and 5000",
    ErrorReason.ACTIVE_ORDER_ON_LINK: "You have active order with this link.",
    ErrorReason.NOT_ELIGIBLE_FOR_REFILL: "Order not eligible for refill.",
    ErrorReason.REFILL_DISABLED: "Refill is disabled for this service",
    ErrorReason.ORDER_NOT_COMPLETED: "The order is not completed",
    ErrorReason.ORDER_NOT_FOUND: "Incorrect order ID",
    ErrorReason.REFILL_NOT_FOUND: "Refill not found",
    ErrorReason.CANCEL_NOT_ALLOWED: "Cancel is disabled for this service",
    ErrorReason.UNSUPPORTED_ACTION: "Incorrect action",
    ErrorReason.MISSING_PARAMETER: "Link is required parameter",
    ErrorReason.BAD_REQUEST: "Incorrect request",
    ErrorReason.RATE_LIMITED: "Rate limit exceeded. Slow down.",
    ErrorReason.OTHER: "panel says something new",
}
# What the action raises for the reasons the client turns into their own errors.
OWN_ERRORS: dict[ErrorReason, tuple[str, dict[str, str]]] = {
    ErrorReason.INVALID_KEY: ("action_invalid_auth", {}),
    ErrorReason.ACCOUNT_DISABLED: ("action_invalid_auth", {}),
    ErrorReason.RATE_LIMITED: ("action_rate_limited", {}),
    ErrorReason.UNSUPPORTED_ACTION: ("action_not_offered", {"action": "add"}),
}


def _refuse_add_with(panel: Panel, message: str) -> None:
    """Make the panel refuse the next `add` of service 1 in these words."""
    panel.services.pop(1)
    panel.dialect = Dialect(wordings={errors.INCORRECT_SERVICE_ID: message})


@pytest.mark.parametrize("reason", ErrorReason, ids=str)
async def test_api_error_mapping(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    reason: ErrorReason,
) -> None:
    """Input-related panel errors are validation errors; the others are failures."""
    message = WORDINGS[reason]
    assert classify_error(message) is reason
    await load_catalogue(hass, setup_integration)
    _refuse_add_with(panel, message)

    with pytest.raises(HomeAssistantError) as raised:
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": LINK, "quantity": 100},
        )

    validation = reason in INPUT_ERROR_REASONS
    key, placeholders = OWN_ERRORS.get(
        reason,
        ("panel_rejected_input" if validation else "panel_error", {"message": message}),
    )
    assert isinstance(raised.value, ServiceValidationError) is validation
    _assert_translated(raised.value, key, placeholders)
    assert panel.request_counts["add"] == 1
    assert panel.orders == {}


async def test_api_key_never_in_errors(
    hass: HomeAssistant, panel: Panel, panel_url: str
) -> None:
    """Even a message that quotes the key does not carry it into the error."""
    # A hex key like real ones: the tests' usual key holds "api-key", and the panel's
    # words quoting it would read as a rejected key, which carries no message.
    api_key = "4d27c0ffee0123456789abcdef0175de"
    panel.api_key = api_key
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="127.0.0.1",
        data={CONF_URL: panel_url, CONF_API_KEY: api_key},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await load_catalogue(hass, entry)
    _refuse_add_with(panel, f"Invalid key {api_key}")

    with pytest.raises(HomeAssistantError) as raised:
        await call(
            hass, "add_order", entry, {"service": 1, "link": LINK, "quantity": 100}
        )

    assert api_key not in str(raised.value)
    assert raised.value.translation_placeholders == {"message": "Invalid key ********"}


# --- refill, cancel ---------------------------------------------------------------------


async def test_refill(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Refills answer per order; accepted refills are tracked."""
    refillable = panel.create_order(1, link=LINK, quantity=100)
    no_refill = panel.create_order(2, link=LINK, quantity=100)
    running = panel.create_order(3, link=LINK, quantity=20000)
    panel.advance(3600)
    assert panel.orders[refillable].status is PanelOrderStatus.COMPLETED
    assert panel.orders[running].status is PanelOrderStatus.IN_PROGRESS

    response = await call(
        hass,
        "refill",
        setup_integration,
        {"orders": f"{refillable}, {no_refill},{running}, 999, {refillable}"},
    )

    (refill_id,) = panel.refills
    assert response == {
        "refills": [
            {"order": refillable, "refill": refill_id},
            {"order": no_refill, "error": "Refill is disabled for this service"},
            {"order": running, "error": "The order is not completed"},
            {"order": 999, "error": "Incorrect order ID"},
        ]
    }
    assert panel.refills[refill_id].order_id == refillable
    tracked = stored_tracking(hass_storage, setup_integration).refills
    assert list(tracked) == [refill_id]
    assert tracked[refill_id]["order_id"] == refillable


async def test_refill_without_response(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Without a response wanted, the refill is requested all the same."""
    order_id = panel.create_order(1, link=LINK, quantity=100)
    panel.advance(3600)
    assert (
        await call(
            hass,
            "refill",
            setup_integration,
            {"orders": order_id},
            return_response=False,
        )
        is None
    )
    assert [refill.order_id for refill in panel.refills.values()] == [order_id]


async def test_cancel(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Cancels answer per order; a requested cancel ends as Canceled on the panel."""
    cancelable = panel.create_order(1, link=LINK, quantity=100)
    not_cancelable = panel.create_order(2, link=LINK, quantity=100)

    response = await call(
        hass,
        "cancel",
        setup_integration,
        {"orders": [cancelable, str(not_cancelable), 999]},
    )

    assert response == {
        "orders": [
            {"order": cancelable, "cancel_requested": True},
            {"order": not_cancelable, "error": "Cancel is disabled for this service"},
            {"order": 999, "error": "Incorrect order ID"},
        ]
    }
    panel.advance(120)
    assert panel.orders[cancelable].status is PanelOrderStatus.CANCELED
    assert panel.orders[not_cancelable].status is not PanelOrderStatus.CANCELED
    assert (
        await call(
            hass, "cancel", setup_integration, {"orders": 999}, return_response=False
        )
        is None
    )
    assert panel.request_counts["cancel"] == 2


# --- track, untrack, status -----------------------------------------------------------


async def test_track_and_untrack(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Orders placed elsewhere can be tracked, then untracked."""
    first = panel.create_order(1, link=LINK, quantity=100)
    second = panel.create_order(22, username="acct", min=50, max=60)

    response = await call(
        hass, "track_order", setup_integration, {"orders": [first, second, 999]}
    )

    assert response == {
        "orders": [
            {
                "order": first,
                "status": "pending",
                "panel_status": "Pending",
                "charge": 0.12,
                "start_count": 0,
                "remains": 100,
                "currency": "USD",
            },
            {
                "order": second,
                "status": "active",
                "panel_status": "Active",
                "charge": 0.0,
                "start_count": 0,
                "remains": 0,
                "currency": "USD",
            },
            {"order": 999, "error": "Incorrect order ID"},
        ]
    }
    assert order_sensor_ids(hass, setup_integration) == {first, second}

    # Untracking an id that is not tracked changes nothing.
    with pytest.raises(ServiceValidationError) as error:
        await call(
            hass,
            "untrack_order",
            setup_integration,
            {"orders": f"{first},999,7"},
            return_response=False,
        )
    _assert_translated(error.value, "orders_not_tracked", {"orders": "999, 7"})
    assert order_sensor_ids(hass, setup_integration) == {first, second}

    assert (
        await call(
            hass,
            "untrack_order",
            setup_integration,
            {"orders": str(first)},
            return_response=False,
        )
        is None
    )
    assert order_sensor_ids(hass, setup_integration) == {second}
    assert (
        await call(
            hass,
            "track_order",
            setup_integration,
            {"orders": first},
            return_response=False,
        )
        is None
    )
    assert order_sensor_ids(hass, setup_integration) == {first, second}


async def test_untrack_order_has_no_response(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """untrack_order returns nothing, so asking for a response is refused."""
    with pytest.raises(ServiceValidationError):
        await call(hass, "untrack_order", setup_integration, {"orders": 1})


async def test_get_order_status(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Statuses come straight from the panel, without tracking the orders."""
    order_id = panel.create_order(15, link=LINK, quantity=1000)
    panel.advance(60 + 260)  # half of the 520 s delivery

    response = await call(
        hass, "get_order_status", setup_integration, {"orders": [order_id, 999]}
    )

    order = panel.orders[order_id]
    assert response == {
        "orders": [
            {
                "order": order_id,
                "status": "in_progress",
                "panel_status": "In progress",
                "charge": 1.8,
                "start_count": order.start_count,
                "remains": order.remains,
                "currency": "USD",
            },
            {"order": 999, "error": "Incorrect order ID"},
        ]
    }
    assert 0 < order.remains < 1000
    assert order_sensor_ids(hass, setup_integration) == set()


async def test_get_order_status_needs_response(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """get_order_status only answers; calling it without a response is refused."""
    with pytest.raises(ServiceValidationError):
        await call(
            hass,
            "get_order_status",
            setup_integration,
            {"orders": 1},
            return_response=False,
        )


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        (7, [7]),
        ("7", [7]),
        (" 7 , 8,,9 ,", [7, 8, 9]),
        ([9, "8", 7, 9, "7"], [9, 8, 7]),
        (",".join(map(str, range(1, 1001))), list(range(1, 1001))),
    ],
)
async def test_order_id_forms(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    orders: Any,
    expected: list[int],
) -> None:
    """Order ids come as a list, one id, or comma-separated; duplicates are dropped."""
    response = await call(
        hass, "get_order_status", setup_integration, {"orders": orders}
    )

    assert [row["order"] for row in response["orders"]] == expected
    assert panel.request_counts["status"] == math.ceil(len(expected) / 100)


@pytest.mark.parametrize(
    ("orders", "key", "placeholders"),
    [
        ("", "invalid_order_ids", {"value": ""}),
        (" , ", "invalid_order_ids", {"value": " , "}),
        ([], "invalid_order_ids", {"value": "[]"}),
        ("12, abc", "invalid_order_ids", {"value": "12, abc"}),
        ("0", "invalid_order_ids", {"value": "0"}),
        (-3, "invalid_order_ids", {"value": "-3"}),
        ("1.5", "invalid_order_ids", {"value": "1.5"}),
        (
            list(range(1, 1002)),
            "too_many_orders",
            {"count": "1001", "max": "1000"},
        ),
    ],
)
@pytest.mark.parametrize(
    "action", ["refill", "cancel", "track_order", "get_order_status"]
)
async def test_bad_order_ids(
    hass: HomeAssistant,
    *,
    panel: Panel,
    setup_integration: MockConfigEntry,
    action: str,
    orders: Any,
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Bad order ids are refused before anything is sent."""
    counts = dict(panel.request_counts)
    with pytest.raises(ServiceValidationError) as error:
        await call(hass, action, setup_integration, {"orders": orders})
    _assert_translated(error.value, key, placeholders)
    assert dict(panel.request_counts) == counts


# --- get_services ---------------------------------------------------------------------


async def test_get_services(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """The whole catalogue, with rates per 1000 and the account's currency."""
    response = await call(hass, "get_services", setup_integration)
    services = response["services"]
    assert response["currency"] == "USD"
    assert len(services) == 24
    assert services[0] == {
        "service": 1,
        "name": "Instagram Followers - Real [Refill 30D]",
        "type": "default",
        "category": "Instagram Followers",
        "rate": 1.2,
        "min": 50,
        "max": 10000,
        "refill": True,
        "cancel": True,
        "dripfeed": True,
        "description": None,
        "stats": None,
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"category": "instagram LIKES"}, [3, 4]),
        ({"search": "custom"}, [5, 6, 9, 14]),
        ({"search": "SUBSCRIPTIONS"}, [22]),  # the category matches
        ({"type": "package"}, [4]),
        ({"type": "custom_comments"}, [5]),
        ({"category": "instagram", "search": "cheap"}, [2, 102]),
        (
            {"category": "Instagram Followers", "type": "default", "search": "real"},
            [1, 101, 102],
        ),
        ({"search": "nothing like this"}, []),
    ],
)
async def test_get_services_filters(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    filters: dict[str, str],
    expected: list[int],
) -> None:
    """Filters narrow the catalogue; the cached catalogue is used."""
    await load_catalogue(hass, setup_integration)
    fetched = panel.request_counts["services"]
    response = await call(hass, "get_services", setup_integration, filters)
    assert [row["service"] for row in response["services"]] == expected
    assert panel.request_counts["services"] == fetched


async def test_get_services_searches_descriptions(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """The search also looks in service descriptions (the panel's `desc`)."""
    panel.services[2] = replace(panel.services[2], description="Drop rate: HIGH")
    response = await call(
        hass, "get_services", setup_integration, {"search": "drop rate"}
    )
    assert [row["service"] for row in response["services"]] == [2]
    assert response["services"][0]["description"] == "Drop rate: HIGH"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"limit": 3}, [1, 2, 3]),
        ({"search": "instagram", "limit": 2}, [1, 2]),
        ({"search": "tiktok", "limit": 50}, [16]),
        ({"search": "16"}, [16]),
        ({"search": " 101 ", "limit": 1}, [101]),
    ],
)
async def test_get_services_limit_and_ids(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    filters: dict[str, Any],
    expected: list[int],
) -> None:
    """A limit answers the first matches, in the panel's order; a search finds a
    service by its id too."""
    response = await call(hass, "get_services", setup_integration, filters)
    assert [row["service"] for row in response["services"]] == expected


@pytest.mark.parametrize("limit", [0, -1, 1.5, "all"])
async def test_get_services_limit_is_a_positive_whole_number(
    hass: HomeAssistant, setup_integration: MockConfigEntry, limit: object
) -> None:
    """A limit below 1, or not a whole number, is refused."""
    with pytest.raises(probatio.Invalid):
        await call(hass, "get_services", setup_integration, {"limit": limit})


async def test_get_services_unknown_type(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """A type filter must be one of the service types."""
    with pytest.raises(probatio.Invalid):
        await call(hass, "get_services", setup_integration, {"type": "teleport"})


# --- config entries -------------------------------------------------------------------


ALL_ACTIONS = [
    ("add_order", {"service": 1, "link": LINK, "quantity": 100}),
    ("refill", {"orders": 1}),
    ("cancel", {"orders": 1}),
    ("track_order", {"orders": 1}),
    ("untrack_order", {"orders": 1}),
    ("get_order_status", {"orders": 1}),
    ("get_services", {}),
    ("get_spending", {}),
    ("get_service_stats", {}),
]


@pytest.mark.parametrize(("action", "data"), ALL_ACTIONS)
async def test_unknown_config_entry(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    action: str,
    data: dict[str, Any],
) -> None:
    """An entry id that does not exist is refused."""
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN,
            action,
            {ATTR_CONFIG_ENTRY_ID: "nope", **data},
            blocking=True,
            return_response=action != "untrack_order",
        )
    assert error.value.translation_key == "service_config_entry_not_found"
    assert panel.request_counts["add"] == 0


@pytest.mark.parametrize(("action", "data"), ALL_ACTIONS)
async def test_unloaded_config_entry(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    action: str,
    data: dict[str, Any],
) -> None:
    """An entry that is not loaded is refused; the actions stay registered."""
    assert await hass.config_entries.async_unload(setup_integration.entry_id)
    assert setup_integration.state is ConfigEntryState.NOT_LOADED
    assert hass.services.has_service(DOMAIN, action)
    with pytest.raises(ServiceValidationError) as error:
        await call(
            hass,
            action,
            setup_integration,
            data,
            return_response=action != "untrack_order",
        )
    assert error.value.translation_key == "service_config_entry_not_loaded"
    assert panel.request_counts["add"] == 0


async def test_entry_of_another_integration(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """An entry of another integration is refused."""
    other = MockConfigEntry(domain="other_domain")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as error:
        await call(hass, "get_services", other)
    assert error.value.translation_key == "service_config_entry_wrong_domain"


# --- descriptions ---------------------------------------------------------------------


async def test_every_action_field_is_described() -> None:
    """Each action and field has a selector, a translated name and description, an icon."""
    described = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    translations = TRANSLATIONS["services"]
    icons = json.loads((COMPONENT / "icons.json").read_text())["services"]
    assert set(described) == {action for action, _ in ALL_ACTIONS}
    assert set(translations) == set(described)
    assert set(icons) == set(described)
    for action, spec in described.items():
        text = translations[action]
        assert text["name"] and text["description"]
        assert icons[action]["service"].startswith("mdi:")
        fields: dict[str, Any] = {}
        for name, field in spec["fields"].items():
            if "fields" in field:  # a section
                assert text["sections"][name]["name"]
                assert icons[action]["sections"][name].startswith("mdi:")
                fields |= field["fields"]
            else:
                fields[name] = field
        assert set(text["fields"]) == set(fields)
        for name, field in fields.items():
            assert field["selector"], (action, name)
            assert text["fields"][name]["name"], (action, name)
            assert text["fields"][name]["description"], (action, name)
        assert spec["fields"]["config_entry_id"]["selector"] == {
            "config_entry": {"integration": DOMAIN}
        }
    add_fields = {
        name
        for name, field in described["add_order"]["fields"].items()
        if "fields" not in field
    } | {
        name
        for field in described["add_order"]["fields"].values()
        if "fields" in field
        for name in field["fields"]
    }
    schema_fields = {str(key) for key in smm_services.SERVICE_ADD_ORDER_SCHEMA.schema}
    assert add_fields == schema_fields


async def test_every_error_key_is_translated() -> None:
    """Every translation key the actions raise has a message."""
    source = "".join(path.read_text() for path in COMPONENT.glob("*.py"))
    keys = set(re.findall(r'\b(?:validation_error|failure)\(\s*"(\w+)"', source))
    assert len(keys) > 20
    assert keys <= set(TRANSLATIONS["exceptions"])
    options = TRANSLATIONS["selector"]["service_type"]["options"]
    described = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    type_options = described["get_services"]["fields"]["type"]["selector"]["select"]
    assert set(type_options["options"]) == set(options)


async def test_templated_lists_reach_the_panel_as_lists(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Lists rendered by templates in automations are read as lists, not as text."""
    order_id = panel.create_order(1, link=LINK, quantity=100)
    script = Script(
        hass,
        cv.SCRIPT_SCHEMA(
            [
                {
                    "action": f"{DOMAIN}.track_order",
                    "data": {
                        ATTR_CONFIG_ENTRY_ID: setup_integration.entry_id,
                        "orders": "{{ [order_id] }}",
                    },
                },
                {
                    "action": f"{DOMAIN}.add_order",
                    "data": {
                        ATTR_CONFIG_ENTRY_ID: setup_integration.entry_id,
                        "service": 5,
                        "link": LINK,
                        "comments": "{{ ['Nice!', 'Great shot'] + extra }}",
                    },
                },
            ]
        ),
        "templated lists",
        DOMAIN,
    )

    await script.async_run({"order_id": order_id, "extra": ["Wow", "Top", "Love it"]})
    await hass.async_block_till_done()

    assert order_id in order_sensor_ids(hass, setup_integration)
    placed = panel.orders[max(panel.orders)]
    assert placed.fields["comments"] == "Nice!\nGreat shot\nWow\nTop\nLove it"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"service": 1, "link": LINK},
            "Services of type Default need these fields: quantity",
        ),
        (
            {"service": 22, "username": "x"},
            "Services of type Subscriptions need these fields: min, max",
        ),
        (
            {
                "service": 1,
                "link": LINK,
                "quantity": 100,
                "comments": "a",
                "media": "b",
            },
            "Services of type Default do not take these fields: comments, media",
        ),
        (
            {"service": 20, "link": LINK, "quantity": 1000, "country": "US\rx"},
            (
                "The country field contains control characters, or line breaks where "
                "only one line is allowed"
            ),
        ),
    ],
)
async def test_validation_messages_name_the_action_fields(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    data: dict[str, Any],
    message: str,
) -> None:
    """Fields are named as the action names them, the same in every language.

    (Home Assistant drops an exception message's final period.)
    """
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "add_order", setup_integration, data)
    assert str(raised.value) == message
