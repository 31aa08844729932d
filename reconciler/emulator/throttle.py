"""Rate limiting like DRF's ``SimpleRateThrottle``: a history of timestamps per key and rate.

Each class (``crud``, ``analytics``) has one or more rates (PostHog: a burst per minute and a
sustained rate per hour). A request is refused when any rate's window is full; the wait is
computed the DRF way and rounded up to whole seconds for ``Retry-After``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping

from reconciler.emulator.config import Rate


class Throttle:
    """Sliding-window request histories, bucketed per (key, class, rate)."""

    def __init__(
        self,
        rates: Mapping[str, tuple[Rate, ...]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rates = dict(rates)
        self._clock = clock
        self._history: dict[tuple[str, str, Rate], list[float]] = {}
        self._lock = threading.Lock()

    def check(self, bucket: str, rate_class: str | None) -> int | None:
        """Record an allowed request and return None, or return the seconds to wait."""
        if rate_class is None:
            return None
        waits: list[float] = []
        with self._lock:
            now = self._clock()
            for rate in self.rates.get(rate_class, ()):
                history = self._history.setdefault((bucket, rate_class, rate), [])
                while history and history[-1] <= now - rate.seconds:
                    history.pop()
                if len(history) >= rate.count:
                    remaining = rate.seconds - (now - history[-1]) if history else rate.seconds
                    available = rate.count - len(history) + 1
                    if available > 0:
                        waits.append(remaining / available)
                    else:
                        waits.append(remaining)
                else:
                    history.insert(0, now)
        if not waits:
            return None
        return max(1, math.ceil(max(waits)))

    def reset(self) -> None:
        with self._lock:
            self._history.clear()


def throttled_detail(wait: int) -> str:
    unit = "second" if wait == 1 else "seconds"
    return f"Request was throttled. Expected available in {wait} {unit}."
