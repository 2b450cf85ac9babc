"""Actions of the SMM Panel integration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
import unicodedata

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_ENTITY_ID, Platform
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    entity_registry as er,
    service,
)
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType
import probatio

from .api import (
    DripfeedNotSupported,
    ErrorReason,
    FieldsNotAllowed,
    MinAboveMax,
    MissingFields,
    NewOrder,
    OrderField,
    OrderQuote,
    OrderState,
    OrderStatus,
    PanelService,
    QuantityMismatch,
    QuantityOutOfRange,
    RefillStatus,
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
    quote_order,
)
from .const import DOMAIN, ORDER_KEY_PREFIX
from .coordinator import SmmPanelConfigEntry, SmmPanelData
from .models import TrackedOrder, TrackedRefill
from .spending import MAX_PERIODS, Period

SERVICE_ADD_ORDER: Final = "add_order"
SERVICE_REFILL: Final = "refill"
SERVICE_CANCEL: Final = "cancel"
SERVICE_TRACK_ORDER: Final = "track_order"
SERVICE_UNTRACK_ORDER: Final = "untrack_order"
SERVICE_GET_SERVICES: Final = "get_services"
SERVICE_GET_ORDER_STATUS: Final = "get_order_status"
SERVICE_GET_SPENDING: Final = "get_spending"

ATTR_SERVICE: Final = "service"
ATTR_VALIDATE_ONLY: Final = "validate_only"
ATTR_ORDERS: Final = "orders"
ATTR_CATEGORY: Final = "category"
ATTR_SEARCH: Final = "search"
ATTR_TYPE: Final = "type"
ATTR_PERIOD: Final = "period"
ATTR_COUNT: Final = "count"

MAX_LINK_LENGTH: Final = 2048
MAX_ORDER_IDS: Final = 1000
EXPIRY_FORMAT: Final = "%d/%m/%Y"

# How the action reads each `add` field. Whole numbers, with the smallest accepted:
INTEGER_FIELDS: Final[Mapping[OrderField, int]] = {
    OrderField.QUANTITY: 1,
    OrderField.RUNS: 1,
    OrderField.INTERVAL: 1,
    OrderField.ANSWER_NUMBER: 1,
    OrderField.MIN: 1,
    OrderField.MAX: 1,
    OrderField.POSTS: 1,
    OrderField.OLD_POSTS: 0,
    OrderField.DELAY: 0,
}
# One entry per line:
LIST_FIELDS: Final = (
    OrderField.COMMENTS,
    OrderField.USERNAMES,
    OrderField.HASHTAGS,
    OrderField.GROUPS,
    OrderField.KEYWORDS,
)
# A single line of text:
LINE_FIELDS: Final = (
    OrderField.HASHTAG,
    OrderField.USERNAME,
    OrderField.MEDIA,
    OrderField.COUNTRY,
    OrderField.DEVICE,
    OrderField.TYPE_OF_TRAFFIC,
    OrderField.GOOGLE_KEYWORD,
    OrderField.REFERRING_URL,
)
# And OrderField.LINK, a link; OrderField.EXPIRY, a date.

# Messages list fields in the order the action shows them (min before max).
FIELD_ORDER: Final = list(OrderField)

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

# Optional: with one account loaded, that one is used.
_CONFIG_ENTRY_SCHEMA: Final = {probatio.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
# Numbers become text here; _parse_order_ids reads the ids.
_ORDER_IDS: Final = probatio.Any([cv.string], cv.string)
_ORDERS_SCHEMA: Final = probatio.Schema(
    {**_CONFIG_ENTRY_SCHEMA, probatio.Required(ATTR_ORDERS): _ORDER_IDS}
)
# Orders named by their ids, their sensors, or both (at least one).
_ORDERS_OR_ENTITIES_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        probatio.Optional(ATTR_ORDERS): _ORDER_IDS,
        probatio.Optional(ATTR_ENTITY_ID): cv.entity_ids,
    }
)
SERVICE_ADD_ORDER_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        probatio.Required(ATTR_SERVICE): _whole_number(1),
        probatio.Optional(OrderField.LINK): cv.string,
        **{
            probatio.Optional(field): _whole_number(minimum)
            for field, minimum in INTEGER_FIELDS.items()
        },
        **{probatio.Optional(field): _LIST_VALUE for field in LIST_FIELDS},
        **{probatio.Optional(field): cv.string for field in LINE_FIELDS},
        probatio.Optional(OrderField.EXPIRY): probatio.Any(cv.date, cv.string),
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

SERVICE_GET_SPENDING_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        probatio.Optional(ATTR_PERIOD, default=Period.DAY): probatio.Coerce(Period),
        probatio.Optional(ATTR_COUNT, default=7): _whole_number(1),
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
        raise _action_failure(error) from error


def _action_failure(error: SmmPanelError) -> HomeAssistantError:
    """Return the translated error for a failed call to the panel.

    The client keeps the API key out of its messages.
    """
    message = str(error)
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


def _entry(call: ServiceCall, entry_id: str | None = None) -> SmmPanelConfigEntry:
    """Return the account a call names, or the only loaded one if it names none."""
    if (entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID, entry_id)) is None:
        loaded = call.hass.config_entries.async_loaded_entries(DOMAIN)
        if not loaded:
            raise _validation_error("no_account_loaded")
        if len(loaded) > 1:
            raise _validation_error(
                "account_required",
                accounts=", ".join(sorted(entry.title for entry in loaded)),
            )
        entry_id = loaded[0].entry_id
    entry: SmmPanelConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, entry_id
    )
    return entry


def _order_sensor_orders(
    hass: HomeAssistant, entity_ids: list[str]
) -> tuple[str | None, list[int]]:
    """Return the account and the orders of order sensors.

    An order sensor's unique id is its entry's id, `_order_` and the order's id.
    """
    registry = er.async_get(hass)
    entry_ids: dict[str, None] = {}
    order_ids: list[int] = []
    for entity_id in entity_ids:
        registry_entry = registry.async_get(entity_id)
        if (
            registry_entry is None
            or registry_entry.platform != DOMAIN
            or registry_entry.domain != Platform.SENSOR
        ):
            raise _validation_error("not_an_order_sensor", entity_id=entity_id)
        entry_id = str(registry_entry.config_entry_id)
        prefix = f"{entry_id}_{ORDER_KEY_PREFIX}"
        order_id = registry_entry.unique_id.removeprefix(prefix)
        if order_id == registry_entry.unique_id or not order_id.isdecimal():
            raise _validation_error("not_an_order_sensor", entity_id=entity_id)
        entry_ids[entry_id] = None
        order_ids.append(int(order_id))
    if len(entry_ids) > 1:
        raise _validation_error("order_sensors_of_several_accounts")
    return next(iter(entry_ids), None), order_ids


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


def _clean_list(field: OrderField, value: str | list[str]) -> str:
    """Return a list field as non-empty lines joined by newlines."""
    text = "\n".join(value) if isinstance(value, list) else value
    if _has_control_characters(text, allowed="\r\n"):
        raise _validation_error("invalid_text", field=field)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _clean_line(field: OrderField, value: str) -> str:
    if _has_control_characters(value):
        raise _validation_error("invalid_text", field=field)
    return value.strip()


def _clean_link(_field: OrderField, value: str) -> str:
    link = value.strip()
    if (
        len(link) > MAX_LINK_LENGTH
        or any(char.isspace() for char in link)
        or any(unicodedata.category(char) in ("Cc", "Cf") for char in link)
    ):
        raise _validation_error("invalid_link", max=MAX_LINK_LENGTH)
    return link


def _clean_expiry(_field: OrderField, value: date | str) -> str:
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


def _new_order(service_id: int, data: Mapping[str, Any]) -> NewOrder:
    """Return the order a call asks for, its text cleaned; empty text is not given."""

    def number(field: OrderField) -> int | None:
        value: int | None = data.get(field)
        return value

    def text(field: OrderField, clean: Callable[[OrderField, Any], str]) -> str | None:
        return (clean(field, data[field]) or None) if field in data else None

    return NewOrder(
        service=service_id,
        link=text(OrderField.LINK, _clean_link),
        quantity=number(OrderField.QUANTITY),
        comments=text(OrderField.COMMENTS, _clean_list),
        runs=number(OrderField.RUNS),
        interval=number(OrderField.INTERVAL),
        usernames=text(OrderField.USERNAMES, _clean_list),
        hashtags=text(OrderField.HASHTAGS, _clean_list),
        hashtag=text(OrderField.HASHTAG, _clean_line),
        username=text(OrderField.USERNAME, _clean_line),
        media=text(OrderField.MEDIA, _clean_line),
        answer_number=number(OrderField.ANSWER_NUMBER),
        groups=text(OrderField.GROUPS, _clean_list),
        keywords=text(OrderField.KEYWORDS, _clean_list),
        min=number(OrderField.MIN),
        max=number(OrderField.MAX),
        posts=number(OrderField.POSTS),
        old_posts=number(OrderField.OLD_POSTS),
        delay=number(OrderField.DELAY),
        expiry=text(OrderField.EXPIRY, _clean_expiry),
        country=text(OrderField.COUNTRY, _clean_line),
        device=text(OrderField.DEVICE, _clean_line),
        type_of_traffic=text(OrderField.TYPE_OF_TRAFFIC, _clean_line),
        google_keyword=text(OrderField.GOOGLE_KEYWORD, _clean_line),
        referring_url=text(OrderField.REFERRING_URL, _clean_line),
    )


def _field_names(fields: Iterable[OrderField]) -> str:
    """Return fields as messages list them: the action's own field names.

    The names are the same in every language, so translated messages stay exact.
    """
    ordered: list[OrderField] = sorted(fields, key=FIELD_ORDER.index)
    return ", ".join(ordered)


def _quote(panel_service: PanelService, order: NewOrder) -> OrderQuote:
    """Return what the order delivers and costs, or fail with the first problem."""
    quote = quote_order(panel_service, order)
    if isinstance(quote, OrderQuote):
        return quote
    service_type = panel_service.raw_type
    match quote[0]:
        case FieldsNotAllowed(fields=fields):
            raise _validation_error(
                "fields_not_allowed", type=service_type, fields=_field_names(fields)
            )
        case MissingFields(fields=fields):
            raise _validation_error(
                "missing_fields", type=service_type, fields=_field_names(fields)
            )
        case DripfeedNotSupported():
            raise _validation_error(
                "dripfeed_not_supported", service=panel_service.service_id
            )
        case QuantityMismatch(quantity=quantity, count=count, field=field):
            raise _validation_error(
                "quantity_mismatch",
                quantity=quantity,
                count=count,
                field=field,
            )
        case QuantityOutOfRange(quantity=quantity, minimum=minimum, maximum=maximum):
            raise _validation_error(
                "quantity_out_of_range",
                quantity=quantity,
                service=panel_service.service_id,
                min=minimum,
                max=maximum,
            )
        case MinAboveMax(minimum=minimum, maximum=maximum):
            raise _validation_error("min_above_max", min=minimum, max=maximum)
    raise _validation_error("dripfeed_incomplete")


def _check_cost(account: SmmPanelData, cost: Decimal) -> None:
    """Refuse an order costing more than the cap the user set, or than the balance."""
    snapshot = account.coordinator.data
    currency = account.coordinator.currency or ""
    if (cap := account.options.max_order_cost) is not None and cost > cap:
        raise _validation_error(
            "cost_above_cap", cost=_money(cost), cap=_money(cap), currency=currency
        )
    if snapshot is not None and cost > snapshot.balance.amount:
        raise _validation_error(
            "insufficient_balance",
            cost=_money(cost),
            balance=_money(snapshot.balance.amount),
            currency=currency,
        )


async def _async_get_catalogue(
    hass: HomeAssistant, entry: SmmPanelConfigEntry
) -> Mapping[int, PanelService]:
    """Return the account's catalogue, or fail saying it cannot be fetched."""
    try:
        return await entry.runtime_data.catalogue.async_get()
    except SmmPanelAuthenticationError as error:
        raise _key_rejected(hass, entry) from error
    except SmmPanelError as error:
        raise _failure(
            "catalogue_unavailable", title=entry.title, error=error
        ) from error


