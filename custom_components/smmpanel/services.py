"""Actions of the SMM Panel integration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
import unicodedata

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, CONF_API_KEY
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType
import probatio

from .api import (
    ErrorReason,
    NewOrder,
    OrderState,
    PanelService,
    RowError,
    ServiceType,
    SmmPanelApiError,
    SmmPanelAuthenticationError,
    SmmPanelConnectionError,
    SmmPanelError,
    SmmPanelInvalidResponseError,
    SmmPanelOrderOutcomeUnknownError,
    SmmPanelRateLimitError,
    SmmPanelUnsupportedActionError,
    allowed_fields,
    required_fields,
)
from .const import DOMAIN
from .coordinator import SmmPanelConfigEntry, SmmPanelCoordinator

SERVICE_ADD_ORDER: Final = "add_order"
SERVICE_REFILL: Final = "refill"
SERVICE_CANCEL: Final = "cancel"
SERVICE_TRACK_ORDER: Final = "track_order"
SERVICE_UNTRACK_ORDER: Final = "untrack_order"
SERVICE_GET_SERVICES: Final = "get_services"
SERVICE_GET_ORDER_STATUS: Final = "get_order_status"

ATTR_SERVICE: Final = "service"
ATTR_LINK: Final = "link"
ATTR_QUANTITY: Final = "quantity"
ATTR_RUNS: Final = "runs"
ATTR_INTERVAL: Final = "interval"
ATTR_MIN: Final = "min"
ATTR_MAX: Final = "max"
ATTR_EXPIRY: Final = "expiry"
ATTR_VALIDATE_ONLY: Final = "validate_only"
ATTR_ORDERS: Final = "orders"
ATTR_CATEGORY: Final = "category"
ATTR_SEARCH: Final = "search"
ATTR_TYPE: Final = "type"

MAX_LINK_LENGTH: Final = 2048
MAX_ORDER_IDS: Final = 1000
EXPIRY_FORMAT: Final = "%d/%m/%Y"
UNITS_PER_ORDER_WITHOUT_QUANTITY: Final = 1000

# `add` fields holding whole numbers, with the smallest value each accepts.
INTEGER_FIELDS: Final[Mapping[str, int]] = {
    ATTR_QUANTITY: 1,
    ATTR_RUNS: 1,
    ATTR_INTERVAL: 1,
    "answer_number": 1,
    ATTR_MIN: 1,
    ATTR_MAX: 1,
    "posts": 1,
    "old_posts": 0,
    "delay": 0,
}
# `add` fields holding one entry per line.
LIST_FIELDS: Final = ("comments", "usernames", "hashtags", "groups", "keywords")
# `add` fields holding a single line of text.
LINE_FIELDS: Final = (
    "hashtag",
    "username",
    "media",
    "country",
    "device",
    "type_of_traffic",
    "google_keyword",
    "referring_url",
)
DRIPFEED_FIELDS: Final = frozenset({ATTR_RUNS, ATTR_INTERVAL})

# Types whose quantity is the number of lines of one of their list fields.
COUNTED_FIELD: Final[Mapping[ServiceType, str]] = {
    ServiceType.CUSTOM_COMMENTS: "comments",
    ServiceType.CUSTOM_COMMENTS_PACKAGE: "comments",
    ServiceType.COMMENT_REPLIES: "comments",
    ServiceType.MENTIONS_CUSTOM_LIST: "usernames",
}

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


def _whole_number(minimum: int) -> Callable[[Any], int]:
    """Return a validator for a whole number of at least `minimum`.

    Unlike probatio.Coerce(int) it refuses 1.5 instead of silently ordering 1.
    """

    def validate(value: Any) -> int:
        if isinstance(value, bool):
            raise probatio.Invalid("expected a whole number")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str) and value.strip().lstrip("+-").isdecimal():
            value = int(value.strip())
        if not isinstance(value, int):
            raise probatio.Invalid("expected a whole number")
        if value < minimum:
            raise probatio.Invalid(f"must be at least {minimum}")
        return value

    return validate


_LIST_VALUE = probatio.Any([cv.string], cv.string)

_CONFIG_ENTRY_SCHEMA: Final = {probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string}
_ORDERS_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        # Numbers become text here; _parse_order_ids reads the ids.
        probatio.Required(ATTR_ORDERS): probatio.Any([cv.string], cv.string),
    }
)
SERVICE_ADD_ORDER_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        probatio.Required(ATTR_SERVICE): _whole_number(1),
        probatio.Optional(ATTR_LINK): cv.string,
        **{
            probatio.Optional(field): _whole_number(minimum)
            for field, minimum in INTEGER_FIELDS.items()
        },
        **{probatio.Optional(field): _LIST_VALUE for field in LIST_FIELDS},
        **{probatio.Optional(field): cv.string for field in LINE_FIELDS},
        probatio.Optional(ATTR_EXPIRY): probatio.Any(cv.date, cv.string),
        probatio.Optional(ATTR_VALIDATE_ONLY, default=False): cv.boolean,
    }
)
SERVICE_GET_SERVICES_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        probatio.Optional(ATTR_CATEGORY): cv.string,
        probatio.Optional(ATTR_SEARCH): cv.string,
        probatio.Optional(ATTR_TYPE): probatio.Coerce(ServiceType),
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


def _validation_error(
    translation_key: str, **placeholders: object
) -> ServiceValidationError:
    """Return the error for bad input."""
    return _translated(ServiceValidationError, translation_key, placeholders)


def _failure(translation_key: str, **placeholders: object) -> HomeAssistantError:
    """Return the error for a failure of the panel or of the way to it."""
    return _translated(HomeAssistantError, translation_key, placeholders)


def _message(error: SmmPanelError, entry: SmmPanelConfigEntry) -> str:
    """Return a client error's message for the user, without the API key.

    The client never puts the key in its messages; this keeps it that way.
    """
    api_key: str = entry.data[CONF_API_KEY]
    return str(error).replace(api_key, "**REDACTED**") if api_key else str(error)


def _key_rejected(
    hass: HomeAssistant, entry: SmmPanelConfigEntry
) -> HomeAssistantError:
    """Start reauthentication and return the error saying why."""
    entry.async_start_reauth(hass)
    return _failure("action_invalid_auth")


@contextmanager
def _panel_errors(hass: HomeAssistant, entry: SmmPanelConfigEntry) -> Iterator[None]:
    """Turn client errors raised inside the block into translated action errors."""
    try:
        yield
    except SmmPanelAuthenticationError as error:
        raise _key_rejected(hass, entry) from error
    except SmmPanelError as error:
        raise _action_failure(error, _message(error, entry)) from error


def _action_failure(error: SmmPanelError, message: str) -> HomeAssistantError:
    """Return the translated error for a failed call to the panel."""
    match error:
        case SmmPanelOrderOutcomeUnknownError():
            return _failure("order_outcome_unknown", error=message)
        case SmmPanelRateLimitError():
            return _failure("action_rate_limited")
        case SmmPanelConnectionError():
            return _failure("cannot_connect", error=message)
        case SmmPanelInvalidResponseError():
            return _failure("invalid_response", error=message)
        case SmmPanelUnsupportedActionError(action="refill"):
            return _failure("refill_not_offered")
        case SmmPanelUnsupportedActionError(action="cancel"):
            return _failure("cancel_not_offered")
        case SmmPanelUnsupportedActionError(action=action):
            return _failure("action_not_offered", action=action)
        case SmmPanelApiError(reason=reason) if reason in INPUT_ERROR_REASONS:
            return _validation_error("panel_rejected_input", message=message)
    return _failure("panel_error", message=message)


def _entry(call: ServiceCall) -> SmmPanelConfigEntry:
    entry: SmmPanelConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    return entry


def _money(value: Decimal) -> str:
    """Return an amount for a message, without trailing zeros or exponent."""
    return format(value.normalize(), "f")


def _parse_order_ids(value: str | list[str]) -> list[int]:
    """Return the distinct order ids of a list, or of comma-separated ids."""
    items = value if isinstance(value, list) else value.split(",")
    order_ids: list[int] = []
    for item in items:
        text = item.strip()
        if not text and not isinstance(value, list):
            continue  # "1, 2," has an empty last item
        if not text.isdecimal() or int(text) < 1:
            raise _validation_error("invalid_order_ids", value=value)
        order_ids.append(int(text))
    if not order_ids:
        raise _validation_error("invalid_order_ids", value=value)
    distinct = list(dict.fromkeys(order_ids))
    if len(distinct) > MAX_ORDER_IDS:
        raise _validation_error(
            "too_many_orders", count=len(distinct), max=MAX_ORDER_IDS
        )
    return distinct


# Control characters, and the Unicode line and paragraph separators.
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Zl", "Zp"})


def _has_control_characters(text: str, allowed: str = "") -> bool:
    return any(
        unicodedata.category(char) in _FORBIDDEN_CATEGORIES and char not in allowed
        for char in text
    )


def _clean_list(field: str, value: str | list[str]) -> str:
    """Return a list field as non-empty lines joined by newlines."""
    text = "\n".join(value) if isinstance(value, list) else value
    if _has_control_characters(text, allowed="\r\n"):
        raise _validation_error("invalid_text", field=field)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _clean_line(field: str, value: str) -> str:
    if _has_control_characters(value):
        raise _validation_error("invalid_text", field=field)
    return value.strip()


def _clean_link(value: str) -> str:
    link = value.strip()
    if (
        len(link) > MAX_LINK_LENGTH
        or any(char.isspace() for char in link)
        or any(unicodedata.category(char) in ("Cc", "Cf") for char in link)
    ):
        raise _validation_error("invalid_link", max=MAX_LINK_LENGTH)
    return link


def _clean_expiry(value: date | str) -> str:
    if isinstance(value, date):
        expiry = value
    else:
        try:
            expiry = datetime.strptime(value.strip(), EXPIRY_FORMAT).date()
        except ValueError:
            raise _validation_error("invalid_expiry", expiry=value) from None
    if expiry < dt_util.now().date():
        raise _validation_error("expiry_in_past", expiry=expiry.strftime(EXPIRY_FORMAT))
    return expiry.strftime(EXPIRY_FORMAT)


def _order_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the given `add` fields, cleaned; empty text counts as not given."""
    fields: dict[str, Any] = {}
    for field, value in data.items():
        if field in INTEGER_FIELDS:
            fields[field] = value
        elif field in LIST_FIELDS:
            fields[field] = _clean_list(field, value)
        elif field in LINE_FIELDS:
            fields[field] = _clean_line(field, value)
        elif field == ATTR_LINK:
            fields[field] = _clean_link(value)
        elif field == ATTR_EXPIRY:
            fields[field] = _clean_expiry(value)
    return {field: value for field, value in fields.items() if value != ""}


