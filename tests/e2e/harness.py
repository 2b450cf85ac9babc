"""What the end-to-end fixtures hand to the tests, and the names they share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from panel_simulator import RunningSimulator
from scripts.devenv.client import HomeAssistantClient, JsonClient, Owner
from scripts.devenv.processes import ManagedProcess

API_KEY = "e2e-api-key-5b0f3c8d9e1a"
OWNER = Owner(name="End To End", username="e2e", password="e2e-password-7c1d")
# The config flow titles an entry with its URL's host; entity ids follow the title.
ENTRY_TITLE = "127.0.0.1"
BALANCE = "sensor.127_0_0_1_balance"
ORDER_EVENTS = "event.127_0_0_1_order_events"
ORDER_FINISHED_AUTOMATION = "automation.smm_order_finished"


def order_sensor(order_id: int) -> str:
    """Return the entity id of an order's status sensor."""
    return f"sensor.127_0_0_1_order_{order_id}"


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


@dataclass(frozen=True, slots=True)
class Simulator:
    """The running panel simulator and its control API."""

    running: RunningSimulator
    control: JsonClient

    def advance(self, seconds: float) -> None:
        """Move the panel's clock forward."""
        self.control.request("POST", "/_simulator/advance", {"seconds": seconds})


@dataclass(frozen=True, slots=True)
class HomeAssistant:
    """The running Home Assistant, logged in as its owner."""

    client: HomeAssistantClient
    process: ManagedProcess
    config_dir: Path