async def _async_add_order(call: ServiceCall) -> ServiceResponse:
    """Validate an order against the catalogue and place it (never retried).

    The response echoes what was (or, validating only, would be) bought.
    """
    entry = _entry(call)
    account = entry.runtime_data
    catalogue = await _async_get_catalogue(call.hass, entry)
    service_id: int = call.data[ATTR_SERVICE]
    if (panel_service := catalogue.get(service_id)) is None:
        raise _validation_error("unknown_service", service=service_id)
    quote = _quote(panel_service, _new_order(service_id, call.data))
    _check_cost(account, quote.cost)
    snapshot = account.coordinator.data
    balance_before = None if snapshot is None else snapshot.balance.amount

    order_id: int | None = None
    if not call.data[ATTR_VALIDATE_ONLY]:
        with _panel_errors(call.hass, entry):
            order_id = await account.client.add_order(quote.order)
        await _async_track_placed(account, order_id, panel_service, quote)
    if not call.return_response:
        return None
    return {
        "order": order_id,
        **_order_summary(account, panel_service, quote, balance_before),
    }


def _order_summary(
    account: SmmPanelData,
    panel_service: PanelService,
    quote: OrderQuote,
    balance: Decimal | None,
) -> dict[str, JsonValueType]:
    """Return what an order buys and costs, and the balance it leaves.

    Money is computed exactly and sent as numbers, as `estimated_charge` always was.
    """
    return {
        "service": panel_service.service_id,
        "service_name": panel_service.name,
        "rate": float(panel_service.rate),
        "quantity": quote.delivered_quantity,
        "estimated_charge": float(quote.cost),
        "balance": None if balance is None else float(balance),
        "balance_after": None if balance is None else float(balance - quote.cost),
        "currency": account.coordinator.currency,
    }


