r"""A full panel catalogue: thousands of services, megabytes of JSON.

Large panels resell every provider's services under names in their customers'
language, dressed with flags and emoji: this one names them in Russian, as many do,
and tags its categories in English. Its JSON escapes every non-ASCII character
(`\u0436`), as PHP's json_encode does, so 10,000 services with names and categories
of about 60 characters make some 5 MB on the wire.

An account watches services and categories spread over it, and between two checks of
the watch the panel's owner changes some 5% of the catalogue: rates up and down,
limits, services removed, new ones in watched categories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import accumulate, count
import random

from aiohttp import ClientSession

from panel_simulator import Panel, Service, ServiceType
from panel_simulator.catalogue import ServiceChanges

from .workload import API_KEY, SEED

PRODUCTS: dict[str, tuple[str, ...]] = {
    "Instagram": ("Подписчики", "Лайки", "Просмотры Reels", "Сохранения"),
    "TikTok": ("Подписчики", "Лайки", "Просмотры", "Репосты"),
    "YouTube": ("Подписчики", "Просмотры", "Лайки", "Часы просмотра"),
    "Telegram": ("Подписчики", "Просмотры постов", "Реакции"),
    "ВКонтакте": ("Друзья", "Подписчики", "Лайки"),
    "Twitter/X": ("Подписчики", "Лайки", "Ретвиты"),
    "Spotify": ("Прослушивания", "Подписчики"),
}
QUALITIES = ("Живые", "Боты", "Микс", "Реальные HQ", "Премиум", "Офферы")
FLAGS = ("🇷🇺", "🇺🇦", "🇰🇿", "🇺🇸", "🇧🇷", "🌍")
MARKS = ("🔥", "⭐", "💎", "✅", "🆕")
STARTS = ("Start 0-1H", "Start 0-6H", "Start 0-24H", "Instant")
SPEEDS = ("⚡ 10K/день", "🚀 50K/день", "🐢 1K/день", "⚡ мгновенно")
REFILL_DAYS = (30, 60, 365)
# Types by weight: most services are plain quantities.
TYPES = (ServiceType.DEFAULT,) * 8 + (
    ServiceType.PACKAGE,
    ServiceType.CUSTOM_COMMENTS,
    ServiceType.SUBSCRIPTIONS,
    ServiceType.POLL,
)
MIN_QUANTITIES = (10, 20, 50, 100, 500, 1000)
MAX_FACTORS = (100, 1000, 10000)
# Ids leave gaps, where the panel dropped services.
ID_GAPS = (1, 1, 1, 2, 3, 7)
RATE_PLACES = (4, 5)
REFILL_SHARE = 0.6
CANCEL_SHARE = 0.4
DRIPFEED_SHARE = 0.3

WATCHED_SERVICES = 200
WATCHED_CATEGORIES = 20
NOTABLE_CHANGE_PERCENT = 5
"""The rate change, in percent, past which a watched service's change is notable."""
EDITED_SHARE = 0.05
# Of every ten watched services, the owner raises the first's rate past the notable
# change, cuts the second's short of it, widens the third's limits and removes the
# fourth; every other watched category gets new services.
WATCHED_EDIT_CYCLE = 10
RATE_RISE = Decimal("1.10")
RATE_CUT = Decimal("0.98")
SERVICES_ADDED_PER_CATEGORY = 2
EDIT_SEED = SEED + 1


def large_catalogue(size: int) -> tuple[Service, ...]:
    """Return a realistic catalogue of `size` services, the same at every call."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible, not secret
    ids = accumulate(rng.choice(ID_GAPS) for _ in range(size))
    return tuple(_service(rng, service_id) for service_id in ids)


def _service(rng: random.Random, service_id: int) -> Service:
    platform = rng.choice(tuple(PRODUCTS))
    product = rng.choice(PRODUCTS[platform])
    quality = rng.choice(QUALITIES)
    refill = rng.random() < REFILL_SHARE
    guarantee = f"♻️ {rng.choice(REFILL_DAYS)} дн." if refill else "⛔ без гарантии"
    service_type = rng.choice(TYPES)
    min_quantity = rng.choice(MIN_QUANTITIES)
    return Service(
        service_id=service_id,
        name=(
            f"{rng.choice(FLAGS)} {platform} {product} | {quality} | {guarantee}"
            f" | {rng.choice(SPEEDS)}"
        ),
        type=service_type,
        category=(
            f"{rng.choice(MARKS)} {platform} {product} [{quality}]"
            f" [{'R' if refill else 'NR'}] [{rng.choice(STARTS)}] Server {rng.randint(1, 40)}"
        ),
        rate=_rate(rng),
        min_quantity=min_quantity,
        max_quantity=(
            min_quantity
            if service_type is ServiceType.PACKAGE
            else min_quantity * rng.choice(MAX_FACTORS)
        ),
        refill=refill,
        cancel=rng.random() < CANCEL_SHARE,
        dripfeed=rng.random() < DRIPFEED_SHARE,
    )


def _rate(rng: random.Random) -> Decimal:
    """Return a price per 1000, from a cent to a few hundred, to 4 or 5 decimals."""
    places = rng.choice(RATE_PLACES)
    return Decimal(rng.randint(10 ** (places - 2), 3 * 10 ** (places + 2))).scaleb(
        -places
    )


def catalogue_panel(size: int) -> Panel:
    """Return a panel selling a large catalogue of `size` services."""
    return Panel(api_key=API_KEY, seed=SEED, catalogue=large_catalogue(size))


async def async_catalogue_body(session: ClientSession, api_url: str) -> bytes:
    """Return the panel's answer to `services`, the JSON body as it is sent."""
    async with session.post(
        api_url, data={"key": API_KEY, "action": "services"}
    ) as response:
        response.raise_for_status()
        return await response.read()


