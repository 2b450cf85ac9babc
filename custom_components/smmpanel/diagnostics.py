"""Diagnostics for the SMM Panel integration.

Users paste diagnostics into public bug reports: they hold neither the API key nor
what names the user's accounts and posts (order links but their platform, the
entry's title).
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any, Final
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


# The platforms whose domain an order's link may show. A host names the user as
# well as its path can ("jane.tumblr.com", a shop's own "janedoe.com", an IP address):
# only a domain on this list is shown, so no host outside it can name anyone.
PLATFORM_DOMAINS: Final = frozenset({
    "instagram.com", "threads.net", "threads.com", "facebook.com", "fb.com",
    "fb.watch", "fb.me", "whatsapp.com", "wa.me", "tiktok.com", "youtube.com",
    "youtu.be", "x.com", "twitter.com", "t.co", "t.me", "telegram.me", "telegram.org",
    "snapchat.com", "linkedin.com", "lnkd.in", "pinterest.com", "pin.it",
    "reddit.com", "redd.it", "quora.com", "medium.com", "tumblr.com", "substack.com",
    "discord.com", "discord.gg", "vk.com", "ok.ru", "kwai.com", "likee.video",
    "twitch.tv", "kick.com", "rumble.com", "vimeo.com", "dailymotion.com",
    "spotify.com", "spotify.link", "soundcloud.com", "apple.com", "deezer.com",
    "audiomack.com", "mixcloud.com", "bandcamp.com", "google.com", "goo.gl",
    "g.page", "trustpilot.com", "github.com",
})  # fmt: skip


def _link_host(link: str | None) -> str | None:
    """Return what an order's link shows of its host: the platform, not the user.

    Its path names the account or post, and so can its host: a host is shown only
    at or under a domain of PLATFORM_DOMAINS, with any labels before the domain but
    "www" replaced ("**REDACTED**.tumblr.com"); any other host is redacted whole.
    """
    if link is None:
        return None
    try:
        host = (urlsplit(link).hostname or "").rstrip(".")
    except ValueError:  # an unclosed IPv6 bracket
        return REDACTED
    labels = host.split(".")
    for start in range(len(labels)):
        if (domain := ".".join(labels[start:])) in PLATFORM_DOMAINS:
            return (
                host
                if start == 0 or labels[:start] == ["www"]
                else f"{REDACTED}.{domain}"
            )
    return REDACTED


def _order(order: TrackedOrder) -> dict[str, Any]:
    """Return a tracked order with its link cut to its platform."""
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
