"""The integration in a real Home Assistant against the panel simulator, end to end.

The steps build on each other through module fixtures: the config flow adds the
simulator's account, an order is placed, the panel's clock moves on, and Home Assistant
sees the order finish; then a browser looks at what a user sees.
"""

from __future__ import annotations

from decimal import Decimal
import re
from typing import Any

from playwright.sync_api import Locator, Page, expect
import pytest

from custom_components.smmpanel.const import DOMAIN

from .harness import (
    API_KEY,
    BALANCE,
    ENTRY_TITLE,
    LAST_DEPOSIT,
    ORDER_EVENTS,
    ORDER_FINISHED_AUTOMATION,
    HomeAssistant,
    SaveScreenshot,
    Simulator,
    order_sensor,
)

pytestmark = pytest.mark.e2e

OPENING_BALANCE = Decimal(100)  # the simulator's default
ORDER = {
    "service": 1,  # Instagram Followers, 1.20 per 1000
    "link": "https://www.instagram.com/smmpanel.e2e/",
    "quantity": 500,
}
ORDER_CHARGE = Decimal("0.6")
POLL_TIMEOUT = 120.0  # seconds; a requested refresh may wait out a 10 s cooldown


def _state(homeassistant: HomeAssistant, entity_id: str) -> dict[str, Any]:
    state = homeassistant.client.state(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state


@pytest.fixture(scope="module")
def placed_order(
    homeassistant: HomeAssistant, panel_entry: dict[str, Any]
) -> dict[str, Any]:
    """Place an order with the add_order action over REST; return its response."""
    response: dict[str, Any] = homeassistant.client.call_action(
        DOMAIN,
        "add_order",
        {"config_entry_id": panel_entry["entry_id"], **ORDER},
        return_response=True,
    )
    return response


@pytest.fixture(scope="module")
def finished_order(
    homeassistant: HomeAssistant, simulator: Simulator, placed_order: dict[str, Any]
) -> int:
    """Let the order finish on the panel and Home Assistant poll; return its id."""
    order_id: int = placed_order["order"]
    simulator.advance(3600)
    homeassistant.client.call_action(
        "homeassistant", "update_entity", {"entity_id": BALANCE}
    )
    homeassistant.process.wait_until(
        lambda: _state(homeassistant, order_sensor(order_id))["state"] == "completed",
        timeout=POLL_TIMEOUT,
        what=f"showing order {order_id} completed",
    )
    return order_id


def test_config_flow_sets_up_the_account(
    homeassistant: HomeAssistant, panel_entry: dict[str, Any]
) -> None:
    """The flow creates an entry that loads and shows the panel's balance."""
    assert panel_entry["title"] == ENTRY_TITLE
    assert [
        entry["state"] for entry in homeassistant.client.config_entries(DOMAIN)
    ] == ["loaded"]
    balance = _state(homeassistant, BALANCE)
    assert Decimal(balance["state"]) == OPENING_BALANCE
    assert balance["attributes"]["unit_of_measurement"] == "USD"


def test_add_order_responds_and_tracks_the_order(
    homeassistant: HomeAssistant, placed_order: dict[str, Any]
) -> None:
    """add_order answers with the order id and charge, and tracks the order."""
    assert placed_order.keys() >= {"order", "estimated_charge", "currency"}
    assert Decimal(str(placed_order["estimated_charge"])) == ORDER_CHARGE
    assert placed_order["currency"] == "USD"
    order = _state(homeassistant, order_sensor(placed_order["order"]))
    assert order["state"] == "pending"
    assert order["attributes"]["link"] == ORDER["link"]


def test_finished_order_fires_the_event_and_runs_the_blueprint(
    homeassistant: HomeAssistant, finished_order: int
) -> None:
    """The order's completion fires the event entity, which runs the automation."""
    event = _state(homeassistant, ORDER_EVENTS)
    assert event["attributes"]["event_type"] == "completed"
    assert str(event["attributes"]["order_id"]) == str(finished_order)
    homeassistant.process.wait_until(
        lambda: (
            _state(homeassistant, ORDER_FINISHED_AUTOMATION)["attributes"][
                "last_triggered"
            ]
            is not None
        ),
        timeout=POLL_TIMEOUT,
        what="running the order finished automation",
    )
    balance = _state(homeassistant, BALANCE)
    assert Decimal(balance["state"]) == OPENING_BALANCE - ORDER_CHARGE


def test_api_key_stays_out_of_the_logs(
    homeassistant: HomeAssistant, finished_order: int
) -> None:
    """Debug logging of the integration never writes the API key."""
    for log in (
        homeassistant.config_dir / "home-assistant.log",
        homeassistant.process.log_file,
    ):
        assert API_KEY not in log.read_text()


def test_device_page_shows_balance_and_order(
    homeassistant: HomeAssistant,
    finished_order: int,
    page: Page,
    save_screenshot: SaveScreenshot,
) -> None:
    """The account's device page lists the balance and the order's status."""
    device_id = homeassistant.client.render_template(
        f"{{{{ device_id('{BALANCE}') }}}}"
    )
    _open(page, f"{homeassistant.client.url}/config/devices/device/{device_id}")
    _expect_balance_and_order(page, finished_order)
    save_screenshot("device-page")


def test_dashboard_shows_balance_and_order(
    homeassistant: HomeAssistant,
    finished_order: int,
    page: Page,
    save_screenshot: SaveScreenshot,
) -> None:
    """The SMM Panel dashboard's orders card shows the balance and the order."""
    _open(page, f"{homeassistant.client.url}/smm-panel")
    card = page.locator("smmpanel-orders-card")
    expect(card.locator(".balance")).to_contain_text(
        f"{OPENING_BALANCE - ORDER_CHARGE:.2f}"
    )
    card.get_by_role("button", name="Finished").click()
    row = card.locator(f'.order[data-entity-id="{order_sensor(finished_order)}"]')
    expect(row.locator(".status")).to_have_text("Completed")
    save_screenshot("dashboard")


def test_dashboard_shows_spending(
    homeassistant: HomeAssistant, finished_order: int, page: Page
) -> None:
    """The dashboard's Spending view holds the spending card and the balance's
    history, both drawn from the first poll on (test_welcome.py looks closer)."""
    _open(page, f"{homeassistant.client.url}/smm-panel/spending")
    expect(page.locator("smmpanel-spending-card .bar").first).to_be_visible()
    graph = page.locator("hui-history-graph-card")
    expect(graph).to_contain_text("Balance")
    expect(graph.get_by_text("No state history found.")).to_have_count(0)


def test_blueprint_notification_is_shown(
    homeassistant: HomeAssistant, finished_order: int, page: Page
) -> None:
    """The automation made from the blueprint left a notification."""
    _open(page, homeassistant.client.url)
    page.get_by_role("button", name="Notifications").click()
    expect(page.get_by_text(f"SMM order {finished_order} completed")).to_be_visible()


def test_config_flow_dialog(
    homeassistant: HomeAssistant,
    simulator: Simulator,
    page: Page,
    save_screenshot: SaveScreenshot,
) -> None:
    """Adding an account in the UI asks for the API URL and key, with their help."""
    _open(page, f"{homeassistant.client.url}/config/integrations/integration/{DOMAIN}")
    page.get_by_role("button", name="Add hub").click()
    expect(page.get_by_text("Connect an SMM panel account")).to_be_visible()
    page.get_by_role("textbox", name="API URL").fill(simulator.running.url)
    page.get_by_role("textbox", name="API key").fill(API_KEY)
    expect(page.get_by_text("it usually ends in /api/v2")).to_be_visible()
    expect(page.get_by_text("Translation error")).to_have_count(0)
    save_screenshot("config-flow")


@pytest.fixture(scope="module")
def credited_deposit(
    homeassistant: HomeAssistant, simulator: Simulator, finished_order: int
) -> dict[str, Any]:
    """Credit a deposit on the panel and let Home Assistant poll; return its answer."""
    if homeassistant.client.state(LAST_DEPOSIT) is None:
        pytest.skip(f"the integration makes no {LAST_DEPOSIT} (Money insight) yet")
    credited: dict[str, Any] = simulator.deposit("25.00")
    homeassistant.client.call_action(
        "homeassistant", "update_entity", {"entity_id": BALANCE}
    )
    homeassistant.process.wait_until(
        lambda: (
            _state(homeassistant, ORDER_EVENTS)["attributes"]["event_type"]
            == "balance_topped_up"
        ),
        timeout=POLL_TIMEOUT,
        what="firing balance_topped_up",
    )
    return credited


# Last: the deposit changes the balance the tests above check.
def test_deposit_fires_balance_topped_up(
    homeassistant: HomeAssistant, credited_deposit: dict[str, Any]
) -> None:
    """A deposit credited on the panel fires balance_topped_up at the next poll."""
    assert credited_deposit["amount"] == "25.00"
    event = _state(homeassistant, ORDER_EVENTS)["attributes"]
    assert Decimal(str(event["amount"])) == Decimal("25.00")
    assert Decimal(str(event["balance"])) == Decimal(credited_deposit["balance"])
    assert event["currency"] == "USD"
    assert Decimal(_state(homeassistant, BALANCE)["state"]) == Decimal(
        credited_deposit["balance"]
    )
    # Read in a template, on the server: the sensor's state is checked there.
    amount = homeassistant.client.render_template(f"{{{{ states('{LAST_DEPOSIT}') }}}}")
    assert Decimal(amount) == Decimal("25.00")


def test_activity_names_the_order_and_the_deposit(
    homeassistant: HomeAssistant,
    finished_order: int,
    credited_deposit: dict[str, Any],
    page: Page,
    save_screenshot: SaveScreenshot,
) -> None:
    """The Activity page has one line naming the order, one the deposit's amount.

    Beside them Home Assistant writes the Order events entity's own line for each
    event (its event type), and no line says only "Order events" and what happened.
    """
    # The recorder writes every few seconds, and the logbook of a Home Assistant
    # that never had a logbook entry before may miss the first one until then.
    homeassistant.process.wait_until(
        lambda: any(
            row.get("message", "").startswith("topped up by")
            for row in homeassistant.client.websocket_command(
                {"type": "logbook/get_events", "start_time": "2000-01-01T00:00:00Z"}
            )
        ),
        timeout=POLL_TIMEOUT,
        what="recording the deposit's logbook entry",
    )
    _open(page, f"{homeassistant.client.url}/logbook")
    lines = page.locator("ha-logbook-entry .primary-text")
    expect(
        lines.filter(has_text=re.compile(rf"^Order {finished_order} · .*Completed$"))
    ).to_have_count(1)
    expect(
        lines.filter(has_text=re.compile(r"^Balance topped up by 25(\.00)? USD$"))
    ).to_have_count(1)
    # Last deposit is an amount: Activity leaves it out like the balance.
    expect(lines.filter(has_text=re.compile(r"^Last deposit"))).to_have_count(0)
    # Home Assistant's own line for each event of the entity: its event type.
    expect(lines.filter(has_text=re.compile(r"^Order events"))).to_have_count(2)
    expect(
        lines.filter(
            has_text=re.compile(r"^Order events→(Order completed|Balance topped up)$")
        )
    ).to_have_count(2)
    save_screenshot("activity")


def _open(page: Page, url: str) -> None:
    """Load a page of the frontend and wait for its launch screen to fade out."""
    page.goto(url)
    expect(page.locator("#ha-launch-screen")).to_have_count(0)


def _expect_balance_and_order(page: Page, order_id: int) -> None:
    expect(_entity_row(page, "Balance")).to_contain_text(
        f"{OPENING_BALANCE - ORDER_CHARGE:.2f}"
    )
    # "Order <id>", or "Order <id> · <service>" when the service is known.
    order_name = re.compile(rf"^Order {order_id}( · .*)?$")
    expect(_entity_row(page, order_name)).to_contain_text("Completed")


def _entity_row(page: Page, name: str | re.Pattern[str]) -> Locator:
    """Return the row of an entity, on a device page or a dashboard's entities card."""
    return page.locator("hui-generic-entity-row").filter(
        has=page.get_by_title(name, exact=True)
    )
