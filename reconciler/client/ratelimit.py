"""A client-side request budget, so that phsync paces itself under PostHog's rate limits.

PostHog throttles personal-API-key requests with sliding windows: a request is refused (429) when
the key already made ``N`` requests of the same class within the last ``period`` seconds. The
budget mirrors that rule exactly: it remembers when each request was sent and, before the next
one, waits until every window of the request's class has room. A token bucket would not do: it
lets a full burst through and then refills, which a sliding window counts as over the limit.

One budget is shared by every thread of a process that uses one key; it is thread-safe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

CRUD = "crud"
ANALYTICS = "analytics"
LOUD_WAIT = 10.0  # waits at least this long are logged as warnings, shorter ones at debug level


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` requests within any ``period`` seconds."""

    requests: int
    period: float

    def __str__(self) -> str:
        units = {60.0: "min", 3600.0: "h", 1.0: "s"}
        unit = units.get(self.period)
        return f"{self.requests}/{unit}" if unit else f"{self.requests}/{self.period:g}s"


POSTHOG_LIMITS: Mapping[str, tuple[RateLimit, ...]] = {
    # BurstRateThrottle and SustainedRateThrottle: every CRUD endpoint (flags, cohorts,
    # dashboards, annotations, projects, users).
    CRUD: (RateLimit(480, 60.0), RateLimit(4800, 3600.0)),
    # ClickHouse throttles: persons, session recordings, queries and other analytics.
    ANALYTICS: (RateLimit(240, 60.0), RateLimit(1200, 3600.0)),
}


class RateBudget:
    """Sliding-window request budget per rate class, shared by threads.

    ``margin`` widens each window by a little, since PostHog stamps a request when it arrives,
    a moment after phsync stamped it here.
    """

    def __init__(
        self,
        limits: Mapping[str, Sequence[RateLimit]] = POSTHOG_LIMITS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = 1.0,
    ) -> None:
        for name, rules in limits.items():
            if not rules or any(rule.requests < 1 or rule.period <= 0 for rule in rules):
                raise ValueError(f"rate class {name!r} needs limits of at least 1 request")
        self._limits = {name: tuple(rules) for name, rules in limits.items()}
        self._sent: dict[str, deque[float]] = {name: deque() for name in limits}
        self._clock = clock
        self._sleep = sleep
        self._margin = margin
        self._lock = threading.Lock()

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self._limits)

    def limits(self, rate_class: str) -> tuple[RateLimit, ...]:
        return self._limits[self._known(rate_class)]

    def acquire(self, rate_class: str) -> float:
        """Wait until a request of ``rate_class`` fits every window, record it, return the wait."""
        self._known(rate_class)
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                delay = self._delay(rate_class, now)
                if delay <= 0:
                    self._sent[rate_class].append(now)
                    return waited
            self._announce(rate_class, delay)
            self._sleep(delay)
            waited += delay

    def delay(self, rate_class: str) -> float:
        """Seconds until a request of ``rate_class`` would fit, without taking a slot."""
        self._known(rate_class)
        with self._lock:
            return max(0.0, self._delay(rate_class, self._clock()))

    def _known(self, rate_class: str) -> str:
        if rate_class not in self._limits:
            known = ", ".join(sorted(self._limits))
            raise ValueError(f"unknown rate class {rate_class!r} (known: {known})")
        return rate_class

    def _delay(self, rate_class: str, now: float) -> float:
        """Seconds until the oldest request that fills a full window leaves it (caller locks)."""
        sent = self._sent[rate_class]
        rules = self._limits[rate_class]
        horizon = max(rule.period for rule in rules) + self._margin
        while sent and sent[0] <= now - horizon:
            sent.popleft()
        delay = 0.0
        for rule in rules:
            window = rule.period + self._margin
            if len(sent) >= rule.requests:
                oldest_counted = sent[len(sent) - rule.requests]
                if oldest_counted > now - window:
                    delay = max(delay, oldest_counted + window - now)
        return delay

    def _announce(self, rate_class: str, delay: float) -> None:
        rules = ", ".join(str(rule) for rule in self._limits[rate_class])
        level = logging.WARNING if delay >= LOUD_WAIT else logging.DEBUG
        log.log(
            level,
            "pausing %.1f s to stay within PostHog's rate limit for %s requests (%s)",
            delay,
            rate_class,
            rules,
        )


ANALYTICS_SEGMENTS = frozenset({"persons", "session_recordings", "query"})


def rate_class_for(path: str) -> str:
    """The PostHog throttle that a path falls under: analytics for ClickHouse-backed reads.

    Persons, session recordings, queries and saved-endpoint runs are throttled by PostHog's
    ClickHouse limits; everything else by the CRUD limits. When unsure, analytics is the safe
    guess: its budget is the smaller one.
    """
    segments = [part for part in path.split("?", 1)[0].split("/") if part]
    if ANALYTICS_SEGMENTS.intersection(segments) or segments[-1:] == ["run"]:
        return ANALYTICS
    return CRUD
