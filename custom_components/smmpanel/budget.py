"""Spending budgets: what is left of each, whether an order fits, what to announce.

A budget caps the net spend (spent less refunded, as the spending ledger counts
it) of a local day, a week from Monday or a calendar month. Orders sent by this
integration whose charge the ledger has not counted yet count too, at their
estimated charge: see OrderReservations.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .api import SmmPanelError, SmmPanelOrderOutcomeUnknownError
from .spending import ZERO, Period, SpendingLedger


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetUse:
    """How much of one budget is used, as of a moment."""

    period: Period
    start: date
    """The first day of the period."""
    budget: Decimal
    spent: Decimal
    """The period's net spend, as the ledger counts it."""
    reserved: Decimal
    """The estimated charges of orders sent that the ledger has not counted yet."""

    @property
    def left(self) -> Decimal:
        """Return what may still be spent in the period, never below zero."""
        return max(self.budget - self.spent - self.reserved, ZERO)

    @property
    def used_up(self) -> bool:
        """Return whether the ledger counts the whole budget as spent."""
        return self.spent >= self.budget


def budget_uses(
    budgets: Mapping[Period, Decimal],
    ledger: SpendingLedger,
    reserved: Decimal,
    now: datetime,
) -> dict[Period, BudgetUse]:
    """Return the use of each budget set, in the periods `now` falls in."""
    uses: dict[Period, BudgetUse] = {}
    for period, budget in budgets.items():
        start, totals = next(ledger.periods(period, 1, now))
        uses[period] = BudgetUse(
            period=period,
            start=start,
            budget=budget,
            spent=totals.net_spend,
            reserved=reserved,
        )
    return uses


def first_exceeded(uses: Iterable[BudgetUse], charge: Decimal) -> BudgetUse | None:
    """Return the first budget an order's charge does not fit in, if any."""
    return next((use for use in uses if charge > use.left), None)


def newly_used_up(
    uses: Iterable[BudgetUse], announced: Mapping[Period, date]
) -> list[BudgetUse]:
    """Return the budgets used up whose period was not announced yet."""
    return [
        use for use in uses if use.used_up and announced.get(use.period) != use.start
    ]


@dataclass(slots=True)
class _Reservation:
    charge: Decimal
    answered_after: int | None = None
    """How many balance requests had started when the panel answered the order."""


class OrderReservations:
    """The estimated charges of orders sent that the spending ledger has not counted.

    An order's charge is reserved as it is checked against the budgets, with nothing
    awaited in between, so that orders checked at the same time see each other.
    A panel charges an order as it accepts it: the first balance requested after its
    answer shows the charge. Once the ledger has recorded such a balance, and holds no
    move of the balance (which would leave the charge uncounted for a while), the
    charge is in the ledger's figures and the reservation ends. An order the panel
    refused, or that never left, frees its reservation at once; one whose answer was
    lost keeps it, as the order may exist.
    """

    def __init__(self) -> None:
        """Start with nothing reserved and nothing being sent."""
        self._reservations: list[_Reservation] = []
        self._balance_requests = 0
        self._sending = 0
        self._nothing_sending = asyncio.Event()
        self._nothing_sending.set()

    @property
    def total(self) -> Decimal:
        """Return the charges reserved."""
        return sum((reservation.charge for reservation in self._reservations), ZERO)

    @asynccontextmanager
    async def sending(self, charge: Decimal) -> AsyncIterator[None]:
        """Reserve an order's charge while the block sends it and tracks it.

        The charge is reserved on entering, before anything is awaited.
        """
        reservation = _Reservation(charge)
        self._reservations.append(reservation)
        self._sending += 1
        self._nothing_sending.clear()
        try:
            yield
        except SmmPanelError as error:
            if not isinstance(error, SmmPanelOrderOutcomeUnknownError):
                self._reservations.remove(reservation)
            raise
        finally:
            reservation.answered_after = self._balance_requests
            self._sending -= 1
            if not self._sending:
                self._nothing_sending.set()

    async def async_wait_sent(self) -> None:
        """Wait until no order is being sent."""
        await self._nothing_sending.wait()

    def start_balance_request(self) -> int:
        """Return the number of a balance request about to be sent."""
        self._balance_requests += 1
        return self._balance_requests

    def balance_recorded(self, request: int, *, held: bool) -> None:
        """End the reservations a recorded balance request shows.

        `held` is whether the ledger holds a move of the balance after recording it.
        """
        if held:
            return
        self._reservations = [
            reservation
            for reservation in self._reservations
            if reservation.answered_after is None
            or reservation.answered_after >= request
        ]
