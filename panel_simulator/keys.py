"""The keys under which the application keeps its state."""

from __future__ import annotations

import asyncio

from aiohttp import web

from .panel import Panel

PANEL = web.AppKey("panel", Panel)
# Set when the server shuts down, to release handlers stalled by a fault.
STOPPING = web.AppKey("stopping", asyncio.Event)
