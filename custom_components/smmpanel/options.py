"""The options of a panel account, read once from its config entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Final, Self

from .const import (
    CONF_CATALOGUE_INTERVAL,
    CONF_DAILY_BUDGET,
    CONF_FINISHED_ORDER_RETENTION,
    CONF_LOW_BALANCE_THRESHOLD,
    CONF_MAX_ORDER_COST,
    CONF_MONTHLY_BUDGET,
    CONF_SCAN_INTERVAL,
    CONF_WEEKLY_BUDGET,
    DEFAULT_CATALOGUE_INTERVAL,
    DEFAULT_FINISHED_ORDER_RETENTION,
    DEFAULT_LOW_BALANCE_THRESHOLD,
    DEFAULT_SCAN_INTERVAL,
)
from .money import form_decimal
from .spending import Period

# The option holding the budget of each period, in the order orders are checked.
BUDGET_OPTIONS: Final = {
    Period.DAY: CONF_DAILY_BUDGET,
    Period.WEEK: CONF_WEEKLY_BUDGET,
    Period.MONTH: CONF_MONTHLY_BUDGET,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountOptions:
    """How often the account and the watched catalogue are polled, and money limits."""

    scan_interval: timedelta
    low_balance_threshold: Decimal
    finished_order_retention: timedelta
    max_order_cost: Decimal | None
    catalogue_interval: timedelta
    budgets: Mapping[Period, Decimal]
    """The budgets set, by period (none is set by default)."""

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Self:
        """Return the options a config entry holds, with their defaults."""
        max_order_cost = options.get(CONF_MAX_ORDER_COST)
        return cls(
            scan_interval=timedelta(
                minutes=options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
            ),
            low_balance_threshold=form_decimal(
                options.get(CONF_LOW_BALANCE_THRESHOLD, DEFAULT_LOW_BALANCE_THRESHOLD)
            ),
            finished_order_retention=timedelta(
                hours=options.get(
                    CONF_FINISHED_ORDER_RETENTION, DEFAULT_FINISHED_ORDER_RETENTION
                )
            ),
            max_order_cost=None
            if max_order_cost is None
            else form_decimal(max_order_cost),
            catalogue_interval=timedelta(
                minutes=options.get(CONF_CATALOGUE_INTERVAL, DEFAULT_CATALOGUE_INTERVAL)
            ),
            budgets={
                period: form_decimal(options[key])
                for period, key in BUDGET_OPTIONS.items()
                if options.get(key) is not None
            },
        )