def _check_quantity(panel_service: PanelService, quantity: int) -> None:
    if not panel_service.min_quantity <= quantity <= panel_service.max_quantity:
        raise _validation_error(
            "quantity_out_of_range",
            quantity=quantity,
            service=panel_service.service_id,
            min=panel_service.min_quantity,
            max=panel_service.max_quantity,
        )


def _validate_order(
    panel_service: PanelService, fields: dict[str, Any]
) -> tuple[int | None, Decimal]:
    """Check the fields against the service; drop derived ones.

    Return the quantity the order delivers (given or counted from lines, times
    the drip-feed runs) and the estimated cost.
    """
    counted = COUNTED_FIELD.get(panel_service.type)
    allowed = allowed_fields(panel_service.type)
    given = set(fields)
    # For counted types an explicit quantity is checked below, then dropped.
    unexpected = given - allowed - ({ATTR_QUANTITY} if counted else set())
    if unexpected:
        raise _validation_error(
            "fields_not_allowed",
            type=panel_service.raw_type,
            fields=", ".join(sorted(unexpected)),
        )
    if missing := required_fields(panel_service.type) - given:
        raise _validation_error(
            "missing_fields",
            type=panel_service.raw_type,
            fields=", ".join(sorted(missing)),
        )
    if dripfeed := given & DRIPFEED_FIELDS:
        if not panel_service.dripfeed:
            raise _validation_error(
                "dripfeed_not_supported", service=panel_service.service_id
            )
        if dripfeed != DRIPFEED_FIELDS:
            raise _validation_error("dripfeed_incomplete")

    quantity: int | None = fields.get(ATTR_QUANTITY)
    if counted is not None and counted in fields:
        count = len(fields[counted].split("\n"))
        if quantity is not None and quantity != count:
            raise _validation_error(
                "quantity_mismatch", quantity=quantity, count=count, field=counted
            )
        quantity = count
        fields.pop(ATTR_QUANTITY, None)  # the panel counts the lines itself
    if quantity is not None:
        _check_quantity(panel_service, quantity)
    for field in (ATTR_MIN, ATTR_MAX):
        if field in fields:
            _check_quantity(panel_service, fields[field])
    if (
        ATTR_MIN in fields
        and ATTR_MAX in fields
        and fields[ATTR_MIN] > fields[ATTR_MAX]
    ):
        raise _validation_error(
            "min_above_max", min=fields[ATTR_MIN], max=fields[ATTR_MAX]
        )

    if quantity is None:
        return None, panel_service.cost(UNITS_PER_ORDER_WITHOUT_QUANTITY)
    delivered = quantity * fields.get(ATTR_RUNS, 1)
    return delivered, panel_service.cost(delivered)


