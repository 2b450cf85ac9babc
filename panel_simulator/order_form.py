"""Validation of the fields of an `add` request, by service type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from . import errors
from .catalogue import Service, ServiceType
from .errors import PanelError
from .orders import DripFeed

_T = ServiceType

REQUIRED_FIELDS: Mapping[ServiceType, tuple[str, ...]] = {
    _T.DEFAULT: ("link", "quantity"),
    _T.PACKAGE: ("link",),
    _T.CUSTOM_COMMENTS: ("link", "comments"),
    _T.CUSTOM_COMMENTS_PACKAGE: ("link", "comments"),
    _T.MENTIONS: ("link", "quantity", "usernames"),
    _T.MENTIONS_WITH_HASHTAGS: ("link", "quantity", "usernames", "hashtags"),
    _T.MENTIONS_CUSTOM_LIST: ("link", "usernames"),
    _T.MENTIONS_HASHTAG: ("link", "quantity", "hashtag"),
    _T.MENTIONS_USER_FOLLOWERS: ("link", "quantity", "username"),
    _T.MENTIONS_MEDIA_LIKERS: ("link", "quantity", "media"),
    _T.COMMENT_LIKES: ("link", "quantity", "username"),
    _T.COMMENT_REPLIES: ("link", "username", "comments"),
    _T.POLL: ("link", "quantity", "answer_number"),
    _T.INVITES_FROM_GROUPS: ("link", "quantity", "groups"),
    _T.SEO: ("link", "quantity", "keywords"),
    _T.SUBSCRIPTIONS: ("username", "min", "max"),
    _T.WEB_TRAFFIC: ("link", "quantity", "country", "device", "type_of_traffic"),
}
OPTIONAL_FIELDS: Mapping[ServiceType, tuple[str, ...]] = {
    _T.DEFAULT: ("runs", "interval"),
    _T.SUBSCRIPTIONS: ("posts", "old_posts", "delay", "expiry"),
    _T.WEB_TRAFFIC: ("google_keyword", "referring_url"),
}
# Types whose quantity is the number of non-empty lines of one field.
COUNTED_FIELD: Mapping[ServiceType, str] = {
    _T.CUSTOM_COMMENTS: "comments",
    _T.CUSTOM_COMMENTS_PACKAGE: "comments",
    _T.MENTIONS_CUSTOM_LIST: "usernames",
    _T.COMMENT_REPLIES: "comments",
}
_INTEGER_FIELDS = ("answer_number", "posts", "old_posts", "delay")


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRequest:
    """A validated `add` request."""

    service: Service
    link: str | None
    quantity: int  # the whole order: per-run quantity times runs for a drip-feed
    fields: Mapping[str, str]
    drip_feed: DripFeed | None = None
    expires_at: float | None = None


def parse_order_form(
    services: Mapping[int, Service], form: Mapping[str, str]
) -> OrderRequest:
    """Validate an `add` form (without `key` and `action`) the way panels do."""
    if not form.get("service", "").strip():
        raise PanelError(errors.INCORRECT_SERVICE_ID, key=errors.missing("service"))
    service = services.get(
        _integer(form.get("service", ""), errors.INCORRECT_SERVICE_ID)
    )
    if service is None:
        raise PanelError(errors.INCORRECT_SERVICE_ID)
    required = REQUIRED_FIELDS[service.type]
    fields = {name: value for name, value in form.items() if name != "service"}
    if not fields.keys() <= {*required, *OPTIONAL_FIELDS.get(service.type, ())}:
        raise PanelError(errors.INCORRECT_REQUEST)
    for name in required:
        if not fields.get(name, "").strip():
            raise PanelError(
                errors.FIELD_REQUIRED,
                key=errors.missing(name),
                field=errors.field_label(name),
            )
    for name in _INTEGER_FIELDS:
        if name in fields:
            _integer(fields[name], errors.INCORRECT_REQUEST)
    link = fields.get("link")
    if link is not None and not _is_web_link(link):
        raise PanelError(errors.INCORRECT_LINK)
    if service.type is ServiceType.SUBSCRIPTIONS:
        _check_range(service, _integer(fields["min"], errors.INCORRECT_REQUEST))
        _check_range(service, _integer(fields["max"], errors.INCORRECT_REQUEST))
        if int(fields["min"]) > int(fields["max"]):
            raise PanelError(errors.INCORRECT_REQUEST)
        return OrderRequest(
            service=service,
            link=None,
            quantity=0,
            fields=fields,
            expires_at=_expiry(fields["expiry"]) if "expiry" in fields else None,
        )
    quantity = _quantity(service, fields)
    _check_range(service, quantity)
    drip_feed = _drip_feed(service, fields)
    if drip_feed is not None:
        quantity *= drip_feed.runs
    return OrderRequest(
        service=service,
        link=link,
        quantity=quantity,
        fields=fields,
        drip_feed=drip_feed,
    )


def _quantity(service: Service, fields: Mapping[str, str]) -> int:
    if service.type is ServiceType.PACKAGE:
        return service.min_quantity
    if counted := COUNTED_FIELD.get(service.type):
        return sum(1 for line in fields[counted].splitlines() if line.strip())
    return _integer(fields["quantity"], errors.INCORRECT_REQUEST)


def _check_range(service: Service, quantity: int) -> None:
    if quantity < service.min_quantity:
        raise PanelError(
            errors.QUANTITY_TOO_LOW,
            untranslated=errors.UNTRANSLATED_QUANTITY_TOO_LOW,
            minimum=service.min_quantity,
            maximum=service.max_quantity,
        )
    if quantity > service.max_quantity:
        raise PanelError(
            errors.QUANTITY_TOO_HIGH,
            untranslated=errors.UNTRANSLATED_QUANTITY_TOO_HIGH,
            minimum=service.min_quantity,
            maximum=service.max_quantity,
        )


def _drip_feed(service: Service, fields: Mapping[str, str]) -> DripFeed | None:
    if "runs" not in fields and "interval" not in fields:
        return None
    if not service.dripfeed:
        raise PanelError(errors.INCORRECT_REQUEST)
    runs = _integer(fields.get("runs", ""), errors.INCORRECT_REQUEST)
    interval = _integer(fields.get("interval", ""), errors.INCORRECT_REQUEST)
    if runs < 1 or interval < 1:
        raise PanelError(errors.INCORRECT_REQUEST)
    return DripFeed(runs=runs, interval=interval)


def _integer(text: str, message: str) -> int:
    if not text.strip().isdecimal():
        raise PanelError(message)
    return int(text)


def _is_web_link(link: str) -> bool:
    parts = urlsplit(link.strip())
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _expiry(text: str) -> float:
    try:
        day = datetime.strptime(text, "%d/%m/%Y").replace(tzinfo=UTC)
    except ValueError:
        raise PanelError(errors.INCORRECT_REQUEST) from None
    return (day + timedelta(days=1)).timestamp()
