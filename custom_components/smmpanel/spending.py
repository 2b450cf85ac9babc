"""Where the money went: the spending ledger of an account, and its storage.

After each successful refresh the ledger compares the balance with the last good one:
a fall is spent, a rise is a refund as far as the tracked orders explain it (a
canceled, refunded or partial order whose charge fell) and a deposit beyond that.
What happens within one polling interval nets out: a deposit and a charge between
the same two polls show as their difference. A panel may credit a refund a poll
after it lowers the order's charge, or a poll before: a move of the balance that a
refund may still explain is held (unsettled) until the refunds seen meanwhile match
it, or for at most SETTLE_WINDOW, and what is left then counts as spent or deposited.
Days are Home Assistant's local days, derived from each poll's time, so that a
restart across midnight still starts a new day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .codec import DAY, MOMENT, MONEY, TEXT, Field, Record, Value
from .storage import SPENDING, EntryStore

KEPT_DAYS: Final = 400  # at least this many days before today are kept
RUNWAY_DAYS: Final = 7  # the average daily spend is over this many days
ZERO: Final = Decimal(0)
SECONDS_PER_DAY: Final = Decimal(86400)
# How long a move of the balance waits for the refund that explains it.
SETTLE_WINDOW: Final = timedelta(minutes=10)


class Period(StrEnum):
    """The periods get_spending totals over."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


# How many periods of each kind cover about the kept days.
MAX_PERIODS: Final = {Period.DAY: KEPT_DAYS, Period.WEEK: 58, Period.MONTH: 14}


@dataclass(slots=True)
class DayTotals:
    """What one local day saw: money spent, deposited and refunded."""

    spend: Decimal = ZERO
    deposits: Decimal = ZERO
    refunds: Decimal = ZERO

    def add(self, other: DayTotals) -> None:
        """Add another day's totals to these."""
        self.spend += other.spend
        self.deposits += other.deposits
        self.refunds += other.refunds

    @property
    def net_spend(self) -> Decimal:
        """Return what was spent less what was refunded."""
        return self.spend - self.refunds


@dataclass(frozen=True, slots=True, kw_only=True)
class Deposit:
    """Money added to the balance."""

    at: datetime
    amount: Decimal
    balance: Decimal
    currency: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsettled:
    """A move of the balance that a refund may still explain, not counted yet."""

    since: datetime
    """The poll that saw it first."""
    change: Decimal
    """The balance's move from the poll before `since` on, less the refunds seen."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SpendingSummary:
    """What the spending sensors show, as of a refresh."""

    today: date
    spent_today: Decimal
    spent_this_month: Decimal
    runway: Decimal | None
    last_deposit: Deposit | None

    @property
    def day_start(self) -> datetime:
        """Return local midnight of today."""
        return _local_midnight(self.today)

    @property
    def month_start(self) -> datetime:
        """Return local midnight of the first of this month."""
        return _local_midnight(self.today.replace(day=1))


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), dt_util.get_default_time_zone())


def local_day(moment: datetime) -> date:
    """Return the day a moment falls on in Home Assistant's time zone."""
    return dt_util.as_local(moment).date()


def period_start(day: date, period: Period) -> date:
    """Return the first day of the period a day is in (weeks start on Monday)."""
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def _previous_start(start: date, period: Period) -> date:
    if period is Period.WEEK:
        return start - timedelta(weeks=1)
    if period is Period.MONTH:
        return (start - timedelta(days=1)).replace(day=1)
    return start - timedelta(days=1)


