"""Money safety: no order lost or doubled, even when the panel fails mid-request."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
import math
import os
from pathlib import Path
import random
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smmpanel.api import OrderStatus, RefillStatus
from panel_simulator import Fault, Panel

from .const import PANEL_SEED
from .helpers import (
    DAY,
    LINK,
    POLL_INTERVAL,
    TRANSIENT_FAULTS,
    RecordingFaults,
    Tracking,
    async_one_client,
    async_tracking,
    call,
    normalized,
    order_sensor_ids,
    poll,
    short_request_timeout,  # noqa: F401 - an autouse fixture
    state_of,
)

# Faults that lose or garble the answer to a request the panel may have carried out.
# (A 429 is left out: rate limiters answer before the panel acts, so nothing was placed.)
ANSWER_LOST = [fault for fault in TRANSIENT_FAULTS if fault is not Fault.RATE_LIMIT]
ORDER = {"service": 1, "link": LINK, "quantity": 100}
BALANCE_ENTITY = "sensor.smm_panel_127_0_0_1_balance"

SOAK_FAULT_RATE = 0.2
SOAK_CYCLES = DAY // int(POLL_INTERVAL.total_seconds())
SOAK_ACTIONS_EVERY = 12  # cycles: the user acts once an hour
SOAK_ORDER_SERVICES = (1, 3, 15, 16, 19)
SOAK_ELSEWHERE_ORDERS = 120  # placed outside Home Assistant, then tracked
DEBOUNCE_SETTLE = timedelta(seconds=15)
FIGURES_ENV = "SMMPANEL_WRITE_FIGURES"
FIGURES_DOC = Path(__file__).parent.parent / "docs" / "reliability.md"
FIGURES_BEGIN = "<!-- soak-figures:begin -->"
FIGURES_END = "<!-- soak-figures:end -->"


@pytest.mark.parametrize("after", [True, False], ids=["panel_acted", "panel_did_not"])
@pytest.mark.parametrize("fault", ANSWER_LOST)
async def test_lost_answer_to_add_order_is_never_retried(
    hass: HomeAssistant,
    *,
    panel: Panel,
    setup_integration: MockConfigEntry,
    fault: Fault,
    after: bool,
) -> None:
    """A lost answer to `add` says the outcome is unknown; the order is sent once."""
    panel.faults.inject(
        fault, action="add", times=None, after=after, seconds=TRANSIENT_FAULTS[fault]
    )

    with pytest.raises(HomeAssistantError) as error:
        await call(hass, "add_order", setup_integration, ORDER)
    await poll(hass)

    assert not isinstance(error.value, ServiceValidationError)
    assert error.value.translation_key == "order_outcome_unknown"
    assert "may have placed the order" in str(error.value)
    assert "not retried" in str(error.value)
    assert panel.request_counts["add"] == 1
    assert len(panel.orders) == (1 if after else 0)
    assert order_sensor_ids(hass, setup_integration) == set()


async def test_concurrent_orders_while_answers_get_lost(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """N concurrent calls place exactly N orders, even when some answers are lost."""
    count, lost = 12, 4
    panel.faults.inject(Fault.CONNECTION_RESET, action="add", times=lost, after=True)

    results = await asyncio.gather(
        *(
            call(hass, "add_order", setup_integration, {**ORDER, "link": f"{LINK}/{n}"})
            for n in range(count)
        ),
        return_exceptions=True,
    )

    placed = {result["order"] for result in results if isinstance(result, dict)}
    unknown = [
        result
        for result in results
        if isinstance(result, HomeAssistantError)
        and result.translation_key == "order_outcome_unknown"
    ]
    assert len(unknown) == lost
    assert len(placed) == count - lost
    assert panel.request_counts["add"] == count
    assert len(panel.orders) == count
    assert placed == order_sensor_ids(hass, setup_integration)


@dataclass(slots=True)
class SoakFigures:
    """What a soak did and found."""

    healthy_polls: int = 0
    failed_polls: int = 0
    polls_at_floor: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    action_errors: Counter[str] = field(default_factory=Counter)

    def markdown(self, panel: Panel, faults: RecordingFaults) -> str:
        """Return the figures as the Markdown table of docs/reliability.md."""
        requests = sum(panel.request_counts.values())
        injected = sum(faults.injected.values())
        placed = len(panel.orders) - SOAK_ELSEWHERE_ORDERS
        rows = [
            ("Simulated time", f"{SOAK_CYCLES} polls, 5 minutes apart (24 hours)"),
            ("Faults", f"{SOAK_FAULT_RATE:.0%} of requests, a new kind every hour"),
            ("Requests to the panel", f"{requests}: {_counts(panel.request_counts)}"),
            (
                "Faults injected",
                f"{injected} ({injected / requests:.1%}): {_counts(faults.injected)}",
            ),
            ("Polls", f"{self.healthy_polls} healthy, {self.failed_polls} failed"),
            (
                "Healthy polls sending exactly the floor of requests",
                f"{self.polls_at_floor} of {self.healthy_polls}",
            ),
            ("Actions called", _counts(self.actions)),
            ("Actions that failed", _counts(self.action_errors)),
            (
                "Orders placed by Place order",
                (
                    f"{placed}, from {self.actions['add_order']} calls sending"
                    f" {panel.request_counts['add']} `add` requests"
                ),
            ),
            (
                "Orders on the panel tracked in their true final state",
                (
                    f"{len(panel.orders)} of {len(panel.orders)}"
                    f" ({SOAK_ELSEWHERE_ORDERS} placed elsewhere and tracked)"
                ),
            ),
            (
                "Refills on the panel tracked in their true final state",
                f"{len(panel.refills)} of {len(panel.refills)}",
            ),
        ]
        table = "\n".join(f"| {name} | {value} |" for name, value in rows)
        return f"| Figure | Value |\n|---|---|\n{table}\n"


def _money(value: str | None) -> Decimal | None:
    """Return an amount as diagnostics write it (exact text) as a Decimal."""
    return None if value is None else Decimal(value)


def _counts(counter: Counter[Any]) -> str:
    return ", ".join(f"{key} {count}" for key, count in sorted(counter.items())) or "-"


def _floor(tracking: Tracking) -> Counter[str]:
    """Return the requests one refresh needs: the API's floor."""
    floor = Counter({"balance": 1})
    if active := sum(
        not _is_finished(OrderStatus, order) for order in tracking.orders.values()
    ):
        floor["status"] = math.ceil(active / 100)
    if pending := sum(
        not _is_finished(RefillStatus, refill) for refill in tracking.refills.values()
    ):
        floor["refill_status"] = math.ceil(pending / 100)
    return floor


