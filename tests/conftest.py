"""Fixtures shared by the SMM Panel tests."""

from __future__ import annotations

import pytest

# Import this repository's custom_components before the harness puts its own testing
# config first on sys.path; otherwise Home Assistant cannot find the integration.
import custom_components.smmpanel  # noqa: F401


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integrations in custom_components."""
