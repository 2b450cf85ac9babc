"""Dialects: the ways panel scripts differ on the wire from the standard answers.

A dialect is data: a set of quirks (shapes of answers), a wording table (the script's
own error messages), the paths it serves its API on, and the actions it lacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from . import errors
from .errors import PanelError


class Quirk(StrEnum):
    """One way a clone departs from the standard answers."""

    NUMBERS = "numbers"
    """Numbers (rates, limits, money, counts) as JSON numbers instead of strings."""
    FLOAT_BALANCE = "float_balance"
    """The balance as a JSON number."""
    NUMERIC_FLAGS = "numeric_flags"
    """Service flags (refill, cancel, dripfeed) as 1/0 instead of true/false."""
    LOWERCASE_VALUES = "lowercase_values"
    """Statuses and service types in lowercase ("inprogress", "default")."""
    BARE_STRING_ROWS = "bare_string_rows"
    """Per-id errors of keyed batch answers as bare strings: `"10": "Incorrect order ID"`."""
    LIST_ANSWERS = "list_answers"
    """Batch answers in their other shape: `status` as a list of rows with "order";
    `refill_status` and `cancel` as objects keyed by id."""
    ORDER_IN_STATUS = "order_in_status"
    """A single order's status also carries its "order" id."""
    UNKNOWN_REMAINS = "unknown_remains"
    """`remains` is "Unknown" until the order starts."""
    NO_CONTENT_TYPE = "no_content_type"
    """JSON answers carry no Content-Type header."""
    TEXT_HTML_CONTENT_TYPE = "text_html_content_type"
    """JSON answers carry `Content-Type: text/html; charset=UTF-8`."""
    HTTP_CODES = "http_codes"
    """Status codes: 201 on add, 401 bad key, 402 no funds, 404 not found, 422 invalid."""
    STATUS_SUCCESS_WRAPPER = "status_success_wrapper"
    """`add` answers `{"status": "success", "order": 151}`."""
    EMPTY_CATALOGUE = "empty_catalogue"
    """An empty catalogue is `{"status": "success", "data": "Empty Data"}`, not `[]`."""
    REFILL_STRING_ID = "refill_string_id"
    """`refill` answers `{"refill": "1"}`: the id as a string, no "success" text."""
    UNTRANSLATED_ERRORS = "untranslated_errors"
    """`add` errors as language keys, e.g. "neworder.error.not_enough_funds"."""
    PHP_PRETTY_JSON = "php_pretty_json"
    """JSON as PHP's `json_encode($x, JSON_PRETTY_PRINT)` writes it: four-space
    indents, one value per line, slashes escaped as `\\/`."""
    LEADING_NEWLINE = "leading_newline"
    """The body starts with a newline before the JSON (stray output of a PHP file)."""
    STATUS_SUCCESS_BALANCE = "status_success_balance"
    """`balance` answers `{"status": "success", "balance": ..., "currency": ...}`."""
    STRING_IDS = "string_ids"
    """Ids read back from the database are strings: "service" in `services`, "order"
    in statuses (with ORDER_IN_STATUS). The id `add` answers stays a number."""
    NULL_START_COUNT = "null_start_count"
    """`start_count` is null until the order starts."""
    ZERO_REMAINS_UNTIL_STARTED = "zero_remains_until_started"
    """`remains` is "0" until the order starts (the column's default before the panel
    first syncs the order), not the quantity."""
    SNAKE_CASE_TYPES = "snake_case_types"
    """Service types as snake_case keys: "default", "custom_comments", "package"."""
    STRING_FLAGS = "string_flags"
    """Service flags as "1"/"0" strings (database columns)."""
    NO_REFILL_CANCEL_FLAGS = "no_refill_cancel_flags"
    """Service rows carry no "refill" and "cancel" flags, only "dripfeed"."""
    CANCEL_REQUESTED_STATUS = "cancel_requested_status"
    """An order whose cancel was asked for reads "Cancellation Requested" until it is
    canceled: a status of the panel's own, outside the API's list (a FastAPI panel)."""


STANDARD_API_PATHS = ("/api/v2", "/api/v1")


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialect:
    """How one panel script speaks.

    `quirks` shape the answers; `wordings` replace the standard error messages, keyed
    by the situation (see `word`); `api_paths` are where the API answers, the first
    being the one to give clients; `unsupported_actions` answer like unknown actions.
    `Quirk.X in dialect` tells whether the dialect has a quirk.
    """

    quirks: frozenset[Quirk] = frozenset()
    wordings: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    api_paths: tuple[str, ...] = STANDARD_API_PATHS
    unsupported_actions: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        """Refuse a dialect that would serve its API nowhere."""
        if not self.api_paths:
            raise ValueError("a dialect needs at least one API path")

    def __contains__(self, quirk: object) -> bool:
        """Return whether the dialect has a quirk."""
        return quirk in self.quirks

    @property
    def api_path(self) -> str:
        """Return the path clients should use for the API."""
        return self.api_paths[0]

    def word(self, error: PanelError) -> str:
        """Return an error's message in this dialect's words.

        The table is looked up by the error's key (for example `errors.missing("link")`),
        then by its standard template (for example `errors.QUANTITY_TOO_LOW`); a wording
        may use the error's parameters, e.g. "{minimum}". Without an entry the standard
        message stands.
        """
        wording = self.wordings.get(error.key) or self.wordings.get(error.template)
        if wording is None:
            return error.message
        return wording.format(**error.params)

    def derive(
        self, *quirks: Quirk, wordings: Mapping[str, str] | None = None
    ) -> Dialect:
        """Return this dialect with more quirks, and wordings added or overridden."""
        return Dialect(
            quirks=self.quirks | frozenset(quirks),
            wordings=MappingProxyType({**self.wordings, **(wordings or {})}),
            api_paths=self.api_paths,
            unsupported_actions=self.unsupported_actions,
        )