def _is_finished(kind: type[OrderStatus | RefillStatus], row: dict[str, Any]) -> bool:
    """Return whether a tracked order or refill has a status that will not change."""
    return row["status"] is not None and kind(row["status"]).is_finished


async def _act(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    figures: SoakFigures,
    action: str,
    data: dict[str, Any],
) -> Any:
    """Call an action as a user would; a failure is counted, not raised."""
    figures.actions[action] += 1
    try:
        return await call(hass, action, entry, data)
    except HomeAssistantError as error:
        figures.action_errors[f"{action} ({error.translation_key})"] += 1
        return None


async def _user_hour(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    entry: MockConfigEntry,
    figures: SoakFigures,
    rng: random.Random,
) -> None:
    """Do what a user does in an hour: order, track, refill, cancel."""
    hour = len(panel.orders)
    for service_id in rng.sample(SOAK_ORDER_SERVICES, 2):
        service = panel.services[service_id]
        quantity = rng.randint(service.min_quantity, 20 * service.min_quantity)
        await _act(
            hass,
            entry,
            figures,
            "add_order",
            {
                "service": service_id,
                "link": f"{LINK}/{hour}/{service_id}",
                "quantity": quantity,
            },
        )
    tracked = (await async_tracking(hass, hass_client, entry)).orders
    refillable = [
        order_id
        for order_id, order in panel.orders.items()
        if order.service.refill and order.status == "Completed" and order_id in tracked
    ]
    if refillable:
        await _act(hass, entry, figures, "refill", {"orders": refillable[-3:]})
    cancelable = [
        order_id
        for order_id, order in panel.orders.items()
        if order.service.cancel
        and order.cancel_at is None
        and not order.status.is_finished
        and order_id in tracked
    ]
    if cancelable and rng.random() < 0.25:
        await _act(hass, entry, figures, "cancel", {"orders": [cancelable[-1]]})


