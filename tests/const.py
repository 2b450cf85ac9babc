"""Constants shared by the tests."""

from decimal import Decimal

API_KEY = "test-api-key-4d27f2a975de"
PANEL_SEED = 0
PANEL_BALANCE = Decimal(1000)
PANEL_CURRENCY = "USD"
