"""The integration's translations in a real Home Assistant set to another language.

Home Assistant's language is set to each of two shipped translations in turn and the
entry reloaded: entities are named from translations/<language>.json, and an action's
error carries the translation key and placeholders from which the frontend words it in
that language. The expected text is read from the translation files. Afterwards the
language is English again, as the other modules expect.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.smmpanel.const import DOMAIN

from .harness import BALANCE, DEVICE_NAME, HomeAssistant

pytestmark = pytest.mark.e2e

TRANSLATIONS_DIR = (
    Path(__file__).parents[2] / "custom_components" / DOMAIN / "translations"
)
LANGUAGES = ("de", "es")
UNKNOWN_SERVICE = 999999
BAD_ORDER = {
    "service": UNKNOWN_SERVICE,
    "link": "https://www.instagram.com/smmpanel.languages/",
    "quantity": 100,
}
RELOAD_TIMEOUT = 120.0  # seconds


def _translations(language: str) -> dict[str, Any]:
    translations: dict[str, Any] = json.loads(
        (TRANSLATIONS_DIR / f"{language}.json").read_text(encoding="utf-8")
    )
    return translations


def _unknown_service_message(language: str) -> str:
    """Return the unknown_service error as translations/<language>.json words it."""
    template: str = _translations(language)["exceptions"]["unknown_service"]["message"]
    return template.format(service=UNKNOWN_SERVICE)


def _set_language(homeassistant: HomeAssistant, entry_id: str, language: str) -> None:
    """Set Home Assistant's language, then reload the entry to name its entities."""
    homeassistant.client.set_language(language)
    homeassistant.client.reload_config_entry(entry_id)
    homeassistant.process.wait_until(
        lambda: (
            (state := homeassistant.client.state(BALANCE)) is not None
            and state["state"] != "unavailable"
        ),
        timeout=RELOAD_TIMEOUT,
        what=f"showing {BALANCE} again after a reload in {language!r}",
    )


@pytest.fixture(scope="module")
def english_afterwards(
    homeassistant: HomeAssistant, panel_entry: dict[str, Any]
) -> Iterator[None]:
    """Set Home Assistant's language back to English at the end of the module."""
    yield
    _set_language(homeassistant, panel_entry["entry_id"], "en")


@pytest.fixture(scope="module", params=LANGUAGES)
def language(
    request: pytest.FixtureRequest,
    homeassistant: HomeAssistant,
    panel_entry: dict[str, Any],
    english_afterwards: None,
) -> str:
    """Set Home Assistant's language to a shipped translation; return the language."""
    language: str = request.param
    _set_language(homeassistant, panel_entry["entry_id"], language)
    return language


def test_entities_are_named_in_the_language(
    homeassistant: HomeAssistant, language: str
) -> None:
    """The balance sensor takes its name from translations/<language>.json."""
    assert homeassistant.client.core_config()["language"] == language
    name = _translations(language)["entity"]["sensor"]["balance"]["name"]
    assert name != _translations("en")["entity"]["sensor"]["balance"]["name"]
    state = homeassistant.client.state(BALANCE)
    assert state is not None
    assert state["attributes"]["friendly_name"] == f"{DEVICE_NAME} {name}"


def test_action_errors_are_translated(
    homeassistant: HomeAssistant, panel_entry: dict[str, Any], language: str
) -> None:
    """An unknown service fails with the translated unknown_service error.

    The REST API answers 400 with the message in English whatever the language (Home
    Assistant words exceptions in English, without the final period); the frontend,
    over the websocket API, gets the translation key and placeholders, and words the
    error with the translations Home Assistant serves for the language: those of
    translations/<language>.json.
    """
    data = {"config_entry_id": panel_entry["entry_id"], **BAD_ORDER}

    error = homeassistant.client.action_error(
        DOMAIN, "add_order", data, return_response=True
    )
    assert error.status == HTTPStatus.BAD_REQUEST
    assert error.json_message() == _unknown_service_message("en").rstrip(".")

    answer = homeassistant.client.websocket_action_error(
        DOMAIN, "add_order", data, return_response=True
    )
    assert answer["code"] == "service_validation_error"
    assert answer["translation_domain"] == DOMAIN
    assert answer["translation_key"] == "unknown_service"
    assert answer["translation_placeholders"] == {"service": str(UNKNOWN_SERVICE)}

    served = homeassistant.client.translations(language, "exceptions", DOMAIN)
    template = served[f"component.{DOMAIN}.exceptions.unknown_service.message"]
    translated = template.format(**answer["translation_placeholders"])
    assert translated == _unknown_service_message(language)
    assert translated != _unknown_service_message("en")
