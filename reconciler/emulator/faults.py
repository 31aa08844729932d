"""Fault injection for ``/api/`` requests, repeatable from a seed.

Every request draws the same number of values from one ``random.Random`` in the same order,
so two emulators with the same seed and the same sequence of requests inject the same faults.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from reconciler.emulator.config import FaultConfig

ERROR_STATUSES = (500, 502, 503)


@dataclass(frozen=True)
class Decision:
    """What to do to one request."""

    latency_ms: int = 0
    drop_before: bool = False
    throttle: bool = False
    error_status: int | None = None
    drop_after: bool = False


class FaultInjector:
    """Turns a :class:`FaultConfig` into a :class:`Decision` per request."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._random = random.Random(config.seed)

    def decide(self) -> Decision:
        with self._lock:
            cfg = self.config
            if not cfg.active:
                return Decision()
            draws = [self._random.random() for _ in range(4)]
            status = ERROR_STATUSES[self._random.randrange(len(ERROR_STATUSES))]
        drop_before = draws[0] < cfg.drop_before_rate
        throttle = not drop_before and draws[1] < cfg.throttle_rate
        error = not (drop_before or throttle) and draws[2] < cfg.error_rate
        drop_after = not (drop_before or throttle or error) and draws[3] < cfg.drop_after_rate
        return Decision(
            latency_ms=cfg.latency_ms,
            drop_before=drop_before,
            throttle=throttle,
            error_status=status if error else None,
            drop_after=drop_after,
        )
