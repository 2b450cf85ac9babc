"""The errors actions raise: bad input, and failures of the panel, translated."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    ErrorReason,
    SmmPanelApiError,
    SmmPanelAuthenticationError,
    SmmPanelConnectionError,
    SmmPanelError,
    SmmPanelInvalidResponseError,
    SmmPanelOrderOutcomeUnknownError,
    SmmPanelRateLimitError,
    SmmPanelUnsupportedActionError,
)
from .const import DOMAIN
from .coordinator import SmmPanelConfigEntry

# Panel errors caused by what the user asked for rather than by the panel.
INPUT_ERROR_REASONS: Final = frozenset(
    {
        ErrorReason.BAD_LINK,
        ErrorReason.QUANTITY_TOO_LOW,
        ErrorReason.QUANTITY_TOO_HIGH,
        ErrorReason.QUANTITY_OUT_OF_RANGE,
        ErrorReason.UNKNOWN_SERVICE,
        ErrorReason.ACTIVE_ORDER_ON_LINK,
        ErrorReason.INSUFFICIENT_FUNDS,
        ErrorReason.MISSING_PARAMETER,
    }
)


def _translated[E: HomeAssistantError](
    error_class: type[E], translation_key: str, placeholders: Mapping[str, object]
) -> E:
    return error_class(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders={
            key: str(value) for key, value in placeholders.items()
        },
    )


def validation_error(
    translation_key: str, **placeholders: object
) -> ServiceValidationError:
    """Return the error for bad input."""
    return _translated(ServiceValidationError, translation_key, placeholders)


def failure(translation_key: str, **placeholders: object) -> HomeAssistantError:
    """Return the error for a failure of the panel or of the way to it."""
    return _translated(HomeAssistantError, translation_key, placeholders)


def action_failure(error: SmmPanelError) -> HomeAssistantError:
    """Return the translated error for a failed call to the panel.

    The client keeps the API key out of its messages.
    """
    message = str(error)
    match error:
        case SmmPanelOrderOutcomeUnknownError():
            return failure("order_outcome_unknown", error=message)
        case SmmPanelRateLimitError():
            return failure("action_rate_limited")
        case SmmPanelConnectionError():
            return failure("cannot_connect", error=message)
        case SmmPanelInvalidResponseError():
            return failure("invalid_response", error=message)
        case SmmPanelUnsupportedActionError(action="refill"):
            return failure("refill_not_offered")
        case SmmPanelUnsupportedActionError(action="cancel"):
            return failure("cancel_not_offered")
        case SmmPanelUnsupportedActionError(action=action):
            return failure("action_not_offered", action=action)
        case SmmPanelApiError(reason=reason) if reason in INPUT_ERROR_REASONS:
            return validation_error("panel_rejected_input", message=message)
    return failure("panel_error", message=message)


@contextmanager
def panel_errors(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    translate: Callable[[SmmPanelError], HomeAssistantError] = action_failure,
) -> Iterator[None]:
    """Turn client errors raised inside the block into translated action errors.

    A rejected key also starts reauthentication.
    """
    try:
        yield
    except SmmPanelAuthenticationError as error:
        entry.async_start_reauth(hass)
        raise failure("action_invalid_auth") from error
    except SmmPanelError as error:
        raise translate(error) from error
