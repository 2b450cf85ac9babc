"""Diagnostics for the SMM Panel integration.

Users paste diagnostics into public bug reports: they hold neither the API key nor
what names the user's accounts and posts (order links, the entry's title).
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant

from .coordinator import CatalogueWatchCoordinator, SmmPanelConfigEntry
from .models import TrackedOrder

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


def _link_host(link: str | None) -> str | None:
    """Return the host of an order's link: its path names the account or post."""
    if link is None:
        return None
    try:
        host = urlsplit(link).hostname
    except ValueError:  # an unclosed IPv6 bracket
        host = None
    return host or REDACTED


def _order(order: TrackedOrder) -> dict[str, Any]:
    """Return a tracked order with its link cut to the host."""
    return {**_as_json(order), "link": _link_host(order.link)}


def _entry(entry: SmmPanelConfigEntry) -> dict[str, Any]:
    """Return the config entry without its key, title, or URL path and query."""
    redacted = async_redact_data(entry.as_dict(), TO_REDACT)
    panel = urlsplit(entry.data[CONF_URL])
    return {
        **redacted,
        "title": REDACTED,  # the host, unless the user named the entry
        "data": {
            **redacted["data"],
            CONF_URL: f"{panel.scheme}://{panel.netloc}",
        },
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmmPanelConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry, without the key or personal data."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    data = coordinator.data
    return {
        "entry": _entry(entry),
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
        "catalogue_watch": _watch_diagnostics(runtime.watch),
        "tracked_orders": [_order(order) for order in runtime.tracker.orders.values()],
        "tracked_refills": [
            _as_json(refill) for refill in runtime.tracker.refills.values()
        ],
        "request_counts": dict(runtime.client.request_counts),
    }


def _watch_diagnostics(
    watch: CatalogueWatchCoordinator | None,
) -> dict[str, Any] | None:
    """Return what the catalogue watch last saw, when something is watched."""
    if watch is None:
        return None
    data = watch.data
    return {
        "last_update_success": watch.last_update_success,
        "last_exception": repr(watch.last_exception),
        "update_interval": str(watch.update_interval),
        "listings": (
            [_as_json(listing) for listing in data.listings.values()] if data else None
        ),
        "category_sizes": dict(data.category_sizes) if data else None,
    }
