"""The panel simulator of the end-to-end tests: the usual one, selling one more service.

That service's name and category hold markup, as a hostile or careless panel's may:
the tests check the orders card shows it as text. Run as `python -m tests.e2e.simulator`
with the simulator's command line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
import signal
import sys

from panel_simulator import run_simulator
from panel_simulator.cli import SimulatorOptions, build_panel, parse_args

from .harness import HOSTILE_SERVICE


async def serve(options: SimulatorOptions) -> None:
    """Serve the panel, with the hostile service, until SIGTERM."""
    panel = build_panel(options)
    panel.services[HOSTILE_SERVICE.service_id] = HOSTILE_SERVICE
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with run_simulator(panel, options.host, options.port) as running:
        sys.stdout.write(
            f"SMM panel simulator (end-to-end) listening on {running.url}\n"
        )
        sys.stdout.flush()
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM; return the exit code."""
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
