"""scripts/develop: the panel simulator and a real Home Assistant, until stopped.

Its command line and what it does: scripts/develop --help (see options.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
import logging
import signal
import socket
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from panel_simulator import RunningSimulator

from . import DevenvError
from .client import HomeAssistantClient, Owner
from .configuration import (
    BALANCE_SENSOR,
    DASHBOARD,
    DOMAIN,
    HOST,
    REPO_ROOT,
    prepare_config_dir,
)
from .environment import HOMEASSISTANT_VERSION, ensure_environment
from .options import DevelopOptions, parse_args
from .processes import ManagedProcess, start_homeassistant, start_simulator

SIMULATOR_KEY = "demo-key"  # the simulator's demo key, not a secret
CONFIG_DIR = REPO_ROOT / "config"
RUN_DIR = REPO_ROOT / ".develop"
DEMO_OWNER = Owner(name="Demo", username="demo", password="demo-password")  # noqa: S106 - printed for the demo
DEMO_ORDERS: tuple[dict[str, Any], ...] = (
    {"service": 1, "link": "https://www.instagram.com/smmpanel.demo/", "quantity": 200},
    {
        "service": 15,
        "link": "https://www.youtube.com/watch?v=smmpanel",
        "quantity": 1000,
    },
)
DEMO_SCAN_INTERVAL = 1  # minute: the dashboard follows the orders closely
# Home Assistant raises a repair until a country is set; onboarding by API sets none.
DEMO_COUNTRY = "US"
DEMO_TIMEOUT = 120.0

_LOGGER = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run until Ctrl-C or SIGTERM; return the exit code."""
    options = parse_args(argv)
    logging.basicConfig(format="develop: %(message)s", level=logging.INFO)
    _stop_on_signals()
    try:
        run(options)
    except DevenvError as error:
        _LOGGER.error("%s", error)
        return 1
    except KeyboardInterrupt:
        _LOGGER.info("Stopped")
    return 0


def _stop_on_signals() -> None:
    """Stop, stopping the child processes, on Ctrl-C, SIGTERM and a hang-up.

    For Ctrl-C whatever this process inherited: one started in the background by a
    script inherits SIGINT ignored, and Python then leaves it so. A hang-up ignored
    (nohup) stays ignored.
    """
    stop_signals = [signal.SIGINT, signal.SIGTERM]
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        stop_signals.append(signal.SIGHUP)
    for stop_signal in stop_signals:
        signal.signal(stop_signal, signal.default_int_handler)


def run(options: DevelopOptions) -> None:
    """Start the simulator and Home Assistant; stop both when interrupted."""
    environment = ensure_environment()
    homeassistant_url = prepare_config_dir(CONFIG_DIR, environment, port=options.port)
    simulator_url = RunningSimulator(HOST, options.panel_port)
    for url in (homeassistant_url, simulator_url.base_url):
        _check_port_free(url)
    with ExitStack() as stack:
        # Left in reverse order: Home Assistant stops before the panel it polls.
        simulator = stack.enter_context(
            start_simulator(
                port=options.panel_port,
                api_key=SIMULATOR_KEY,
                log_file=RUN_DIR / "simulator.log",
            )
        )
        _LOGGER.info(
            "Starting Home Assistant %s (the first start installs its frontend)",
            HOMEASSISTANT_VERSION,
        )
        homeassistant = stack.enter_context(
            start_homeassistant(
                environment,
                config_dir=CONFIG_DIR,
                url=homeassistant_url,
                log_file=RUN_DIR / "homeassistant.log",
            )
        )
        if options.demo:
            device_url = _set_up_demo(
                homeassistant, HomeAssistantClient(homeassistant_url), simulator_url.url
            )
            print(_demo_banner(homeassistant_url, device_url, simulator_url.url))
        else:
            print(_banner(homeassistant_url, simulator_url.url))
        print(_common_banner(simulator_url.base_url), flush=True)
        _wait_while_running(simulator, homeassistant)


def _check_port_free(url: str) -> None:
    address = urlsplit(url).netloc
    host, _, port = address.rpartition(":")
    with socket.socket() as probe:
        # As servers do, so that connections closed a moment ago do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError:
            raise DevenvError(
                f"{address} is in use (is scripts/develop already running?); "
                "--port and --panel-port choose other ports"
            ) from None