@dataclass(slots=True)
class SpendingLedger:
    """Per-day totals of an account, the last good balance and the last deposit.

    It also keeps which periods' budgets were told as reached (budget.py).
    """

    days: dict[date, DayTotals] = field(default_factory=dict)
    balance: Decimal | None = None
    since: datetime | None = None
    """When the first balance was seen: the history starts there."""
    last_deposit: Deposit | None = None
    unsettled: Unsettled | None = None
    budgets_reached: dict[Period, date] = field(default_factory=dict)
    """By period: the first day of the last one whose budget was told as reached."""

    def record(
        self,
        balance: Decimal,
        currency: str | None,
        refunds: Decimal,
        now: datetime,
        *,
        refundable: Decimal,
    ) -> Deposit | None:
        """Count what changed since the last good balance; return a deposit seen.

        `refunds` is what the tracked orders' charges fell by since the last call,
        `refundable` what they can still fall by (the charges of those in flight).

        A move the refunds do not explain is held while they still may: when
        refunds were seen (the panel may credit them later, or have credited
        them with another move), and when the balance rose by no more than the
        tracked orders can be refunded (the panel may lower their charges later).
        It is counted once the refunds seen meanwhile explain it all, or at the
        first poll SETTLE_WINDOW after it was seen, as one spend or one deposit.
        """
        previous, self.balance = self.balance, balance
        if previous is None:
            self.since = self.since or now
            return None
        if refunds:
            self._day(now).refunds += refunds
        change = balance - previous - refunds
        if self.unsettled is not None:
            change += self.unsettled.change
            if change and now - self.unsettled.since < SETTLE_WINDOW:
                self.unsettled = replace(self.unsettled, change=change)
                return None
            self.unsettled = None
        elif change and (refunds or 0 < change <= refundable):
            self.unsettled = Unsettled(since=now, change=change)
            return None
        if change < 0:
            self._day(now).spend -= change
            return None
        if not change:
            return None
        self._day(now).deposits += change
        self.last_deposit = Deposit(
            at=now, amount=change, balance=balance, currency=currency
        )
        return self.last_deposit

    def _day(self, now: datetime) -> DayTotals:
        return self.days.setdefault(local_day(now), DayTotals())

    def prune(self, today: date) -> None:
        """Forget the days before the kept ones."""
        oldest = today - timedelta(days=KEPT_DAYS)
        for day in [day for day in self.days if day < oldest]:
            del self.days[day]

    def _total(self, first: date, last: date) -> DayTotals:
        total = DayTotals()
        for day, totals in self.days.items():
            if first <= day <= last:
                total.add(totals)
        return total

    def summary(self, now: datetime) -> SpendingSummary:
        """Return what the sensors show at a moment."""
        today = local_day(now)
        return SpendingSummary(
            today=today,
            spent_today=self._total(today, today).net_spend,
            spent_this_month=self._total(today.replace(day=1), today).net_spend,
            runway=self._runway(now, today),
            last_deposit=self.last_deposit,
        )

    def _runway(self, now: datetime, today: date) -> Decimal | None:
        """Return the days the balance lasts at the recent daily spend, if known.

        The average is over the last seven local days up to now, or since the
        history started if that is later; it needs a day of history.
        """
        if self.balance is None or self.since is None:
            return None
        first = today - timedelta(days=RUNWAY_DAYS - 1)
        start = max(_local_midnight(first), self.since)
        elapsed = Decimal(int((now - start).total_seconds())) / SECONDS_PER_DAY
        if elapsed < 1:
            return None
        spent = self._total(first, today).net_spend
        if spent <= 0:
            return None
        return max(self.balance, ZERO) * elapsed / spent

    def periods(
        self, period: Period, count: int, now: datetime
    ) -> Iterator[tuple[date, DayTotals]]:
        """Return the totals of the last periods up to now's, newest first."""
        start = period_start(local_day(now), period)
        end = local_day(now)
        for _ in range(count):
            yield start, self._total(start, end)
            end = start - timedelta(days=1)
            start = _previous_start(start, period)


# Storage: the ledger as a record; a day is one row, [date, spend, deposits, refunds].


def _read_day(row: object) -> tuple[date, DayTotals] | None:
    if not isinstance(row, list) or len(row) != 4:
        return None
    day = DAY.read(row[0])
    spend, deposits, refunds = (MONEY.read(amount) for amount in row[1:])
    if day is None or spend is None or deposits is None or refunds is None:
        return None
    return day, DayTotals(spend, deposits, refunds)


