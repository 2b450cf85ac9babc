"""Diagnostics for the SMM Panel integration."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

from .coordinator import SmmPanelConfigEntry

TO_REDACT = {CONF_API_KEY, "unique_id"}


def _as_json(item: Any) -> dict[str, Any]:
    """Return a dataclass as a dict with its money as exact strings."""
    return asdict(
        item,
        dict_factory=lambda fields: {
            name: str(value) if isinstance(value, Decimal) else value
            for name, value in fields
        },
    )


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmmPanelConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry, without the API key."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    data = coordinator.data
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "last_exception": repr(coordinator.last_exception),
            "update_interval": str(coordinator.update_interval),
            "balance": _as_json(data.balance) if data else None,
            "active_orders": data.active_orders if data else None,
            "pending_refills": data.pending_refills if data else None,
            "spending": _as_json(data.spending) if data else None,
        },
        "catalogue": {
            "services": len(runtime.catalogue.services),
            "updated_at": runtime.catalogue.updated_at,
        },
        "tracked_orders": [
            _as_json(order) for order in runtime.tracker.orders.values()
        ],
        "tracked_refills": [
            _as_json(refill) for refill in runtime.tracker.refills.values()
        ],
        "request_counts": dict(runtime.client.request_counts),
    }
