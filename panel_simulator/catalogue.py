"""The simulated panel's service catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypedDict


class ServiceType(StrEnum):
    """Service types as Perfect Panel names them on the wire."""

    DEFAULT = "Default"
    PACKAGE = "Package"
    CUSTOM_COMMENTS = "Custom Comments"
    CUSTOM_COMMENTS_PACKAGE = "Custom Comments Package"
    MENTIONS = "Mentions"
    MENTIONS_WITH_HASHTAGS = "Mentions with Hashtags"
    MENTIONS_CUSTOM_LIST = "Mentions Custom List"
    MENTIONS_HASHTAG = "Mentions Hashtag"
    MENTIONS_USER_FOLLOWERS = "Mentions User Followers"
    MENTIONS_MEDIA_LIKERS = "Mentions Media Likers"
    COMMENT_LIKES = "Comment Likes"
    COMMENT_REPLIES = "Comment Replies"
    POLL = "Poll"
    INVITES_FROM_GROUPS = "Invites from Groups"
    SEO = "SEO"
    SUBSCRIPTIONS = "Subscriptions"
    WEB_TRAFFIC = "Web Traffic"


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """One service the panel sells; `rate` is the price per 1000."""

    service_id: int
    name: str
    type: ServiceType
    category: str
    rate: Decimal
    min_quantity: int
    max_quantity: int
    refill: bool = False
    cancel: bool = False
    dripfeed: bool = False
    description: str | None = None
    """Sent as `desc`, as Perfect Panel and SmartPanel name it, when there is one."""

    def cost(self, quantity: int) -> Decimal:
        """Return the exact charge for a quantity."""
        return self.rate * quantity / 1000


class ServiceChanges(TypedDict, total=False):
    """The fields of a `Service` that `Panel.update_service` can change."""

    name: str
    type: ServiceType
    category: str
    rate: Decimal
    min_quantity: int
    max_quantity: int
    refill: bool
    cancel: bool
    dripfeed: bool
    description: str | None


def _service(  # noqa: PLR0917 - one catalogue row per line
    service_id: int,
    name: str,
    service_type: ServiceType,
    category: str,
    rate: str,
    quantities: tuple[int, int],
    *,
    refill: bool = False,
    cancel: bool = False,
    dripfeed: bool = False,
) -> Service:
    return Service(
        service_id=service_id,
        name=name,
        type=service_type,
        category=category,
        rate=Decimal(rate),
        min_quantity=quantities[0],
        max_quantity=quantities[1],
        refill=refill,
        cancel=cancel,
        dripfeed=dripfeed,
    )


_T = ServiceType

CATALOGUE: tuple[Service, ...] = (
    _service(1, "Instagram Followers - Real [Refill 30D]", _T.DEFAULT, "Instagram Followers", "1.20", (50, 10000), refill=True, cancel=True, dripfeed=True),
    _service(2, "Instagram Followers - Cheap [No Refill]", _T.DEFAULT, "Instagram Followers", "0.45", (10, 5000), dripfeed=True),
    _service(3, "Instagram Likes - Fast", _T.DEFAULT, "Instagram Likes", "0.30", (20, 20000), refill=True, cancel=True, dripfeed=True),
    _service(4, "Instagram Likes - 1000 Package", _T.PACKAGE, "Instagram Likes", "2.50", (1000, 1000)),
    _service(5, "Instagram Comments - Custom", _T.CUSTOM_COMMENTS, "Instagram Comments", "15.00", (5, 500), cancel=True),
    _service(6, "Instagram Comments - 10 Custom Package", _T.CUSTOM_COMMENTS_PACKAGE, "Instagram Comments", "20.00", (10, 10)),
    _service(7, "Instagram Mentions - Targeted Users", _T.MENTIONS, "Instagram Mentions", "6.00", (100, 10000)),
    _service(8, "Instagram Mentions - Users and Hashtags", _T.MENTIONS_WITH_HASHTAGS, "Instagram Mentions", "8.00", (100, 10000)),
    _service(9, "Instagram Mentions - Custom List", _T.MENTIONS_CUSTOM_LIST, "Instagram Mentions", "10.00", (10, 1000)),
    _service(10, "Instagram Mentions - Hashtag Users", _T.MENTIONS_HASHTAG, "Instagram Mentions", "7.00", (100, 10000)),
    _service(11, "Instagram Mentions - Followers of a User", _T.MENTIONS_USER_FOLLOWERS, "Instagram Mentions", "7.50", (100, 10000)),
    _service(12, "Instagram Mentions - Media Likers", _T.MENTIONS_MEDIA_LIKERS, "Instagram Mentions", "7.50", (100, 10000)),
    _service(13, "Instagram Comment Likes", _T.COMMENT_LIKES, "Instagram Comments", "3.00", (50, 5000), refill=True),
    _service(14, "Instagram Comment Replies - Custom", _T.COMMENT_REPLIES, "Instagram Comments", "18.00", (5, 200)),
    _service(15, "YouTube Views - High Retention", _T.DEFAULT, "YouTube Views", "1.80", (100, 100000), refill=True, cancel=True, dripfeed=True),
    _service(16, "TikTok Followers", _T.DEFAULT, "TikTok", "2.10", (100, 20000), refill=True),
    _service(17, "Telegram Members - Invites from Groups", _T.INVITES_FROM_GROUPS, "Telegram", "4.00", (100, 10000), cancel=True),
    _service(18, "Telegram Poll Votes", _T.POLL, "Polls", "1.50", (50, 10000)),
    _service(19, "Twitter/X Followers", _T.DEFAULT, "Twitter/X", "3.60", (100, 10000), cancel=True),
    _service(20, "Website Traffic - Worldwide", _T.WEB_TRAFFIC, "Website Traffic", "0.90", (1000, 1000000), cancel=True),
    _service(21, "Google SEO - Keyword Clicks", _T.SEO, "Google SEO", "5.00", (100, 10000)),
    _service(22, "Instagram Auto Likes - Subscription", _T.SUBSCRIPTIONS, "Subscriptions", "0.50", (50, 10000)),
    _service(101, "Real & Active Followers - Best Server", _T.DEFAULT, "Instagram Followers", "250.00", (50, 10000), refill=True, cancel=True),
    _service(102, "Real & Active Followers - Cheap Server", _T.DEFAULT, "Instagram Followers", "255.00", (50, 10000)),
)  # fmt: skip
