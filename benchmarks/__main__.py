"""Run the benchmarks and write their results: `scripts/benchmark [options]`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import logging
from pathlib import Path
import sys
import tempfile

from .harness import (
    CatalogueResult,
    SizeResult,
    async_run_benchmark,
    async_run_catalogue_benchmark,
    async_run_memory_benchmark,
)
from .report import Machine, render_markdown, render_memory
from .service_stats import measure_service_stats
from .targets import Verdict, check_targets, memory_target, service_stats_target
from .workload import Workload

DEFAULT_ORDERS = (10, 100, 1000, 5000)
DEFAULT_ROUNDS = 5
DEFAULT_CATALOGUE = 10_000


def _parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/benchmark",
        description=(
            "Measure what polling many tracked orders costs the panel and Home"
            " Assistant, against a naive baseline, and what fetching and watching a"
            " large service catalogue costs; check the targets and write the results"
            " (exit status 1 if a target fails)."
        ),
    )
    parser.add_argument(
        "--orders",
        type=int,
        nargs="+",
        default=DEFAULT_ORDERS,
        metavar="N",
        help="tracked orders of each size (default: %(default)s)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help="refreshes of each kind, idle and busy (default: %(default)s)",
    )
    parser.add_argument(
        "--catalogue",
        type=int,
        default=DEFAULT_CATALOGUE,
        metavar="N",
        help="services of the large catalogue fetched and watched (default: %(default)s)",
    )
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help=(
            "only track the orders of each size and print the memory they hold, by"
            " whose code and by the integration's file, with its target; no file is"
            " written"
        ),
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("docs"),
        help="folder for benchmarks.md and benchmarks.png (default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    """Run the benchmark; return the exit status."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    machine = Machine.this_one()
    if args.memory_only:
        return _measure_memory(args.orders, machine)
    with tempfile.TemporaryDirectory(prefix="smmpanel-benchmark-") as work_dir:
        results, catalogue = asyncio.run(_async_run(args, Path(work_dir)))
    targets = [
        *check_targets(results, catalogue),
        service_stats_target(measure_service_stats(max(args.orders))),
    ]
    page = render_markdown(
        results, catalogue, targets, machine, " ".join(["scripts/benchmark", *argv])
    )
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "benchmarks.md").write_text(page, encoding="utf-8")
    # Plotting needs matplotlib (requirements_benchmark.txt); the tests run the
    # benchmark's other paths, such as --memory-only, without it.
    from .plot import plot  # noqa: PLC0415

    plot(results, machine, args.output / "benchmarks.png")
    print(page)
    return 1 if any(target.verdict is Verdict.MISSED for target in targets) else 0


def _measure_memory(orders: Sequence[int], machine: Machine) -> int:
    """Measure and print the memory the orders hold alone; return the exit status."""
    with tempfile.TemporaryDirectory(prefix="smmpanel-benchmark-") as work_dir:
        results = asyncio.run(
            async_run_memory_benchmark(
                map(Workload.of_size, orders), work_dir=Path(work_dir)
            )
        )
    target = memory_target(results)
    print(render_memory(results, target, machine))
    return 1 if target.verdict is Verdict.MISSED else 0


async def _async_run(
    args: argparse.Namespace, work_dir: Path
) -> tuple[list[SizeResult], CatalogueResult]:
    results = await async_run_benchmark(
        map(Workload.of_size, args.orders), rounds=args.rounds, work_dir=work_dir
    )
    catalogue = await async_run_catalogue_benchmark(args.catalogue, work_dir=work_dir)
    return results, catalogue


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
