"""The simulated panel: catalogue, balance, orders, refills and cancels."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Set as AbstractSet
from dataclasses import replace
from decimal import Decimal
import heapq
from itertools import count
import random
from typing import Unpack

from . import errors
from .catalogue import CATALOGUE, Service, ServiceChanges, ServiceType
from .clock import Clock, ManualClock
from .dialects import STANDARD, Dialect, Quirk, as_dialect
from .errors import ErrorKind, PanelError
from .faults import Faults
from .order_form import OrderRequest, parse_order_form
from .orders import (
    CANCEL_DELAY_SECONDS,
    PENDING_SECONDS,
    Delivery,
    Order,
    OrderStatus,
    Refill,
    delivery_seconds,
)

FIRST_ORDER_ID = 23501
FIRST_REFILL_ID = 12345
PARTIAL_CHANCE = 0.15
REJECTED_REFILL_CHANCE = 0.1
RATE_LIMIT_WINDOW_SECONDS = 60.0


class Panel:
    """An in-memory panel: all its state, and the operations of the API on it."""

    def __init__(
        self,
        *,
        api_key: str,
        seed: int = 0,
        balance: Decimal = Decimal(1000),
        currency: str = "USD",
        dialect: Dialect | AbstractSet[Quirk] = STANDARD,
        clock: Clock | None = None,
        catalogue: Iterable[Service] = CATALOGUE,
        rate_limit_per_minute: int | None = None,
        refund_lag: float = 0.0,
    ) -> None:
        """Open an account with a balance on a panel selling `catalogue`.

        `dialect` is a `Dialect`, or a set of quirks for the standard one with them.
        `refund_lag` is the seconds from an order showing its refund (its status and
        lower charge) to the balance being credited with it; negative credits first.
        """
        self.api_key = api_key
        self.currency = currency
        self._dialect = as_dialect(dialect)
        self.clock: Clock = clock or ManualClock()
        self.services: dict[int, Service] = {
            service.service_id: service for service in catalogue
        }
        self.removed_services: dict[int, Service] = {}
        self.rate_limit_per_minute = rate_limit_per_minute
        self.refund_lag = refund_lag
        self.orders: dict[int, Order] = {}
        self.refills: dict[int, Refill] = {}
        self.request_counts: Counter[str] = Counter()
        self.faults = Faults(seed)
        self.key_revoked = False
        self._balance = balance
        self._rng = random.Random(seed)  # noqa: S311 - reproducible, not secret
        # When a refund is credited, of which order, and when the order shows it.
        self._refunds_due: list[tuple[float, int, float]] = []
        self._order_by_link: dict[tuple[int, str], int] = {}
        self._open_refill_by_order: dict[int, int] = {}
        self._refill_ids = count(FIRST_REFILL_ID)
        self._recent_requests: deque[float] = deque()

    @property
    def dialect(self) -> Dialect:
        """Return how the panel speaks."""
        return self._dialect

    @dialect.setter
    def dialect(self, dialect: Dialect | AbstractSet[Quirk]) -> None:
        """Make the panel speak a dialect, or the standard one with a set of quirks.

        A served panel moves its API at once between /api/v2 and /api/v1, but its
        `RunningSimulator` keeps the URL of the dialect the server started with.
        """
        self._dialect = as_dialect(dialect)

    @property
    def balance(self) -> Decimal:
        """Return the balance, with every refund due by now paid back."""
        self._pay_refunds()
        return self._balance

    def deposit(self, amount: Decimal) -> Decimal:
        """Credit the balance as a payment on the panel's website would; return it.

        Raise ValueError unless `amount` is a positive, finite Decimal.
        """
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
            raise ValueError(f"a deposit must be a positive amount, not {amount!r}")
        self._balance += amount
        return self.balance

    def update_service(
        self, service_id: int, **changes: Unpack[ServiceChanges]
    ) -> Service:
        """Change an offered service, as the panel's owner would; return it.

        Orders placed before keep the service as it was when they were placed.
        Raise KeyError if the service is not offered, ValueError if the changes
        leave it without a positive rate, or with a minimum that is not positive
        or is over its maximum.
        """
        service = replace(self.services[service_id], **changes)
        _check_service(service)
        self.services[service_id] = service
        return service

    def remove_service(self, service_id: int) -> Service:
        """Stop offering a service; its orders go on. Raise KeyError if not offered."""
        service = self.services.pop(service_id)
        self.removed_services[service_id] = service
        return service

    def restore_service(self, service_id: int) -> Service:
        """Offer a removed service again. Raise KeyError if it was not removed."""
        service = self.removed_services.pop(service_id)
        self._offer(service)
        return service

    def add_service(self, service: Service) -> Service:
        """Offer a new service; return it.

        Raise ValueError if its id is offered or removed, if its rate is not
        positive, or if its minimum is not positive or is over its maximum.
        """
        if service.service_id in self.services.keys() | self.removed_services.keys():
            raise ValueError(f"service {service.service_id} already exists")
        _check_service(service)
        self._offer(service)
        return service

    def _offer(self, service: Service) -> None:
        """List a service before the first one of a larger id, as the catalogue is."""
        listed = list(self.services.values())
        position = next(
            (
                index
                for index, other in enumerate(listed)
                if other.service_id > service.service_id
            ),
            len(listed),
        )
        listed.insert(position, service)
        self.services.clear()
        self.services.update((other.service_id, other) for other in listed)

    def advance(self, seconds: float) -> None:
        """Move the panel's clock forward."""
        self.clock.advance(seconds)

    def revoke_key(self) -> None:
        """Make the panel refuse the API key, as after the owner revoked it."""
        self.key_revoked = True

    def restore_key(self) -> None:
        """Accept the API key again."""
        self.key_revoked = False

    def accepts_key(self, key: str) -> bool:
        """Return whether a request with this key is authenticated."""
        return not self.key_revoked and key == self.api_key

    def throttle(self) -> float:
        """Count a request against the rate limit; return the seconds to wait if over it."""
        if self.rate_limit_per_minute is None:
            return 0.0
        now = self.clock.now()
        window_start = now - RATE_LIMIT_WINDOW_SECONDS
        while self._recent_requests and self._recent_requests[0] <= window_start:
            self._recent_requests.popleft()
        if len(self._recent_requests) >= self.rate_limit_per_minute:
            return self._recent_requests[0] - window_start
        self._recent_requests.append(now)
        return 0.0

    def create_order(
        self,
        service_id: int,
        *,
        link: str | None = None,
        quantity: int | None = None,
        **fields: str | int,
    ) -> int:
        """Place an order as `add` would, with the same checks and charge; return its id."""
        form = {"service": str(service_id)}
        if link is not None:
            form["link"] = link
        if quantity is not None:
            form["quantity"] = str(quantity)
        form |= {name: str(value) for name, value in fields.items()}
        return self.place_order(parse_order_form(self.services, form)).order_id

    def place_order(self, request: OrderRequest) -> Order:
        """Charge the balance and create the order."""
        now = self.clock.now()
        service = request.service
        link_key = (
            (service.service_id, request.link) if request.link is not None else None
        )
        active_id = self._order_by_link.get(link_key) if link_key is not None else None
        if (
            active_id is not None
            and not self.orders[active_id].progress(now).status.is_finished
        ):
            raise PanelError(errors.ACTIVE_ORDER_ON_LINK)
        charge = service.cost(request.quantity)
        if charge > self.balance:
            raise PanelError(errors.NOT_ENOUGH_FUNDS, ErrorKind.NOT_ENOUGH_FUNDS)
        self._balance -= charge
        order_id = FIRST_ORDER_ID + len(self.orders)
        order = Order(
            order_id=order_id,
            service=service,
            link=request.link,
            quantity=request.quantity,
            charge=charge,
            created_at=now,
            delivery=None
            if service.type is ServiceType.SUBSCRIPTIONS
            else self._plan(request, now),
            fields=request.fields,
            clock=self.clock,
            drip_feed=request.drip_feed,
            expires_at=request.expires_at,
        )
        self.orders[order_id] = order
        if link_key is not None:
            self._order_by_link[link_key] = order_id
        if order.delivery is not None and order.delivery.undelivered:
            self._schedule_refund(order_id, order.delivery.finishes_at)
        return order

    def _plan(self, request: OrderRequest, now: float) -> Delivery:
        starts_at = now + PENDING_SECONDS
        if request.drip_feed is not None:
            duration = request.drip_feed.runs * request.drip_feed.interval * 60.0
        else:
            duration = delivery_seconds(request.quantity)
        partial = request.quantity > 1 and self._rng.random() < PARTIAL_CHANCE
        return Delivery(
            starts_at=starts_at,
            finishes_at=starts_at + duration,
            start_count=self._rng.randint(0, 50000),
            undelivered=self._rng.randint(1, max(1, request.quantity // 2))
            if partial
            else 0,
        )

    def find_order(self, order_id: int) -> Order:
        """Return an order, or fail with "Incorrect order ID"."""
        order = self.orders.get(order_id)
        if order is None:
            raise PanelError(errors.INCORRECT_ORDER_ID, ErrorKind.NOT_FOUND)
        return order

    def find_refill(self, refill_id: int) -> Refill:
        """Return a refill, or fail with "Refill not found"."""
        refill = self.refills.get(refill_id)
        if refill is None:
            raise PanelError(errors.REFILL_NOT_FOUND, ErrorKind.NOT_FOUND)
        return refill

    def request_refill(self, order_id: int) -> Refill:
        """Start a refill of a completed order of a refillable service."""
        order = self.find_order(order_id)
        if not order.service.refill:
            raise PanelError(errors.REFILL_DISABLED)
        now = self.clock.now()
        status = order.progress(now).status
        if not status.is_finished:
            raise PanelError(errors.ORDER_NOT_COMPLETED)
        open_refill = self._open_refill_by_order.get(order_id)
        if status is not OrderStatus.COMPLETED or (
            open_refill is not None
            and not self.refills[open_refill].status_at(now).is_finished
        ):
            raise PanelError(errors.NOT_ELIGIBLE_FOR_REFILL)
        refill = Refill(
            refill_id=next(self._refill_ids),
            order_id=order_id,
            created_at=now,
            rejected=self._rng.random() < REJECTED_REFILL_CHANCE,
            clock=self.clock,
        )
        self.refills[refill.refill_id] = refill
        self._open_refill_by_order[order_id] = refill.refill_id
        return refill

    def stall_refill(self, refill_id: int) -> None:
        """Leave a refill Pending for ever, as one the provider never takes up."""
        self.find_refill(refill_id).stalled = True

    def forget_refill(self, refill_id: int) -> None:
        """Lose a refill: asked about, the panel answers "Refill not found"."""
        refill = self.refills.pop(refill_id)
        if self._open_refill_by_order.get(refill.order_id) == refill_id:
            del self._open_refill_by_order[refill.order_id]

    def request_cancel(self, order_id: int) -> None:
        """Ask to cancel an unfinished order; it is canceled and refunded a minute later."""
        order = self.find_order(order_id)
        if not order.service.cancel:
            raise PanelError(errors.CANCEL_DISABLED)
        now = self.clock.now()
        if order.cancel_at is not None or order.progress(now).status.is_finished:
            raise PanelError(errors.NOT_ELIGIBLE_FOR_CANCEL)
        order.cancel_at = now + CANCEL_DELAY_SECONDS
        self._schedule_refund(order_id, order.cancel_at)

    def _schedule_refund(self, order_id: int, shown_at: float) -> None:
        heapq.heappush(
            self._refunds_due, (shown_at + self.refund_lag, order_id, shown_at)
        )

    def _pay_refunds(self) -> None:
        now = self.clock.now()
        while self._refunds_due and self._refunds_due[0][0] <= now:
            _, order_id, shown_at = heapq.heappop(self._refunds_due)
            order = self.orders[order_id]
            owed = order.progress(max(now, shown_at)).refund - order.refunded
            order.refunded += owed
            self._balance += owed


def _check_service(service: Service) -> None:
    """Raise ValueError for a service no panel could sell."""
    rate = service.rate
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
        raise ValueError(f"a rate must be a positive amount, not {rate!r}")
    if not 0 < service.min_quantity <= service.max_quantity:
        raise ValueError(
            f"the minimum {service.min_quantity} must be positive and at most "
            f"the maximum {service.max_quantity}"
        )
