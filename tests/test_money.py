"""Tests for how the integration writes money in forms and logbook lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from custom_components.smmpanel.money import format_money, format_rate


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("97.96", "97.96 USD"),
        ("25.5", "25.50 USD"),
        ("3", "3.00 USD"),
        ("1.2000", "1.20 USD"),
        ("250.00", "250.00 USD"),
        ("0.0035", "0.0035 USD"),
        ("0.00350", "0.0035 USD"),
        ("0.123456789012345678901234", "0.123456789012345678901234 USD"),
        ("1E+3", "1000.00 USD"),
        ("12345678.9", "12345678.90 USD"),
        ("-4.1", "-4.10 USD"),
        ("0", "0.00 USD"),
    ],
)
def test_money_keeps_every_decimal_and_shows_two_at_least(
    amount: str, text: str
) -> None:
    """An amount is written exactly: never rounded, trailing zeros only to two."""
    assert format_money(Decimal(amount), "USD") == text


def test_money_without_a_currency_is_the_amount() -> None:
    """A panel that names no currency gets the amount alone."""
    assert format_money(Decimal("7.5"), None) == "7.50"
    assert format_money(Decimal("7.5"), "") == "7.50"


def test_a_rate_is_the_price_of_1000() -> None:
    """A service's rate reads per 1000, with its money written as money."""
    assert format_rate(Decimal("1.2"), "EUR") == "1.20 EUR per 1000"
    assert format_rate(Decimal("0.0045"), "USD") == "0.0045 USD per 1000"
    assert format_rate(Decimal(2), None) == "2.00 per 1000"
