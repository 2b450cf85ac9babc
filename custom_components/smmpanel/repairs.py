"""Repair flows for the SMM Panel integration."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlow,
    RepairsFlowResult,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import probatio

from .api import SmmPanelError
from .config_flow import (
    NOTHING_CHOSEN,
    chosen_service,
    searchable_service_selector,
    unwatched_services,
    watched_service_title,
    watched_service_unique_id,
)
from .const import CONF_SERVICE_ID
from .coordinator import REMOVED_SERVICE_ISSUE_PREFIX, SmmPanelConfigEntry


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Return the flow that fixes an issue.

    A watched service the panel removed is watched no more, or replaced by another
    of its category; the other issues are confirmed once dealt with.
    """
    if issue_id.startswith(REMOVED_SERVICE_ISSUE_PREFIX) and data is not None:
        return RemovedServiceRepairFlow(str(data["entry_id"]), str(data["subentry_id"]))
    return ConfirmRepairFlow()


class RemovedServiceRepairFlow(RepairsFlow):
    """Stop watching a removed service, or watch another of its category."""

    def __init__(self, entry_id: str, subentry_id: str) -> None:
        """Initialize the flow for the watch of one removed service."""
        self._entry_id = entry_id
        self._subentry_id = subentry_id

    def _entry(self) -> SmmPanelConfigEntry | None:
        entry: SmmPanelConfigEntry | None = self.hass.config_entries.async_get_entry(
            self._entry_id
        )
        if entry is None or self._subentry_id not in entry.subentries:
            return None
        return entry

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Offer the two ways out."""
        if (entry := self._entry()) is None:
            return self.async_abort(reason="watch_gone")
        return self.async_show_menu(
            step_id="init",
            menu_options=["switch_service", "stop_watching"],
            description_placeholders={
                "service": entry.subentries[self._subentry_id].title
            },
        )

    async def async_step_stop_watching(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Remove the watch, with its device and entities."""
        if (entry := self._entry()) is not None:
            self.hass.config_entries.async_remove_subentry(entry, self._subentry_id)
        return self.async_create_entry(data={})

    async def async_step_switch_service(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Watch another service of the removed service's category instead."""
        entry = self._entry()
        if entry is None:
            return self.async_abort(reason="watch_gone")
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="account_not_loaded")
        subentry = entry.subentries[self._subentry_id]
        account = entry.runtime_data
        try:
            catalogue = await account.catalogue.async_get()
        except SmmPanelError as error:
            return self.async_abort(
                reason="catalogue_unavailable",
                description_placeholders={"error": str(error)},
            )
        last = (
            None
            if account.watch is None or account.watch.data is None
            else account.watch.data.listings.get(subentry.data[CONF_SERVICE_ID])
        )
        choices = (
            [] if last is None else unwatched_services(entry, catalogue, last.category)
        )
        if not choices:
            return self.async_abort(reason="no_replacement")
        errors: dict[str, str] = {}
        if user_input is not None:
            service = chosen_service(choices, user_input[CONF_SERVICE_ID])
            if service is not None:
                self.hass.config_entries.async_update_subentry(
                    entry,
                    subentry,
                    data={**subentry.data, CONF_SERVICE_ID: service.service_id},
                    title=watched_service_title(service),
                    unique_id=watched_service_unique_id(service.service_id),
                )
                return self.async_create_entry(data={})
            errors[CONF_SERVICE_ID] = "unknown_service"
        schema = probatio.Schema(
            {
                probatio.Required(
                    CONF_SERVICE_ID, description=NOTHING_CHOSEN
                ): searchable_service_selector(choices, account.coordinator.currency)
            }
        )
        return self.async_show_form(
            step_id="switch_service",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={
                "service": subentry.title,
                "category": choices[0].category,
            },
        )
