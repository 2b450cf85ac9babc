"""Tests for the SMM Panel diagnostics."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.smmpanel.const import DOMAIN
from panel_simulator.panel import Panel

from .const import API_KEY
from .helpers import call, poll


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    setup_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics describe the account and never contain the API key."""
    order_id = panel.create_order(101, link="https://instagram.com/diag", quantity=100)
    await call(hass, "track_order", setup_integration, {"orders": [order_id]})
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, setup_integration
    )

    assert API_KEY not in json.dumps(diagnostics)
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"
    assert diagnostics == snapshot(
        exclude=props(
            "url",
            "entry_id",
            "created_at",
            "modified_at",
            "tracked_at",
            "updated_at",
            "today",
        )
    )


# What orders name of the user: their accounts, posts, mentions and comments.
ACCOUNT_LINK = "https://www.instagram.com/jane.doe.private/"
POST_LINK = "https://www.instagram.com/p/JaneDoePost/?igsh=share-token"
REPLY_TO = "jane_doe_replies"
COMMENTS = ["Happy birthday Jane", "Call me at 555-0100", "Wow", "Love it", "Top"]
MENTIONS = ["alice_private", "bob_private"]
HASHTAGS = ["#janedoesecret", "#doefamily"]
MEDIA = "https://www.instagram.com/p/JaneDoeMedia/"


async def test_diagnostics_hold_no_personal_data(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    panel_url: str,
    setup_integration: MockConfigEntry,
) -> None:
    """Links are cut to their platform; no path, username, comment or title is shown."""
    entry = setup_integration
    orders = (
        {"service": 1, "link": ACCOUNT_LINK, "quantity": 100},
        {"service": 14, "link": POST_LINK, "username": REPLY_TO, "comments": COMMENTS},
        {
            "service": 8,
            "link": POST_LINK,
            "quantity": 200,
            "usernames": MENTIONS,
            "hashtags": HASHTAGS,
        },
        {"service": 12, "link": POST_LINK, "quantity": 100, "media": MEDIA},
    )
    placed = [
        (await call(hass, "add_order", entry, order))["order"] for order in orders
    ]
    panel.advance(24 * 3600)
    await poll(hass)
    await call(hass, "refill", entry, {"orders": [placed[0]]})

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    dumped = json.dumps(diagnostics)
    for private in (
        "jane.doe.private",
        "JaneDoePost",
        "share-token",
        REPLY_TO,
        *COMMENTS,
        *MENTIONS,
        *HASHTAGS,
        "JaneDoeMedia",
        "/api/v2",
    ):
        assert private not in dumped
    assert {
        order["order_id"]: order["link"] for order in diagnostics["tracked_orders"]
    } == dict.fromkeys(placed, "www.instagram.com")
    assert [refill["order_id"] for refill in diagnostics["tracked_refills"]] == [
        placed[0]
    ]
    assert diagnostics["entry"]["data"]["url"] == panel_url.removesuffix("/api/v2")
    assert diagnostics["entry"]["title"] == REDACTED


# A link's host as diagnostics show it: the platform, never what names the user.
HOSTS_SHOWN = {
    "https://jane.tumblr.com/post/1": f"{REDACTED}.tumblr.com",
    "https://janedoe.substack.com/p/launch": f"{REDACTED}.substack.com",
    "https://www.janedoe.tumblr.com/": f"{REDACTED}.tumblr.com",
    "https://JANE.Medium.com./story": f"{REDACTED}.medium.com",
    "https://www.youtube.com/watch?v=JaneDoeVideo": "www.youtube.com",
    "https://m.facebook.com/janedoe": f"{REDACTED}.facebook.com",
    "https://youtu.be/JaneDoeVideo": "youtu.be",
    "https://janedoe.com/shop": REDACTED,  # a site of the user's own
    "https://shop.janedoe.co.uk/": REDACTED,
    "https://instagram.com.janedoe.net/": REDACTED,
    "https://janedoe-instagram.com/": REDACTED,
    "http://203.0.113.7/jane": REDACTED,
    "http://[2001:db8::7]/jane": REDACTED,
}


async def test_a_link_host_shows_its_platform_not_the_user(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
) -> None:
    """Only a known platform's domain is shown; labels before it but www are not."""
    placed = {
        (
            await call(
                hass,
                "add_order",
                setup_integration,
                {"service": 1, "link": link, "quantity": 100},
            )
        )["order"]: link
        for link in HOSTS_SHOWN
    }

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, setup_integration
    )

    shown = {
        placed[order["order_id"]]: order["link"]
        for order in diagnostics["tracked_orders"]
    }
    assert shown == HOSTS_SHOWN
    assert "jane" not in json.dumps(diagnostics).lower()


@pytest.mark.parametrize("link", ["jane.doe.private", "@jane.doe", "http://[jane.doe"])
async def test_a_link_without_a_host_is_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    panel: Panel,
    config_entry: MockConfigEntry,
    link: str,
) -> None:
    """A link with no host to show (a panel took a user name) is only a marker."""
    order_id = panel.create_order(16, link="https://www.tiktok.com/", quantity=100)
    # Saved by an earlier run: what was sent as the link to a panel accepting it.
    key = f"{DOMAIN}.{config_entry.entry_id}"
    hass_storage[key] = {
        "key": key,
        "version": 1,
        "data": {"orders": [{"order_id": order_id, "link": link}], "refills": []},
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )

    assert [order["link"] for order in diagnostics["tracked_orders"]] == [REDACTED]
    assert "jane" not in json.dumps(diagnostics)
