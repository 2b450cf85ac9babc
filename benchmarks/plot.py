"""The benchmark's results as a picture."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .harness import SizeResult
from .metrics import (
    KIB,
    baseline_cpu,
    baseline_requests,
    floor_requests,
    integration_cpu,
    integration_requests,
)
from .phases import RefreshKind, Round
from .report import Machine
from .targets import INTEGRATION_MEMORY_PER_ORDER_BYTES, integration_memory_per_order

MS = 1000
INTEGRATION = "tab:blue"
BASELINE = "tab:red"


def plot(results: Sequence[SizeResult], machine: Machine, path: Path) -> None:
    """Draw requests, CPU, setup time and memory against tracked orders to a PNG."""
    results = sorted(results, key=lambda result: result.workload.orders)
    orders = [result.workload.orders for result in results]
    figure = Figure(figsize=(12, 8.5), layout="constrained")
    requests_axes, cpu_axes, setup_axes, memory_axes = figure.subplots(2, 2).flat

    def series(
        kind: RefreshKind, metric: Callable[[Round], float], scale: float = 1
    ) -> list[float]:
        return [result.median(kind, metric) * scale for result in results]

    busy = RefreshKind.BUSY
    requests_axes.plot(
        orders, series(busy, baseline_requests), "s-", color=BASELINE, label="baseline"
    )
    requests_axes.plot(
        orders,
        series(busy, integration_requests),
        "o-",
        color=INTEGRATION,
        label="integration",
    )
    requests_axes.plot(orders, series(busy, floor_requests), "k:", label="API floor")
    _log_log(requests_axes, "Requests per refresh")

    for kind, line in ((RefreshKind.BUSY, "-"), (RefreshKind.IDLE, "--")):
        cpu_axes.plot(
            orders,
            series(kind, baseline_cpu, MS),
            f"s{line}",
            color=BASELINE,
            label=f"baseline, {kind}",
        )
        cpu_axes.plot(
            orders,
            series(kind, integration_cpu, MS),
            f"o{line}",
            color=INTEGRATION,
            label=f"integration, {kind}",
        )
    largest = series(busy, integration_cpu, MS)[-1]
    cpu_axes.plot(
        orders,
        [largest * count / orders[-1] for count in orders],
        "k:",
        label="linear growth",
    )
    _log_log(cpu_axes, "CPU per refresh (ms)")

    setup_axes.plot(
        orders,
        [result.setup.wall_seconds * MS for result in results],
        "o-",
        color=INTEGRATION,
    )
    _log_log(setup_axes, "Integration setup after a restart (ms)")

    memory_axes.plot(
        orders,
        [result.memory_per_order / KIB for result in results],
        "o-",
        color=INTEGRATION,
        label="all",
    )
    memory_axes.plot(
        orders,
        [integration_memory_per_order(result) / KIB for result in results],
        "o--",
        color=INTEGRATION,
        label="allocated by the integration's code",
    )
    memory_axes.axhline(
        INTEGRATION_MEMORY_PER_ORDER_BYTES / KIB,
        color="k",
        linestyle=":",
        label="target for the integration's code",
    )
    memory_axes.legend(fontsize="small")
    memory_axes.set_xscale("log")
    memory_axes.set_ylim(bottom=0)
    memory_axes.set_xlabel("tracked orders")
    memory_axes.set_title("Memory per tracked order (KiB)")
    memory_axes.grid(visible=True, which="both", alpha=0.3)

    figure.suptitle(f"SMM Panel polling cost at scale\n{machine}", fontsize=10)
    figure.savefig(path, dpi=100)


def _log_log(axes: Axes, title: str) -> None:
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("tracked orders")
    axes.set_title(title)
    axes.grid(visible=True, which="both", alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize="small")