def _check_cost(coordinator: SmmPanelCoordinator, cost: Decimal) -> None:
    currency = coordinator.currency or ""
    if (cap := coordinator.max_order_cost) is not None and cost > cap:
        raise _validation_error(
            "cost_above_cap", cost=_money(cost), cap=_money(cap), currency=currency
        )
    if coordinator.data is not None and cost > coordinator.data.balance.amount:
        raise _validation_error(
            "insufficient_balance",
            cost=_money(cost),
            balance=_money(coordinator.data.balance.amount),
            currency=currency,
        )


async def _async_get_catalogue(
    hass: HomeAssistant, entry: SmmPanelConfigEntry
) -> Mapping[int, PanelService]:
    """Return the account's catalogue, or fail saying it cannot be fetched."""
    try:
        return await entry.runtime_data.async_get_catalogue()
    except SmmPanelAuthenticationError as error:
        raise _key_rejected(hass, entry) from error
    except SmmPanelError as error:
        raise _failure(
            "catalogue_unavailable", title=entry.title, error=_message(error, entry)
        ) from error


async def _async_add_order(call: ServiceCall) -> ServiceResponse:
    """Validate an order against the catalogue and place it (never retried)."""
    entry = _entry(call)
    coordinator = entry.runtime_data
    catalogue = await _async_get_catalogue(call.hass, entry)
    service_id: int = call.data[ATTR_SERVICE]
    if (panel_service := catalogue.get(service_id)) is None:
        raise _validation_error("unknown_service", service=service_id)
    fields = _order_fields(call.data)
    quantity, cost = _validate_order(panel_service, fields)
    _check_cost(coordinator, cost)

    order_id: int | None = None
    if not call.data[ATTR_VALIDATE_ONLY]:
        with _panel_errors(call.hass, entry):
            order_id = await coordinator.async_place_order(
                NewOrder(service=service_id, **fields), quantity=quantity
            )
    if not call.return_response:
        return None
    return {
        "order": order_id,
        "estimated_charge": float(cost),
        "currency": coordinator.currency,
    }


