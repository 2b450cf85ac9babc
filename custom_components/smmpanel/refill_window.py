"""How long a tracked order may be refilled, as its service promises.

The promise is read by `api.refill_guarantee` from the name the order was placed
with, or else from the description the catalogue lists for its service now. A
period runs from when the integration saw the order completed or partial (its
`finished_at`). Nothing is guessed: an order whose service's texts promise nothing
readable has no guarantee.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Final

from .api import OrderStatus, PanelService, RefillGuarantee, refill_guarantee
from .models import TrackedOrder

# The statuses of a delivered order, from which a refill period runs.
_DELIVERED_STATUSES: Final = frozenset({OrderStatus.COMPLETED, OrderStatus.PARTIAL})


# Reading a service's texts takes tens of microseconds, and every write of an order
# sensor's state asks again: the answer is kept per service's name and description.
# Only the services of tracked orders are read, so the cache holds few of them.
@lru_cache(maxsize=1024)
def _promised(name: str, description: str | None) -> RefillGuarantee | None:
    return refill_guarantee(name, description)


def order_refill_guarantee(
    order: TrackedOrder, service: PanelService | None
) -> RefillGuarantee | None:
    """Return the refill an order's service promises, if its texts say for sure.

    `service` is the order's service as the catalogue lists it, if it does.
    """
    if order.service_name is None:
        return None
    return _promised(
        order.service_name, None if service is None else service.description
    )


def _refill_until(
    order: TrackedOrder, guarantee: RefillGuarantee | None
) -> datetime | None:
    """Return when an order's refill period ends, once it was delivered."""
    if (
        guarantee is None
        or guarantee.days is None
        or order.status not in _DELIVERED_STATUSES
        or order.finished_at is None
    ):
        return None
    return order.finished_at + timedelta(days=guarantee.days)


def refill_guarantee_attributes(
    order: TrackedOrder, service: PanelService | None
) -> dict[str, Any]:
    """Return an order sensor's refill attributes; None where not known."""
    if (guarantee := order_refill_guarantee(order, service)) is None:
        return {}
    return {
        "refill_guarantee": guarantee.term.value,
        "refill_guarantee_days": guarantee.days,
        "refill_until": _refill_until(order, guarantee),
    }
