"""HTTP responses: JSON answers in the dialect's framing, and the pages of failures."""

from __future__ import annotations

import json
import math

from aiohttp import web

from . import errors
from .answers import Json, Reply
from .dialects import Dialect, Quirk
from .faults import Fault

# Marks a response whose Content-Type header must be removed before it is sent.
WITHOUT_CONTENT_TYPE = web.ResponseKey("without_content_type", bool)

_ERROR_PAGES = {
    Fault.HTTP_500: (500, "500 Internal Server Error"),
    Fault.HTTP_502: (502, "502 Bad Gateway"),
    Fault.HTTP_503: (503, "503 Service Temporarily Unavailable"),
}
_CLOUDFLARE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">
<h1>Checking if the site connection is secure</h1>
<noscript>Enable JavaScript and cookies to continue</noscript></div></body></html>"""
# The start of a balance answer, cut off.
TRUNCATED_JSON = b'{"balance": "100.84292", "currency": "US'
WRONG_SHAPE_BODY: Json = [{"unexpected": "shape"}]
DEFAULT_RATE_LIMIT = 100


def json_response(dialect: Dialect, body: Json, status: int = 200) -> web.Response:
    """Return a JSON body framed as the dialect does."""
    return _framed(dialect, encode_json(dialect, body), status)


def encode_json(dialect: Dialect, body: Json) -> bytes:
    """Return a body as the dialect's JSON encoder writes it."""
    if Quirk.PHP_PRETTY_JSON in dialect:
        # Outside strings JSON has no "/", so this escapes exactly as PHP does.
        return json.dumps(body, indent=4).replace("/", "\\/").encode()
    return json.dumps(body).encode()


def reply_response(dialect: Dialect, reply: Reply) -> web.Response:
    """Return the response for an answer."""
    return json_response(dialect, reply.body, reply.status)


def _framed(dialect: Dialect, body: bytes, status: int) -> web.Response:
    if Quirk.LEADING_NEWLINE in dialect:
        body = b"\n" + body
    if Quirk.NO_CONTENT_TYPE in dialect:
        response = web.Response(body=body, status=status)
        response[WITHOUT_CONTENT_TYPE] = True
        return response
    if Quirk.TEXT_HTML_CONTENT_TYPE in dialect:
        return web.Response(
            body=body, status=status, content_type="text/html", charset="UTF-8"
        )
    return web.Response(body=body, status=status, content_type="application/json")


def error_page(fault: Fault) -> web.Response:
    """Return the HTML page of a server error (500, 502, 503)."""
    status, title = _ERROR_PAGES[fault]
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return web.Response(
        text=page, status=status, content_type="text/html", headers={"Server": "nginx"}
    )


def cloudflare_challenge() -> web.Response:
    """Return Cloudflare's browser check, which an API client cannot pass."""
    return web.Response(
        text=_CLOUDFLARE_PAGE,
        status=403,
        content_type="text/html",
        headers={"Server": "cloudflare", "cf-mitigated": "challenge"},
    )


def invalid_json(dialect: Dialect) -> web.Response:
    """Return a JSON answer cut off in the middle."""
    return _framed(dialect, TRUNCATED_JSON, 200)


def rate_limited(retry_after: float, limit: int | None) -> web.Response:
    """Return 429 with the headers of the panels that document their limits."""
    wait = str(math.ceil(retry_after))
    return web.Response(
        text=json.dumps({"error": errors.RATE_LIMIT_EXCEEDED}),
        status=429,
        content_type="application/json",
        headers={
            "Retry-After": wait,
            "X-RateLimit-Limit": str(limit or DEFAULT_RATE_LIMIT),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": wait,
        },
    )


async def strip_content_type(
    _request: web.Request, response: web.StreamResponse
) -> None:
    """Remove the Content-Type header aiohttp adds, from responses marked for it."""
    if response.get(WITHOUT_CONTENT_TYPE):
        response.headers.popall("Content-Type", None)
