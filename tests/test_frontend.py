"""Tests for the cards: their registration, serving, and a static safety check."""

from __future__ import annotations

from http import HTTPStatus
import json
from pathlib import Path
import re

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, UrlManager
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smmpanel import (
    CARD_FILES,
    FRONTEND_DIR,
    ORDERS_CARD_FILE,
    SPENDING_CARD_FILE,
    card_url,
)
from custom_components.smmpanel.const import DOMAIN

MANIFEST = Path(FRONTEND_DIR).parent / "manifest.json"


def _card_source(card_file: str = ORDERS_CARD_FILE) -> str:
    return (FRONTEND_DIR / card_file).read_text(encoding="utf-8")


async def test_card_is_registered_and_served(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """With http and the frontend, the cards' versioned URLs are loaded and served."""
    assert await async_setup_component(hass, "http", {})
    # The frontend itself needs its own package, which the tests do without: stand in
    # for it with the set of extra modules it keeps.
    hass.config.components.add("frontend")
    hass.data[DATA_EXTRA_MODULE_URL] = UrlManager(lambda _change, _url: None, [])

    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()

    version = json.loads(MANIFEST.read_text(encoding="utf-8"))["version"]
    assert hass.data[DATA_EXTRA_MODULE_URL].urls == {
        f"/smmpanel_frontend/smmpanel-orders-card.js?v={version}",
        f"/smmpanel_frontend/smmpanel-spending-card.js?v={version}",
    }

    client = await hass_client_no_auth()
    for card_file in CARD_FILES:
        response = await client.get(card_url(card_file, version))
        assert response.status == HTTPStatus.OK
        assert response.content_type in {"application/javascript", "text/javascript"}
        assert await response.text() == _card_source(card_file)


async def test_card_is_not_registered_without_a_frontend(hass: HomeAssistant) -> None:
    """Without the frontend, setting up the integration serves nothing more."""
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert DATA_EXTRA_MODULE_URL not in hass.data


@pytest.mark.parametrize("card_file", CARD_FILES)
def test_card_never_parses_html(card_file: str) -> None:
    """Each card builds its DOM from elements and text only: no HTML from data."""
    source = _card_source(card_file)
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "createContextualFragment",
        "DOMParser",
        "unsafeHTML",
        "srcdoc",
        "eval(",
        "new Function",
    ):
        assert sink not in source, f"{card_file} uses {sink}"


def test_card_links_open_safely() -> None:
    """Every anchor opens in a new tab without an opener, from an http(s) URL only."""
    source = _card_source()
    anchors = re.findall(r'el\(\s*"a",\s*\{(.*?)\}', source, re.DOTALL)
    assert anchors, "the card makes no anchors any more; update this test"
    for props in anchors:
        assert 'rel: "noopener noreferrer"' in props
        assert 'target: "_blank"' in props
    assert 'url.protocol !== "http:" && url.protocol !== "https:"' in source


def test_card_registers_in_the_card_picker() -> None:
    """The module defines the card and its editor, and lists the card for the picker."""
    source = _card_source()
    assert 'const CARD_TYPE = "smmpanel-orders-card";' in source
    assert "window.customCards.push(" in source
    assert "static getConfigElement()" in source
    assert "static getStubConfig(hass)" in source


def test_spending_card_registers_in_the_card_picker() -> None:
    """The spending card's module defines the card and lists it for the picker."""
    source = _card_source(SPENDING_CARD_FILE)
    assert 'const CARD_TYPE = "smmpanel-spending-card";' in source
    assert "window.customCards.push(" in source
    assert "static getConfigElement()" in source
    assert "static getStubConfig(hass)" in source
