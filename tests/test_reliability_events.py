"""What is tracked stays bounded: finished refills leave tracking after the retention,
whether or not their order is tracked.
"""

from __future__ import annotations

from datetime import timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import OrderStatus, Panel

from .helpers import DAY, LINK, call, move_to

YEAR = 365
REFILLED_ORDERS = 12  # each refilled once a day, never tracked themselves


async def test_a_year_of_refills_of_untracked_orders_keeps_storage_bounded(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    panel: Panel,
    setup_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Refills of orders that are not tracked leave tracking after the retention.

    Twelve orders placed on the panel's website are refilled every day for a year,
    with the refill action: the stored tracking holds the last days' refills only.
    """
    orders = [
        panel.create_order(3, link=f"{LINK}/{index}", quantity=100)
        for index in range(2 * REFILLED_ORDERS)
    ]
    panel.advance(DAY)
    refillable = [
        order_id
        for order_id in orders
        if panel.orders[order_id].status is OrderStatus.COMPLETED
    ][:REFILLED_ORDERS]
    assert len(refillable) == REFILLED_ORDERS
    stored_sizes: list[int] = []
    stored_refills: list[int] = []

    for _ in range(YEAR):
        await call(hass, "refill", setup_integration, {"orders": refillable})
        stored = hass_storage[f"{DOMAIN}.{setup_integration.entry_id}"]["data"]
        stored_refills.append(len(stored["refills"]))
        stored_sizes.append(len(json.dumps(stored)))
        panel.advance(DAY)
        await move_to(hass, freezer, dt_util.utcnow() + timedelta(days=1))

    assert len(panel.refills) == YEAR * REFILLED_ORDERS
    assert not stored["orders"]
    # Today's refills, and those that finished in the last two polls (one a day).
    assert max(stored_refills) == 3 * REFILLED_ORDERS
    # As large at the end of the year as in its first week (rows differ by a word).
    assert max(stored_sizes) < 1.01 * max(stored_sizes[:7])
