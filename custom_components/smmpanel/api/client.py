"""The client of one panel account: the requests it sends, the failures it raises."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from functools import partial
from html import unescape
from http import HTTPStatus
from itertools import batched
import json
import math
import re
from types import MappingProxyType
from typing import Self
from urllib.parse import quote, urlencode

from aiohttp import (
    ClientConnectorError,
    ClientError,
    ClientSession,
    ClientTimeout,
    InvalidURL,
)
from yarl import URL

from .exceptions import (
    SmmPanelApiError,
    SmmPanelAuthenticationError,
    SmmPanelConnectionError,
    SmmPanelError,
    SmmPanelInvalidResponseError,
    SmmPanelOrderOutcomeUnknownError,
    SmmPanelRateLimitError,
    SmmPanelTimeoutError,
    SmmPanelUnsupportedActionError,
)
from .models import Balance, NewOrder, OrderState, PanelService, RefillState, RowError
from .parsing import (
    error_message,
    parse_balance,
    parse_batch,
    parse_cancel,
    parse_order_id,
    parse_order_state,
    parse_refill_id,
    parse_refill_state,
    parse_row,
    parse_services,
)
from .wordings import ErrorReason, classify_error

MAX_IDS_PER_REQUEST = 100
DEFAULT_REQUEST_TIMEOUT = 30.0
DEFAULT_API_PATH = "/api/v2"

_MASK = "********"
_EXCERPT_LENGTH = 200
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class _Answer:
    """What the panel sent back to one request."""

    action: str
    status: int
    headers: Mapping[str, str]
    body: bytes


def _load_json(body: bytes) -> object:
    """Return the JSON in a body with floats as Decimal, or None if there is none."""
    try:
        return json.loads(
            body.decode("utf-8-sig"),
            parse_float=Decimal,
            parse_constant=Decimal,
            object_hook=_decoded_object,
        )
    except ValueError, RecursionError:
        return None


def _decoded_object(value: dict[str, object]) -> dict[str, object]:
    """Return an object json decoded, as it is.

    json's C decoder runs no Python code of its own, so a thread decoding a catalogue
    of megabytes keeps the interpreter's lock until it is done, and the event loop
    waits that long. This hook is Python code run after each object: there the
    interpreter hands its lock to the event loop once it asked for it (after its 5 ms
    switch interval).
    """
    return value


def _retry_after(value: str | None) -> float | None:
    """Return the seconds a Retry-After header asks for: a number or an HTTP-date."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except ValueError:
            return None
        when = when.replace(tzinfo=when.tzinfo or UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _form_body(fields: Mapping[str, str]) -> bytes:
    """Return form fields URL-encoded, a space as %20.

    Some panels decode the body without turning `+` into a space, so a link or a
    comment must not depend on it.
    """
    return urlencode(fields, quote_via=quote).encode()


def _order_form(order: NewOrder) -> dict[str, str]:
    """Return the `add` fields of an order that are set, as form values."""
    return {
        field.name: str(value)
        for field in fields(order)
        if (value := getattr(order, field.name)) is not None
    }


class SmmPanelClient:
    """Client for one panel account.

    With a session, the client sends its requests through it and leaves it open. With
    None, it opens a session of its own at its first request and closes it in
    `close()` or at the end of an `async with` block.
    """

    def __init__(
        self,
        session: ClientSession | None,
        url: str,
        api_key: str,
        *,
        user_agent: str = "smmpanel-client",
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        """Initialize the client."""
        self._session = session
        self._owns_session = session is None
        self._url = url
        self._api_key = api_key
        self._headers = {
            "User-Agent": user_agent,
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self._timeout = ClientTimeout(total=request_timeout)
        self._request_counts: Counter[str] = Counter()

    def __repr__(self) -> str:
        """Return a representation that leaves the API key out."""
        return f"{type(self).__name__}(url={self._url!r})"

    async def __aenter__(self) -> Self:
        """Return the client, to be closed at the end of the block."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the session the client opened."""
        await self.close()

    async def close(self) -> None:
        """Close the session the client opened; a session it was given stays open."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def get_balance(self) -> Balance:
        """Return the account balance."""
        return await self._call_single("balance", {}, parse_balance)

    async def get_services(self) -> list[PanelService]:
        """Return the service catalogue.

        Catalogues run to thousands of services and megabytes of JSON: the answer is
        decoded in the event loop's default executor, not on the loop.
        """
        answer = await self._send("services", {})
        return await asyncio.get_running_loop().run_in_executor(
            None, self._decode, answer, parse_services
        )

    async def add_order(self, order: NewOrder) -> int:
        """Place an order and return its id. Never retried."""
        try:
            return await self._call_single("add", _order_form(order), parse_order_id)
        except (SmmPanelConnectionError, SmmPanelInvalidResponseError) as err:
            if isinstance(err.__cause__, ClientConnectorError | InvalidURL):
                raise  # The request never left, so no order exists.
            raise SmmPanelOrderOutcomeUnknownError(
                f"The panel may have placed the order: {err}"
            ) from err

    async def get_order_status(self, order_id: int) -> OrderState:
        """Return the status of one order."""
        return await self._call_single(
            "status", {"order": str(order_id)}, partial(parse_order_state, order_id)
        )

    async def get_order_statuses(
        self, order_ids: Iterable[int]
    ) -> dict[int, OrderState | RowError]:
        """Return the status of many orders, one result per distinct id."""
        return await self._call_batch("status", "order", order_ids, parse_order_state)

    async def refill(self, order_id: int) -> int:
        """Request a refill of one order and return the refill id."""
        return await self._call_single(
            "refill", {"order": str(order_id)}, parse_refill_id
        )

    async def refill_many(self, order_ids: Iterable[int]) -> dict[int, int | RowError]:
        """Request refills of many orders; per order a refill id or an error."""
        return await self._call_batch(
            "refill", "order", order_ids, lambda _, row: parse_refill_id(row)
        )

    async def get_refill_status(self, refill_id: int) -> RefillState:
        """Return the status of one refill."""
        return await self._call_single(
            "refill_status",
            {"refill": str(refill_id)},
            partial(parse_refill_state, refill_id),
        )

    async def get_refill_statuses(
        self, refill_ids: Iterable[int]
    ) -> dict[int, RefillState | RowError]:
        """Return the status of many refills, one result per distinct id."""
        return await self._call_batch(
            "refill_status", "refill", refill_ids, parse_refill_state
        )

    async def cancel(self, order_ids: Iterable[int]) -> dict[int, bool | RowError]:
        """Ask the panel to cancel orders; True means the cancel was requested."""
        return await self._call_batch(
            "cancel", "order", order_ids, lambda _, row: parse_cancel(row)
        )

    @property
    def request_counts(self) -> Mapping[str, int]:
        """Return how many requests were sent, per action."""
        return MappingProxyType(self._request_counts)

    async def _call_single[T](
        self,
        action: str,
        params: Mapping[str, str],
        parse: Callable[[object], T | None],
    ) -> T:
        """Send a request about one thing; an error in the answer is the call's."""
        return await self._call(action, params, partial(parse_row, parse))

    async def _call_batch[T](
        self,
        action: str,
        id_key: str,
        item_ids: Iterable[int],
        parse: Callable[[int, object], T | None],
    ) -> dict[int, T | RowError]:
        """Send the distinct ids as `<id_key>s`, 100 a request; keep per-row errors."""
        results: dict[int, T | RowError] = {}
        for chunk in batched(
            dict.fromkeys(item_ids), MAX_IDS_PER_REQUEST, strict=False
        ):
            results |= await self._call(
                action,
                {f"{id_key}s": ",".join(map(str, chunk))},
                partial(parse_batch, chunk, id_key, parse),
            )
        return {
            item_id: replace(result, message=self._mask(result.message))
            if isinstance(result, RowError)
            else result
            for item_id, result in results.items()
        }

    async def _call[T](
        self,
        action: str,
        params: Mapping[str, str],
        parse: Callable[[object], T | RowError],
    ) -> T:
        """Send one request and parse its answer."""
        return self._decode(await self._send(action, params), parse)

    async def _send(self, action: str, params: Mapping[str, str]) -> _Answer:
        """Post one form to the panel, never following a redirect."""
        form = _form_body({"key": self._api_key, "action": action, **params})
        self._request_counts[action] += 1
        if self._session is None:
            self._session = ClientSession()
        try:
            async with self._session.post(
                self._url,
                data=form,
                headers=self._headers,
                allow_redirects=False,
                timeout=self._timeout,
            ) as response:
                return _Answer(
                    action, response.status, response.headers, await response.read()
                )
        except ClientConnectorError as err:
            raise SmmPanelConnectionError(
                f"Cannot connect to the panel: {err}"
            ) from err
        except TimeoutError as err:
            raise SmmPanelTimeoutError(
                f"The panel did not answer within {self._timeout.total} seconds"
            ) from err
        except ClientError as err:
            raise SmmPanelConnectionError(
                f"The connection to the panel failed: {err!r}"
            ) from err

    def _decode[T](self, answer: _Answer, parse: Callable[[object], T | RowError]) -> T:
        """Return the parsed answer, or raise the error it stands for."""
        data = self._read(answer)
        try:
            result = parse(data)
        except SmmPanelInvalidResponseError as err:
            raise SmmPanelInvalidResponseError(
                str(err), self._excerpt(answer.body)
            ) from err
        if isinstance(result, RowError):
            raise self._panel_error(result.message, answer)
        return result

    def _read(self, answer: _Answer) -> object:
        """Return the JSON of an API answer, or raise the error the answer means."""
        status = answer.status
        if 300 <= status < 400:
            raise SmmPanelInvalidResponseError(
                f"The panel answered with a redirect (HTTP {status}), which is never"
                " followed: check the URL",
                self._excerpt(answer.body),
            )
        data = _load_json(answer.body)
        if (message := error_message(data)) is not None:
            raise self._panel_error(message, answer)
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            raise self._panel_error("The panel is rate limiting requests", answer)
        if data is None and b"Just a moment..." in answer.body:
            raise SmmPanelInvalidResponseError(
                "A Cloudflare challenge page blocks the API", self._excerpt(answer.body)
            )
        if status >= 500:
            raise SmmPanelConnectionError(f"The panel is unavailable (HTTP {status})")
        if data is None or not 200 <= status < 300:
            raise SmmPanelInvalidResponseError(
                f"The panel did not answer with the API (HTTP {status})",
                self._excerpt(answer.body),
            )
        return data

    def _panel_error(self, message: str, answer: _Answer) -> SmmPanelError:
        """Return the exception for an error the panel reported."""
        message = self._mask(message)
        # Read after masking: a key the panel quotes must not read as words.
        reason = classify_error(message)
        if (
            answer.status == HTTPStatus.TOO_MANY_REQUESTS
            or reason is ErrorReason.RATE_LIMITED
        ):
            return SmmPanelRateLimitError(
                message, _retry_after(answer.headers.get("Retry-After"))
            )
        if answer.status in {
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.FORBIDDEN,
        } or reason in {ErrorReason.INVALID_KEY, ErrorReason.ACCOUNT_DISABLED}:
            return SmmPanelAuthenticationError(message)
        if reason is ErrorReason.UNSUPPORTED_ACTION:
            return SmmPanelUnsupportedActionError(message, answer.action)
        return SmmPanelApiError(message, reason)

    def _excerpt(self, body: bytes) -> str:
        """Return the start of a body as short plain text without the API key."""
        text = unescape(_TAG.sub(" ", body.decode("utf-8", "replace")))
        return self._mask(" ".join(text.split()))[:_EXCERPT_LENGTH]

    def _mask(self, text: str) -> str:
        """Return text with the API key masked."""
        return text.replace(self._api_key, _MASK) if self._api_key else text


def normalize_url(url: str) -> str:
    """Return the canonical form of a panel API URL."""
    parsed = URL(url.strip())
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise ValueError(f"Not an http(s) URL with a host: {url!r}")
    return str(
        URL.build(
            scheme=parsed.scheme,
            host=parsed.host,
            port=None if parsed.is_default_port() else parsed.port,
            path=parsed.path.rstrip("/") or DEFAULT_API_PATH,
        )
    )
