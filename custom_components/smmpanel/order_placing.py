"""Placing an order: checked against its service, the cost cap, balance and budgets.

An order is sent once: `add` is never retried.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from .action_errors import panel_errors, validation_error
from .action_targets import async_get_catalogue, call_entry
from .api import (
    DripfeedNotSupported,
    FieldsNotAllowed,
    MinAboveMax,
    MissingFields,
    NewOrder,
    OrderField,
    OrderQuote,
    OrderStatus,
    PanelService,
    QuantityMismatch,
    QuantityOutOfRange,
    quote_order,
)
from .budget import BudgetUse, first_exceeded
from .const import ATTR_SERVICE, ATTR_VALIDATE_ONLY
from .coordinator import SmmPanelData
from .models import TrackedOrder
from .money import format_money
from .order_input import new_order
from .spending import Period

# Messages list fields in the order the action shows them (min before max).
FIELD_ORDER: Final = list(OrderField)


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
            raise validation_error(
                "fields_not_allowed", type=service_type, fields=_field_names(fields)
            )
        case MissingFields(fields=fields):
            raise validation_error(
                "missing_fields", type=service_type, fields=_field_names(fields)
            )
        case DripfeedNotSupported():
            raise validation_error(
                "dripfeed_not_supported", service=panel_service.service_id
            )
        case QuantityMismatch(quantity=quantity, count=count, field=field):
            raise validation_error(
                "quantity_mismatch",
                quantity=quantity,
                count=count,
                field=field,
            )
        case QuantityOutOfRange(quantity=quantity, minimum=minimum, maximum=maximum):
            raise validation_error(
                "quantity_out_of_range",
                quantity=quantity,
                service=panel_service.service_id,
                min=minimum,
                max=maximum,
            )
        case MinAboveMax(minimum=minimum, maximum=maximum):
            raise validation_error("min_above_max", min=minimum, max=maximum)
    raise validation_error("dripfeed_incomplete")


def _check_cost(account: SmmPanelData, cost: Decimal) -> None:
    """Refuse an order costing more than the cap the user set, or than the balance."""
    snapshot = account.coordinator.data
    currency = account.coordinator.currency or ""
    if (cap := account.options.max_order_cost) is not None and cost > cap:
        raise validation_error(
            "cost_above_cap",
            cost=format_money(cost, None),
            cap=format_money(cap, None),
            currency=currency,
        )
    if snapshot is not None and cost > snapshot.balance.amount:
        raise validation_error(
            "insufficient_balance",
            cost=format_money(cost, None),
            balance=format_money(snapshot.balance.amount, None),
            currency=currency,
        )


def _check_budgets(account: SmmPanelData, cost: Decimal) -> dict[Period, BudgetUse]:
    """Refuse an order that does not fit in what is left of a budget.

    Return the use of each budget set, before the order.
    """
    uses = account.coordinator.budget_uses(dt_util.utcnow())
    if (exceeded := first_exceeded(uses.values(), cost)) is None:
        return uses
    placeholders = {
        "cost": format_money(cost, None),
        "left": format_money(exceeded.left, None),
        "budget": format_money(exceeded.budget, None),
        "currency": account.coordinator.currency or "",
    }
    match exceeded.period:
        case Period.DAY:
            raise validation_error("daily_budget_exceeded", **placeholders)
        case Period.WEEK:
            raise validation_error("weekly_budget_exceeded", **placeholders)
    raise validation_error("monthly_budget_exceeded", **placeholders)


async def async_add_order(call: ServiceCall) -> ServiceResponse:
    """Validate an order against the catalogue and place it (never retried).

    The response echoes what was (or, validating only, would be) bought.
    """
    entry = call_entry(call)
    catalogue = await async_get_catalogue(call.hass, entry)
    # From here until the order's charge is reserved nothing is awaited, so that
    # orders checked at the same time see each other's charge. The account is looked
    # up again: one that began unloading while the catalogue came refuses the order
    # (its unload waits only for the orders being sent).
    entry = call_entry(call, entry.entry_id)
    account = entry.runtime_data
    service_id: int = call.data[ATTR_SERVICE]
    if (panel_service := catalogue.get(service_id)) is None:
        raise validation_error("unknown_service", service=service_id)
    quote = _quote(panel_service, new_order(service_id, call.data))
    _check_cost(account, quote.cost)
    budgets = _check_budgets(account, quote.cost)
    snapshot = account.coordinator.data
    balance_before = None if snapshot is None else snapshot.balance.amount

    order_id: int | None = None
    if not call.data[ATTR_VALIDATE_ONLY]:
        with panel_errors(call.hass, entry):
            async with account.coordinator.reservations.sending(quote.cost):
                order_id = await account.client.add_order(quote.order)
                await _async_track_placed(account, order_id, panel_service, quote)
        # The poll shows the charged balance; the ledger counts the charge.
        await account.coordinator.async_request_refresh()
    if not call.return_response:
        return None
    return {
        "order": order_id,
        **_order_summary(account, panel_service, quote, balance_before),
        "budget_left_after": {
            period: float(use.left - quote.cost) for period, use in budgets.items()
        },
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
    """Start tracking an order just placed."""
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
