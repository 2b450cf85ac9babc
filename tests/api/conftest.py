"""The protocol package's tests need no Home Assistant: none is started for them."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite's fixture, which sets up Home Assistant for every test."""
