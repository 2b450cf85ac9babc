"""The first minutes with the integration, in Chromium, end to end.

Where the demo opens (the SMM Panel dashboard, for the owner and a household member),
the account's entities found by "SMM" where a dashboard's cards are picked, and the
spending card on the dashboard's Spending view: today's spend after an order, before
Home Assistant has compiled any long-term statistics, by day, week and month, in
English and in German.

Named to run after the other modules: it places an order, and test_homeassistant.py
checks the balance its own order leaves of the simulator's opening balance.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
import json
from pathlib import Path
import re
from typing import Any

from playwright.sync_api import Locator, Page, expect
import pytest

from custom_components.smmpanel.const import DOMAIN
from scripts.devenv.__main__ import _open_on_the_dashboard
from scripts.devenv.client import HomeAssistantClient
from scripts.devenv.configuration import DASHBOARD

from .harness import BALANCE, DEVICE_NAME, SPENT_TODAY, HomeAssistant, SaveScreenshot

pytestmark = pytest.mark.e2e

CARD = "smmpanel-spending-card"
TRANSLATIONS = Path(__file__).parents[2] / "custom_components" / DOMAIN / "translations"
ORDER = {
    "service": 1,  # Instagram Followers, 1.20 per 1000
    "link": "https://www.instagram.com/smmpanel.first-minutes/",
    "quantity": 1500,
}
# The bars each view shows: about a month of days, a quarter of weeks, a year of
# months.
BARS = {"day": 30, "week": 13, "month": 12}
POLL_TIMEOUT = 120.0  # seconds; a requested refresh may wait out a 10 s cooldown
SEARCH_DASHBOARD = "e2e-search"
PROBE = "sensor.e2e_welcome_probe"  # a state set to change something elsewhere


def _card_texts(language: str) -> dict[str, str]:
    """Return the spending card's texts as translations/<language>.json words them."""
    translations = json.loads(
        (TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8")
    )
    texts: dict[str, str] = translations["selector"]["spending_card"]["options"]
    return texts


ENGLISH = _card_texts("en")
GERMAN = _card_texts("de")
# How each view's button and its current period are named, by text key.
VIEWS = {
    "day": ("days", "today", "last_days"),
    "week": ("weeks", "this_week", "last_weeks"),
    "month": ("months", "this_month", "last_months"),
}


def _money(amount: Decimal, language: str) -> str:
    """Return US dollars as Home Assistant shows them: two decimals at least."""
    decimals = max(2, -int(amount.normalize().as_tuple().exponent))
    english = f"{amount:,.{decimals}f}"
    if language == "de":
        german = english.translate(str.maketrans(",.", ".,"))
        return f"{german}\u00a0$"
    return f"${english}"


def _spending(homeassistant: HomeAssistant, period: str) -> dict[str, Any]:
    """Return get_spending's answer for a view of the card."""
    response: dict[str, Any] = homeassistant.client.call_action(
        DOMAIN,
        "get_spending",
        {"period": period, "count": BARS[period]},
        return_response=True,
    )
    return response


@pytest.fixture(scope="module")
def spent_today(homeassistant: HomeAssistant, panel_entry: dict[str, Any]) -> Decimal:
    """Place an order and let Home Assistant poll; return what was spent today."""
    before = _number(homeassistant, SPENT_TODAY)
    homeassistant.client.call_action(
        DOMAIN,
        "add_order",
        {"config_entry_id": panel_entry["entry_id"], **ORDER},
        return_response=True,
    )
    homeassistant.client.call_action(
        "homeassistant", "update_entity", {"entity_id": BALANCE}
    )
    homeassistant.process.wait_until(
        lambda: _number(homeassistant, SPENT_TODAY) > before,
        timeout=POLL_TIMEOUT,
        what="counting the order's charge as spent today",
    )
    return _number(homeassistant, SPENT_TODAY)


def _number(homeassistant: HomeAssistant, entity_id: str) -> Decimal:
    state = homeassistant.client.state(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return Decimal(state["state"])


def _open(page: Page, url: str) -> None:
    """Load a page of the frontend and wait for its launch screen to fade out."""
    page.goto(url)
    expect(page.locator("#ha-launch-screen")).to_have_count(0)


@pytest.fixture
def default_dashboard_reset(homeassistant: HomeAssistant) -> Iterator[None]:
    """Start with no default dashboard chosen, as a new installation has; put back
    what the frontend kept for every user afterwards."""
    client = homeassistant.client
    command = {"type": "frontend/get_system_data", "key": "core"}
    kept = client.websocket_command(command)["value"] or {}
    without = {key: value for key, value in kept.items() if key != "default_panel"}
    _set_system_core_data(client, without)
    yield
    _set_system_core_data(client, kept)


def _set_system_core_data(client: HomeAssistantClient, value: dict[str, Any]) -> None:
    client.websocket_command(
        {"type": "frontend/set_system_data", "key": "core", "value": value}
    )


@pytest.mark.usefixtures("panel_entry", "default_dashboard_reset")
def test_demo_opens_on_the_smm_panel_dashboard(
    homeassistant: HomeAssistant, page: Page, request: pytest.FixtureRequest
) -> None:
    """Once the demo has added the account and made its dashboard the default, Home
    Assistant's address opens the SMM Panel dashboard, for the owner and for a
    household member logging in."""
    _open(page, homeassistant.client.url)
    expect(page).not_to_have_url(re.compile(f"/{DASHBOARD}/"))

    _open_on_the_dashboard(homeassistant.client)

    _open(page, homeassistant.client.url)
    expect(page).to_have_url(re.compile(f"/{DASHBOARD}/orders$"))
    expect(page.locator("smmpanel-orders-card ha-card")).to_be_visible()
    # Logged in only now: the member's first page is the dashboard.
    member_page: Page = request.getfixturevalue("member_page")
    expect(member_page).to_have_url(re.compile(f"/{DASHBOARD}/orders$"))
    expect(member_page.locator("smmpanel-orders-card ha-card")).to_be_visible()


@pytest.fixture
def search_dashboard(homeassistant: HomeAssistant) -> Iterator[str]:
    """Add an empty dashboard that can be edited in the UI; return its URL path."""
    client = homeassistant.client
    created = client.websocket_command(
        {
            "type": "lovelace/dashboards/create",
            "url_path": SEARCH_DASHBOARD,
            "title": "Search",
            "mode": "storage",
            "require_admin": False,
            "show_in_sidebar": False,
        }
    )
    client.websocket_command(
        {
            "type": "lovelace/config/save",
            "url_path": SEARCH_DASHBOARD,
            "config": {"views": [{"title": "Home", "path": "home", "cards": []}]},
        }
    )
    yield SEARCH_DASHBOARD
    client.websocket_command(
        {"type": "lovelace/dashboards/delete", "dashboard_id": created["id"]}
    )


def test_smm_finds_the_accounts_entities(
    homeassistant: HomeAssistant,
    panel_entry: dict[str, Any],
    page: Page,
    search_dashboard: str,
    save_screenshot: SaveScreenshot,
) -> None:
    """Add card > By entity, searched for "SMM", lists the account's entities (under
    their device's name, "SMM Panel <host>")."""
    _open(page, f"{homeassistant.client.url}/{search_dashboard}/home?edit=1")
    page.get_by_role("button", name="Add card").click()
    expect(page.get_by_role("tab", name="By entity")).to_have_attribute(
        "aria-selected", "true"
    )
    # The dialog's content is slotted into it, outside its element: found on the page.
    page.get_by_placeholder("Search entities").fill("SMM")
    balance = page.get_by_role(
        "button", name=re.compile(rf"^Balance {re.escape(DEVICE_NAME)} ")
    )
    expect(balance).to_be_visible()
    # The list shows what fits, each result found by "SMM": the account's entities
    # (and the automation the tests made from a blueprint, "SMM order finished").
    results = page.locator("ha-list-virtualized ha-list-item-button")
    shown = results.all_inner_texts()
    assert len(shown) >= 4
    assert all("SMM" in text for text in shown), shown
    assert sum(DEVICE_NAME in text for text in shown) >= 3, shown
    save_screenshot("search-smm", page.get_by_role("dialog"))
    # Closed before the page is left: a dialog open then goes back in the history,
    # to this dashboard, which is removed.
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def _card(page: Page, homeassistant: HomeAssistant) -> Locator:
    _open(page, f"{homeassistant.client.url}/{DASHBOARD}/spending")
    card = page.locator(CARD)
    expect(card.locator("ha-card")).to_be_visible()
    return card


def _expect_view(
    card: Locator,
    homeassistant: HomeAssistant,
    period: str,
    texts: dict[str, str],
    language: str,
) -> None:
    """The view shows the current period's spend, its bars and the totals."""
    button, current, last = VIEWS[period]
    expect(card.get_by_role("button", name=texts[button])).to_have_attribute(
        "aria-pressed", "true"
    )
    answer = _spending(homeassistant, period)
    newest = Decimal(str(answer["periods"][0]["net_spend"]))
    expect(card.locator(".readout .label")).to_have_text(texts[current])
    expect(card.locator(".readout .amount")).to_have_text(_money(newest, language))
    bars = card.locator(".bar")
    expect(bars).to_have_count(BARS[period])
    expect(bars.last).to_have_attribute("aria-pressed", "true")
    expect(bars.last).to_have_attribute(
        "aria-label", re.compile(f"{re.escape(_money(newest, language))}$")
    )
    expect(card.locator(".totals .range")).to_have_text(
        texts[last].replace("{count}", str(BARS[period]))
    )
    total = Decimal(str(answer["total"]["net_spend"]))
    expect(card.locator('[data-total="net_spend"] .value')).to_have_text(
        _money(total, language)
    )


def test_spending_card_shows_today_after_an_order(
    homeassistant: HomeAssistant,
    spent_today: Decimal,
    page: Page,
    save_screenshot: SaveScreenshot,
) -> None:
    """The Spending view's card shows what was spent today from the poll after the
    order on, then each week and month, with the totals of the periods shown."""
    card = _card(page, homeassistant)
    expect(card.locator(".title")).to_have_text(ENGLISH["title"])
    expect(card.locator(".account")).to_have_text(DEVICE_NAME)
    expect(card.locator(".readout .amount")).to_have_text(_money(spent_today, "en"))
    assert spent_today > 0
    _expect_view(card, homeassistant, "day", ENGLISH, "en")
    save_screenshot("spending-card", card.locator("ha-card"))
    for period in ("week", "month", "day"):
        card.get_by_role("button", name=ENGLISH[VIEWS[period][0]]).click()
        _expect_view(card, homeassistant, period, ENGLISH, "en")


def test_spending_card_shows_a_period_picked_on_the_chart(
    homeassistant: HomeAssistant, spent_today: Decimal, page: Page
) -> None:
    """A bar picked shows its day and what was spent then, and keeps the focus, also
    when a state changes elsewhere in Home Assistant."""
    card = _card(page, homeassistant)
    yesterday = card.locator(".bar").nth(BARS["day"] - 2)
    yesterday.evaluate("(bar) => { window.smmpanelPickedBar = bar; }")
    yesterday.click()
    expect(yesterday).to_have_attribute("aria-pressed", "true")
    label = yesterday.get_attribute("aria-label") or ""
    day, _, amount = label.rpartition(": ")
    expect(card.locator(".readout .label")).to_have_text(day)
    expect(card.locator(".readout .amount")).to_have_text(amount)
    assert day != ENGLISH["today"]

    homeassistant.client.request("POST", f"/api/states/{PROBE}", {"state": "changed"})
    page.wait_for_function(
        "(probe) => document.querySelector('home-assistant').hass.states[probe]",
        arg=PROBE,
    )
    assert yesterday.evaluate(
        "(bar) => bar === window.smmpanelPickedBar && bar.isConnected"
        " && bar.getRootNode().activeElement === bar"
    )
    homeassistant.client.request("DELETE", f"/api/states/{PROBE}")


def test_spending_card_speaks_german(
    homeassistant: HomeAssistant, spent_today: Decimal, german_page: Page
) -> None:
    """For a user whose profile speaks German: German texts, German money, and none
    of the card's English texts."""
    card = _card(german_page, homeassistant)
    expect(card.locator(".title")).to_have_text(GERMAN["title"])
    for period in ("day", "week", "month"):
        card.get_by_role("button", name=GERMAN[VIEWS[period][0]]).click()
        _expect_view(card, homeassistant, period, GERMAN, "de")
    shown = card.locator("ha-card").inner_text()
    english_only = {
        text for key, text in ENGLISH.items() if text != GERMAN[key] and "{" not in text
    }
    assert [text for text in english_only if text in shown] == []


@pytest.mark.parametrize("width", [390, 1200])
def test_spending_card_fits_the_screen(
    homeassistant: HomeAssistant, spent_today: Decimal, page: Page, width: int
) -> None:
    """On a phone and on a desktop, the card scrolls nowhere sideways and every
    bar has room."""
    page.set_viewport_size({"width": width, "height": 860})
    try:
        card = _card(page, homeassistant)
        expect(card.locator(".bar")).to_have_count(BARS["day"])
        sizes = card.locator("ha-card").evaluate(
            """(card) => ({
                overflow: card.scrollWidth - card.clientWidth,
                narrowest: Math.min(
                    ...[...card.querySelectorAll(".bar")].map((bar) => bar.clientWidth)
                ),
            })"""
        )
        assert sizes["overflow"] <= 0
        assert sizes["narrowest"] >= 4
    finally:
        page.set_viewport_size({"width": 1280, "height": 860})
