"""The panel's service catalogue, fetched when an action first needs it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .api import PanelService, SmmPanelClient, SmmPanelError
from .const import CATALOGUE_MAX_AGE, LOGGER

type _Fetched = Mapping[int, PanelService] | SmmPanelError
"""What one fetch ends with: the services, or why there are none."""


class EmptyCatalogueError(SmmPanelError):
    """The panel listed no services where it listed some before.

    Panels answer so while they are under maintenance: `[]`, "Empty Data", or rows
    none of which can be read. It is a failed fetch, not a catalogue emptied.
    """

    def __init__(self) -> None:
        """Say what the panel answered."""
        super().__init__("The panel listed no services, though it listed some before")


class ServiceCatalogue:
    """The services one panel sells.

    Real catalogues hold thousands of services and some panels time out on them, so
    nothing but the actions that need it waits for it: it is fetched the first time
    one asks, and a copy older than 12 hours is used while a fresh one is fetched in
    the background. One fetch runs at a time; everyone waiting for it gets its
    outcome. An answer listing no services is never kept: after a catalogue that
    listed services it is a failed fetch (`EmptyCatalogueError`).
    """

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], client: SmmPanelClient
    ) -> None:
        """Initialize the catalogue of an account; nothing is fetched yet."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._fetching: asyncio.Task[_Fetched] | None = None
        self._listeners: list[Callable[[], None]] = []
        self.services: Mapping[int, PanelService] = {}
        self.updated_at: datetime | None = None

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `listener` after each fetch that brought services; return the undo."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def async_prefetch(self) -> None:
        """Fetch the services unless a copy is held, for what shows their terms.

        A failure is left for the next action needing the catalogue to tell.
        """
        try:
            await self.async_get()
        except SmmPanelError as error:
            LOGGER.debug("The service catalogue could not be fetched: %s", error)

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

    async def async_refresh(
        self, *, listed_before: bool = False
    ) -> Mapping[int, PanelService]:
        """Fetch the services now, or join the fetch under way, and return them.

        `listed_before` says the caller saw the panel list services (a watch
        remembers it across restarts, when nothing is cached yet): an answer
        listing none then fails with `EmptyCatalogueError` too.
        """
        services = await self._async_wait(self._fetching or self._start_fetch())
        if not services and listed_before:
            raise EmptyCatalogueError
        return services

    def _start_fetch(self) -> asyncio.Task[_Fetched]:
        self._fetching = self._entry.async_create_background_task(
            self._hass, self._async_fetch(), "smmpanel service catalogue"
        )
        return self._fetching

    @staticmethod
    async def _async_wait(
        fetching: asyncio.Task[_Fetched],
    ) -> Mapping[int, PanelService]:
        """Wait for a fetch; fail as it failed (callers cancelled do not cancel it)."""
        fetched = await asyncio.shield(fetching)
        if isinstance(fetched, SmmPanelError):
            raise fetched
        return fetched

    async def _async_fetch(self) -> _Fetched:
        """Fetch the services and keep them; return them, or the error."""
        try:
            listed = await self._client.get_services()
        except SmmPanelError as error:
            return self._failed(error)
        finally:
            self._fetching = None
        if not listed:
            return self._failed(EmptyCatalogueError()) if self.services else {}
        self.services = {service.service_id: service for service in listed}
        self.updated_at = dt_util.utcnow()
        for listener in self._listeners:
            listener()
        return self.services

    def _failed(self, error: SmmPanelError) -> SmmPanelError:
        if self.updated_at is not None:
            LOGGER.debug("Keeping the cached service catalogue: %s", error)
        return error
