"""Dialects: the ways panel clones differ on the wire from the standard answers."""

from __future__ import annotations

from enum import StrEnum


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


type Dialect = frozenset[Quirk]

STANDARD: Dialect = frozenset()
# Every quirk; NO_CONTENT_TYPE is left out because TEXT_HTML_CONTENT_TYPE replaces it.
CLONE: Dialect = frozenset(Quirk) - {Quirk.NO_CONTENT_TYPE}
DIALECTS: dict[str, Dialect] = {"standard": STANDARD, "clone": CLONE}
