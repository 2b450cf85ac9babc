"""The exceptions the client raises: SmmPanelError and its subclasses."""

from __future__ import annotations

from .wordings import ErrorReason


class SmmPanelError(Exception):
    """Base class for every error this client raises."""


class SmmPanelConnectionError(SmmPanelError):
    """The panel could not be reached."""


class SmmPanelTimeoutError(SmmPanelConnectionError):
    """The panel did not answer in time."""


class SmmPanelOrderOutcomeUnknownError(SmmPanelError):
    """An `add` request was sent but its answer was lost: the order may exist."""


class SmmPanelAuthenticationError(SmmPanelError):
    """The panel rejected the API key, or the account it belongs to."""


class SmmPanelRateLimitError(SmmPanelError):
    """The panel asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Keep the number of seconds the panel asked us to wait, if it said."""
        super().__init__(message)
        self.retry_after = retry_after


class SmmPanelInvalidResponseError(SmmPanelError):
    """The panel answered something that is not the API (HTML, bad JSON, wrong shape)."""

    def __init__(self, message: str, excerpt: str = "") -> None:
        """Keep a short, sanitized excerpt of the body."""
        super().__init__(message)
        self.excerpt = excerpt


class SmmPanelApiError(SmmPanelError):
    """The panel reported an error for the whole request."""

    def __init__(self, message: str, reason: ErrorReason) -> None:
        """Keep the panel's message and its classification."""
        super().__init__(message)
        self.message = message
        self.reason = reason


class SmmPanelUnsupportedActionError(SmmPanelApiError):
    """The panel does not offer an action through its API."""

    def __init__(self, message: str, action: str) -> None:
        """Keep the panel's message and the action it does not offer."""
        super().__init__(message, ErrorReason.UNSUPPORTED_ACTION)
        self.action = action
