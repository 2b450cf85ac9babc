"""Watching the catalogue: what changed in the watched services and categories.

The last catalogue seen is kept as the slice that is watched: one row per watched
service and the service ids of each watched category. A refresh compares the new
catalogue with it, and the result is both the changes to announce and the slice to
keep. Nothing here talks to Home Assistant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Final, Self

from .api import PanelService
from .codec import FLAG, ID, INT, MONEY, TEXT, Field, Record

# The event types of a watched service, and of a watched category.
RATE_INCREASED: Final = "rate_increased"
RATE_DECREASED: Final = "rate_decreased"
LIMITS_CHANGED: Final = "limits_changed"
SERVICE_REMOVED: Final = "service_removed"
SERVICE_RESTORED: Final = "service_restored"
SERVICE_EVENT_TYPES: Final = (
    RATE_INCREASED,
    RATE_DECREASED,
    LIMITS_CHANGED,
    SERVICE_REMOVED,
    SERVICE_RESTORED,
)
SERVICES_ADDED: Final = "services_added"
CATEGORY_EVENT_TYPES: Final = (SERVICES_ADDED,)

PERCENT_PLACES: Final = Decimal("0.01")


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceListing:
    """What the catalogue last said of a watched service, and whether it is listed."""

    service_id: int
    name: str
    category: str
    type: str
    rate: Decimal
    min_quantity: int
    max_quantity: int
    refill: bool
    cancel: bool
    listed: bool = True

    @classmethod
    def of(cls, service: PanelService) -> Self:
        """Return the listing of a service the catalogue offers."""
        return cls(
            service_id=service.service_id,
            name=service.name,
            category=service.category,
            type=service.raw_type,
            rate=service.rate,
            min_quantity=service.min_quantity,
            max_quantity=service.max_quantity,
            refill=service.refill,
            cancel=service.cancel,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchedService:
    """A service a subentry watches; a rate change past `notable_change` % is notable.

    Without a threshold every rate change is notable.
    """

    subentry_id: str
    service_id: int
    notable_change: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchedCategory:
    """A category a subentry watches for new services."""

    subentry_id: str
    category: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RateChanged:
    """The rate of a watched service went up or down."""

    subentry_id: str
    listing: ServiceListing
    old_rate: Decimal
    change_percent: Decimal | None
    """None when the old rate was 0, which no percentage can describe."""
    notable: bool

    @property
    def event_type(self) -> str:
        """Return the event type: the rate increased or decreased."""
        return RATE_INCREASED if self.listing.rate > self.old_rate else RATE_DECREASED


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitsChanged:
    """The minimum or maximum quantity of a watched service changed."""

    subentry_id: str
    listing: ServiceListing
    old_min: int
    old_max: int
    event_type: str = LIMITS_CHANGED


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingChanged:
    """A watched service left the catalogue or came back to it."""

    subentry_id: str
    listing: ServiceListing

    @property
    def event_type(self) -> str:
        """Return the event type: the service was removed or restored."""
        return SERVICE_RESTORED if self.listing.listed else SERVICE_REMOVED


@dataclass(frozen=True, slots=True, kw_only=True)
class ServicesAdded:
    """Services appeared in a watched category."""

    subentry_id: str
    category: str
    services: tuple[ServiceListing, ...]
    event_type: str = SERVICES_ADDED


type ServiceChange = RateChanged | LimitsChanged | ListingChanged
type CatalogueChange = ServiceChange | ServicesAdded


@dataclass(frozen=True, slots=True)
class WatchState:
    """The slice of the last catalogue that is watched."""

    services: Mapping[int, ServiceListing]
    categories: Mapping[str, frozenset[int]]

    @property
    def lists_services(self) -> bool:
        """Return whether the catalogue it was taken from listed any service."""
        return any(listing.listed for listing in self.services.values()) or any(
            self.categories.values()
        )


EMPTY_STATE: Final = WatchState({}, {})


def rate_change_percent(old: Decimal, new: Decimal) -> Decimal | None:
    """Return how much a rate changed, in percent of the old rate."""
    if old == 0:
        return None
    return ((new - old) * 100 / old).quantize(PERCENT_PLACES)


def _rate_change(
    watched: WatchedService, before: ServiceListing, now: ServiceListing
) -> RateChanged:
    percent = rate_change_percent(before.rate, now.rate)
    notable = (
        watched.notable_change is None
        or percent is None
        or abs(percent) >= watched.notable_change
    )
    return RateChanged(
        subentry_id=watched.subentry_id,
        listing=now,
        old_rate=before.rate,
        change_percent=percent,
        notable=notable,
    )


def _service_changes(
    watched: WatchedService, before: ServiceListing | None, now: ServiceListing
) -> list[ServiceChange]:
    """Return what changed of one watched service, in the order to announce it."""
    if before is None:
        # Newly watched: this is the baseline, unless it is already gone.
        return (
            []
            if now.listed
            else [ListingChanged(subentry_id=watched.subentry_id, listing=now)]
        )
    if not now.listed:
        return (
            []
            if not before.listed
            else [ListingChanged(subentry_id=watched.subentry_id, listing=now)]
        )
    changes: list[ServiceChange] = []
    if not before.listed:
        changes.append(ListingChanged(subentry_id=watched.subentry_id, listing=now))
    if now.rate != before.rate:
        changes.append(_rate_change(watched, before, now))
    if (now.min_quantity, now.max_quantity) != (
        before.min_quantity,
        before.max_quantity,
    ):
        changes.append(
            LimitsChanged(
                subentry_id=watched.subentry_id,
                listing=now,
                old_min=before.min_quantity,
                old_max=before.max_quantity,
            )
        )
    return changes


def _category_members(
    catalogue: Mapping[int, PanelService], categories: frozenset[str]
) -> dict[str, set[int]]:
    members: dict[str, set[int]] = defaultdict(set)
    for service in catalogue.values():
        if service.category in categories:
            members[service.category].add(service.service_id)
    return members


def diff_catalogue(
    state: WatchState,
    catalogue: Mapping[int, PanelService],
    services: Iterable[WatchedService],
    categories: Iterable[WatchedCategory],
) -> tuple[WatchState, list[CatalogueChange]]:
    """Return the watched slice of a new catalogue, and what changed since `state`.

    A service that left the catalogue keeps its last listing, marked unlisted, so
    that its return is announced and compared with what it was. A category seen
    for the first time is the baseline: nothing in it is new.
    """
    changes: list[CatalogueChange] = []
    listings: dict[int, ServiceListing] = {}
    for watched in services:
        before = state.services.get(watched.service_id)
        if (service := catalogue.get(watched.service_id)) is not None:
            now = ServiceListing.of(service)
        elif before is not None:
            now = replace(before, listed=False)
        else:
            continue  # Never seen: nothing is known to keep or announce.
        changes += _service_changes(watched, before, now)
        listings[watched.service_id] = now

    watched_categories = list(categories)
    members = _category_members(
        catalogue, frozenset(category.category for category in watched_categories)
    )
    category_ids: dict[str, frozenset[int]] = {}
    for category in watched_categories:
        ids = frozenset(members.get(category.category, ()))
        category_ids[category.category] = ids
        if (known := state.categories.get(category.category)) is not None and (
            added := sorted(ids - known)
        ):
            changes.append(
                ServicesAdded(
                    subentry_id=category.subentry_id,
                    category=category.category,
                    services=tuple(ServiceListing.of(catalogue[id_]) for id_ in added),
                )
            )
    return WatchState(listings, category_ids), changes


# Storage: each watched service's listing under its id, each category's service ids.

LISTING: Final = Record(
    ServiceListing,
    (
        Field("name", TEXT, required=True),
        Field("category", TEXT, required=True),
        Field("type", TEXT, required=True),
        Field("rate", MONEY, required=True),
        Field("min_quantity", INT, key="min", required=True),
        Field("max_quantity", INT, key="max", required=True),
        Field("refill", FLAG, required=True),
        Field("cancel", FLAG, required=True),
        Field("listed", FLAG, required=True),
    ),
)


def watch_to_json(state: WatchState) -> dict[str, Any]:
    """Return the watched slice as storage keeps it."""
    return {
        "services": {
            str(service_id): LISTING.write(listing)
            for service_id, listing in state.services.items()
        },
        "categories": {
            category: sorted(ids) for category, ids in state.categories.items()
        },
    }


def _mapping(stored: object, key: str) -> dict[str, object]:
    value = stored.get(key) if isinstance(stored, dict) else None
    return value if isinstance(value, dict) else {}


def _read_listing(key: str, row: object) -> ServiceListing | None:
    service_id = ID.read(int(key)) if key.isdecimal() else None
    return None if service_id is None else LISTING.read(row, service_id=service_id)


def _read_members(stored: object) -> frozenset[int] | None:
    if not isinstance(stored, list) or any(INT.read(id_) is None for id_ in stored):
        return None
    return frozenset(stored)


def watch_from_json(stored: object) -> WatchState:
    """Return the stored slice; what cannot be read is forgotten, so it starts over."""
    services = {
        listing.service_id: listing
        for key, row in _mapping(stored, "services").items()
        if (listing := _read_listing(key, row)) is not None
    }
    categories = {
        category: members
        for category, ids in _mapping(stored, "categories").items()
        if (members := _read_members(ids)) is not None
    }
    return WatchState(services, categories)
