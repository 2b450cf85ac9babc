"""The error messages the panel answers, and the exception that carries them."""

from __future__ import annotations

from enum import StrEnum

INVALID_API_KEY = "Invalid API key"
INCORRECT_ORDER_ID = "Incorrect order ID"
INCORRECT_SERVICE_ID = "Incorrect service ID"
INCORRECT_LINK = "Incorrect link"
NOT_ENOUGH_FUNDS = "Not enough funds on balance"
ACTIVE_ORDER_ON_LINK = (
    "You have active order with this link. Please wait until order being completed."
)
ORDER_ID_REQUIRED = "Order ID is required parameter. Please check your API Manual"
INCORRECT_REQUEST = "Incorrect request"
INCORRECT_ACTION = "Incorrect action"
RATE_LIMIT_EXCEEDED = "Rate limit exceeded. Slow down."
NOT_ELIGIBLE_FOR_REFILL = "Order not eligible for refill."
REFILL_DISABLED = "Refill is disabled for this service"
ORDER_NOT_COMPLETED = "The order is not completed"
REFILL_NOT_FOUND = "Refill not found"
# The reference documents no cancel errors; these mirror the refill ones.
CANCEL_DISABLED = "Cancel is disabled for this service"
NOT_ELIGIBLE_FOR_CANCEL = "Order not eligible for cancel."


def quantity_too_low(minimum: int) -> str:
    """Return the message for a quantity under the service's minimum."""
    return f"Quantity less than minimal {minimum}"


def quantity_too_high(maximum: int) -> str:
    """Return the message for a quantity over the service's maximum."""
    return f"Quantity more than maximum {maximum}"


def field_required(field: str) -> str:
    """Return the message for a missing `add` field, in the panels' own wording."""
    label = field.replace("_", " ").capitalize()
    return f"{label} is required parameter. Please check your API Manual"


# What some clones send instead of the message (untranslated language keys).
UNTRANSLATED: dict[str, str] = {
    NOT_ENOUGH_FUNDS: "neworder.error.not_enough_funds",
    ACTIVE_ORDER_ON_LINK: "neworder.error.link_duplicate",
    INCORRECT_LINK: "neworder.error.link",
    INCORRECT_SERVICE_ID: "error.incorrect_service_id",
}
UNTRANSLATED_QUANTITY_TOO_LOW = "neworder.error.min_quantity"
UNTRANSLATED_QUANTITY_TOO_HIGH = "neworder.error.max_quantity"


class ErrorKind(StrEnum):
    """What went wrong, which decides the HTTP status on clones that use them."""

    INVALID_KEY = "invalid_key"
    NOT_ENOUGH_FUNDS = "not_enough_funds"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


class PanelError(Exception):
    """An error the panel answers as `{"error": message}`."""

    def __init__(
        self,
        message: str,
        kind: ErrorKind = ErrorKind.INVALID,
        untranslated: str | None = None,
    ) -> None:
        """Keep the message, its kind and the untranslated key some clones send."""
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.untranslated = untranslated or UNTRANSLATED.get(message, message)