def _error_row(order_id: int, error: RowError | None) -> JsonValueType:
    return {
        "order": order_id,
        "error": "No answer from the panel" if error is None else error.message,
    }


def _status_rows(
    order_ids: list[int], results: Mapping[int, OrderState | RowError]
) -> list[JsonValueType]:
    rows: list[JsonValueType] = []
    for order_id in order_ids:
        result = results.get(order_id)
        if not isinstance(result, OrderState):
            rows.append(_error_row(order_id, result))
            continue
        rows.append(
            {
                "order": order_id,
                "status": str(result.status),
                "panel_status": result.raw_status,
                "charge": None if result.charge is None else float(result.charge),
                "start_count": result.start_count,
                "remains": result.remains,
                "currency": result.currency,
            }
        )
    return rows


def _batch_rows(
    order_ids: list[int], results: Mapping[int, int | RowError], key: str
) -> list[JsonValueType]:
    """Return one row per order: its result under `key`, or its error."""
    rows: list[JsonValueType] = []
    for order_id in order_ids:
        result = results.get(order_id)
        if result is None or isinstance(result, RowError):
            rows.append(_error_row(order_id, result))
        else:
            rows.append({"order": order_id, key: result})
    return rows


async def _async_run_on_orders[R](
    call: ServiceCall,
    run: Callable[[SmmPanelCoordinator, list[int]], Awaitable[R]],
) -> tuple[list[int], R]:
    """Run an account action on the orders a call names; return the ids and result."""
    entry = _entry(call)
    order_ids = _parse_order_ids(call.data[ATTR_ORDERS])
    with _panel_errors(call.hass, entry):
        return order_ids, await run(entry.runtime_data, order_ids)


