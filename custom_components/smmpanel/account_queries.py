"""Actions that only read an account: its catalogue, spending and service figures."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from .action_errors import validation_error
from .action_targets import async_get_catalogue, call_entry
from .api import PanelService, ServiceType
from .const import (
    ATTR_CATEGORY,
    ATTR_COUNT,
    ATTR_LIMIT,
    ATTR_PERIOD,
    ATTR_SEARCH,
    ATTR_SERVICE,
    ATTR_TYPE,
)
from .entity import service_terms_data
from .service_stats import ServiceFigures, figures_data
from .spending import MAX_PERIODS, DayTotals, Period, local_day, period_start


def _service_filter(data: Mapping[str, Any]) -> Callable[[PanelService], bool]:
    """Return whether a service passes a call's filters.

    What the call gives is casefolded once: a catalogue may hold 10,000 services.
    """
    wanted: ServiceType | None = data.get(ATTR_TYPE)
    category = None if (text := data.get(ATTR_CATEGORY)) is None else text.casefold()
    search: str | None = data.get(ATTR_SEARCH)
    needle = None if search is None else search.casefold()
    # A search may name a service by its id.
    service_id = (
        int(search.strip())
        if search is not None and search.strip().isdecimal()
        else None
    )

    def passes(panel_service: PanelService) -> bool:
        if wanted is not None and panel_service.type is not wanted:
            return False
        if category is not None and category not in panel_service.category.casefold():
            return False
        if needle is None or panel_service.service_id == service_id:
            return True
        haystack = (
            panel_service.name,
            panel_service.category,
            panel_service.description or "",
        )
        return any(needle in text.casefold() for text in haystack)

    return passes


def _stats_data(figures: ServiceFigures | None) -> dict[str, JsonValueType] | None:
    """Return how a service delivered the account's orders, in brief; None if never."""
    if figures is None:
        return None
    return {
        "orders": figures.orders,
        "completion_rate": figures.completion_rate,
        "median_seconds_to_complete": figures.median_seconds,
    }


async def async_get_services(call: ServiceCall) -> ServiceResponse:
    """Return the panel's services, optionally filtered, the first `limit` of them.

    Each comes with how it delivered the account's finished orders, if it has any:
    what the orders card shows beside a service ordered before.
    """
    entry = call_entry(call)
    catalogue = await async_get_catalogue(call.hass, entry)
    matches = filter(_service_filter(call.data), catalogue.values())
    listed = list(islice(matches, call.data.get(ATTR_LIMIT)))
    history = entry.runtime_data.service_stats.history
    figures = {
        service_figures.service_id: service_figures
        for service_figures in history.figures(
            service_ids={panel_service.service_id for panel_service in listed}
        )
    }
    return {
        "services": [
            {
                "service": panel_service.service_id,
                "name": panel_service.name,
                "type": str(panel_service.type),
                **service_terms_data(panel_service),
                "refill": panel_service.refill,
                "cancel": panel_service.cancel,
                "dripfeed": panel_service.dripfeed,
                "description": panel_service.description,
                "stats": _stats_data(figures.get(panel_service.service_id)),
            }
            for panel_service in listed
        ],
        "currency": entry.runtime_data.coordinator.currency,
    }


def _totals_data(totals: DayTotals) -> dict[str, JsonValueType]:
    return {
        "spend": float(totals.spend),
        "deposits": float(totals.deposits),
        "refunds": float(totals.refunds),
        "net_spend": float(totals.net_spend),
    }


async def async_get_spending(call: ServiceCall) -> ServiceResponse:
    """Return the spend, deposits and refunds per period, newest first, and in all.

    The total is summed here, in Decimal, so that a caller adds up no floats.
    """
    period: Period = call.data[ATTR_PERIOD]
    count: int = call.data[ATTR_COUNT]
    if count > (most := MAX_PERIODS[period]):
        raise validation_error("too_many_periods", max=most, period=period)
    entry = call_entry(call)
    ledger = entry.runtime_data.spending.ledger
    periods = list(ledger.periods(period, count, dt_util.utcnow()))
    total = DayTotals()
    for _, totals in periods:
        total.add(totals)
    return {
        "periods": [
            {"start": start.isoformat(), **_totals_data(totals)}
            for start, totals in periods
        ],
        "total": _totals_data(total),
        "currency": entry.runtime_data.coordinator.currency,
    }


def _periods_start(period: Period, count: int) -> datetime:
    """Return when the last `count` periods (this one included) started, locally."""
    start = period_start(local_day(dt_util.utcnow()), period)
    for _ in range(count - 1):
        start = period_start(start - timedelta(days=1), period)
    return dt_util.start_of_local_day(start)


async def async_get_service_stats(call: ServiceCall) -> ServiceResponse:
    """Return how each service delivered, newest services (by last order) first."""
    since = None
    if (period := call.data.get(ATTR_PERIOD)) is not None:
        count: int = call.data[ATTR_COUNT]
        if count > (most := MAX_PERIODS[period]):
            raise validation_error("too_many_periods", max=most, period=period)
        since = _periods_start(period, count)
    entry = call_entry(call)
    service_ids: set[int] | None = None
    if (service_id := call.data.get(ATTR_SERVICE)) is not None:
        service_ids = {service_id}
    if (category := call.data.get(ATTR_CATEGORY)) is not None:
        catalogue = await async_get_catalogue(call.hass, entry)
        in_category = {
            panel_service.service_id
            for panel_service in catalogue.values()
            if category.casefold() in panel_service.category.casefold()
        }
        service_ids = in_category if service_ids is None else service_ids & in_category
    history = entry.runtime_data.service_stats.history
    return {
        "services": [
            dict(figures_data(figures))
            for figures in history.figures(since, service_ids)
        ]
    }
