"""What an action call acts on: its account, its orders, the account's catalogue."""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er, service

from .action_errors import failure, panel_errors, validation_error
from .api import PanelService
from .const import ATTR_ORDERS, DOMAIN
from .coordinator import SmmPanelConfigEntry
from .entity import order_of_sensor
from .order_input import distinct_order_ids, parse_order_ids


def call_entry(call: ServiceCall, entry_id: str | None = None) -> SmmPanelConfigEntry:
    """Return the account a call names, or the only loaded one if it names none."""
    if (entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID, entry_id)) is None:
        loaded = call.hass.config_entries.async_loaded_entries(DOMAIN)
        if not loaded:
            raise validation_error("no_account_loaded")
        if len(loaded) > 1:
            raise validation_error(
                "account_required",
                accounts=", ".join(sorted(entry.title for entry in loaded)),
            )
        entry_id = loaded[0].entry_id
    entry: SmmPanelConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, entry_id
    )
    return entry


def _order_sensor_orders(
    hass: HomeAssistant, entity_ids: list[str]
) -> tuple[str | None, list[int]]:
    """Return the account and the orders of order sensors."""
    registry = er.async_get(hass)
    entry_ids: dict[str, None] = {}
    order_ids: list[int] = []
    for entity_id in entity_ids:
        registry_entry = registry.async_get(entity_id)
        if (
            registry_entry is None
            or registry_entry.platform != DOMAIN
            or registry_entry.domain != Platform.SENSOR
            or (
                order_id := order_of_sensor(
                    str(registry_entry.config_entry_id), registry_entry.unique_id
                )
            )
            is None
        ):
            raise validation_error("not_an_order_sensor", entity_id=entity_id)
        entry_ids[str(registry_entry.config_entry_id)] = None
        order_ids.append(order_id)
    if len(entry_ids) > 1:
        raise validation_error("order_sensors_of_several_accounts")
    return next(iter(entry_ids), None), order_ids


def call_entry_and_orders(call: ServiceCall) -> tuple[SmmPanelConfigEntry, list[int]]:
    """Return the account and the distinct orders a call names, by id or sensor.

    Order sensors name their account: one given with them must be the same.
    """
    sensor_entry_id, order_ids = _order_sensor_orders(
        call.hass, call.data.get(ATTR_ENTITY_ID, [])
    )
    given_entry_id = call.data.get(ATTR_CONFIG_ENTRY_ID)
    if sensor_entry_id is not None and given_entry_id not in (None, sensor_entry_id):
        raise validation_error("order_sensors_of_another_account")
    entry = call_entry(call, sensor_entry_id)
    if ATTR_ORDERS in call.data:
        order_ids += parse_order_ids(call.data[ATTR_ORDERS])
    if not order_ids:
        raise validation_error("no_orders_given")
    return entry, distinct_order_ids(order_ids)


async def async_get_catalogue(
    hass: HomeAssistant, entry: SmmPanelConfigEntry
) -> Mapping[int, PanelService]:
    """Return the account's catalogue, or fail saying it cannot be fetched."""
    with panel_errors(
        hass,
        entry,
        lambda error: failure("catalogue_unavailable", title=entry.title, error=error),
    ):
        return await entry.runtime_data.catalogue.async_get()
