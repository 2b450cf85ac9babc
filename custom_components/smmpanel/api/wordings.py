"""What the error wordings of panels mean.

Panels report errors as free text, in the words of the panel script behind them: this
module reads such a text into an ErrorReason.
"""

from __future__ import annotations

from enum import StrEnum
import re
from typing import Final


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


# Checked in order: the first pattern found in the normalized message (lowercase,
# words separated by single spaces) wins. The wordings come from the API controllers
# of public panel scripts; tests/api/test_wordings.py lists them with their sources.
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


def classify_error(message: str) -> ErrorReason:
    """Return what an error message reported by a panel means."""
    normalized = re.sub(r"[\W_]+", " ", message.lower())
    for pattern, reason in _ERROR_PATTERNS:
        if pattern.search(normalized):
            return reason
    return ErrorReason.OTHER
