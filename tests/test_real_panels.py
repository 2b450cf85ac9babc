"""Panels other people wrote: the SmartPanel script and clones' own statuses.

Each test drives Home Assistant (flows, service calls, polls) against the simulator
speaking the dialect that a real panel script speaks on the wire.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import logging

from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_URL, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import SMARTPANEL, SMARTPANEL_REPORTED, Panel, Quirk, run_simulator
from panel_simulator.dialects import Dialect
from panel_simulator.orders import PENDING_SECONDS

from .const import API_KEY, PANEL_BALANCE
from .helpers import DAY, LINK, TRANSLATIONS, call, poll, state_of

BALANCE_ENTITY = "sensor.smm_panel_127_0_0_1_balance"
PENDING_REFILLS = "sensor.smm_panel_127_0_0_1_pending_refills"


@pytest.fixture(params=[SMARTPANEL, SMARTPANEL_REPORTED], ids=["script", "reported"])
def panel(request: pytest.FixtureRequest) -> Panel:
    """Return a panel running the SmartPanel script, as its source and as reported."""
    dialect: Dialect = request.param
    return Panel(api_key=API_KEY, balance=PANEL_BALANCE, dialect=dialect)


@pytest.fixture
async def panel_url(panel: Panel, socket_enabled: None) -> AsyncIterator[str]:
    """Serve the panel on the path of its API."""
    async with run_simulator(panel) as running:
        yield running.url


async def _user_flow(hass: HomeAssistant, url: str, api_key: str) -> dict[str, object]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: url, CONF_API_KEY: api_key}
        )
    )


async def test_wrong_key_is_an_invalid_key(hass: HomeAssistant, panel_url: str) -> None:
    """SmartPanel's "API is Disable ... User Not Found!" (200, text/html) is a bad key."""
    assert panel_url.endswith("/api/v1")
    result = await _user_flow(hass, panel_url, "not-the-key")
    assert result["errors"] == {"base": "invalid_auth"}

    result = await _user_flow(hass, panel_url, API_KEY)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_key_disabled_later_starts_reauth(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """A key the panel disables after setup makes exactly one reauth flow."""
    panel.revoke_key()
    await poll(hass)
    await poll(hass)

    assert state_of(hass, BALANCE_ENTITY).state == STATE_UNAVAILABLE
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_orders_are_followed(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """Orders placed and tracked on a SmartPanel panel are polled to completion."""
    entry = setup_integration
    services = await call(hass, "get_services", entry)
    assert {row["service"] for row in services["services"]} == set(panel.services)
    assert not any(row["refill"] or row["cancel"] for row in services["services"])

    placed = await call(
        hass, "add_order", entry, {"service": 1, "link": LINK, "quantity": 100}
    )
    entity_id = f"sensor.smm_panel_127_0_0_1_order_{placed['order']}"
    await poll(hass)
    pending = state_of(hass, entity_id)
    assert pending.state == "pending"
    # The script answers `remains: "0"` and `start_count: null` until the order starts.
    assert pending.attributes["progress"] == 0.0
    assert "start_count" not in pending.attributes

    panel.advance(DAY)
    await poll(hass)
    assert state_of(hass, entity_id).state == "completed"
    assert entry.state is ConfigEntryState.LOADED


async def test_panel_wordings_reach_the_user(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> None:
    """The script's own refusal of an order is a validation error in its words."""
    await call(hass, "get_services", setup_integration)
    panel.services.pop(1)

    with pytest.raises(ServiceValidationError) as caught:
        await call(
            hass,
            "add_order",
            setup_integration,
            {"service": 1, "link": LINK, "quantity": 100},
        )

    assert caught.value.translation_key == "panel_rejected_input"
    assert caught.value.translation_placeholders == {
        "message": "Service ID does not exists"
    }


@pytest.mark.parametrize(
    ("action", "translation_key"),
    [("refill", "refill_not_offered"), ("cancel", "cancel_not_offered")],
)
async def test_actions_the_panel_lacks_say_so(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    action: str,
    translation_key: str,
) -> None:
    """Refill and cancel fail saying the panel does not offer them, not "error"."""
    order_id = panel.create_order(1, link=LINK, quantity=100)

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, action, setup_integration, {"orders": [order_id]})

    assert caught.value.translation_key == translation_key
    assert "does not offer" in TRANSLATIONS["exceptions"][translation_key]["message"]
    assert panel.request_counts[action] == 1
    assert state_of(hass, BALANCE_ENTITY).state != STATE_UNAVAILABLE


class TestPanelWithoutRefillStatus:
    """A panel that takes refills but cannot say how they went."""

    @pytest.fixture
    def panel(self) -> Panel:
        """Return a standard panel that lacks only `refill_status`."""
        return Panel(
            api_key=API_KEY,
            balance=PANEL_BALANCE,
            dialect=Dialect(unsupported_actions=frozenset({"refill_status"})),
        )

    @pytest.fixture
    async def panel_url(self, panel: Panel, socket_enabled: None) -> AsyncIterator[str]:
        """Serve the panel on its standard path."""
        async with run_simulator(panel) as running:
            yield running.url

    @pytest.mark.usefixtures("entity_registry_enabled_by_default")
    async def test_polls_stop_asking_and_say_so_once(
        self,
        hass: HomeAssistant,
        panel: Panel,
        setup_integration: MockConfigEntry,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """The refill is kept; polls go on without `refill_status`, logged once."""
        entry = setup_integration
        order_id = panel.create_order(1, link=LINK, quantity=100)
        panel.advance(DAY)
        await call(hass, "track_order", entry, {"orders": [order_id]})
        response = await call(hass, "refill", entry, {"orders": [order_id]})
        assert isinstance(response["refills"][0]["refill"], int)

        with caplog.at_level(logging.WARNING):
            for _ in range(3):
                await poll(hass)

        assert panel.request_counts["refill_status"] == 1
        assert caplog.text.count("does not offer refill_status") == 1
        assert state_of(hass, BALANCE_ENTITY).state != STATE_UNAVAILABLE
        assert state_of(hass, PENDING_REFILLS).state == "1"


class TestStatusOfThePanelsOwn:
    """A clone that answers a status outside the API's list."""

    @pytest.fixture
    def panel(self) -> Panel:
        """Return a panel saying "Cancellation Requested" while a cancel is pending."""
        return Panel(
            api_key=API_KEY,
            balance=PANEL_BALANCE,
            dialect=frozenset({Quirk.CANCEL_REQUESTED_STATUS}),
        )

    async def test_unknown_status_is_home_assistants_unknown(
        self, hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
    ) -> None:
        """The state is unknown, not an option named "unknown"; the word is kept."""
        entry = setup_integration
        order_id = panel.create_order(1, link=LINK, quantity=1000)
        await call(hass, "track_order", entry, {"orders": [order_id]})
        panel.advance(PENDING_SECONDS)
        await call(hass, "cancel", entry, {"orders": [order_id]})
        await poll(hass)

        state = state_of(hass, f"sensor.smm_panel_127_0_0_1_order_{order_id}")
        assert state.state == STATE_UNKNOWN
        assert state.attributes["panel_status"] == "Cancellation Requested"
        assert "unknown" not in state.attributes["options"]
