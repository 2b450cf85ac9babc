"""Amounts as Decimal: read from what a form stored, and written into messages."""

from __future__ import annotations

from decimal import Decimal


def form_decimal(value: float | str) -> Decimal:
    """Return a number a form stored (a float) as the Decimal the form showed."""
    return Decimal(str(value))


def money_text(amount: Decimal) -> str:
    """Return an amount for a message, without trailing zeros or exponent."""
    return format(amount.normalize(), "f")
