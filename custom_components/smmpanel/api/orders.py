"""The order rules: whether a service accepts an order, and what the order costs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Final

from .models import NewOrder, PanelService
from .service_types import OrderField, ServiceType

# The cost of an order whose type has no quantity is estimated for this many units.
ESTIMATED_UNITS_WITHOUT_QUANTITY: Final = 1000
_DRIPFEED_FIELDS: Final = frozenset({OrderField.RUNS, OrderField.INTERVAL})


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderQuote:
    """An order that its service's rules accept, with what it delivers and costs."""

    order: NewOrder  # what to send: a counted type's `quantity` is left out
    delivered_quantity: int | None  # quantity times runs; None for types without one
    cost: Decimal  # estimated at the service's rate


class OrderProblemKind(StrEnum):
    """Why a service does not accept an order."""

    FIELDS_NOT_ALLOWED = "fields_not_allowed"
    MISSING_FIELDS = "missing_fields"
    DRIPFEED_NOT_SUPPORTED = "dripfeed_not_supported"
    DRIPFEED_INCOMPLETE = "dripfeed_incomplete"
    QUANTITY_MISMATCH = "quantity_mismatch"
    QUANTITY_OUT_OF_RANGE = "quantity_out_of_range"
    MIN_ABOVE_MAX = "min_above_max"


@dataclass(frozen=True, slots=True)
class OrderProblem:
    """Base class of the reasons a service does not accept an order."""

    kind: ClassVar[OrderProblemKind]


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldsNotAllowed(OrderProblem):
    """The order sets fields its service type does not accept."""

    kind = OrderProblemKind.FIELDS_NOT_ALLOWED
    fields: frozenset[OrderField]


@dataclass(frozen=True, slots=True, kw_only=True)
class MissingFields(OrderProblem):
    """The order lacks fields its service type requires."""

    kind = OrderProblemKind.MISSING_FIELDS
    fields: frozenset[OrderField]


@dataclass(frozen=True, slots=True, kw_only=True)
class DripfeedNotSupported(OrderProblem):
    """The order asks for a drip-feed from a service that offers none."""

    kind = OrderProblemKind.DRIPFEED_NOT_SUPPORTED


@dataclass(frozen=True, slots=True, kw_only=True)
class DripfeedIncomplete(OrderProblem):
    """The order sets only one of `runs` and `interval`."""

    kind = OrderProblemKind.DRIPFEED_INCOMPLETE


@dataclass(frozen=True, slots=True, kw_only=True)
class QuantityMismatch(OrderProblem):
    """The order's `quantity` differs from the number of lines of its counted field."""

    kind = OrderProblemKind.QUANTITY_MISMATCH
    quantity: int
    count: int
    field: OrderField


@dataclass(frozen=True, slots=True, kw_only=True)
class QuantityOutOfRange(OrderProblem):
    """A quantity (`quantity`, counted lines, `min` or `max`) is outside the range."""

    kind = OrderProblemKind.QUANTITY_OUT_OF_RANGE
    field: OrderField  # `quantity` also when it is counted from lines
    quantity: int
    minimum: int
    maximum: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MinAboveMax(OrderProblem):
    """A subscription's `min` is above its `max`."""

    kind = OrderProblemKind.MIN_ABOVE_MAX
    minimum: int
    maximum: int


def quote_order(
    service: PanelService, order: NewOrder
) -> OrderQuote | tuple[OrderProblem, ...]:
    """Check an order against its service: return its quote, or every problem.

    Problems come in the order of OrderProblemKind. Checks after the field checks
    look only at fields the type accepts. A counted type also takes a `quantity`,
    which must match the count and is then left out of the quoted order. Nothing is
    checked against a balance: that is the caller's.
    """
    if order.service != service.service_id:
        raise ValueError(
            f"Order for service {order.service} quoted with service {service.service_id}"
        )
    given = _set_fields(order)
    dropped: dict[str, Any] = dict.fromkeys(given - service.type.accepted_fields)
    sent = replace(order, **dropped)
    quantity = _quantity(service.type, sent)
    problems = (
        *_field_problems(service.type, given),
        *_dripfeed_problems(service, _set_fields(sent)),
        *_mismatch_problems(service.type, order.quantity, quantity),
        *_range_problems(service, quantity, sent),
    )
    if problems:
        return problems
    runs = 1 if sent.runs is None else sent.runs
    delivered = None if quantity is None else quantity * runs
    units = ESTIMATED_UNITS_WITHOUT_QUANTITY if delivered is None else delivered
    return OrderQuote(
        order=sent, delivered_quantity=delivered, cost=service.cost(units)
    )


def _set_fields(order: NewOrder) -> frozenset[OrderField]:
    """Return the `add` fields an order sets."""
    return frozenset(field for field in OrderField if getattr(order, field) is not None)


def _quantity(service_type: ServiceType, order: NewOrder) -> int | None:
    """Return the per-run quantity of an order: for a counted type, its lines."""
    if (counted := service_type.counted_field) is None:
        return order.quantity
    text: str | None = getattr(order, counted)
    return None if text is None else _count_lines(text)


def _count_lines(text: str) -> int:
    """Return the number of non-blank lines of a list field."""
    return sum(1 for line in text.split("\n") if line.strip())


def _field_problems(
    service_type: ServiceType, given: frozenset[OrderField]
) -> Iterator[OrderProblem]:
    """Yield the fields a type does not accept, then those it lacks."""
    accepted = service_type.accepted_fields
    if service_type.counted_field is not None:
        accepted |= {OrderField.QUANTITY}  # checked against the count, then dropped
    if unexpected := given - accepted:
        yield FieldsNotAllowed(fields=unexpected)
    if missing := service_type.required_fields - given:
        yield MissingFields(fields=missing)


def _dripfeed_problems(
    service: PanelService, given: frozenset[OrderField]
) -> Iterator[OrderProblem]:
    """Yield why a drip-feed cannot be ordered, if the order asks for one."""
    if not (dripfeed := given & _DRIPFEED_FIELDS):
        return
    if not service.dripfeed:
        yield DripfeedNotSupported()
    elif dripfeed != _DRIPFEED_FIELDS:
        yield DripfeedIncomplete()


def _mismatch_problems(
    service_type: ServiceType, quantity: int | None, count: int | None
) -> Iterator[OrderProblem]:
    """Yield a mismatch between a counted type's given quantity and its count."""
    field = service_type.counted_field
    if field is None or quantity is None or count is None:
        return
    if quantity != count:
        yield QuantityMismatch(quantity=quantity, count=count, field=field)


def _range_problems(
    service: PanelService, quantity: int | None, order: NewOrder
) -> Iterator[OrderProblem]:
    """Yield the quantities outside the service's range, then a `min` above `max`."""
    for field, value in (
        (OrderField.QUANTITY, quantity),
        (OrderField.MIN, order.min),
        (OrderField.MAX, order.max),
    ):
        if value is not None and not (
            service.min_quantity <= value <= service.max_quantity
        ):
            yield QuantityOutOfRange(
                field=field,
                quantity=value,
                minimum=service.min_quantity,
                maximum=service.max_quantity,
            )
    if order.min is not None and order.max is not None and order.min > order.max:
        yield MinAboveMax(minimum=order.min, maximum=order.max)
