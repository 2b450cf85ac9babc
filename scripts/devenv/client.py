"""HTTP APIs: Home Assistant's (onboarding, log-in, config flows, actions, states)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
import json
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import aiohttp

from . import DevenvError

REQUEST_TIMEOUT = 60.0  # seconds; a config flow or an action may wait for the panel
ONBOARDING_LANGUAGE = "en"


@dataclass(frozen=True, slots=True, kw_only=True)
class Owner:
    """The owner account that onboarding creates."""

    name: str
    username: str
    password: str


class ApiError(DevenvError):
    """The server answered a request with an error."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        """Record the request and the answer."""
        super().__init__(f"{method} {path}: HTTP {status}: {body}")
        self.status = status
        self.body = body

    def json_message(self) -> str | None:
        """Return the "message" of a JSON error answer, or None for another answer.

        Home Assistant's REST API words its errors as {"message": ...}.
        """
        try:
            answer = json.loads(self.body)
        except ValueError:
            return None
        message = answer.get("message") if isinstance(answer, dict) else None
        return message if isinstance(message, str) else None


class WebsocketError(DevenvError):
    """Home Assistant answered a websocket command with an error.

    `error` is the answer's error object: its code and (English) message, and, for a
    translated error, its translation_domain, translation_key and
    translation_placeholders, from which the frontend words it in the user's language.
    """

    def __init__(self, command_type: str, error: dict[str, Any]) -> None:
        """Record the command and the error."""
        super().__init__(f"{command_type} failed: {error}")
        self.error = error


class JsonClient:
    """A client of an HTTP API speaking JSON, with an optional bearer token."""

    def __init__(self, url: str, access_token: str | None = None) -> None:
        """Talk to the server at url (http://host:port)."""
        self.url = url
        self._access_token = access_token

    def request(
        self,
        method: str,
        path: str,
        payload: object = None,
        *,
        form: dict[str, str] | None = None,
    ) -> Any:
        """Send a request with a JSON or form body; return the JSON or text answer."""
        headers = {}
        data: bytes | None = None
        if form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if self._access_token is not None:
            headers["Authorization"] = f"Bearer {self._access_token}"
        url = f"{self.url}{path}"
        request = Request(url, data, headers, method=method)  # noqa: S310 - our http URL
        try:
            with urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
                body = response.read().decode()
                is_json = response.headers.get_content_type() == "application/json"
        except HTTPError as error:
            raise ApiError(
                method, path, error.code, error.read().decode(errors="replace")
            ) from None
        return json.loads(body) if is_json else body


class HomeAssistantClient(JsonClient):
    """A client of one Home Assistant, anonymous or logged in."""

    @property
    def client_id(self) -> str:
        """Return the OAuth client id the frontend served from this URL uses."""
        return f"{self.url}/"

    def onboarding_steps_done(self) -> set[str] | None:
        """Return the onboarding steps done so far, or None once onboarding is over."""
        try:
            steps = self.request("GET", "/api/onboarding")
        except ApiError as error:
            if error.status == HTTPStatus.NOT_FOUND:
                return None
            raise
        return {step["step"] for step in steps if step["done"]}

    def onboard(self, owner: Owner) -> HomeAssistantClient:
        """Finish onboarding as the frontend does; return a client logged in as owner.

        The owner account is created unless onboarding already has one, in which case
        owner must be able to log in.
        """
        done = self.onboarding_steps_done()
        if done is not None and "user" not in done:
            answer = self.request(
                "POST",
                "/api/onboarding/users",
                {
                    "client_id": self.client_id,
                    "name": owner.name,
                    "username": owner.username,
                    "password": owner.password,
                    "language": ONBOARDING_LANGUAGE,
                },
            )
            client = self._redeem(answer["auth_code"])
        else:
            client = self.log_in(owner)
        remaining: tuple[tuple[str, dict[str, str]], ...] = (
            ("core_config", {}),
            ("analytics", {}),
            (
                "integration",
                {"client_id": self.client_id, "redirect_uri": self.client_id},
            ),
        )
        for step, payload in remaining:
            if done is not None and step not in done:
                client.request("POST", f"/api/onboarding/{step}", payload)
        return client

    def log_in(self, owner: Owner) -> HomeAssistantClient:
        """Log in with a username and password; return the logged-in client."""
        flow = self.request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {
                "client_id": self.client_id,
                "username": owner.username,
                "password": owner.password,
            },
        )
        if result["type"] != "create_entry":
            raise DevenvError(
                f"Home Assistant refused the log-in of {owner.username!r}: "
                f"{result.get('errors')}"
            )
        return self._redeem(result["result"])

    def _redeem(self, auth_code: str) -> HomeAssistantClient:
        tokens = self.request(
            "POST",
            "/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": auth_code,
                "client_id": self.client_id,
            },
        )
        return HomeAssistantClient(self.url, tokens["access_token"])

    def core_state(self) -> str:
        """Return the state of Home Assistant's core, RUNNING once it has started."""
        state: str = self.request("GET", "/api/core/state")["state"]
        return state

    def config_entries(self, domain: str) -> list[dict[str, Any]]:
        """Return the config entries of an integration."""
        entries: list[dict[str, Any]] = self.request(
            "GET", f"/api/config/config_entries/entry?{urlencode({'domain': domain})}"
        )
        return entries

    def remove_config_entry(self, entry_id: str) -> None:
        """Remove a config entry."""
        self.request("DELETE", f"/api/config/config_entries/entry/{entry_id}")

    def add_config_entry(
        self, domain: str, user_input: dict[str, Any]
    ) -> dict[str, Any]:
        """Run an integration's config flow with one form's input; return the entry."""
        result = self._run_flow("/api/config/config_entries/flow", domain, user_input)
        entry: dict[str, Any] = result["result"]
        return entry

    def reload_config_entry(self, entry_id: str) -> None:
        """Reload a config entry, as its menu's Reload does."""
        self.request("POST", f"/api/config/config_entries/entry/{entry_id}/reload")

    def subentries(self, entry_id: str) -> list[dict[str, Any]]:
        """Return the subentries of a config entry: id, type, title and unique id."""
        subentries: list[dict[str, Any]] = self.websocket_command(
            {"type": "config_entries/subentries/list", "entry_id": entry_id}
        )
        return subentries

    def entity_registry(self) -> list[dict[str, Any]]:
        """Return the entries of the entity registry."""
        entities: list[dict[str, Any]] = self.websocket_command(
            {"type": "config/entity_registry/list"}
        )
        return entities

    def device_registry(self) -> list[dict[str, Any]]:
        """Return the entries of the device registry."""
        devices: list[dict[str, Any]] = self.websocket_command(
            {"type": "config/device_registry/list"}
        )
        return devices

    def repair_issues(self, domain: str) -> list[dict[str, Any]]:
        """Return the repair issues an integration raised (Settings > Repairs)."""
        issues: list[dict[str, Any]] = self.websocket_command(
            {"type": "repairs/list_issues"}
        )["issues"]
        return [issue for issue in issues if issue["domain"] == domain]

    def start_repair_flow(self, domain: str, issue_id: str) -> dict[str, Any]:
        """Start the fix flow of a repair issue; return its first step."""
        step: dict[str, Any] = self.request(
            "POST", "/api/repairs/issues/fix", {"handler": domain, "issue_id": issue_id}
        )
        return step

    def continue_repair_flow(
        self, flow_id: str, user_input: dict[str, Any]
    ) -> dict[str, Any]:
        """Answer a step of a fix flow ({"next_step_id": ...} for a menu).

        Return the next step, or the flow's result.
        """
        step: dict[str, Any] = self.request(
            "POST", f"/api/repairs/issues/fix/{flow_id}", user_input
        )
        return step

    def set_options(self, entry_id: str, user_input: dict[str, Any]) -> None:
        """Run a config entry's options flow with one form's input."""
        self._run_flow("/api/config/config_entries/options/flow", entry_id, user_input)

    def _run_flow(
        self, path: str, handler: str, user_input: dict[str, Any]
    ) -> dict[str, Any]:
        form = self.request("POST", path, {"handler": handler})
        result: dict[str, Any] = self.request(
            "POST", f"{path}/{form['flow_id']}", user_input
        )
        if result["type"] != "create_entry":
            raise DevenvError(
                f"the {path.rsplit('/', 2)[-2]} flow of {handler} ended with "
                f"{result['type']}: {result.get('errors') or result.get('reason')}"
            )
        return result

    def call_action(
        self,
        domain: str,
        action: str,
        data: dict[str, Any],
        *,
        return_response: bool = False,
    ) -> Any:
        """Perform an action; return its response when asked for one."""
        query = "?return_response" if return_response else ""
        answer = self.request("POST", f"/api/services/{domain}/{action}{query}", data)
        return answer["service_response"] if return_response else None

    def action_error(
        self,
        domain: str,
        action: str,
        data: dict[str, Any],
        *,
        return_response: bool = False,
    ) -> ApiError:
        """Perform an action expected to fail over REST; return the error answer.

        Home Assistant answers bad input (ServiceValidationError) with HTTP 400 and
        {"message": ...}, other failures with HTTP 500; the message is in English,
        whatever the configured language.
        """
        try:
            self.call_action(domain, action, data, return_response=return_response)
        except ApiError as error:
            return error
        raise DevenvError(f"{domain}.{action} succeeded where it was to fail")

    def websocket_action_error(
        self,
        domain: str,
        action: str,
        data: dict[str, Any],
        *,
        return_response: bool = False,
    ) -> dict[str, Any]:
        """Perform an action expected to fail over the websocket API, as the frontend.

        Return the answer's error object (see WebsocketError).
        """
        command: dict[str, Any] = {
            "type": "call_service",
            "domain": domain,
            "service": action,
            "service_data": data,
        }
        if return_response:
            command["return_response"] = True
        try:
            self.websocket_command(command)
        except WebsocketError as error:
            return error.error
        raise DevenvError(f"{domain}.{action} succeeded where it was to fail")

    def state(self, entity_id: str) -> dict[str, Any] | None:
        """Return an entity's state object, or None when it has none."""
        try:
            state: dict[str, Any] = self.request("GET", f"/api/states/{entity_id}")
        except ApiError as error:
            if error.status == HTTPStatus.NOT_FOUND:
                return None
            raise
        return state

    def render_template(self, template: str) -> str:
        """Return a template rendered by Home Assistant."""
        text: str = self.request("POST", "/api/template", {"template": template})
        return text

    def update_core_config(self, changes: dict[str, Any]) -> None:
        """Change the core configuration (Settings > System > General).

        Home Assistant offers this over its websocket API only.
        """
        self.websocket_command({"type": "config/core/update", **changes})

    def core_config(self) -> dict[str, Any]:
        """Return the core configuration, with its language."""
        config: dict[str, Any] = self.request("GET", "/api/config")
        return config

    def set_language(self, language: str) -> None:
        """Set the language of the server (Settings > System > General), e.g. "de".

        Entities are named in it when their integration next sets up.
        """
        self.update_core_config({"language": language})

    def default_dashboard(self) -> str | None:
        """Return the URL path of the dashboard users open on, if one was chosen.

        Settings > Dashboards > Set as default chooses it for every user; a user's
        own choice (Profile > Dashboard) comes first, none at all opens Overview.
        """
        core = self._system_data("core")
        default: str | None = core.get("default_panel")
        return default

    def set_default_dashboard(self, url_path: str) -> None:
        """Make a dashboard the one users open on, as Set as default does."""
        self.websocket_command(
            {
                "type": "frontend/set_system_data",
                "key": "core",
                "value": {**self._system_data("core"), "default_panel": url_path},
            }
        )

    def _system_data(self, key: str) -> dict[str, Any]:
        """Return a mapping the frontend keeps for every user, empty if none."""
        answer = self.websocket_command(
            {"type": "frontend/get_system_data", "key": key}
        )
        data: dict[str, Any] = answer["value"] or {}
        return data

    def translations(
        self, language: str, category: str, integration: str
    ) -> dict[str, str]:
        """Return an integration's translations of one category, as the frontend does.

        The keys are flat, e.g. component.<domain>.exceptions.<key>.message.
        """
        answer = self.websocket_command(
            {
                "type": "frontend/get_translations",
                "language": language,
                "category": category,
                "integration": [integration],
            }
        )
        resources: dict[str, str] = answer["resources"]
        return resources

    def websocket_command(self, command: dict[str, Any]) -> Any:
        """Send one websocket command as the logged-in user; return its result.

        It runs in a thread of its own, so that callers with an event loop of their
        own (Playwright's sync API) can call it too.
        """
        with ThreadPoolExecutor(max_workers=1) as executor:
            return executor.submit(
                asyncio.run, self._websocket_command(command)
            ).result()

    async def _websocket_command(self, command: dict[str, Any]) -> Any:
        """Send one websocket command as the logged-in user; return its result."""
        if self._access_token is None:
            raise DevenvError("the websocket API needs a logged-in client")
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                f"{self.url.replace('http', 'ws', 1)}/api/websocket",
                timeout=aiohttp.ClientWSTimeout(ws_receive=REQUEST_TIMEOUT),
            ) as websocket,
        ):
            await websocket.receive_json()  # auth_required
            await websocket.send_json(
                {"type": "auth", "access_token": self._access_token}
            )
            if (answer := await websocket.receive_json())["type"] != "auth_ok":
                raise DevenvError(f"websocket log-in refused: {answer}")
            await websocket.send_json({"id": 1, **command})
            answer = await websocket.receive_json()
        if not answer.get("success"):
            raise WebsocketError(command["type"], answer.get("error") or {})
        return answer.get("result")