async def _async_track_placed(
    account: SmmPanelData,
    order_id: int,
    panel_service: PanelService,
    quote: OrderQuote,
) -> None:
    """Start tracking an order just placed, and poll to show the charged balance."""
    account.tracker.track_order(
        TrackedOrder(
            order_id=order_id,
            tracked_at=dt_util.utcnow(),
            service_id=panel_service.service_id,
            service_name=panel_service.name,
            link=quote.order.link,
            quantity=quote.delivered_quantity,
            status=OrderStatus.PENDING,
            currency=account.coordinator.currency,
        )
    )
    await account.coordinator.async_tracking_changed()
    await account.coordinator.async_request_refresh()


def _row(
    order_id: int, fields: Mapping[str, JsonValueType] | RowError
) -> JsonValueType:
    """Return an order's row of an action's response: its result, or its error."""
    if isinstance(fields, RowError):
        return {"order": order_id, "error": fields.message}
    return {"order": order_id, **fields}


def _status_rows(
    results: Mapping[int, OrderState | RowError],
) -> list[JsonValueType]:
    """Return one row per order: its status as the panel gave it, or its error."""
    return [
        _row(
            order_id,
            result
            if isinstance(result, RowError)
            else {
                "status": str(result.status),
                "panel_status": result.raw_status,
                "charge": None if result.charge is None else float(result.charge),
                "start_count": result.start_count,
                "remains": result.remains,
                "currency": result.currency,
            },
        )
        for order_id, result in results.items()
    ]


