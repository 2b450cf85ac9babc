"""Who may use which action: money and tracking for administrators, reading for all.

The actions are called as Home Assistant's users call them, over the REST API and the
websocket API with their own tokens, and by an automation, against the simulator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from homeassistant.auth.const import GROUP_ID_READ_ONLY, GROUP_ID_USER
from homeassistant.auth.providers.homeassistant import HassAuthProvider
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import Panel

from .helpers import LINK, call, order_sensor_ids

FOLLOWERS = 1  # a service allowing refills and cancels
ADMIN_ACTIONS = ("add_order", "refill", "cancel", "track_order", "untrack_order")
READ_ACTIONS = (
    "get_services",
    "get_order_status",
    "get_spending",
    "get_service_stats",
)
# The panel action each of the integration's actions sends, where it sends one.
PANEL_ACTIONS = {
    "add_order": "add",
    "refill": "refill",
    "cancel": "cancel",
    "track_order": "status",
    "get_order_status": "status",
    "get_services": "services",
}
NO_RESPONSE_ACTIONS = frozenset({"untrack_order"})


@dataclass(frozen=True, slots=True)
class Orders:
    """Orders at the panel: one the integration tracks, one it does not."""

    tracked: int
    untracked: int


@dataclass(frozen=True, slots=True)
class Answer:
    """How Home Assistant answered an action call."""

    success: bool
    status: HTTPStatus | None  # over REST
    error: dict[str, Any] | None  # over the websocket
    response: Any


type Caller = Callable[[str, dict[str, Any]], Awaitable[Answer]]
type CallerMaker = Callable[[str], Awaitable[Caller]]


@pytest.fixture(autouse=True)
async def _settle(hass: HomeAssistant) -> Any:
    """Let every refresh and save an action started finish before teardown."""
    yield
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def orders(
    hass: HomeAssistant, panel: Panel, setup_integration: MockConfigEntry
) -> Orders:
    """Track an order placed on the panel's website; leave another one untracked."""
    tracked = panel.create_order(FOLLOWERS, link=f"{LINK}/tracked", quantity=100)
    untracked = panel.create_order(FOLLOWERS, link=f"{LINK}/untracked", quantity=100)
    await call(hass, "track_order", setup_integration, {"orders": [tracked]})
    await hass.async_block_till_done(wait_background_tasks=True)
    return Orders(tracked, untracked)


def _data(action: str, entry: MockConfigEntry, orders: Orders) -> dict[str, Any]:
    """Return valid data for an action on the test account."""
    data: dict[str, Any] = {ATTR_CONFIG_ENTRY_ID: entry.entry_id}
    match action:
        case "add_order":
            data |= {"service": FOLLOWERS, "link": f"{LINK}/new", "quantity": 100}
        case "track_order" | "get_order_status":
            data["orders"] = [orders.untracked]
        case "refill" | "cancel" | "untrack_order":
            data["orders"] = [orders.tracked]
    return data


async def _add_user(hass: HomeAssistant, group_id: str) -> MockUser:
    """Add a user to Home Assistant in one group."""
    group = await hass.auth.async_get_group(group_id)
    return MockUser(name=group_id, groups=[group]).add_to_hass(hass)


@pytest.fixture
async def household_member(
    hass: HomeAssistant, local_auth: HassAuthProvider
) -> MockUser:
    """Return a user of the Users group: not an administrator."""
    user = await _add_user(hass, GROUP_ID_USER)
    assert not user.is_admin
    return user


@pytest.fixture
async def non_admin_token(
    request: pytest.FixtureRequest, hass: HomeAssistant, local_auth: HassAuthProvider
) -> str:
    """Return an access token of a user of the group given as parameter."""
    user = await _add_user(hass, request.param)
    assert not user.is_admin
    refresh_token = await hass.auth.async_create_refresh_token(
        user, "https://example.com/app/"
    )
    return hass.auth.async_create_access_token(refresh_token)


