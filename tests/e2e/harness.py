"""What the end-to-end fixtures hand to the tests, and the names they share."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from playwright.sync_api import Locator

from panel_simulator import RunningSimulator
from panel_simulator.catalogue import Service, ServiceType
from scripts.devenv.client import HomeAssistantClient, JsonClient, Owner
from scripts.devenv.processes import ManagedProcess

API_KEY = "e2e-api-key-5b0f3c8d9e1a"
OWNER = Owner(name="End To End", username="e2e", password="e2e-password-7c1d")
# A user of the Users group, not an administrator, as a household member's login is.
MEMBER = Owner(name="Household Member", username="member", password="member-pw-3e9a")
NON_ADMIN_GROUP = "system-users"
ADMIN_GROUP = "system-admin"
# An administrator and a household member whose profiles (not Home Assistant) are set
# to German, as each user chooses under Profile > Language.
GERMAN_ADMIN = Owner(name="Anna Admin", username="anna", password="anna-pw-6f2b")
GERMAN_MEMBER = Owner(name="Bernd Mitglied", username="bernd", password="bernd-pw-8d4c")
# The config flow titles an entry with its URL's host; the integration names the
# account's device "SMM Panel <title>", and its entities' names and ids follow that.
ENTRY_TITLE = "127.0.0.1"
DEVICE_NAME = f"SMM Panel {ENTRY_TITLE}"
BALANCE = "sensor.smm_panel_127_0_0_1_balance"
ORDER_EVENTS = "event.smm_panel_127_0_0_1_order_events"
# The Money insight entities; tests of them skip while the integration has none.
SPENT_TODAY = "sensor.smm_panel_127_0_0_1_spent_today"
SPENT_THIS_MONTH = "sensor.smm_panel_127_0_0_1_spent_this_month"
BALANCE_RUNWAY = "sensor.smm_panel_127_0_0_1_balance_runway"
LAST_DEPOSIT = "sensor.smm_panel_127_0_0_1_last_deposit"
ORDER_FINISHED_AUTOMATION = "automation.smm_order_finished"


# A service of the end-to-end simulator (tests/e2e/simulator.py) whose name and
# category hold markup: the orders card must show it as text and run none of it.
HOSTILE_MARKUP = '<img src=x onerror="window.smmpanelInjected=1">'
HOSTILE_SERVICE = Service(
    service_id=901,
    name=f"Followers {HOSTILE_MARKUP} [Refill]",
    type=ServiceType.DEFAULT,
    category="<b>Untrusted</b> category",
    rate=Decimal("1.00"),
    min_quantity=10,
    max_quantity=10000,
    refill=True,
    cancel=True,
)


def order_sensor(order_id: int) -> str:
    """Return the entity id of an order's status sensor."""
    return f"sensor.smm_panel_127_0_0_1_order_{order_id}"


# An automation made from a shipped blueprint: when an order finishes, it leaves a
# persistent notification titled "SMM order <id> completed".
AUTOMATIONS_YAML = f"""\
- id: smmpanel_order_finished
  alias: SMM order finished
  use_blueprint:
    path: smmpanel/order_finished_notify.yaml
    input:
      order_events: {ORDER_EVENTS}
"""


class SaveScreenshot(Protocol):
    """Saves docs/images/<name>.png of the page, or of one element on it."""

    def __call__(self, name: str, element: Locator | None = None) -> None:
        """Save the screenshot (only when SMMPANEL_SAVE_SCREENSHOTS=1)."""


@dataclass(frozen=True, slots=True)
class Simulator:
    """The running panel simulator and its control API."""

    running: RunningSimulator
    control: JsonClient

    def advance(self, seconds: float) -> None:
        """Move the panel's clock forward."""
        self.control.request("POST", "/_simulator/advance", {"seconds": seconds})

    def deposit(self, amount: str) -> dict[str, Any]:
        """Credit the balance as a payment would; return the control API's answer."""
        answer: dict[str, Any] = self.control.request(
            "POST", "/_simulator/deposit", {"amount": amount}
        )
        return answer

    def state(self) -> dict[str, Any]:
        """Return the panel's state: balance, orders and refills."""
        state: dict[str, Any] = self.control.request("GET", "/_simulator/state")
        return state

    def services(self) -> dict[int, dict[str, Any]]:
        """Return the catalogue as the panel's API lists it, by service id."""
        rows: list[dict[str, Any]] = self.control.request(
            "POST",
            self.running.api_path,
            form={"key": API_KEY, "action": "services"},
        )
        return {int(row["service"]): row for row in rows}

    def update_service(self, service_id: int, **changes: Any) -> dict[str, Any]:
        """Change a service in the catalogue, e.g. rate="1.50", min=100, max=2000.

        Return its row as the panel now lists it.
        """
        row: dict[str, Any] = self.control.request(
            "PATCH", f"/_simulator/services/{service_id}", changes
        )
        return row

    def remove_service(self, service_id: int) -> dict[str, Any]:
        """Take a service out of the catalogue; return the row it had."""
        row: dict[str, Any] = self.control.request(
            "DELETE", f"/_simulator/services/{service_id}"
        )
        return row

    def restore_service(self, service_id: int) -> dict[str, Any]:
        """Put a removed service back in the catalogue; return its row."""
        row: dict[str, Any] = self.control.request(
            "POST", f"/_simulator/services/{service_id}/restore"
        )
        return row


@dataclass(frozen=True, slots=True)
class HomeAssistant:
    """The running Home Assistant, logged in as its owner."""

    client: HomeAssistantClient
    process: ManagedProcess
    config_dir: Path


def set_profile_language(client: HomeAssistantClient, language: str) -> None:
    """Set the logged-in user's language, as Profile > Language does: for that user."""
    client.websocket_command(
        {
            "type": "frontend/set_user_data",
            "key": "language",
            "value": {"language": language, "number_format": "language"},
        }
    )


def add_user(owner_client: HomeAssistantClient, user: Owner, group_id: str) -> None:
    """Add a user who logs in with a username and password, as Settings > People does."""
    created = owner_client.websocket_command(
        {"type": "config/auth/create", "name": user.name, "group_ids": [group_id]}
    )
    owner_client.websocket_command(
        {
            "type": "config/auth_provider/homeassistant/create",
            "user_id": created["user"]["id"],
            "username": user.username,
            "password": user.password,
        }
    )
