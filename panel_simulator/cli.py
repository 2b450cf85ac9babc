"""The command line: `python -m panel_simulator --port 8321 --key demo-key --seed 1`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
import signal
import sys

from .clock import RealTimeClock
from .dialects import DIALECTS, Dialect
from .faults import Fault, FaultRule
from .panel import Panel
from .server import run_simulator

FAULT_SYNTAX = f"""\
fault syntax: --fault ACTION:FAULT[:OPTION...]
  ACTION  an API action (add, status, balance, ...) or * for every action
  FAULT   one of: {", ".join(Fault)}
  OPTION  0.2        fault each matching request with probability 0.2
          times=N    fault the next N matching requests (default: the next one)
          always     fault every matching request
          after      let the request take effect, then fail its answer
          seconds=S  how long latency/timeout wait, or Retry-After for rate_limit
examples:
  --fault status:timeout:0.2 --fault add:connection_reset:after
  --fault '*:http_503:times=3' --fault balance:latency:always:seconds=2

control API (no key), beside the API on the same port:
  GET    /_simulator/state    the balance, orders, refills and removed services
  POST   /_simulator/advance  {{"seconds": 600}}: move the panel's clock on
  POST   /_simulator/deposit  {{"amount": "25.00"}}: credit the balance, as a payment
  POST   /_simulator/faults   {{"fault": "timeout", ...}}; DELETE clears them
  POST   /_simulator/services  {{"name": ..., "category": ..., "rate": "1.35",
         "min": 50, "max": 10000}}: offer a new service (201)
  PATCH  /_simulator/services/ID  {{"rate": "1.35", "min": 100, ...}}: change it
  DELETE /_simulator/services/ID  stop offering it; its orders go on
  POST   /_simulator/services/ID/restore  offer a removed service again
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatorOptions:
    """What the command line asks for."""

    host: str
    port: int
    key: str
    seed: int
    balance: Decimal
    currency: str
    dialect: Dialect
    speed: float
    rate_limit_per_minute: int | None
    faults: tuple[FaultRule, ...]


def parse_fault(text: str) -> FaultRule:
    """Return the rule a --fault value describes."""
    action, _, rest = text.partition(":")
    fault_name, _, options = rest.partition(":")
    try:
        fault = Fault(fault_name)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"unknown fault {fault_name!r} in {text!r}"
        ) from None
    times: int | None = 1
    rate: float | None = None
    after = False
    seconds: float | None = None
    try:
        for option in filter(None, options.split(":")):
            name, has_value, value = option.partition("=")
            if option == "after":
                after = True
            elif option == "always":
                times = None
            elif has_value and name == "times":
                times = int(value)
            elif has_value and name == "seconds":
                seconds = float(value)
            else:
                rate = float(option)
        return FaultRule(
            fault=fault,
            action=None if action in {"", "*"} else action,
            times=times,
            rate=rate,
            after=after,
            seconds=seconds,
        )
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"bad fault {text!r}: {error}") from None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m panel_simulator",
        description="Serve an in-memory SMM panel speaking API v2.",
        epilog=FAULT_SYNTAX,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=int, default=8321, help="port (0: any free port)"
    )
    parser.add_argument(
        "--key", default="demo-key", help="the API key the panel accepts"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the panel's randomness"
    )
    parser.add_argument(
        "--balance", type=_decimal, default=Decimal(100), help="opening balance"
    )
    parser.add_argument("--currency", default="USD", help="currency of the account")
    parser.add_argument(
        "--dialect",
        choices=DIALECTS,
        default="standard",
        help="wire dialect (smartpanel serves its API on /api/v1 only)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="how many times faster than real time orders move",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        help="requests allowed per minute (default: no limit)",
    )
    parser.add_argument(
        "--fault",
        type=parse_fault,
        action="append",
        default=[],
        metavar="ACTION:FAULT[:OPTION...]",
        help="inject a fault; repeatable; syntax below",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> SimulatorOptions:
    """Return the options of a command line."""
    args = build_parser().parse_args(argv)
    if args.speed <= 0:
        build_parser().error("--speed must be positive")
    return SimulatorOptions(
        host=args.host,
        port=args.port,
        key=args.key,
        seed=args.seed,
        balance=args.balance,
        currency=args.currency,
        dialect=DIALECTS[args.dialect],
        speed=args.speed,
        rate_limit_per_minute=args.rate_limit,
        faults=tuple(args.fault),
    )


def build_panel(options: SimulatorOptions) -> Panel:
    """Return the panel the options describe, on a real-time clock."""
    panel = Panel(
        api_key=options.key,
        seed=options.seed,
        balance=options.balance,
        currency=options.currency,
        dialect=options.dialect,
        clock=RealTimeClock(options.speed),
        rate_limit_per_minute=options.rate_limit_per_minute,
    )
    for rule in options.faults:
        panel.faults.add(rule)
    return panel


async def serve(options: SimulatorOptions) -> None:
    """Serve until Ctrl-C or SIGTERM.

    Ctrl-C is handled here rather than as Python's KeyboardInterrupt, which a process
    started in the background by a script never sees: it inherits SIGINT ignored.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stop.set)
    async with run_simulator(
        build_panel(options), options.host, options.port
    ) as running:
        sys.stdout.write(
            f"SMM panel simulator listening\n"
            f"  API URL:     {running.url}\n"
            f"  API key:     {options.key}\n"
            f"  Control API: {running.base_url}/_simulator/state\n"
            f'  Deposit:     curl -X POST -d \'{{"amount": "25.00"}}\' '
            f"{running.base_url}/_simulator/deposit\n"
            "Press Ctrl-C to stop.\n"
        )
        sys.stdout.flush()
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator from the command line."""
    options = parse_args(argv)
    # A Ctrl-C that comes before serve() handles it.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(options))
    return 0
