"""Event entity for the SMM Panel integration: order and refill status changes."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.event import (
    ATTR_EVENT_TYPE,
    EventEntity,
    EventEntityDescription,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import EVENT_ORDER
from .coordinator import AccountSnapshot, SmmPanelConfigEntry, SmmPanelCoordinator
from .entity import SmmPanelEntity, async_order_name, order_event_data
from .models import BALANCE_TOPPED_UP, ORDER_EVENT_TYPES, TrackingEvent
from .spending import Deposit

PARALLEL_UPDATES = 0

ORDER_EVENTS = EventEntityDescription(
    key="order_events",
    translation_key="order_events",
    event_types=[*ORDER_EVENT_TYPES, BALANCE_TOPPED_UP],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmmPanelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the order event entity of a panel account."""
    async_add_entities([SmmPanelOrderEventEntity(entry.runtime_data.coordinator)])


class SmmPanelOrderEventEntity(SmmPanelEntity, EventEntity):
    """Fires an event on every order status change, refill result and deposit."""

    def __init__(self, coordinator: SmmPanelCoordinator) -> None:
        """Initialize the event entity."""
        super().__init__(coordinator, ORDER_EVENTS)
        self._handled_data: AccountSnapshot | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Fire what the refresh before this entity existed found (e.g. at start)."""
        await super().async_added_to_hass()
        self._handle_coordinator_update()

    @override
    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire the events of a refresh, once each, then follow availability."""
        data = self.coordinator.data
        if data is not self._handled_data:
            self._handled_data = data
            for event in data.events:
                self._fire(event.event_type, _event_data(self.hass, event))
            if data.deposit is not None:
                self._fire(BALANCE_TOPPED_UP, _deposit_data(data.deposit))
        super()._handle_coordinator_update()

    @callback
    def _fire(self, event_type: str, event_data: dict[str, Any]) -> None:
        """Fire an event on the entity, and on the bus for the logbook and triggers."""
        self._trigger_event(event_type, event_data)
        self.async_write_ha_state()
        self.hass.bus.async_fire(
            EVENT_ORDER,
            {ATTR_ENTITY_ID: self.entity_id, ATTR_EVENT_TYPE: event_type, **event_data},
        )


def _deposit_data(deposit: Deposit) -> dict[str, Any]:
    """Return what a deposit event tells: the amount added, the balance after."""
    return {
        "amount": float(deposit.amount),
        "balance": float(deposit.balance),
        "currency": deposit.currency,
    }


def _event_data(hass: HomeAssistant, event: TrackingEvent) -> dict[str, Any]:
    """Return what an event tells: the order, and the status left or the refill.

    `order_name` names the order as its sensor does, for messages and the
    entity's attributes; the other fields keep their documented shape.
    """
    data: dict[str, Any] = (
        order_event_data(event.order)
        if event.order is not None
        else {"order_id": str(event.order_id)}
    )
    data["order_name"] = async_order_name(hass, event.order_id, event.order)
    if event.previous_status is not None:
        data["previous_status"] = str(event.previous_status)
    if event.refill_id is not None:
        data["refill_id"] = str(event.refill_id)
    return data
