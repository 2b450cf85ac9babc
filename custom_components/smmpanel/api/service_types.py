"""The service types of API v2 and the `add` fields: what each holds, who takes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class ServiceType(StrEnum):
    """Service types; each takes its own set of `add` fields."""

    DEFAULT = "default"
    PACKAGE = "package"
    CUSTOM_COMMENTS = "custom_comments"
    CUSTOM_COMMENTS_PACKAGE = "custom_comments_package"
    MENTIONS = "mentions"
    MENTIONS_WITH_HASHTAGS = "mentions_with_hashtags"
    MENTIONS_CUSTOM_LIST = "mentions_custom_list"
    MENTIONS_HASHTAG = "mentions_hashtag"
    MENTIONS_USER_FOLLOWERS = "mentions_user_followers"
    MENTIONS_MEDIA_LIKERS = "mentions_media_likers"
    COMMENT_LIKES = "comment_likes"
    COMMENT_REPLIES = "comment_replies"
    POLL = "poll"
    INVITES_FROM_GROUPS = "invites_from_groups"
    SEO = "seo"
    SUBSCRIPTIONS = "subscriptions"
    WEB_TRAFFIC = "web_traffic"
    UNKNOWN = "unknown"

    @property
    def required_fields(self) -> frozenset[OrderField]:
        """Return the `add` fields this type requires besides `service`."""
        return _ORDER_RULES[self].required

    @property
    def accepted_fields(self) -> frozenset[OrderField]:
        """Return every `add` field this type accepts besides `service`."""
        rules = _ORDER_RULES[self]
        return rules.required | rules.optional

    @property
    def counted_field(self) -> OrderField | None:
        """Return the list field whose lines are this type's quantity, if any.

        The panel counts the lines itself: such a type takes no `quantity`.
        """
        return _ORDER_RULES[self].counted


class OrderField(StrEnum):
    """The fields of an `add` request besides `service`."""

    LINK = "link"
    QUANTITY = "quantity"
    COMMENTS = "comments"
    RUNS = "runs"
    INTERVAL = "interval"
    USERNAMES = "usernames"
    HASHTAGS = "hashtags"
    HASHTAG = "hashtag"
    USERNAME = "username"
    MEDIA = "media"
    ANSWER_NUMBER = "answer_number"
    GROUPS = "groups"
    KEYWORDS = "keywords"
    MIN = "min"
    MAX = "max"
    POSTS = "posts"
    OLD_POSTS = "old_posts"
    DELAY = "delay"
    EXPIRY = "expiry"
    COUNTRY = "country"
    DEVICE = "device"
    TYPE_OF_TRAFFIC = "type_of_traffic"
    GOOGLE_KEYWORD = "google_keyword"
    REFERRING_URL = "referring_url"


class FieldKind(StrEnum):
    """What an `add` field holds, and so how a value for it is read and cleaned."""

    WHOLE_NUMBER = "whole_number"
    LINES = "lines"  # a list, one entry a line
    LINE = "line"  # a single line of text
    LINK = "link"
    DATE = "date"  # sent as DATE_FORMAT


# How the panel reads a date field.
DATE_FORMAT: Final = "%d/%m/%Y"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What an `add` field holds; for a whole number, the smallest that means anything."""

    kind: FieldKind
    minimum: int | None = None