# A household member, and a read-only login such as a wall tablet's.
NON_ADMIN_GROUPS = pytest.mark.parametrize(
    "non_admin_token", [GROUP_ID_USER, GROUP_ID_READ_ONLY], indirect=True
)


@pytest.fixture
async def rest(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> CallerMaker:
    """Return a maker of callers over the REST API, one per access token."""
    assert await async_setup_component(hass, "api", {})

    async def caller_for(token: str) -> Caller:
        client = await hass_client(token)

        async def rest_call(action: str, data: dict[str, Any]) -> Answer:
            query = "" if action in NO_RESPONSE_ACTIONS else "?return_response"
            answer = await client.post(
                f"/api/services/{DOMAIN}/{action}{query}", json=data
            )
            body = (
                await answer.json()
                if answer.content_type == "application/json"
                else None
            )
            return Answer(
                success=answer.status == HTTPStatus.OK,
                status=HTTPStatus(answer.status),
                error=None,
                response=body.get("service_response")
                if isinstance(body, dict)
                else None,
            )

        return rest_call

    return caller_for


@pytest.fixture
def websocket(hass: HomeAssistant, hass_ws_client: WebSocketGenerator) -> CallerMaker:
    """Return a maker of callers over the websocket API, as the frontend calls."""

    async def caller_for(token: str) -> Caller:
        client = await hass_ws_client(hass, token)

        async def websocket_call(action: str, data: dict[str, Any]) -> Answer:
            await client.send_json_auto_id(
                {
                    "type": "call_service",
                    "domain": DOMAIN,
                    "service": action,
                    "service_data": data,
                    "return_response": action not in NO_RESPONSE_ACTIONS,
                }
            )
            answer = await client.receive_json()
            return Answer(
                success=answer["success"],
                status=None,
                error=answer.get("error"),
                response=(answer.get("result") or {}).get("response"),
            )

        return websocket_call

    return caller_for


@pytest.fixture(params=["rest", "websocket"])
def api(request: pytest.FixtureRequest) -> CallerMaker:
    """Return a maker of callers over the REST API, then over the websocket API."""
    maker: CallerMaker = request.getfixturevalue(request.param)
    return maker


@NON_ADMIN_GROUPS
@pytest.mark.parametrize("action", ADMIN_ACTIONS)
async def test_non_admin_cannot_spend_or_change_tracking(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    orders: Orders,
    api: CallerMaker,
    non_admin_token: str,
    action: str,
) -> None:
    """A non-administrator's call is refused before anything reaches the panel.

    Over REST the refusal is HTTP 401. The websocket `call_service` command answers
    Home Assistant's Unauthorized as any HomeAssistantError: `home_assistant_error`,
    "Unauthorized".
    """
    requests_before = panel.request_counts.copy()
    panel_orders_before = set(panel.orders)
    sensors_before = order_sensor_ids(hass, setup_integration)
    caller = await api(non_admin_token)

    answer = await caller(action, _data(action, setup_integration, orders))
    await hass.async_block_till_done(wait_background_tasks=True)

    assert not answer.success
    if answer.status is not None:
        assert answer.status is HTTPStatus.UNAUTHORIZED
    else:
        assert answer.error == {
            "code": "home_assistant_error",
            "message": str(Unauthorized()),
        }
    assert panel.request_counts == requests_before
    assert set(panel.orders) == panel_orders_before
    assert (
        order_sensor_ids(hass, setup_integration) == sensors_before == {orders.tracked}
    )


@pytest.mark.parametrize("action", ADMIN_ACTIONS)
async def test_admin_can_spend_and_change_tracking(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    orders: Orders,
    api: CallerMaker,
    hass_access_token: str,
    action: str,
) -> None:
    """An administrator's call goes to the panel and does what the action does."""
    requests_before = panel.request_counts.copy()
    caller = await api(hass_access_token)

    answer = await caller(action, _data(action, setup_integration, orders))
    await hass.async_block_till_done(wait_background_tasks=True)

    assert answer.success, answer
    sent = panel.request_counts - requests_before
    if (panel_action := PANEL_ACTIONS.get(action)) is not None:
        assert sent[panel_action] == 1
    sensors = order_sensor_ids(hass, setup_integration)
    match action:
        case "add_order":
            assert answer.response["order"] in panel.orders
            assert answer.response["order"] in sensors
        case "track_order":
            assert sensors == {orders.tracked, orders.untracked}
        case "untrack_order":
            assert sensors == set()
        case "refill":
            assert [row["order"] for row in answer.response["refills"]] == [
                orders.tracked
            ]
        case "cancel":
            assert [row["order"] for row in answer.response["orders"]] == [
                orders.tracked
            ]


@NON_ADMIN_GROUPS
@pytest.mark.parametrize("action", READ_ACTIONS)
async def test_non_admin_can_read(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    orders: Orders,
    api: CallerMaker,
    non_admin_token: str,
    action: str,
) -> None:
    """The catalogue, order statuses and spending are open to every user."""
    requests_before = panel.request_counts.copy()
    caller = await api(non_admin_token)

    answer = await caller(action, _data(action, setup_integration, orders))

    assert answer.success, answer
    sent = panel.request_counts - requests_before
    if (panel_action := PANEL_ACTIONS.get(action)) is not None:
        assert sent[panel_action] == 1
    match action:
        case "get_services":
            assert FOLLOWERS in [row["service"] for row in answer.response["services"]]
        case "get_order_status":
            assert [row["order"] for row in answer.response["orders"]] == [
                orders.untracked
            ]
        case "get_spending":
            assert len(answer.response["periods"]) == 7
        case "get_service_stats":
            assert answer.response == {"services": []}


ORDER_DATA = {"service": FOLLOWERS, "link": f"{LINK}/button", "quantity": 100}


async def test_automation_places_an_order_whoever_sets_it_off(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    household_member: MockUser,
) -> None:
    """An automation's actions run with no user: a button a household member presses
    places the order the administrator's automation says."""
    assert await async_setup_component(
        hass, "input_button", {"input_button": {"restock": {"name": "Restock"}}}
    )
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "Restock followers",
                "triggers": [{"trigger": "state", "entity_id": "input_button.restock"}],
                "actions": [
                    {
                        "action": f"{DOMAIN}.add_order",
                        "data": {
                            ATTR_CONFIG_ENTRY_ID: setup_integration.entry_id,
                            **ORDER_DATA,
                        },
                    }
                ],
            }
        },
    )

    await hass.services.async_call(
        "input_button",
        "press",
        {"entity_id": "input_button.restock"},
        blocking=True,
        context=Context(user_id=household_member.id),
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert panel.request_counts["add"] == 1
    ((order_id, order),) = panel.orders.items()
    assert order.link == ORDER_DATA["link"]
    assert order_id in order_sensor_ids(hass, setup_integration)


async def test_script_run_by_a_non_admin_is_refused(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    household_member: MockUser,
) -> None:
    """A script runs as the user who runs it: a non-administrator's run places
    nothing, where the same script started with no user places the order."""
    assert await async_setup_component(
        hass,
        "script",
        {
            "script": {
                "restock": {
                    "sequence": [
                        {
                            "action": f"{DOMAIN}.add_order",
                            "data": {
                                ATTR_CONFIG_ENTRY_ID: setup_integration.entry_id,
                                **ORDER_DATA,
                            },
                        }
                    ]
                }
            }
        },
    )

    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            "script",
            "restock",
            blocking=True,
            context=Context(user_id=household_member.id),
        )
    assert panel.request_counts["add"] == 0

    await hass.services.async_call("script", "restock", blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert panel.request_counts["add"] == 1
