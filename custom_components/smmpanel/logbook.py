"""Describe the SMM Panel order events in the logbook."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_ORDER
from .models import BALANCE_TOPPED_UP
from .money import format_money


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[
        [str, str, Callable[[Event[dict[str, Any]]], dict[str, str]]], None
    ],
) -> None:
    """Describe an order event as its order and what happened to it.

    A deposit reads as the account's event entity, topped up by the amount.
    """

    @callback
    def async_describe_order_event(event: Event[dict[str, Any]]) -> dict[str, str]:
        data = event.data
        if data[ATTR_EVENT_TYPE] == BALANCE_TOPPED_UP:
            state = hass.states.get(data[ATTR_ENTITY_ID])
            # Event data carries the amount as a number: its shortest text is exact.
            amount = format_money(Decimal(str(data["amount"])), data.get("currency"))
            return {
                LOGBOOK_ENTRY_NAME: state.name if state else data[ATTR_ENTITY_ID],
                LOGBOOK_ENTRY_MESSAGE: f"balance topped up by {amount}",
                LOGBOOK_ENTRY_ENTITY_ID: data[ATTR_ENTITY_ID],
            }
        return {
            LOGBOOK_ENTRY_NAME: data["order_name"],
            # "completed", "in progress", "refill completed"...
            LOGBOOK_ENTRY_MESSAGE: data[ATTR_EVENT_TYPE].replace("_", " "),
            LOGBOOK_ENTRY_ENTITY_ID: data[ATTR_ENTITY_ID],
        }

    async_describe_event(DOMAIN, EVENT_ORDER, async_describe_order_event)