@dataclass(frozen=True, slots=True, kw_only=True)
class Watchlist:
    """The services and categories an account watches, spread over the catalogue."""

    service_ids: tuple[int, ...]
    categories: tuple[str, ...]


def watchlist(catalogue: Sequence[Service]) -> Watchlist:
    """Return up to WATCHED_SERVICES services and WATCHED_CATEGORIES categories."""
    categories = tuple(dict.fromkeys(service.category for service in catalogue))
    return Watchlist(
        service_ids=tuple(
            service.service_id for service in _spread(catalogue, WATCHED_SERVICES)
        ),
        categories=_spread(categories, WATCHED_CATEGORIES),
    )


def _spread[T](items: Sequence[T], wanted: int) -> tuple[T, ...]:
    """Return `wanted` items evenly spaced over a sequence, or all of them."""
    taken = min(wanted, len(items))
    return tuple(items[index * len(items) // taken] for index in range(taken))


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogueEdit:
    """What a panel's owner changes in the catalogue; each service changes one way."""

    updates: Mapping[int, ServiceChanges]
    removed: tuple[int, ...]
    added: tuple[Service, ...]

    @property
    def services(self) -> int:
        """Return how many services the edit changes, removes or adds."""
        return len(self.updates) + len(self.removed) + len(self.added)

    def watched_changes(self, watched: Watchlist) -> int:
        """Return the changes to what is watched that a refresh must find.

        One a watched service changed or removed, one a watched category added to.
        """
        service_ids = set(watched.service_ids)
        return (
            len(service_ids & self.updates.keys())
            + len(service_ids.intersection(self.removed))
            + len(
                set(watched.categories).intersection(
                    service.category for service in self.added
                )
            )
        )

    def apply(self, panel: Panel) -> None:
        """Make the changes on the panel, as its owner would."""
        for service_id, changes in self.updates.items():
            panel.update_service(service_id, **changes)
        for service_id in self.removed:
            panel.remove_service(service_id)
        for service in self.added:
            panel.add_service(service)


def catalogue_edit(catalogue: Sequence[Service], watched: Watchlist) -> CatalogueEdit:
    """Return an edit of about EDITED_SHARE of the catalogue, the same at every call.

    Watched services and categories change as WATCHED_EDIT_CYCLE says; the rest of
    the share are rate changes of unwatched services, half up, half down.
    """
    rng = random.Random(EDIT_SEED)  # noqa: S311 - reproducible, not secret
    by_id = {service.service_id: service for service in catalogue}
    updates: dict[int, ServiceChanges] = {}
    removed: list[int] = []
    for index, service_id in enumerate(watched.service_ids):
        service = by_id[service_id]
        match index % WATCHED_EDIT_CYCLE:
            case 0:
                updates[service_id] = {"rate": service.rate * RATE_RISE}
            case 1:
                updates[service_id] = {"rate": service.rate * RATE_CUT}
            case 2:
                updates[service_id] = {"max_quantity": service.max_quantity * 2}
            case 3:
                removed.append(service_id)
    new_ids = count(max(by_id) + 1)
    added = tuple(
        replace(_service(rng, next(new_ids)), category=category)
        for category in watched.categories[::2]
        for _ in range(SERVICES_ADDED_PER_CATEGORY)
    )
    watched_ids = set(watched.service_ids)
    unwatched = [
        service for service in catalogue if service.service_id not in watched_ids
    ]
    edited = len(updates) + len(removed) + len(added)
    left = round(len(catalogue) * EDITED_SHARE) - edited
    for position, service in enumerate(
        rng.sample(unwatched, min(len(unwatched), max(left, 0)))
    ):
        factor = RATE_RISE if position % 2 else RATE_CUT
        updates[service.service_id] = {"rate": service.rate * factor}
    return CatalogueEdit(updates=updates, removed=tuple(removed), added=added)