async def _track_elsewhere_orders(
    hass: HomeAssistant, panel: Panel, entry: MockConfigEntry, figures: SoakFigures
) -> None:
    """Place orders outside Home Assistant, then track them, retrying until it works."""
    placed = [
        panel.create_order(2, link=f"{LINK}/elsewhere/{n}", quantity=10)
        for n in range(SOAK_ELSEWHERE_ORDERS)
    ]
    while await _act(hass, entry, figures, "track_order", {"orders": placed}) is None:
        pass


async def test_soak_a_day_of_faults(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    panel: Panel,
    setup_integration: MockConfigEntry,
) -> None:
    """A day of polling and use with 20 % of requests failing loses nothing.

    Every healthy poll sends exactly the API's floor of requests and a failed one never
    more; at the end every order and refill on the panel is tracked in its true final
    state. With SMMPANEL_WRITE_FIGURES=1 the figures go into docs/reliability.md.
    """
    hass_client = await async_one_client(hass, hass_client)
    faults = panel.faults = RecordingFaults(PANEL_SEED)
    rng = random.Random(PANEL_SEED)  # noqa: S311 - reproducible, not secret
    figures = SoakFigures()
    kinds = list(TRANSIENT_FAULTS)

    for cycle in range(SOAK_CYCLES):
        kind = kinds[cycle // SOAK_ACTIONS_EVERY % len(kinds)]
        faults.clear()
        faults.inject(
            kind, times=None, rate=SOAK_FAULT_RATE, seconds=TRANSIENT_FAULTS[kind]
        )
        if cycle == 0:
            await _track_elsewhere_orders(hass, panel, setup_integration, figures)
        if cycle % SOAK_ACTIONS_EVERY == 0:
            await _user_hour(hass, hass_client, panel, setup_integration, figures, rng)
            await poll(hass, DEBOUNCE_SETTLE)  # the refresh the actions asked for

        floor = _floor(await async_tracking(hass, hass_client, setup_integration))
        before = Counter(panel.request_counts)
        panel.advance(POLL_INTERVAL.total_seconds())
        await poll(hass)
        sent = Counter(panel.request_counts) - before

        if state_of(hass, BALANCE_ENTITY).state != STATE_UNAVAILABLE:
            figures.healthy_polls += 1
            figures.polls_at_floor += sent == floor
        else:
            figures.failed_polls += 1
            assert sent <= floor  # a failing poll is never retried

    faults.clear()
    panel.advance(DAY)
    await poll(hass)

    assert state_of(hass, BALANCE_ENTITY).state != STATE_UNAVAILABLE
    assert figures.polls_at_floor == figures.healthy_polls
    assert figures.failed_polls and faults.injected
    assert panel.request_counts["add"] == figures.actions["add_order"]
    tracking = await async_tracking(hass, hass_client, setup_integration)
    assert set(tracking.orders) == set(panel.orders)
    assert [
        order_id
        for order_id, order in panel.orders.items()
        if (tracked := tracking.orders[order_id])["status"] != normalized(order.status)
        or tracked["remains"] != order.remains
        or _money(tracked["charge"]) != order.current_charge
    ] == []
    assert set(tracking.refills) == set(panel.refills)
    assert [
        refill_id
        for refill_id, refill in panel.refills.items()
        if tracking.refills[refill_id]["status"] != normalized(refill.status)
    ] == []

    if os.environ.get(FIGURES_ENV) == "1":
        text = FIGURES_DOC.read_text(encoding="utf-8")
        head, _, rest = text.partition(FIGURES_BEGIN)
        _, _, tail = rest.partition(FIGURES_END)
        FIGURES_DOC.write_text(
            f"{head}{FIGURES_BEGIN}\n{figures.markdown(panel, faults)}{FIGURES_END}{tail}",
            encoding="utf-8",
        )
