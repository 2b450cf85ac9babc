"""The error wordings of real panel scripts, each understood as what it means.

Collected from the API controllers of public panel scripts (2026-11): SmartPanel 4.0 and
its forks (CodeIgniter, `/api/v1`), Perfect Panel and the Laravel clone that copies its
texts, other Laravel panels, Next.js panels, plain-PHP scripts and FastAPI/Flask
servers. Each row names its source family; a wording seen in several is listed once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import ClientSession, web
import pytest

from custom_components.smmpanel.api import (
    ErrorReason,
    SmmPanelApiError,
    SmmPanelAuthenticationError,
    SmmPanelClient,
    SmmPanelUnsupportedActionError,
    classify_error,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

# (wording, what it means, where it comes from)
WORDINGS: list[tuple[str, ErrorReason, str]] = [
    # Invalid or disabled API key
    (
        "API is Disable for this user or User Not Found! Contact the Support",
        ErrorReason.INVALID_KEY,
        "SmartPanel 4.0 and forks",
    ),
    (
        "Api is disable for this user or user not found contact the support",
        ErrorReason.INVALID_KEY,
        "SmartPanel without its language table",
    ),
    ("Invalid API key", ErrorReason.INVALID_KEY, "Perfect Panel, PHP, Next.js"),
    ("Invalid API key.", ErrorReason.INVALID_KEY, "Perfect Panel"),
    ("Incorrect API Key", ErrorReason.INVALID_KEY, "plain-PHP bot panel"),
    ("API key invalid", ErrorReason.INVALID_KEY, "public clients"),
    ("Invalid API Key", ErrorReason.INVALID_KEY, "Laravel"),
    ("API Key is required", ErrorReason.INVALID_KEY, "Laravel, Next.js"),
    ("invalid_api_key", ErrorReason.INVALID_KEY, "Next.js"),
    ("API is disabled", ErrorReason.INVALID_KEY, "plain PHP"),
    # Banned or inactive user
    ("Account suspended", ErrorReason.ACCOUNT_DISABLED, "Laravel"),
    ("Your account has been suspended.", ErrorReason.ACCOUNT_DISABLED, "Laravel"),
    ("User is banned", ErrorReason.ACCOUNT_DISABLED, "public clients"),
    ("The account does not exists", ErrorReason.ACCOUNT_DISABLED, "SmartPanel"),
    # Unknown or inactive service
    ("Service ID does not exists", ErrorReason.UNKNOWN_SERVICE, "SmartPanel"),
    ("Incorrect service ID", ErrorReason.UNKNOWN_SERVICE, "Perfect Panel, PHP"),
    ("error.incorrect_service_id", ErrorReason.UNKNOWN_SERVICE, "Perfect Panel"),
    ("Disabled service ID", ErrorReason.UNKNOWN_SERVICE, "plain-PHP bot panel"),
    ("Service not found", ErrorReason.UNKNOWN_SERVICE, "plain PHP (Indonesia)"),
    ("Service not found or inactive", ErrorReason.UNKNOWN_SERVICE, "Next.js"),
    ("Service not found or inactive: 123", ErrorReason.UNKNOWN_SERVICE, "Next.js"),
    ("Service is not available", ErrorReason.UNKNOWN_SERVICE, "Laravel"),
    ("The selected service is invalid.", ErrorReason.UNKNOWN_SERVICE, "Laravel"),
    ("Service is currently disabled", ErrorReason.UNKNOWN_SERVICE, "Next.js"),
    ("invalid_service", ErrorReason.UNKNOWN_SERVICE, "Next.js"),
    # Quantity out of range
    (
        "Quantity must to be greater than or equal to minimum amount 100",
        ErrorReason.QUANTITY_TOO_LOW,
        "SmartPanel 4.x",
    ),
    (
        "Quantity must to be less than or equal to maximum amount 10000",
        ErrorReason.QUANTITY_TOO_HIGH,
        "SmartPanel 4.x",
    ),
    ("Quantity less than minimal 50", ErrorReason.QUANTITY_TOO_LOW, "Perfect Panel"),
    ("neworder.error.min_quantity", ErrorReason.QUANTITY_TOO_LOW, "Perfect Panel"),
    (
        "Quantity more than maximum 10000",
        ErrorReason.QUANTITY_TOO_HIGH,
        "Perfect Panel",
    ),
    ("neworder.error.max_quantity", ErrorReason.QUANTITY_TOO_HIGH, "Perfect Panel"),
    (
        "Quantity must be between 10 and 10000",
        ErrorReason.QUANTITY_OUT_OF_RANGE,
        "Laravel, Next.js",
    ),
    (
        "Quantity Limit exceeds min = 10 max = 10000",
        ErrorReason.QUANTITY_OUT_OF_RANGE,
        "Laravel",
    ),
    ("Quantity inccorect", ErrorReason.QUANTITY_OUT_OF_RANGE, "plain PHP (Indonesia)"),
    ("Incorrect quantity", ErrorReason.QUANTITY_OUT_OF_RANGE, "FastAPI"),
    ("invalid_quantity", ErrorReason.QUANTITY_OUT_OF_RANGE, "Next.js"),
    # Insufficient funds
    ("Not enough funds on balance", ErrorReason.INSUFFICIENT_FUNDS, "Perfect Panel"),
    (
        "neworder.error.not_enough_funds",
        ErrorReason.INSUFFICIENT_FUNDS,
        "Perfect Panel",
    ),
    ("Not enough funds", ErrorReason.INSUFFICIENT_FUNDS, "Laravel"),
    ("Insufficient balance", ErrorReason.INSUFFICIENT_FUNDS, "Next.js, FastAPI"),
    (
        "Insufficient balance. Required: 12.50 USD",
        ErrorReason.INSUFFICIENT_FUNDS,
        "Next.js",
    ),
    ("Low balance", ErrorReason.INSUFFICIENT_FUNDS, "plain PHP (Indonesia)"),
    ("insufficient_balance", ErrorReason.INSUFFICIENT_FUNDS, "Next.js, Laravel"),
    # Unknown order
    ("Incorrect order ID", ErrorReason.ORDER_NOT_FOUND, "Perfect Panel, SmartPanel"),
    ("Order not found", ErrorReason.ORDER_NOT_FOUND, "Laravel, Next.js, PHP"),
    ("order_not_found", ErrorReason.ORDER_NOT_FOUND, "Next.js"),
    ("Invalid order ID", ErrorReason.ORDER_NOT_FOUND, "plain-PHP bot panel"),
    # Refill not allowed
    ("Order not eligible for refill.", ErrorReason.NOT_ELIGIBLE_FOR_REFILL, "PP"),
    (
        "The order was completed or refill was requested less than 24 hours ago",
        ErrorReason.NOT_ELIGIBLE_FOR_REFILL,
        "Perfect Panel",
    ),
    (
        "Order not found or not eligible for refill",
        ErrorReason.NOT_ELIGIBLE_FOR_REFILL,
        "Laravel",
    ),
    ("Refill already requested", ErrorReason.NOT_ELIGIBLE_FOR_REFILL, "Next.js"),
    ("Refill period has expired", ErrorReason.NOT_ELIGIBLE_FOR_REFILL, "Laravel"),
    ("Refill days are over", ErrorReason.NOT_ELIGIBLE_FOR_REFILL, "unknown panel"),
    ("Refill is disabled for this service", ErrorReason.REFILL_DISABLED, "PP"),
    ("Refill not available for this service", ErrorReason.REFILL_DISABLED, "Laravel"),
    ("Service does not support refill", ErrorReason.REFILL_DISABLED, "Next.js"),
    ("Refill not supported for this service", ErrorReason.REFILL_DISABLED, "Next.js"),
    ("This service has no refill", ErrorReason.REFILL_DISABLED, "FastAPI"),
    ("The order is not completed", ErrorReason.ORDER_NOT_COMPLETED, "Perfect Panel"),
    ("Refill not found", ErrorReason.REFILL_NOT_FOUND, "Perfect Panel, Next.js"),
    # Cancel not allowed
    ("Cancel is disabled for this service", ErrorReason.CANCEL_NOT_ALLOWED, "PP"),
    ("Order not eligible for cancel.", ErrorReason.CANCEL_NOT_ALLOWED, "PP"),
    (
        "Order not found or cannot be cancelled",
        ErrorReason.CANCEL_NOT_ALLOWED,
        "Laravel",
    ),
    (
        "Cancellation not allowed for this service",
        ErrorReason.CANCEL_NOT_ALLOWED,
        "Laravel",
    ),
    ("Service does not support cancel", ErrorReason.CANCEL_NOT_ALLOWED, "Next.js"),
    ("Order cannot be canceled", ErrorReason.CANCEL_NOT_ALLOWED, "Next.js"),
    ("Cancel already requested", ErrorReason.CANCEL_NOT_ALLOWED, "Next.js"),
    ("Order can no longer be canceled", ErrorReason.CANCEL_NOT_ALLOWED, "Flask"),
    # The panel does not implement the action
    ("This action is Invalid", ErrorReason.UNSUPPORTED_ACTION, "SmartPanel"),
    ("Incorrect action", ErrorReason.UNSUPPORTED_ACTION, "Perfect Panel, FastAPI"),
    ("Invalid action", ErrorReason.UNSUPPORTED_ACTION, "Laravel"),
    ("Unknown action", ErrorReason.UNSUPPORTED_ACTION, "public clients"),
    ("Unknown action: refill", ErrorReason.UNSUPPORTED_ACTION, "Next.js"),
    ("Invalid action specified", ErrorReason.UNSUPPORTED_ACTION, "Next.js"),
    ("invalid_action", ErrorReason.UNSUPPORTED_ACTION, "Next.js"),
    ("Wrong action", ErrorReason.UNSUPPORTED_ACTION, "plain PHP (Indonesia)"),
    # Other wordings worth telling apart
    (
        "There are missing required parameters. Please check your API Manual",
        ErrorReason.MISSING_PARAMETER,
        "SmartPanel",
    ),
    ("Missing required fields: service, link", ErrorReason.MISSING_PARAMETER, "Next"),
    ("Bad Link", ErrorReason.BAD_LINK, "SmartPanel"),
    ("Invalid Link", ErrorReason.BAD_LINK, "SmartPanel 3.x"),
    (
        "The provided url is not valid please check the url and try again",
        ErrorReason.BAD_LINK,
        "SmartPanel fork",
    ),
    ("Incorrect request", ErrorReason.BAD_REQUEST, "Perfect Panel, PHP, FastAPI"),
]

KEY = "9f3c2a7be41d08c6f5a0b3e7d2c91f44"
AUTHENTICATION_REASONS = {ErrorReason.INVALID_KEY, ErrorReason.ACCOUNT_DISABLED}


@pytest.mark.parametrize(
    ("wording", "reason"),
    [(wording, reason) for wording, reason, _ in WORDINGS],
    ids=[wording[:40] for wording, _, _ in WORDINGS],
)
def test_wording_is_understood(wording: str, reason: ErrorReason) -> None:
    """Each collected wording means what its panel meant, whatever its case or dots."""
    assert classify_error(wording) is reason
    assert classify_error(f"  {wording.upper()}  ") is reason


def test_every_category_has_wordings_from_several_scripts() -> None:
    """The table covers each category the survey asked for, from more than one source."""
    sources: dict[ErrorReason, set[str]] = {}
    for _, reason, source in WORDINGS:
        sources.setdefault(reason, set()).add(source)
    for reason in (
        ErrorReason.INVALID_KEY,
        ErrorReason.ACCOUNT_DISABLED,
        ErrorReason.UNKNOWN_SERVICE,
        ErrorReason.INSUFFICIENT_FUNDS,
        ErrorReason.ORDER_NOT_FOUND,
        ErrorReason.NOT_ELIGIBLE_FOR_REFILL,
        ErrorReason.REFILL_DISABLED,
        ErrorReason.CANCEL_NOT_ALLOWED,
        ErrorReason.UNSUPPORTED_ACTION,
    ):
        assert len(sources[reason]) >= 2, reason


@pytest.fixture
async def answering() -> AsyncIterator[tuple[SmmPanelClient, list[str]]]:
    """Serve a panel that answers each request with the next queued error.

    The answer is framed as SmartPanel frames everything: HTTP 200, text/html.
    """
    queued: list[str] = []

    async def api(request: web.Request) -> web.Response:
        return web.Response(
            text=f'{{\n    "error": "{queued.pop(0)}"\n}}', content_type="text/html"
        )

    app = web.Application()
    app.router.add_post("/api/v1", api)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with ClientSession() as session:
        yield SmmPanelClient(session, f"http://127.0.0.1:{port}/api/v1", KEY), queued
    await runner.cleanup()


async def test_whole_call_errors_raise_by_meaning(
    answering: tuple[SmmPanelClient, list[str]],
) -> None:
    """A rejected key or account needs a new key; a missing action is not a failure."""
    client, queued = answering
    for wording, reason, _ in WORDINGS:
        queued.append(wording)
        with pytest.raises((SmmPanelApiError, SmmPanelAuthenticationError)) as caught:
            await client.refill(1)
        if reason in AUTHENTICATION_REASONS:
            assert type(caught.value) is SmmPanelAuthenticationError, wording
        elif reason is ErrorReason.UNSUPPORTED_ACTION:
            assert isinstance(caught.value, SmmPanelUnsupportedActionError), wording
            assert caught.value.action == "refill"
        else:
            assert type(caught.value) is SmmPanelApiError, wording
            assert caught.value.reason is reason
