"""The configuration folder Home Assistant runs from, wired to this working tree."""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import subprocess

from .environment import HomeAssistantEnvironment

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).parents[2]
DOMAIN = "smmpanel"
INTEGRATION = REPO_ROOT / "custom_components" / DOMAIN
BLUEPRINTS = REPO_ROOT / "blueprints" / "automation" / DOMAIN
DASHBOARD = "smm-panel"  # its URL path
DASHBOARD_FILE = "smm-panel-dashboard.yaml"
# The balance sensor of the account the demo adds: the config flow titles the entry with
# HOST, and the integration names its device "SMM Panel <title>".
BALANCE_SENSOR = f"sensor.smm_panel_{HOST.replace('.', '_')}_balance"
# The integration's cards (custom_components/smmpanel/frontend), which follow the first
# SMM Panel account when no config_entry_id is given: the orders card, where a new
# order's row shows up on its own, and on a second view, Spending, the spending card,
# which reads the integration's own ledger (get_spending) and so shows the days from
# the first poll on, and the balance's history (recorded states, there at once too).
DASHBOARD_YAML = f"""\
# The SMM Panel dashboard, written by scripts/develop when missing; edit freely.
views:
  - title: Orders
    path: orders
    cards:
      - type: custom:smmpanel-orders-card
  - title: Spending
    path: spending
    cards:
      - type: custom:smmpanel-spending-card
      - type: history-graph
        title: Balance
        hours_to_show: 168
        entities:
          - {BALANCE_SENSOR}
"""
# What earlier versions wrote (Home Assistant's generated view of every entity, which
# opens with a person card; the orders card alone; the Spending view of long-term
# statistics, empty for the first hour, of the entity ids the account had when its
# device was named after the host alone): replaced unless it was edited.
_OLD_DASHBOARD_YAMLS = frozenset(
    {
        """\
# The SMM Panel dashboard, written by scripts/develop when missing; edit freely.
strategy:
  type: original-states
""",
        """\
# The SMM Panel dashboard, written by scripts/develop when missing; edit freely.
views:
  - title: Orders
    path: orders
    cards:
      - type: custom:smmpanel-orders-card
""",
        """\
# The SMM Panel dashboard, written by scripts/develop when missing; edit freely.
views:
  - title: Orders
    path: orders
    cards:
      - type: custom:smmpanel-orders-card
  - title: Spending
    path: spending
    cards:
      - type: statistics-graph
        title: Daily spend
        entities:
          - sensor.127_0_0_1_spent_today
        period: day
        stat_types: [change]
        chart_type: bar
        days_to_show: 30
      - type: statistics-graph
        title: Balance
        entities:
          - sensor.127_0_0_1_balance
        period: hour
        stat_types: [state]
        chart_type: line
        days_to_show: 7
""",
    }
)

# Not default_config: several of its parts (bluetooth, go2rtc, stream, cloud, ...) need
# hardware, programs or an Internet connection that development machines and CI lack,
# and fail loudly without them.
CONFIGURATION_YAML = """\
# Written by scripts/develop when missing; edit freely.
# custom_components/{domain} links to the working tree's integration, and each start
# copies the working tree's blueprints into blueprints/automation/{domain}/.
# The address to serve on is in .storage/http (Settings > System > Network).
frontend:
history:
logbook:
automation: !include automations.yaml
lovelace:
  dashboards:
    {dashboard}:
      mode: yaml
      filename: {dashboard_file}
      title: SMM Panel
      icon: mdi:cart-outline
      show_in_sidebar: true
logger:
  default: warning
  logs:
    custom_components.{domain}: debug
"""


def prepare_config_dir(
    config_dir: Path,
    environment: HomeAssistantEnvironment,
    *,
    port: int,
    automations_yaml: str = "[]\n",
) -> str:
    """Make config_dir serve on HOST:port and load this working tree's code.

    configuration.yaml, automations.yaml, the SMM Panel dashboard and the HTTP settings
    are written only when missing, so that changes made to them survive restarts; but
    the port in the HTTP settings is set to `port` each time. Return the URL Home
    Assistant will serve.
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    _write_once(
        config_dir / "configuration.yaml",
        CONFIGURATION_YAML.format(
            domain=DOMAIN, dashboard=DASHBOARD, dashboard_file=DASHBOARD_FILE
        ),
    )
    dashboard = config_dir / DASHBOARD_FILE
    if dashboard.is_file() and dashboard.read_text() in _OLD_DASHBOARD_YAMLS:
        dashboard.unlink()
    _write_once(dashboard, DASHBOARD_YAML)
    _write_once(config_dir / "automations.yaml", automations_yaml)
    http_store = config_dir / ".storage" / "http"
    if http_store.exists():
        _set_server_port(http_store, port)
    else:
        http_store.parent.mkdir(exist_ok=True)
        http_store.write_text(_http_settings(environment, port))
    link = config_dir / "custom_components" / DOMAIN
    link.parent.mkdir(exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(INTEGRATION, target_is_directory=True)
    if BLUEPRINTS.is_dir():
        # Copied, not linked: Home Assistant lists blueprints with a glob that does
        # not follow links.
        shutil.copytree(
            BLUEPRINTS,
            config_dir / "blueprints" / "automation" / DOMAIN,
            dirs_exist_ok=True,
        )
    return f"http://{HOST}:{port}"


# Home Assistant 2026.11 keeps its HTTP settings in .storage/http, set in its UI, and
# takes an `http:` YAML section only as a trial that it reverts (restarting itself)
# unless a user confirms it in the UI within five minutes. Its own schema and store
# layout make the confirmed ("stable") settings here.
_HTTP_SETTINGS_SCRIPT = """\
import json, sys
from homeassistant.components.http import config
from homeassistant.util import dt

stable = config.HTTP_STORAGE_SCHEMA({"server_host": sys.argv[1], "server_port": sys.argv[2]})
stable.update(created_at=dt.utcnow().isoformat(), error=None, error_message=None)
json.dump(
    {
        "version": config.STORAGE_VERSION,
        "minor_version": config.STORAGE_MINOR_VERSION,
        "key": config.STORAGE_KEY,
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    },
    sys.stdout,
)
"""


def _http_settings(environment: HomeAssistantEnvironment, port: int) -> str:
    """Return Home Assistant's HTTP settings store for serving on HOST:port."""
    return subprocess.run(  # noqa: S603 - our own command
        [environment.python, "-c", _HTTP_SETTINGS_SCRIPT, HOST, str(port)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _set_server_port(http_store: Path, port: int) -> None:
    """Make the confirmed HTTP settings name port, keeping the rest of them."""
    store = json.loads(http_store.read_text())
    stable = store["data"]["stable"]
    if stable["server_port"] != port:
        stable["server_port"] = port
        http_store.write_text(json.dumps(store, indent=2))


def _write_once(path: Path, text: str) -> None:
    if not path.exists():
        path.write_text(text)