def as_dialect(dialect: Dialect | AbstractSet[Quirk]) -> Dialect:
    """Return a dialect; a bare set of quirks is the standard dialect with them."""
    if isinstance(dialect, Dialect):
        return dialect
    return Dialect(quirks=frozenset(dialect))


STANDARD = Dialect()
# The clone answers in every shape of the clones of the reference (its quirks as they
# were before the script dialects); NO_CONTENT_TYPE is left out because
# TEXT_HTML_CONTENT_TYPE replaces it.
CLONE = Dialect(
    quirks=frozenset(
        {
            Quirk.NUMBERS,
            Quirk.FLOAT_BALANCE,
            Quirk.NUMERIC_FLAGS,
            Quirk.LOWERCASE_VALUES,
            Quirk.BARE_STRING_ROWS,
            Quirk.LIST_ANSWERS,
            Quirk.ORDER_IN_STATUS,
            Quirk.UNKNOWN_REMAINS,
            Quirk.TEXT_HTML_CONTENT_TYPE,
            Quirk.HTTP_CODES,
            Quirk.STATUS_SUCCESS_WRAPPER,
            Quirk.EMPTY_CATALOGUE,
            Quirk.REFILL_STRING_ID,
            Quirk.UNTRANSLATED_ERRORS,
        }
    )
)

# SmartPanel (the CodeIgniter PHP script, version 4.0), as its source answers:
# app/modules/api/controllers/api.php and models/api_model.php.
SMARTPANEL_INVALID_KEY = (
    "API is Disable for this user or User Not Found! Contact the Support"
)
SMARTPANEL_INVALID_ACTION = "This action is Invalid"
SMARTPANEL_MISSING_PARAMETERS = (
    "There are missing required parameters. Please check your API Manual"
)
SMARTPANEL_WORDINGS: Mapping[str, str] = MappingProxyType(
    {
        errors.INVALID_API_KEY: SMARTPANEL_INVALID_KEY,
        errors.INCORRECT_ACTION: SMARTPANEL_INVALID_ACTION,
        errors.missing("service"): SMARTPANEL_MISSING_PARAMETERS,
        errors.INCORRECT_SERVICE_ID: "Service ID does not exists",
        errors.missing("link"): "Bad Link",
        # 4.0 takes any non-empty link; 3.x checked it with this message.
        errors.INCORRECT_LINK: "Invalid Link",
        errors.missing("quantity"): "Quantity is required",
        errors.missing("comments"): "Comments field is required",
        errors.FIELD_REQUIRED: SMARTPANEL_MISSING_PARAMETERS,
        errors.QUANTITY_TOO_LOW: (
            "Quantity must to be greater than or equal to minimum amount {minimum}"
        ),
        errors.QUANTITY_TOO_HIGH: (
            "Quantity must to be less than or equal to maximum amount {maximum}"
        ),
        # "Not enough funds on balance", "Incorrect order ID" and "Order ID is
        # required parameter. Please check your API Manual" are the standard words.
    }
)
SMARTPANEL = Dialect(
    quirks=frozenset(
        {
            Quirk.TEXT_HTML_CONTENT_TYPE,
            Quirk.PHP_PRETTY_JSON,
            Quirk.STATUS_SUCCESS_BALANCE,
            Quirk.STATUS_SUCCESS_WRAPPER,
            Quirk.EMPTY_CATALOGUE,
            Quirk.STRING_IDS,
            Quirk.SNAKE_CASE_TYPES,
            Quirk.STRING_FLAGS,
            Quirk.NO_REFILL_CANCEL_FLAGS,
            Quirk.ORDER_IN_STATUS,
            Quirk.NULL_START_COUNT,
            Quirk.ZERO_REMAINS_UNTIL_STARTED,
            Quirk.BARE_STRING_ROWS,
        }
    ),
    wordings=SMARTPANEL_WORDINGS,
    api_paths=("/api/v1",),
    unsupported_actions=frozenset({"refill", "refill_status", "cancel"}),
)
# The SmartPanel-based panel of the bug report: a newline before the JSON, and one
# message for a quantity out of range.
SMARTPANEL_QUANTITY_RANGE = "Quantity must be between {minimum} and {maximum}"
SMARTPANEL_REPORTED = SMARTPANEL.derive(
    Quirk.LEADING_NEWLINE,
    wordings={
        errors.QUANTITY_TOO_LOW: SMARTPANEL_QUANTITY_RANGE,
        errors.QUANTITY_TOO_HIGH: SMARTPANEL_QUANTITY_RANGE,
    },
)

DIALECTS: dict[str, Dialect] = {
    "standard": STANDARD,
    "clone": CLONE,
    "smartpanel": SMARTPANEL,
    "smartpanel-reported": SMARTPANEL_REPORTED,
}