def _read_days(stored: object) -> dict[date, DayTotals] | None:
    """Return the stored days, leaving out the rows that cannot be read."""
    if not isinstance(stored, list):
        return None
    return dict(day for row in stored if (day := _read_day(row)) is not None)


def _write_days(days: dict[date, DayTotals]) -> list[list[str]]:
    return [
        [
            DAY.write(day),
            *map(MONEY.write, (totals.spend, totals.deposits, totals.refunds)),
        ]
        for day, totals in sorted(days.items())
    ]


def _read_budgets_reached(stored: object) -> dict[Period, date] | None:
    """Return the periods stored as told, leaving out those that cannot be read."""
    if not isinstance(stored, dict):
        return None
    starts = {period: DAY.read(stored.get(period)) for period in Period}
    return {period: start for period, start in starts.items() if start is not None}


def _write_budgets_reached(reached: dict[Period, date]) -> dict[str, str]:
    return {str(period): DAY.write(start) for period, start in reached.items()}


DEPOSIT: Final = Record(
    Deposit,
    (
        Field("at", MOMENT, required=True),
        Field("amount", MONEY, required=True),
        Field("balance", MONEY, required=True),
        Field("currency", TEXT),
    ),
)
UNSETTLED: Final = Record(
    Unsettled,
    (Field("since", MOMENT, required=True), Field("change", MONEY, required=True)),
)
LEDGER: Final = Record(
    SpendingLedger,
    (
        Field("balance", MONEY),
        Field("since", MOMENT),
        Field("last_deposit", DEPOSIT),
        Field("unsettled", UNSETTLED),  # since minor version 2
        Field("days", Value(_read_days, _write_days), default=dict),
        Field(
            "budgets_reached",  # since minor version 3
            Value(_read_budgets_reached, _write_budgets_reached),
            default=dict,
        ),
    ),
)


def ledger_from_json(stored: object, url: str) -> SpendingLedger:
    """Return a stored ledger, keeping what can be read.

    The last balance of another panel (the URL changed) is not compared with, nor
    is its unsettled move counted.
    """
    ledger = LEDGER.read(stored) or SpendingLedger()
    if not isinstance(stored, dict) or stored.get("url") != url:
        ledger.balance = None
    if ledger.balance is None:
        ledger.unsettled = None
    return ledger


def ledger_to_json(ledger: SpendingLedger, url: str) -> dict[str, Any]:
    """Return the ledger as stored, with the URL of the panel it is of."""
    return {"url": url, **LEDGER.write(ledger)}


class SpendingTracker:
    """The ledger of one config entry, loaded from and saved to storage."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Initialize; call async_load before use."""
        self._store = EntryStore(hass, entry, SPENDING)
        self._url: str = entry.data[CONF_URL]
        self.ledger = SpendingLedger()

    async def async_load(self) -> None:
        """Load the ledger; storage that cannot be read starts a new one."""
        self.ledger = ledger_from_json(await self._store.async_load(), self._url)

    def record(
        self,
        balance: Decimal,
        currency: str | None,
        refunds: Decimal,
        now: datetime,
        *,
        refundable: Decimal,
    ) -> tuple[SpendingSummary, Deposit | None]:
        """Count a successful refresh; return the summary and any deposit seen."""
        before = self.ledger.balance, self.ledger.unsettled
        deposit = self.ledger.record(
            balance, currency, refunds, now, refundable=refundable
        )
        if before != (balance, self.ledger.unsettled) or refunds:
            self.ledger.prune(local_day(now))
            self._store.schedule_save(self._data)
        return self.ledger.summary(now), deposit

    async def async_budgets_reached(self, starts: Mapping[Period, date]) -> None:
        """Keep which periods' budgets are told as reached, written at once."""
        self.ledger.budgets_reached.update(starts)
        await self.async_save()

    def _data(self) -> dict[str, Any]:
        return ledger_to_json(self.ledger, self._url)

    async def async_save(self) -> None:
        """Write the ledger now."""
        await self._store.async_save(self._data())