def _batch_rows(
    results: Mapping[int, int | bool | RowError], key: str
) -> list[JsonValueType]:
    """Return one row per order: its result under `key`, or its error."""
    return [
        _row(order_id, result if isinstance(result, RowError) else {key: result})
        for order_id, result in results.items()
    ]


async def _async_run_on_orders[R](
    call: ServiceCall,
    run: Callable[[SmmPanelData, list[int]], Awaitable[R]],
) -> R:
    """Run an account action on the orders a call names.

    The client answers for every distinct id it is given, in their order.
    """
    entry, order_ids = _entry_and_orders(call)
    with _panel_errors(call.hass, entry):
        return await run(entry.runtime_data, order_ids)


def _entry_and_orders(call: ServiceCall) -> tuple[SmmPanelConfigEntry, list[int]]:
    """Return the account and the distinct orders a call names, by id or sensor.

    Order sensors name their account: one given with them must be the same.
    """
    sensor_entry_id, order_ids = _order_sensor_orders(
        call.hass, call.data.get(ATTR_ENTITY_ID, [])
    )
    given_entry_id = call.data.get(ATTR_CONFIG_ENTRY_ID)
    if sensor_entry_id is not None and given_entry_id not in (None, sensor_entry_id):
        raise _validation_error("order_sensors_of_another_account")
    entry = _entry(call, sensor_entry_id)
    if ATTR_ORDERS in call.data:
        order_ids += _parse_order_ids(call.data[ATTR_ORDERS])
    if not order_ids:
        raise _validation_error("no_orders_given")
    distinct = list(dict.fromkeys(order_ids))
    if len(distinct) > MAX_ORDER_IDS:
        raise _validation_error(
            "too_many_orders", count=len(distinct), max=MAX_ORDER_IDS
        )
    return entry, distinct


async def _async_refill_orders(
    account: SmmPanelData, order_ids: list[int]
) -> Mapping[int, int | RowError]:
    """Request refills, and track the ones the panel accepted."""
    results = await account.client.refill_many(order_ids)
    now = dt_util.utcnow()
    accepted = {
        order_id: refill_id
        for order_id, refill_id in results.items()
        if not isinstance(refill_id, RowError)
    }
    for order_id, refill_id in accepted.items():
        account.tracker.track_refill(
            TrackedRefill(
                refill_id=refill_id,
                order_id=order_id,
                requested_at=now,
                status=RefillStatus.PENDING,
            )
        )
    if accepted:
        await account.coordinator.async_tracking_changed()
    return results


