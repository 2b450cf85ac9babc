r"""A full panel catalogue: thousands of services, megabytes of JSON.

Large panels resell every provider's services under names in their customers'
language, dressed with flags and emoji: this one names them in Russian, as many do,
and tags its categories in English. Its JSON escapes every non-ASCII character
(`\u0436`), as PHP's json_encode does, so 10,000 services with names and categories
of about 60 characters make some 5 MB on the wire.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import accumulate
import random

from aiohttp import ClientSession

from panel_simulator import Panel, Service, ServiceType

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