_F = OrderField
_K = FieldKind
# Every `add` field besides `service`, in the order of OrderField.
ORDER_FIELDS: Final[Mapping[OrderField, FieldSpec]] = MappingProxyType(
    {
        _F.LINK: FieldSpec(_K.LINK),
        _F.QUANTITY: FieldSpec(_K.WHOLE_NUMBER, minimum=1),
        _F.COMMENTS: FieldSpec(_K.LINES),
        _F.RUNS: FieldSpec(_K.WHOLE_NUMBER, minimum=1),
        _F.INTERVAL: FieldSpec(_K.WHOLE_NUMBER, minimum=1),
        _F.USERNAMES: FieldSpec(_K.LINES),
        _F.HASHTAGS: FieldSpec(_K.LINES),
        _F.HASHTAG: FieldSpec(_K.LINE),
        _F.USERNAME: FieldSpec(_K.LINE),
        _F.MEDIA: FieldSpec(_K.LINE),
        _F.ANSWER_NUMBER: FieldSpec(_K.WHOLE_NUMBER, minimum=1),
        _F.GROUPS: FieldSpec(_K.LINES),
        _F.KEYWORDS: FieldSpec(_K.LINES),
        _F.MIN: FieldSpec(_K.WHOLE_NUMBER, minimum=1),
        _F.MAX: FieldSpec(_K.WHOLE_NUMBER, minimum=1),
        _F.POSTS: FieldSpec(_K.WHOLE_NUMBER, minimum=1),
        _F.OLD_POSTS: FieldSpec(_K.WHOLE_NUMBER, minimum=0),
        _F.DELAY: FieldSpec(_K.WHOLE_NUMBER, minimum=0),
        _F.EXPIRY: FieldSpec(_K.DATE),
        _F.COUNTRY: FieldSpec(_K.LINE),
        _F.DEVICE: FieldSpec(_K.LINE),
        _F.TYPE_OF_TRAFFIC: FieldSpec(_K.LINE),
        _F.GOOGLE_KEYWORD: FieldSpec(_K.LINE),
        _F.REFERRING_URL: FieldSpec(_K.LINE),
    }
)


@dataclass(frozen=True, slots=True)
class _OrderRules:
    """The `add` fields of one service type."""

    required: frozenset[OrderField]
    optional: frozenset[OrderField] = frozenset()
    counted: OrderField | None = None


_ORDER_RULES: Final[Mapping[ServiceType, _OrderRules]] = MappingProxyType(
    {
        ServiceType.DEFAULT: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY}), frozenset({_F.RUNS, _F.INTERVAL})
        ),
        ServiceType.PACKAGE: _OrderRules(frozenset({_F.LINK})),
        ServiceType.CUSTOM_COMMENTS: _OrderRules(
            frozenset({_F.LINK, _F.COMMENTS}), counted=_F.COMMENTS
        ),
        ServiceType.CUSTOM_COMMENTS_PACKAGE: _OrderRules(
            frozenset({_F.LINK, _F.COMMENTS}), counted=_F.COMMENTS
        ),
        ServiceType.MENTIONS: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.USERNAMES})
        ),
        ServiceType.MENTIONS_WITH_HASHTAGS: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.USERNAMES, _F.HASHTAGS})
        ),
        ServiceType.MENTIONS_CUSTOM_LIST: _OrderRules(
            frozenset({_F.LINK, _F.USERNAMES}), counted=_F.USERNAMES
        ),
        ServiceType.MENTIONS_HASHTAG: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.HASHTAG})
        ),
        ServiceType.MENTIONS_USER_FOLLOWERS: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.USERNAME})
        ),
        ServiceType.MENTIONS_MEDIA_LIKERS: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.MEDIA})
        ),
        ServiceType.COMMENT_LIKES: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.USERNAME})
        ),
        ServiceType.COMMENT_REPLIES: _OrderRules(
            frozenset({_F.LINK, _F.USERNAME, _F.COMMENTS}), counted=_F.COMMENTS
        ),
        ServiceType.POLL: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.ANSWER_NUMBER})
        ),
        ServiceType.INVITES_FROM_GROUPS: _OrderRules(
            frozenset({_F.LINK, _F.QUANTITY, _F.GROUPS})
        ),
        ServiceType.SEO: _OrderRules(frozenset({_F.LINK, _F.QUANTITY, _F.KEYWORDS})),
        ServiceType.SUBSCRIPTIONS: _OrderRules(
            frozenset({_F.USERNAME, _F.MIN, _F.MAX}),
            frozenset({_F.POSTS, _F.OLD_POSTS, _F.DELAY, _F.EXPIRY}),
        ),
        ServiceType.WEB_TRAFFIC: _OrderRules(
            frozenset(
                {_F.LINK, _F.QUANTITY, _F.COUNTRY, _F.DEVICE, _F.TYPE_OF_TRAFFIC}
            ),
            # Each is needed only for its type_of_traffic.
            frozenset({_F.GOOGLE_KEYWORD, _F.REFERRING_URL}),
        ),
        ServiceType.UNKNOWN: _OrderRules(
            frozenset({_F.LINK}), frozenset(OrderField) - {_F.LINK}
        ),
    }
)
