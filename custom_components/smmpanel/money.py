"""How the integration reads and writes money where Home Assistant formats nothing.

Setup forms, messages and logbook lines are plain text, made without the user's
locale: an amount reads with at least two decimals, every decimal it has beyond them,
and the panel's currency after it ("1.20 USD", "0.0035 USD"); a rate reads per 1000,
as panels quote it. The orders card formats money in the browser the same way, in the
user's number format.
"""

from __future__ import annotations

from decimal import Decimal

MIN_DECIMALS = 2


def form_decimal(value: float | str) -> Decimal:
    """Return a number a form stored (a float) as the Decimal the form showed."""
    return Decimal(str(value))


def format_money(amount: Decimal, currency: str | None) -> str:
    """Return an amount with two decimals at least and none of its own dropped."""
    exponent = amount.normalize().as_tuple().exponent
    decimals = max(MIN_DECIMALS, -exponent) if isinstance(exponent, int) else 0
    text = f"{amount:.{decimals}f}"
    return f"{text} {currency}" if currency else text


def format_rate(rate: Decimal, currency: str | None) -> str:
    """Return a service's rate as panels quote it: the price of 1000."""
    return f"{format_money(rate, currency)} per 1000"
