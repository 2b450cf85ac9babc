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


QUANTITY_TOO_LOW = "Quantity less than minimal {minimum}"
QUANTITY_TOO_HIGH = "Quantity more than maximum {maximum}"
FIELD_REQUIRED = "{field} is required parameter. Please check your API Manual"


def quantity_too_low(minimum: int) -> str:
    """Return the message for a quantity under the service's minimum."""
    return QUANTITY_TOO_LOW.format(minimum=minimum)


def quantity_too_high(maximum: int) -> str:
    """Return the message for a quantity over the service's maximum."""
    return QUANTITY_TOO_HIGH.format(maximum=maximum)


def field_label(field: str) -> str:
    """Return how panels name a form field in messages: "Answer number"."""
    return field.replace("_", " ").capitalize()


def field_required(field: str) -> str:
    """Return the message for a missing `add` field, in the panels' own wording."""
    return FIELD_REQUIRED.format(field=field_label(field))


def missing(field: str) -> str:
    """Return the wording key of a missing `add` field.

    Its standard message is `FIELD_REQUIRED`, or "Incorrect service ID" for the service.
    """
    return f"missing {field}"


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
    """An error the panel answers as `{"error": message}`.

    `template` is the standard wording, completed with `params`; `key` (by default the
    template) names the situation for the wording tables of dialects (see
    `Dialect.word`).
    """

    def __init__(
        self,
        template: str,
        kind: ErrorKind = ErrorKind.INVALID,
        *,
        untranslated: str | None = None,
        key: str | None = None,
        **params: str | int,
    ) -> None:
        """Keep the message, its kind and the untranslated key some clones send."""
        message = template.format(**params) if params else template
        super().__init__(message)
        self.template = template
        self.params = params
        self.key = key or template
        self.message = message
        self.kind = kind
        self.untranslated = untranslated or UNTRANSLATED.get(message, message)
