"""The panel's service catalogue, fetched when an action first needs it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import PanelService, SmmPanelClient, SmmPanelError
from .const import CATALOGUE_MAX_AGE, LOGGER


class ServiceCatalogue:
    """The services one panel sells.

    Real catalogues hold thousands of services and some panels time out on them, so
    nothing but the actions that need it waits for it: it is fetched the first time
    one asks, and a copy older than 12 hours is used while a fresh one is fetched in
    the background. One fetch runs at a time.
    """

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], client: SmmPanelClient
    ) -> None:
        """Initialize the catalogue of an account; nothing is fetched yet."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._fetching: asyncio.Task[None] | None = None
        self._error: SmmPanelError | None = None
        self.services: Mapping[int, PanelService] = {}
        self.updated_at: datetime | None = None

    async def async_get(self) -> Mapping[int, PanelService]:
        """Return the services, fetching them if they were never fetched."""
        if self._fetching is None and (
            self.updated_at is None
            or dt_util.utcnow() - self.updated_at > CATALOGUE_MAX_AGE
        ):
            self._start_fetch()
        if self.updated_at is None and self._fetching is not None:
            return await self._async_wait(self._fetching)
        return self.services

    async def async_refresh(self) -> Mapping[int, PanelService]:
        """Fetch the services now, or join the fetch under way, and return them."""
        return await self._async_wait(self._fetching or self._start_fetch())

    def _start_fetch(self) -> asyncio.Task[None]:
        self._fetching = self._entry.async_create_background_task(
            self._hass, self._async_fetch(), "smmpanel service catalogue"
        )
        return self._fetching

    async def _async_wait(
        self, fetching: asyncio.Task[None]
    ) -> Mapping[int, PanelService]:
        """Wait for a fetch; fail as it failed (callers cancelled do not cancel it)."""
        await asyncio.shield(fetching)
        if self._error is not None:
            raise self._error
        return self.services

    async def _async_fetch(self) -> None:
        try:
            services = await self._client.get_services()
        except SmmPanelError as error:
            self._error = error
            if self.updated_at is not None:
                LOGGER.debug("Keeping the cached service catalogue", exc_info=True)
        else:
            self._error = None
            self.services = {service.service_id: service for service in services}
            self.updated_at = dt_util.utcnow()
        finally:
            self._fetching = None
