"""Request counters for the control API: totals by route template, status and rate class."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """Counts every ``/api/`` request, refused ones included."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._by_route: Counter[str] = Counter()
            self._by_status: Counter[str] = Counter()
            self._by_class: Counter[str] = Counter()

    def record(self, route: str, status: int | str, rate_class: str | None) -> None:
        with self._lock:
            self._total += 1
            self._by_route[route] += 1
            self._by_status[str(status)] += 1
            self._by_class[rate_class or "none"] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self._total,
                "by_route": dict(sorted(self._by_route.items())),
                "by_status": dict(sorted(self._by_status.items())),
                "by_class": dict(sorted(self._by_class.items())),
            }
