"""The API key stays secret: a whole faulty session leaves it in no log, error or state."""

from __future__ import annotations

from collections.abc import Iterator
import json
import logging
import traceback
from typing import Any

from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    device_registry as dr,
    entity_platform,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import Panel, errors

from .const import API_KEY
from .helpers import (
    LINK,
    TRANSIENT_FAULTS,
    async_track_scenario,
    call,
    poll,
    short_request_timeout,  # noqa: F401 - an autouse fixture
    state_of,
)


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    """Yield an exception and every exception it was raised from or during."""
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def _poll_error(entry: MockConfigEntry) -> BaseException:
    """Return the error that failed the last poll."""
    # With its causes, it reaches only logs and tracebacks: no public surface has it.
    error = entry.runtime_data.coordinator.last_exception
    assert error is not None
    return error


def _exception_texts(error: BaseException) -> list[str]:
    """Return everything an exception can show: messages, reprs, traceback."""
    texts = ["".join(traceback.format_exception(error))]
    for link in _chain(error):
        texts += [str(link), repr(link), repr(link.args), repr(vars(link))]
    return texts


@pytest.fixture
def echoing_panel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the simulator quote the key in its error texts, as careless panels do."""
    for name in ("INVALID_API_KEY", "INCORRECT_ORDER_ID", "REFILL_NOT_FOUND"):
        monkeypatch.setattr(errors, name, f"{getattr(errors, name)} ({API_KEY})")


@pytest.mark.usefixtures("echoing_panel")
async def test_api_key_is_never_shown(
    hass: HomeAssistant,
    *,
    hass_client: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    panel: Panel,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Search every log record, error, state, repr and the diagnostics for the key."""
    caplog.set_level(logging.DEBUG)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    scenario = await async_track_scenario(hass, panel, config_entry)
    raised: list[BaseException] = []

    async def attempt(action: str, data: dict[str, Any]) -> None:
        try:
            await call(hass, action, config_entry, data)
        except HomeAssistantError as error:
            raised.append(error)

    # Every fault, while polling and while placing an order.
    for fault, seconds in TRANSIENT_FAULTS.items():
        panel.faults.inject(fault, action="status", seconds=seconds)
        await poll(hass)
        raised.append(_poll_error(config_entry))
        panel.faults.inject(fault, action="add", after=True, seconds=seconds)
        await attempt(
            "add_order", {"service": 1, "link": f"{LINK}/{fault}", "quantity": 100}
        )
    # Rows the panel answers with an error quoting the key.
    panel.orders.pop(scenario.active[0])
    panel.refills.pop(scenario.refill)
    await poll(hass)
    await attempt("get_order_status", {"orders": [scenario.active[0], 1]})
    await attempt("track_order", {"orders": [1]})
    await attempt("add_order", {"service": 1, "link": "not a link", "quantity": 100})
    # The key rejected, in an action and while polling, then entered again.
    panel.revoke_key()
    await attempt("get_services", {})
    await attempt(
        "add_order", {"service": 1, "link": f"{LINK}/revoked", "quantity": 100}
    )
    await poll(hass)
    raised.append(_poll_error(config_entry))
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: API_KEY}
    )
    panel.restore_key()
    await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: API_KEY}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    await poll(hass)
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )
    entry_id = config_entry.entry_id

    assert len(raised) > len(TRANSIENT_FAULTS)
    texts: dict[str, list[str]] = {
        "log": [logging.Formatter().format(record) for record in caplog.records],
        "exceptions": [text for error in raised for text in _exception_texts(error)],
        "diagnostics": [json.dumps(diagnostics, default=repr)],
        "states": [repr(state.as_dict()) for state in hass.states.async_all()],
        "storage": [json.dumps(hass_storage[f"{DOMAIN}.{entry_id}"])],
        "registries": [
            repr(er.async_entries_for_config_entry(er.async_get(hass), entry_id)),
            repr(dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)),
            repr(list(ir.async_get(hass).issues.values())),
        ],
        # Reprs end up in logs and tracebacks, which no public surface lists.
        "reprs": [
            repr(config_entry),
            repr(config_entry.runtime_data),
            repr(config_entry.runtime_data.coordinator.data),
            *(
                repr(entity)
                for platform in entity_platform.async_get_platforms(hass, DOMAIN)
                for entity in platform.entities.values()
            ),
        ],
    }
    leaks = {
        where: [text for text in found if API_KEY in text]
        for where, found in texts.items()
    }
    assert leaks == {where: [] for where in texts}
    # The panel did quote the key, and it arrived masked.
    order = state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{scenario.active[0]}")
    assert order.attributes["error"] == "Incorrect order ID (********)"