async def _async_refill(call: ServiceCall) -> ServiceResponse:
    """Request refills of orders."""
    order_ids, results = await _async_run_on_orders(
        call, SmmPanelCoordinator.async_refill
    )
    if not call.return_response:
        return None
    return {"refills": _batch_rows(order_ids, results, "refill")}


async def _async_cancel(call: ServiceCall) -> ServiceResponse:
    """Ask the panel to cancel orders."""
    order_ids, results = await _async_run_on_orders(
        call, SmmPanelCoordinator.async_cancel
    )
    if not call.return_response:
        return None
    return {"orders": _batch_rows(order_ids, results, "cancel_requested")}


async def _async_track_order(call: ServiceCall) -> ServiceResponse:
    """Start tracking orders placed elsewhere."""
    order_ids, results = await _async_run_on_orders(
        call, SmmPanelCoordinator.async_track_orders
    )
    if not call.return_response:
        return None
    return {"orders": _status_rows(order_ids, results)}


async def _async_untrack_order(call: ServiceCall) -> None:
    """Stop tracking orders; all of them must be tracked, or nothing changes."""
    entry = _entry(call)
    coordinator = entry.runtime_data
    order_ids = _parse_order_ids(call.data[ATTR_ORDERS])
    if unknown := [i for i in order_ids if i not in coordinator.tracker.orders]:
        raise _validation_error(
            "orders_not_tracked", orders=", ".join(map(str, unknown))
        )
    await coordinator.async_untrack_orders(order_ids)


async def _async_get_order_status(call: ServiceCall) -> ServiceResponse:
    """Return the status of orders without tracking them."""
    order_ids, results = await _async_run_on_orders(
        call, lambda coordinator, ids: coordinator.client.get_order_statuses(ids)
    )
    return {"orders": _status_rows(order_ids, results)}


def _matches(panel_service: PanelService, data: Mapping[str, Any]) -> bool:
    if (wanted := data.get(ATTR_TYPE)) is not None and panel_service.type is not wanted:
        return False
    if (category := data.get(ATTR_CATEGORY)) is not None and (
        category.casefold() not in panel_service.category.casefold()
    ):
        return False
    if (search := data.get(ATTR_SEARCH)) is not None:
        haystack = (
            panel_service.name,
            panel_service.category,
            panel_service.description or "",
        )
        return any(search.casefold() in text.casefold() for text in haystack)
    return True


async def _async_get_services(call: ServiceCall) -> ServiceResponse:
    """Return the panel's services, optionally filtered."""
    entry = _entry(call)
    coordinator = entry.runtime_data
    catalogue = await _async_get_catalogue(call.hass, entry)
    return {
        "services": [
            {
                "service": panel_service.service_id,
                "name": panel_service.name,
                "type": str(panel_service.type),
                "category": panel_service.category,
                "rate": float(panel_service.rate),
                "min": panel_service.min_quantity,
                "max": panel_service.max_quantity,
                "refill": panel_service.refill,
                "cancel": panel_service.cancel,
                "dripfeed": panel_service.dripfeed,
                "description": panel_service.description,
            }
            for panel_service in catalogue.values()
            if _matches(panel_service, call.data)
        ],
        "currency": coordinator.currency,
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the SMM Panel actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_ADD_ORDER,
        _async_add_order,
        schema=SERVICE_ADD_ORDER_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    for name, handler in (
        (SERVICE_REFILL, _async_refill),
        (SERVICE_CANCEL, _async_cancel),
        (SERVICE_TRACK_ORDER, _async_track_order),
    ):
        hass.services.async_register(
            DOMAIN,
            name,
            handler,
            schema=_ORDERS_SCHEMA,
            supports_response=SupportsResponse.OPTIONAL,
        )
    hass.services.async_register(
        DOMAIN, SERVICE_UNTRACK_ORDER, _async_untrack_order, schema=_ORDERS_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_ORDER_STATUS,
        _async_get_order_status,
        schema=_ORDERS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_SERVICES,
        _async_get_services,
        schema=SERVICE_GET_SERVICES_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
