"""The naive baseline: polling the way the public API clients do."""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.core import HomeAssistant

from custom_components.smmpanel.api import SmmPanelClient


class NaivePoller:
    """Polls every tracked order and refill with a request of its own, at each refresh.

    The public clients' `status(order)` and `refill_status(refill)` take one id, and an
    integration built on them has a sensor per order that polls its order and writes
    its state at every refresh; this does the same, with the cheapest state write.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        client: SmmPanelClient,
        order_ids: Iterable[int],
        refill_ids: Iterable[int],
    ) -> None:
        """Initialize with the tracked orders and refills."""
        self._hass = hass
        self._client = client
        self._order_ids = tuple(order_ids)
        self._refill_ids = tuple(refill_ids)

    async def async_poll(self) -> None:
        """Fetch the balance and every order and refill, and write their states."""
        balance = await self._client.get_balance()
        self._hass.states.async_set(
            "sensor.naive_balance",
            str(balance.amount),
            {"unit_of_measurement": balance.currency},
        )
        for order_id in self._order_ids:
            order = await self._client.get_order_status(order_id)
            self._hass.states.async_set(
                f"sensor.naive_order_{order_id}",
                order.status,
                {
                    "charge": None if order.charge is None else float(order.charge),
                    "start_count": order.start_count,
                    "remains": order.remains,
                    "currency": order.currency,
                    "panel_status": order.raw_status,
                },
            )
        for refill_id in self._refill_ids:
            refill = await self._client.get_refill_status(refill_id)
            self._hass.states.async_set(
                f"sensor.naive_refill_{refill_id}",
                refill.status,
                {"panel_status": refill.raw_status},
            )
