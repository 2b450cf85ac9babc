"""A catalogue of tens of thousands of services: exact rates, and a free event loop.

Large panels list that many services in megabytes of JSON. The answers here are served
over loopback as such a panel writes them (names in Russian with emoji, escaped as
PHP does), with rates as JSON numbers, which is where a decoder can lose digits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
import gc
import json
import random
import time

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.smmpanel.api import SmmPanelClient

from .const import API_KEY

pytestmark = pytest.mark.usefixtures("socket_enabled")

NAME = "🇷🇺 Instagram Подписчики | Живые | ♻️ 30 дн. | ⚡ мгновенно"
CATEGORY = "🔥 Instagram Подписчики [Живые] [R] [Start 0-1H] Server 7"


def rate_texts(count: int) -> list[str]:
    """Return rates as a panel may write them: up to 20 digits, some with exponents."""
    rng = random.Random(count)  # noqa: S311 - reproducible, not secret
    texts: list[str] = []
    for _ in range(count):
        digits = str(rng.randint(1, 10 ** rng.randint(1, 20)))
        point = rng.randint(1, len(digits))
        text = f"{digits[:point]}.{digits[point:]}" if point < len(digits) else digits
        if rng.random() < 0.2:
            text += f"E-{rng.randint(1, 5)}"
        texts.append(text)
    return texts


def catalogue_body(rates: Sequence[str]) -> bytes:
    """Return a panel's answer to `services`, one service per rate."""
    name, category = json.dumps(NAME), json.dumps(CATEGORY)
    rows = ", ".join(
        f'{{"service": {service_id}, "name": {name}, "type": "Default",'
        f' "category": {category}, "rate": {rate}, "min": "10", "max": "100000",'
        ' "refill": true, "cancel": false, "dripfeed": false}'
        for service_id, rate in enumerate(rates, start=1)
    )
    return f"[{rows}]".encode()


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    """Return an HTTP session, closed after the test."""
    async with ClientSession() as session:
        yield session


async def serve(body: bytes) -> TestServer:
    """Return a started loopback server answering every API request with a body."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/api/v2", answer)
    server = TestServer(app)
    await server.start_server()
    return server


@contextmanager
def garbage_collection_off() -> Iterator[None]:
    """Keep the collector out of a block: its pauses fall anywhere, whatever runs."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def test_every_rate_is_the_decimal_of_its_text(session: ClientSession) -> None:
    """Each of 10,000 rates comes back as the Decimal of its text, every digit kept."""
    rates = rate_texts(10_000)
    server = await serve(catalogue_body(rates))
    client = SmmPanelClient(session, str(server.make_url("/api/v2")), API_KEY)
    try:
        services = await client.get_services()
    finally:
        await server.close()

    assert [(service.service_id, service.rate.as_tuple()) for service in services] == [
        (service_id, Decimal(text).as_tuple())
        for service_id, text in enumerate(rates, start=1)
    ]


async def test_the_event_loop_runs_while_a_catalogue_is_decoded(
    session: ClientSession,
) -> None:
    """The decoding gives the event loop its turn, however long the catalogue.

    json's C decoder alone holds the interpreter's lock from the first byte to the
    last: a thread decoding with it would keep the event loop from running that long.
    Here the loop runs callbacks back to back while 30,000 services are fetched and
    decoded, and the CPU time the process spends from one to the next never comes
    near that.
    """
    body = catalogue_body(rate_texts(30_000))
    with garbage_collection_off():
        started = time.process_time()
        json.loads(body, parse_float=Decimal)
        held = time.process_time() - started
    server = await serve(body)
    client = SmmPanelClient(session, str(server.make_url("/api/v2")), API_KEY)
    fetching = asyncio.Event()
    waits: list[float] = []

    async def keep_busy() -> None:
        last = time.process_time()
        while fetching.is_set():
            await asyncio.sleep(0)
            now = time.process_time()
            waits.append(now - last)
            last = now

    fetching.set()
    try:
        with garbage_collection_off():
            busy = asyncio.create_task(keep_busy())
            services = await client.get_services()
            fetching.clear()
            await busy
    finally:
        await server.close()

    assert len(services) == 30_000
    assert max(waits) < held / 2