async def _async_cancel_orders(
    account: SmmPanelData, order_ids: list[int]
) -> Mapping[int, bool | RowError]:
    """Ask the panel to cancel orders; poll when it took any of them."""
    results = await account.client.cancel(order_ids)
    if any(result is True for result in results.values()):
        await account.coordinator.async_request_refresh()
    return results


async def _async_track_orders(
    account: SmmPanelData, order_ids: list[int]
) -> Mapping[int, OrderState | RowError]:
    """Start tracking orders placed elsewhere, with the statuses just fetched.

    Orders tracked already take the statuses too, and their changes are told.
    """
    tracker = account.tracker
    request = tracker.start_status_request()
    results = await account.client.get_order_statuses(order_ids)
    now = dt_util.utcnow()
    for order_id, result in results.items():
        if not isinstance(result, RowError) and order_id not in tracker.orders:
            tracker.track_order(TrackedOrder(order_id=order_id, tracked_at=now))
    events = tracker.apply_order_states(results, now, request=request)
    await account.coordinator.async_tracking_changed(events)
    return results


async def _async_refill(call: ServiceCall) -> ServiceResponse:
    """Request refills of orders."""
    results = await _async_run_on_orders(call, _async_refill_orders)
    if not call.return_response:
        return None
    return {"refills": _batch_rows(results, "refill")}


async def _async_cancel(call: ServiceCall) -> ServiceResponse:
    """Ask the panel to cancel orders."""
    results = await _async_run_on_orders(call, _async_cancel_orders)
    if not call.return_response:
        return None
    return {"orders": _batch_rows(results, "cancel_requested")}


async def _async_track_order(call: ServiceCall) -> ServiceResponse:
    """Start tracking orders placed elsewhere."""
    results = await _async_run_on_orders(call, _async_track_orders)
    if not call.return_response:
        return None
    return {"orders": _status_rows(results)}


async def _async_untrack_order(call: ServiceCall) -> None:
    """Stop tracking orders; all of them must be tracked, or nothing changes."""
    entry, order_ids = _entry_and_orders(call)
    account = entry.runtime_data
    if unknown := [i for i in order_ids if i not in account.tracker.orders]:
        raise _validation_error(
            "orders_not_tracked", orders=", ".join(map(str, unknown))
        )
    account.tracker.untrack_orders(order_ids)
    await account.coordinator.async_tracking_changed()


async def _async_get_order_status(call: ServiceCall) -> ServiceResponse:
    """Return the status of orders without tracking them."""
    results = await _async_run_on_orders(
        call, lambda account, ids: account.client.get_order_statuses(ids)
    )
    return {"orders": _status_rows(results)}


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
        "currency": entry.runtime_data.coordinator.currency,
    }


async def _async_get_spending(call: ServiceCall) -> ServiceResponse:
    """Return the spend, deposits and refunds per period, newest first."""
    period: Period = call.data[ATTR_PERIOD]
    count: int = call.data[ATTR_COUNT]
    if count > (most := MAX_PERIODS[period]):
        raise _validation_error("too_many_periods", max=most, period=period)
    entry = _entry(call)
    ledger = entry.runtime_data.spending.ledger
    return {
        "periods": [
            {
                "start": start.isoformat(),
                "spend": float(totals.spend),
                "deposits": float(totals.deposits),
                "refunds": float(totals.refunds),
                "net_spend": float(totals.net_spend),
            }
            for start, totals in ledger.periods(period, count, dt_util.utcnow())
        ],
        "currency": entry.runtime_data.coordinator.currency,
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the SMM Panel actions.

    Those that spend the account's money, change orders at the panel, or add and
    remove order sensors are for administrators: Home Assistant refuses them to any
    other user, and runs them for calls without a user (automations, scripts).
    """
    for name, handler, schema in (
        (SERVICE_ADD_ORDER, _async_add_order, SERVICE_ADD_ORDER_SCHEMA),
        (SERVICE_REFILL, _async_refill, _ORDERS_OR_ENTITIES_SCHEMA),
        (SERVICE_CANCEL, _async_cancel, _ORDERS_OR_ENTITIES_SCHEMA),
        (SERVICE_TRACK_ORDER, _async_track_order, _ORDERS_SCHEMA),
    ):
        service.async_register_admin_service(
            hass,
            DOMAIN,
            name,
            handler,
            schema=schema,
            supports_response=SupportsResponse.OPTIONAL,
        )
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_UNTRACK_ORDER,
        _async_untrack_order,
        schema=_ORDERS_OR_ENTITIES_SCHEMA,
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
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_SPENDING,
        _async_get_spending,
        schema=SERVICE_GET_SPENDING_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
