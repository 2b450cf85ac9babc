"""Constants for the SMM Panel integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "smmpanel"
LOGGER = logging.getLogger(__package__)

# Fired on the bus beside each order event, for event triggers.
EVENT_ORDER: Final = f"{DOMAIN}_order_event"

CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_LOW_BALANCE_THRESHOLD: Final = "low_balance_threshold"
CONF_FINISHED_ORDER_RETENTION: Final = "finished_order_retention"
CONF_MAX_ORDER_COST: Final = "max_order_cost"
CONF_CATALOGUE_INTERVAL: Final = "catalogue_interval"
CONF_DAILY_BUDGET: Final = "daily_budget"
CONF_WEEKLY_BUDGET: Final = "weekly_budget"
CONF_MONTHLY_BUDGET: Final = "monthly_budget"

DEFAULT_SCAN_INTERVAL: Final = 5  # minutes
MIN_SCAN_INTERVAL: Final = 1
MAX_SCAN_INTERVAL: Final = 60
DEFAULT_LOW_BALANCE_THRESHOLD: Final = 10.0
DEFAULT_FINISHED_ORDER_RETENTION: Final = 24  # hours
MAX_FINISHED_ORDER_RETENTION: Final = 24 * 30
DEFAULT_CATALOGUE_INTERVAL: Final = 60  # minutes
MIN_CATALOGUE_INTERVAL: Final = 15
MAX_CATALOGUE_INTERVAL: Final = 24 * 60

# Config subentries: a watched service, and a category watched for new services.
SUBENTRY_WATCHED_SERVICE: Final = "watched_service"
SUBENTRY_WATCHED_CATEGORY: Final = "watched_category"
CONF_SERVICE_ID: Final = "service_id"
CONF_CATEGORY: Final = "category"
CONF_NOTABLE_CHANGE: Final = "notable_change"

# Order sensors' unique ids are the entry id, then this prefix and the order id.
ORDER_KEY_PREFIX: Final = "order_"
# The balance sensor's key: its unique id is the entry id, then this.
BALANCE_KEY: Final = "balance"

# Fields of the actions, besides the `add` fields (api.OrderField).
ATTR_SERVICE: Final = "service"
ATTR_VALIDATE_ONLY: Final = "validate_only"
ATTR_ORDERS: Final = "orders"
ATTR_CATEGORY: Final = "category"
ATTR_SEARCH: Final = "search"
ATTR_TYPE: Final = "type"
ATTR_PERIOD: Final = "period"
ATTR_COUNT: Final = "count"

CATALOGUE_MAX_AGE: Final = timedelta(hours=12)
REQUEST_TIMEOUT: Final = 30.0
