"""The stored form of values and records: how storage writes them and reads them back.

Storage is written here but read as anything may have left it: an older or newer
release, a hand, a damaged disk. Each value is read on its own: one that is missing
or of another type reads as unknown (None), and a record lacking a value it cannot
do without is skipped, alone, keeping the rest. Amounts are text, so that they stay
exact; moments are ISO 8601, those without an offset read as UTC. Hand-written
rather than mashumaro, whose `from_dict` fails a whole record for one bad value and
reads "NaN" as an amount. Nothing here talks to Home Assistant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
import sys
from typing import Any, Final, Protocol


class Codec[V](Protocol):
    """How one kind of value is stored."""

    def read(self, stored: object, /) -> V | None:
        """Return the stored value, or None if it cannot be read as one."""

    def write(self, value: V, /) -> Any:
        """Return the value as JSON."""


def _as_is(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class Value[V]:
    """A codec made of two functions; JSON's own types are written as they are."""

    read: Callable[[object], V | None]
    write: Callable[[V], Any] = _as_is


def _read_int(stored: object) -> int | None:
    return stored if isinstance(stored, int) and not isinstance(stored, bool) else None


def _read_id(stored: object) -> int | None:
    number = _read_int(stored)
    return number if number is not None and number > 0 else None


def _read_text(stored: object) -> str | None:
    return stored if isinstance(stored, str) else None


def _read_label(stored: object) -> str | None:
    return sys.intern(stored) if isinstance(stored, str) else None


def _read_flag(stored: object) -> bool | None:
    return stored if isinstance(stored, bool) else None


def _read_money(stored: object) -> Decimal | None:
    if not isinstance(stored, str | int) or isinstance(stored, bool):
        return None
    try:
        amount = Decimal(stored)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _read_moment(stored: object) -> datetime | None:
    if not isinstance(stored, str):
        return None
    try:
        moment = datetime.fromisoformat(stored)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _read_day(stored: object) -> date | None:
    if not isinstance(stored, str):
        return None
    try:
        return date.fromisoformat(stored)
    except ValueError:
        return None


INT: Final = Value(_read_int)
ID: Final = Value(_read_id)
"""A positive whole number, as the ids of orders, refills and services are."""
TEXT: Final = Value(_read_text)
LABEL: Final = Value(_read_label)
"""Text that many records repeat, as a status, a currency or a service's name: the
records read keep one copy of each."""
FLAG: Final = Value(_read_flag)
MONEY: Final = Value(_read_money, str)
MOMENT: Final = Value(_read_moment, datetime.isoformat)
DAY: Final = Value(_read_day, date.isoformat)


def choice[E: StrEnum](kind: type[E]) -> Value[E]:
    """Return the codec of a value stored as one of an enumeration's values."""

    def read(stored: object) -> E | None:
        try:
            return kind(stored) if isinstance(stored, str) else None
        except ValueError:
            return None

    return Value(read, str)


@dataclass(frozen=True, slots=True)
class Field[V]:
    """A value of a record: its attribute, codec, and how an unknown one reads."""

    name: str
    codec: Codec[V]
    key: str = ""
    """What it is stored under, when that is not its name."""
    required: bool = False
    """Whether a record without it is skipped."""
    default: Callable[[], V] | None = None
    """What it reads as when unknown, if not None."""

    @property
    def stored_key(self) -> str:
        """Return what the value is stored under."""
        return self.key or self.name


@dataclass(frozen=True, slots=True)
class Record[T]:
    """How a dataclass is stored: a JSON object of the values of its fields."""

    build: Callable[..., T]
    fields: tuple[Field[Any], ...]

    def read(self, stored: object, /, **known: Any) -> T | None:
        """Return a stored record, or None if it lacks a value it cannot do without.

        `known` are values kept outside the record, as a key it is stored under.
        """
        if not isinstance(stored, dict):
            return None
        values = dict(known)
        for field in self.fields:
            value = field.codec.read(stored.get(field.stored_key))
            if value is None:
                if field.required:
                    return None
                if field.default is not None:
                    value = field.default()
            values[field.name] = value
        return self.build(**values)

    def write(self, item: T, /) -> dict[str, Any]:
        """Return a record as stored; unknown values are null."""
        stored: dict[str, Any] = {}
        for field in self.fields:
            value = getattr(item, field.name)
            stored[field.stored_key] = (
                None if value is None else field.codec.write(value)
            )
        return stored
