"""Actions of the SMM Panel integration: their names, schemas and registration.

The handlers live by job: placing an order (order_placing.py), operations on
orders named by id or sensor (order_operations.py), and reading the catalogue and
the spending (account_queries.py). What they read from a call is cleaned in
order_input.py; the errors they raise are built in action_errors.py.
"""

from __future__ import annotations

from typing import Final

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, SupportsResponse, callback
from homeassistant.helpers import config_validation as cv, service
import probatio

from .account_queries import (
    async_get_service_stats,
    async_get_services,
    async_get_spending,
)
from .api import ServiceType
from .const import (
    ATTR_CATEGORY,
    ATTR_COUNT,
    ATTR_LIMIT,
    ATTR_ORDERS,
    ATTR_PERIOD,
    ATTR_SEARCH,
    ATTR_SERVICE,
    ATTR_TYPE,
    ATTR_VALIDATE_ONLY,
    DOMAIN,
)
from .order_input import ORDER_FIELDS_SCHEMA, TEXT_OR_LIST, whole_number
from .order_operations import (
    async_cancel,
    async_get_order_status,
    async_refill,
    async_track_order,
    async_untrack_order,
)
from .order_placing import async_add_order
from .spending import Period

SERVICE_ADD_ORDER: Final = "add_order"
SERVICE_REFILL: Final = "refill"
SERVICE_CANCEL: Final = "cancel"
SERVICE_TRACK_ORDER: Final = "track_order"
SERVICE_UNTRACK_ORDER: Final = "untrack_order"
SERVICE_GET_SERVICES: Final = "get_services"
SERVICE_GET_ORDER_STATUS: Final = "get_order_status"
SERVICE_GET_SPENDING: Final = "get_spending"
SERVICE_GET_SERVICE_STATS: Final = "get_service_stats"

# Optional: with one account loaded, that one is used.
_CONFIG_ENTRY_SCHEMA: Final = {probatio.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
# Order ids as a list or comma-separated text, read by order_input.parse_order_ids.
_ORDERS_SCHEMA: Final = probatio.Schema(
    {**_CONFIG_ENTRY_SCHEMA, probatio.Required(ATTR_ORDERS): TEXT_OR_LIST}
)
# Orders named by their ids, their sensors, or both (at least one).
_ORDERS_OR_ENTITIES_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        probatio.Optional(ATTR_ORDERS): TEXT_OR_LIST,
        probatio.Optional(ATTR_ENTITY_ID): cv.entity_ids,
    }
)
SERVICE_ADD_ORDER_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        probatio.Required(ATTR_SERVICE): whole_number(1),
        **ORDER_FIELDS_SCHEMA,
        probatio.Optional(ATTR_VALIDATE_ONLY, default=False): cv.boolean,
    }
)
SERVICE_GET_SERVICES_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        probatio.Optional(ATTR_CATEGORY): cv.string,
        probatio.Optional(ATTR_SEARCH): cv.string,
        probatio.Optional(ATTR_TYPE): probatio.Coerce(ServiceType),
        # The first services that match; all of them when left out.
        probatio.Optional(ATTR_LIMIT): whole_number(1),
    }
)
SERVICE_GET_SPENDING_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        probatio.Optional(ATTR_PERIOD, default=Period.DAY): probatio.Coerce(Period),
        probatio.Optional(ATTR_COUNT, default=7): whole_number(1),
    }
)

SERVICE_GET_SERVICE_STATS_SCHEMA: Final = probatio.Schema(
    {
        **_CONFIG_ENTRY_SCHEMA,
        probatio.Optional(ATTR_SERVICE): whole_number(1),
        probatio.Optional(ATTR_CATEGORY): cv.string,
        probatio.Optional(ATTR_PERIOD): probatio.Coerce(Period),
        probatio.Optional(ATTR_COUNT, default=1): whole_number(1),
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the SMM Panel actions.

    Those that spend the account's money, change orders at the panel, or add and
    remove order sensors are for administrators: Home Assistant refuses them to any
    other user, and runs them for calls without a user (automations, scripts).
    """
    for name, handler, schema in (
        (SERVICE_ADD_ORDER, async_add_order, SERVICE_ADD_ORDER_SCHEMA),
        (SERVICE_REFILL, async_refill, _ORDERS_OR_ENTITIES_SCHEMA),
        (SERVICE_CANCEL, async_cancel, _ORDERS_OR_ENTITIES_SCHEMA),
        (SERVICE_TRACK_ORDER, async_track_order, _ORDERS_SCHEMA),
    ):
        service.async_register_admin_service(
            hass,
            DOMAIN,
            name,
            handler,
            schema=schema,
            supports_response=SupportsResponse.OPTIONAL,
        )
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_UNTRACK_ORDER,
        async_untrack_order,
        schema=_ORDERS_OR_ENTITIES_SCHEMA,
    )
    for name, handler, schema in (
        (SERVICE_GET_ORDER_STATUS, async_get_order_status, _ORDERS_SCHEMA),
        (SERVICE_GET_SERVICES, async_get_services, SERVICE_GET_SERVICES_SCHEMA),
        (SERVICE_GET_SPENDING, async_get_spending, SERVICE_GET_SPENDING_SCHEMA),
        (
            SERVICE_GET_SERVICE_STATS,
            async_get_service_stats,
            SERVICE_GET_SERVICE_STATS_SCHEMA,
        ),
    ):
        hass.services.async_register(
            DOMAIN,
            name,
            handler,
            schema=schema,
            supports_response=SupportsResponse.ONLY,
        )
