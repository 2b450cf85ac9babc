"""Tests for the stored form of tracked orders and service figures."""

from __future__ import annotations

from datetime import UTC, datetime

from custom_components.smmpanel.models import TrackedOrder, TrackedRefill
from custom_components.smmpanel.service_stats import FINISHED_ORDER, FinishedOrder
from custom_components.smmpanel.storage import ORDER, REFILL

FINISHED_AT = datetime(2026, 12, 1, 12, tzinfo=UTC).isoformat()


def _text(text: str) -> str:
    """Return a copy of a text of its own, as a JSON decoder makes for each row."""
    return "".join(list(text))


def test_rows_read_share_their_repeated_texts() -> None:
    """Orders, refills and figures read back keep one copy of each status, currency
    and service name between them, however many rows repeat it."""
    orders = [
        ORDER.read(
            {
                "order_id": order_id,
                "service_name": _text("Instagram Followers"),
                "raw_status": _text("Completed"),
                "currency": _text("USD"),
            }
        )
        for order_id in (1, 2)
    ]
    refills = [
        REFILL.read(
            {"refill_id": refill_id, "order_id": 1, "raw_status": _text("Pending")}
        )
        for refill_id in (1, 2)
    ]
    figures = [
        FINISHED_ORDER.read(
            {
                "order_id": order_id,
                "service_name": _text("Instagram Followers"),
                "status": "completed",
                "placed_at": FINISHED_AT,
                "finished_at": FINISHED_AT,
                "seen_running": True,
            }
        )
        for order_id in (1, 2)
    ]

    first, second = orders
    assert isinstance(first, TrackedOrder)
    assert isinstance(second, TrackedOrder)
    assert first.service_name == "Instagram Followers"
    assert first.service_name is second.service_name
    assert first.raw_status is second.raw_status
    assert first.currency is second.currency
    first_refill, second_refill = refills
    assert isinstance(first_refill, TrackedRefill)
    assert isinstance(second_refill, TrackedRefill)
    assert first_refill.raw_status is second_refill.raw_status
    first_figure, second_figure = figures
    assert isinstance(first_figure, FinishedOrder)
    assert isinstance(second_figure, FinishedOrder)
    assert first_figure.service_name is second_figure.service_name
