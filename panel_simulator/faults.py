"""Fault injection: which requests fail, and how."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import random


class Fault(StrEnum):
    """A way a panel (or what stands in front of it) can fail a request."""

    LATENCY = "latency"
    TIMEOUT = "timeout"
    CONNECTION_RESET = "connection_reset"
    HTTP_500 = "http_500"
    HTTP_502 = "http_502"
    HTTP_503 = "http_503"
    CLOUDFLARE = "cloudflare"
    INVALID_JSON = "invalid_json"
    WRONG_SHAPE = "wrong_shape"
    RATE_LIMIT = "rate_limit"
    KEY_REVOKED = "key_revoked"
    CATALOGUE_EMPTY_LIST = "catalogue_empty_list"
    CATALOGUE_EMPTY_DATA = "catalogue_empty_data"
    CATALOGUE_UNREADABLE = "catalogue_unreadable"


# Answers of a panel under maintenance to `services`: `[]`, the "Empty Data" wrapper,
# and the catalogue with no row a client can read. They answer `services` only.
CATALOGUE_FAULTS = frozenset(
    {
        Fault.CATALOGUE_EMPTY_LIST,
        Fault.CATALOGUE_EMPTY_DATA,
        Fault.CATALOGUE_UNREADABLE,
    }
)


# Seconds a LATENCY delays, a TIMEOUT stalls, and a RATE_LIMIT asks to wait by default.
DEFAULT_SECONDS: dict[Fault, float] = {
    Fault.LATENCY: 1.0,
    Fault.TIMEOUT: 60.0,
    Fault.RATE_LIMIT: 30.0,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultRule:
    """One injected fault.

    Scripted (`rate` is None): hits the next `times` matching requests, or every one when
    `times` is None. Probabilistic: hits each matching request with probability `rate`.
    `action` None matches every action, but a catalogue fault matches `services`
    only. With `after`, the request takes effect before its answer is replaced by the
    fault.
    """

    fault: Fault
    action: str | None = None
    times: int | None = 1
    rate: float | None = None
    after: bool = False
    seconds: float | None = None

    def __post_init__(self) -> None:
        """Refuse rules that could never mean anything."""
        if self.rate is not None and not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1")
        if self.seconds is not None and self.seconds < 0:
            raise ValueError("seconds must not be negative")
        if self.fault in CATALOGUE_FAULTS and self.action not in {None, "services"}:
            raise ValueError(f"{self.fault} answers the services action only")

    def matches(self, action: str) -> bool:
        """Return whether the rule applies to requests of an action."""
        if self.fault in CATALOGUE_FAULTS:
            return action == "services"
        return self.action is None or self.action == action

    @property
    def delay(self) -> float:
        """Return the seconds this fault waits or asks to wait."""
        return (
            self.seconds
            if self.seconds is not None
            else DEFAULT_SECONDS.get(self.fault, 0.0)
        )


@dataclass(slots=True)
class _ArmedRule:
    rule: FaultRule
    hits_left: int | None  # None: unlimited


class Faults:
    """The faults injected into one panel."""

    def __init__(self, seed: int = 0) -> None:
        """Start with no faults; `seed` drives the probabilistic ones."""
        self._rng = random.Random(seed)  # noqa: S311 - reproducible, not secret
        self._armed: list[_ArmedRule] = []

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        """Return the rules in force, in the order they were injected."""
        return tuple(armed.rule for armed in self._armed)

    def inject(
        self,
        fault: Fault,
        *,
        action: str | None = None,
        times: int | None = 1,
        rate: float | None = None,
        after: bool = False,
        seconds: float | None = None,
    ) -> FaultRule:
        """Fail matching requests with `fault`; see `FaultRule` for the options."""
        rule = FaultRule(
            fault=fault,
            action=action,
            times=times,
            rate=rate,
            after=after,
            seconds=seconds,
        )
        self.add(rule)
        return rule

    def add(self, rule: FaultRule) -> None:
        """Put a rule in force."""
        hits_left = rule.times if rule.rate is None else None
        self._armed.append(_ArmedRule(rule, hits_left))

    def clear(self) -> None:
        """Remove every fault."""
        self._armed.clear()

    def pick(self, action: str) -> FaultRule | None:
        """Return the fault for a request, using up a scripted hit; None to answer normally."""
        for armed in self._armed:
            rule = armed.rule
            if not rule.matches(action):
                continue
            if rule.rate is not None and self._rng.random() >= rule.rate:
                continue
            if armed.hits_left is not None:
                armed.hits_left -= 1
                if not armed.hits_left:
                    self._armed.remove(armed)
            return rule
        return None
