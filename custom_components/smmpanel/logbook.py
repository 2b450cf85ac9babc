"""Describe the SMM Panel order events in the logbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_ORDER
from .models import BALANCE_TOPPED_UP, BUDGET_REACHED
from .spending import Period

# How the logbook names a budget reached, by its period.
BUDGET_NAMES: Final = {
    Period.DAY: "daily",
    Period.WEEK: "weekly",
    Period.MONTH: "monthly",
}


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[
        [str, str, Callable[[Event[dict[str, Any]]], dict[str, str]]], None
    ],
) -> None:
    """Describe an order event as its order and what happened to it.

    A deposit reads as the account's event entity, topped up by the amount; a
    budget reached as the event entity too, with the budget.
    """

    @callback
    def async_describe_order_event(event: Event[dict[str, Any]]) -> dict[str, str]:
        data = event.data
        event_type = data[ATTR_EVENT_TYPE]
        if event_type not in {BALANCE_TOPPED_UP, BUDGET_REACHED}:
            return {
                LOGBOOK_ENTRY_NAME: data["order_name"],
                # "completed", "in progress", "refill completed"...
                LOGBOOK_ENTRY_MESSAGE: event_type.replace("_", " "),
                LOGBOOK_ENTRY_ENTITY_ID: data[ATTR_ENTITY_ID],
            }
        currency = f" {data['currency']}" if data.get("currency") else ""
        if event_type == BALANCE_TOPPED_UP:
            message = f"balance topped up by {data['amount']:g}{currency}"
        else:
            budget = BUDGET_NAMES[data["period"]]
            message = f"{budget} budget of {data['budget']:g}{currency} used up"
        state = hass.states.get(data[ATTR_ENTITY_ID])
        return {
            LOGBOOK_ENTRY_NAME: state.name if state else data[ATTR_ENTITY_ID],
            LOGBOOK_ENTRY_MESSAGE: message,
            LOGBOOK_ENTRY_ENTITY_ID: data[ATTR_ENTITY_ID],
        }

    async_describe_event(DOMAIN, EVENT_ORDER, async_describe_order_event)