def _set_up_demo(
    homeassistant: ManagedProcess, anonymous: HomeAssistantClient, simulator_url: str
) -> str:
    """Set up the demo; return the account's device page.

    Onboard, add the simulator's account with two orders, and open the frontend on
    the SMM Panel dashboard.
    """
    client = anonymous.onboard(DEMO_OWNER)
    # Entries removed while Home Assistant starts keep their entity ids a while.
    homeassistant.wait_until(
        lambda: client.core_state() == "RUNNING", timeout=DEMO_TIMEOUT, what="running"
    )
    client.update_core_config({"country": DEMO_COUNTRY})
    # The simulator starts empty each time: drop the entries of earlier runs, whose
    # orders it no longer knows. The config flow titles an entry with its URL's host.
    for entry in client.config_entries(DOMAIN):
        if entry["title"] == HOST:
            client.remove_config_entry(entry["entry_id"])
    entry_id = client.add_config_entry(
        DOMAIN, {"url": simulator_url, "api_key": SIMULATOR_KEY}
    )["entry_id"]
    # New options reload the entry: let it load again before placing orders.
    client.set_options(
        entry_id, {"scan_interval": DEMO_SCAN_INTERVAL, "catalogue_interval": 15}
    )
    homeassistant.wait_until(
        lambda: any(
            entry["entry_id"] == entry_id and entry["state"] == "loaded"
            for entry in client.config_entries(DOMAIN)
        ),
        timeout=DEMO_TIMEOUT,
        what="reloading the demo config entry",
    )
    for order in DEMO_ORDERS:
        client.call_action(
            DOMAIN,
            "add_order",
            {"config_entry_id": entry_id, **order},
            return_response=True,
        )
    _open_on_the_dashboard(client)
    device_id = client.render_template(f"{{{{ device_id('{BALANCE_SENSOR}') }}}}")
    return f"{client.url}/config/devices/device/{device_id}"


def _open_on_the_dashboard(client: HomeAssistantClient) -> None:
    """Make the SMM Panel dashboard the one users open on, unless one was chosen.

    As an administrator does it (Settings > Dashboards > Set as default): for every
    user, the household members too, and left as it is once chosen.
    """
    if client.default_dashboard() is None:
        client.set_default_dashboard(DASHBOARD)


def _demo_banner(homeassistant_url: str, device_url: str, simulator_url: str) -> str:
    return f"""
Home Assistant {HOMEASSISTANT_VERSION} runs this working tree's {DOMAIN} integration,
with a demo account on the panel simulator (polled every minute, two orders placed).

  Open             {homeassistant_url}
  Log in as        {DEMO_OWNER.username} / {DEMO_OWNER.password}
  Dashboard        {homeassistant_url}/{DASHBOARD} (SMM Panel, where the browser opens:
                   the orders card; its Spending tab, the spending card)
  Panel device     {device_url}
  Balance sensor   {BALANCE_SENSOR}
  API URL          {simulator_url} (the panel simulator's)
  API key          {SIMULATOR_KEY}"""


def _banner(homeassistant_url: str, simulator_url: str) -> str:
    return f"""
Home Assistant {HOMEASSISTANT_VERSION} runs this working tree's {DOMAIN} integration.

  Open             {homeassistant_url}
                   (first time: create your account), then Settings > Devices & services
                   > Add integration > SMM Panel, and enter:
  API URL          {simulator_url}
  API key          {SIMULATOR_KEY}
  Balance sensor   {BALANCE_SENSOR}
  (scripts/develop --demo does all of this for you.)"""


def _common_banner(simulator_base_url: str) -> str:
    return f"""
  Simulator state  {simulator_base_url}/_simulator/state
  Move its clock   curl -X POST -d '{{"seconds": 600}}' {simulator_base_url}/_simulator/advance
  Credit a deposit curl -X POST -d '{{"amount": "25.00"}}' {simulator_base_url}/_simulator/deposit
                   (the next poll sees it: Last deposit, a balance_topped_up event)
  Logs             config/home-assistant.log, .develop/simulator.log
                   (FFmpeg and turbojpeg lines there come from Home Assistant's own
                   camera and image code when the machine lacks those programs,
                   not from the {DOMAIN} integration)
  Code changes     restart scripts/develop (config/custom_components/{DOMAIN} links here)

Press Ctrl-C to stop.
"""


def _wait_while_running(*processes: ManagedProcess) -> None:
    """Return never; raise when one of the processes ends."""
    while True:
        for process in processes:
            process.check_running()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
