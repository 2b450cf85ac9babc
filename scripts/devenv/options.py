"""The command line of scripts/develop.

Only the standard library: scripts/develop reads its command line with whatever python3
the machine has before its setup makes .venv, so that --help and a wrong option are
answered at once (`python3 -m scripts.devenv.options ARGS`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
import sys

HOMEASSISTANT_PORT = 8123
SIMULATOR_PORT = 8321
# The exit status of `python -m scripts.devenv.options --help`: answered, do not go on.
HELP_SHOWN = 3

DESCRIPTION = f"""\
Run the panel simulator and a real Home Assistant with this working tree's integration
until Ctrl-C or SIGTERM. Home Assistant serves http://127.0.0.1:{HOMEASSISTANT_PORT} (--port) from
config/ (git-ignored), the simulator http://127.0.0.1:{SIMULATOR_PORT}/api/v2 (--panel-port);
their console output goes to .develop/. With --demo, an owner account and a config
entry for the simulator, with two orders, are made at once, and the SMM Panel
dashboard shows them on the integration's orders card, and graphs the daily spend
and the balance on its Spending tab.

Home Assistant runs from a virtual environment under
${{XDG_CACHE_HOME:-~/.cache}}/smmpanel-dev, made on the first start and shared by the
checkouts that need the same one.
"""


@dataclass(frozen=True)
class DevelopOptions:
    """What the command line asks for."""

    demo: bool
    port: int
    panel_port: int


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return port


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="create an owner account and a config entry for the simulator, with orders",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=HOMEASSISTANT_PORT,
        help="the port Home Assistant serves on (default: %(default)s)",
    )
    parser.add_argument(
        "--panel-port",
        type=_port,
        default=SIMULATOR_PORT,
        metavar="PORT",
        help="the port the panel simulator serves on (default: %(default)s)",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> DevelopOptions:
    """Return the options of a command line; exit with a usage error if it is wrong."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.port == args.panel_port:
        parser.error("--port and --panel-port must differ")
    return DevelopOptions(demo=args.demo, port=args.port, panel_port=args.panel_port)


def check(argv: Sequence[str] | None = None) -> int:
    """Check a command line before the setup runs.

    Return 0 when it is right, HELP_SHOWN once the help is printed; exit with status 2
    and a usage error when it is wrong.
    """
    try:
        parse_args(argv)
    except SystemExit as answered:
        if answered.code == 0:
            return HELP_SHOWN
        raise
    return 0


if __name__ == "__main__":
    sys.exit(check())
