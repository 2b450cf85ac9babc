"""The aiohttp application serving a panel over HTTP, and a runner for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
import contextlib
from dataclasses import dataclass
import socket
import struct

from aiohttp import web

from . import answers, control, errors, responses
from .dialects import STANDARD_API_PATHS
from .errors import ErrorKind, PanelError
from .faults import Fault, FaultRule
from .keys import PANEL, STOPPING
from .panel import Panel
from .protocol import answer, reject

# Routed whatever the dialect; each request is answered only on its dialect's paths.
API_PATHS = STANDARD_API_PATHS
SHUTDOWN_TIMEOUT_SECONDS = 1.0
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def create_app(panel: Panel) -> web.Application:
    """Return an application serving the panel's API and the local control API."""
    app = web.Application()
    app[PANEL] = panel
    app[STOPPING] = asyncio.Event()
    for path in dict.fromkeys((*API_PATHS, *panel.dialect.api_paths)):
        app.router.add_post(path, _api)
    control.add_routes(app.router)
    app.on_response_prepare.append(responses.strip_content_type)
    app.on_shutdown.append(_wake_stalled_handlers)
    return app


async def _wake_stalled_handlers(app: web.Application) -> None:
    app[STOPPING].set()


async def _api(request: web.Request) -> web.StreamResponse:
    panel = request.app[PANEL]
    if request.path not in panel.dialect.api_paths:
        raise web.HTTPNotFound
    form = await _read_form(request)
    action = form.get("action", "") if form is not None else ""
    panel.request_counts[action] += 1
    if form is None:
        reply = reject(panel.dialect, PanelError(errors.INCORRECT_REQUEST))
        return responses.reply_response(panel.dialect, reply)
    rule = panel.faults.pick(action)
    if rule is not None and not rule.after:
        if rule.fault is not Fault.LATENCY:
            return await _fail(request, rule)
        await _pause(request.app, rule.delay)
    if wait := panel.throttle():
        return responses.rate_limited(wait, panel.rate_limit_per_minute)
    reply = answer(panel, form)
    if rule is not None and rule.after:
        if rule.fault is not Fault.LATENCY:
            return await _fail(request, rule)
        await _pause(request.app, rule.delay)
    return responses.reply_response(panel.dialect, reply)


async def _read_form(request: web.Request) -> Mapping[str, str] | None:
    """Return the form fields, or None for a body that is not a form (JSON, say)."""
    if request.content_type not in _FORM_TYPES:
        return None
    posted = await request.post()
    return {name: value for name, value in posted.items() if isinstance(value, str)}


async def _fail(request: web.Request, rule: FaultRule) -> web.StreamResponse:
    panel = request.app[PANEL]
    match rule.fault:
        case Fault.TIMEOUT:
            await _pause(request.app, rule.delay)
            _drop_connection(request)
        case Fault.CONNECTION_RESET:
            _drop_connection(request)
        case Fault.HTTP_500 | Fault.HTTP_502 | Fault.HTTP_503:
            return responses.error_page(rule.fault)
        case Fault.CLOUDFLARE:
            return responses.cloudflare_challenge()
        case Fault.INVALID_JSON:
            return responses.invalid_json(panel.dialect)
        case Fault.WRONG_SHAPE:
            return responses.json_response(panel.dialect, responses.WRONG_SHAPE_BODY)
        case Fault.RATE_LIMIT:
            return responses.rate_limited(rule.delay, panel.rate_limit_per_minute)
        case Fault.CATALOGUE_EMPTY_LIST:
            return responses.json_response(panel.dialect, [])
        case Fault.CATALOGUE_EMPTY_DATA:
            return responses.json_response(panel.dialect, answers.EMPTY_DATA)
        case Fault.CATALOGUE_UNREADABLE:
            body = answers.unreadable_services(panel.dialect, panel.services.values())
            return responses.json_response(panel.dialect, body)
        case Fault.KEY_REVOKED:
            reply = reject(
                panel.dialect, PanelError(errors.INVALID_API_KEY, ErrorKind.INVALID_KEY)
            )
            return responses.reply_response(panel.dialect, reply)
    # The connection is gone: aiohttp discards whatever is returned.
    return web.Response()


async def _pause(app: web.Application, seconds: float) -> None:
    """Wait, but no longer than until the server shuts down."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await app[STOPPING].wait()


def _drop_connection(request: web.Request) -> None:
    """Close the connection with a TCP reset, answering nothing."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


@dataclass(frozen=True, slots=True)
class RunningSimulator:
    """Where a running simulator listens.

    `api_path` is the API path of the panel's dialect when the server started
    (`/api/v2`, or `/api/v1` for SmartPanel).
    """

    host: str
    port: int
    api_path: str = API_PATHS[0]

    @property
    def url(self) -> str:
        """Return the API URL."""
        return f"{self.base_url}{self.api_path}"

    @property
    def base_url(self) -> str:
        """Return the URL of the server's root, under which the control API lives."""
        return f"http://{self.host}:{self.port}"


@contextlib.asynccontextmanager
async def run_simulator(
    panel: Panel, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[RunningSimulator]:
    """Serve the panel on host and port (0 picks a free one) until the block exits."""
    runner = web.AppRunner(
        create_app(panel),
        access_log=None,
        handler_cancellation=True,
        shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = runner.addresses[0][1]
        yield RunningSimulator(
            host=host, port=bound_port, api_path=panel.dialect.api_path
        )
    finally:
        await runner.cleanup()
