"""When phsync tries a request again, and how long it waits first. Pure; no I/O.

What is retried, by failure (idempotent methods are GET, HEAD, OPTIONS, PUT, PATCH, DELETE):

- 429 Too Many Requests: every method, after waiting the full ``Retry-After``;
- connection never made (DNS failure, refused, connect timeout): every method, with backoff;
- sent, then no answer (read timeout, dropped connection): idempotent methods, with backoff;
  a POST raises ``TransportError(ambiguous=True)``;
- 5xx: idempotent methods, with backoff; a POST raises ``ServerError`` at once;
- TLS failures and every other 4xx: never.

A POST creates something; sent twice it may create two. So a POST is retried only when PostHog
certainly did not act on it: it refused it with 429 before running the view, or the connection
was never opened. A POST that may have reached PostHog and got no answer raises
``TransportError(ambiguous=True)``; the caller looks the object up before trying again. Callers
can mark a POST that only reads (a query, running a saved endpoint) ``idempotent=True``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENT_METHODS = SAFE_METHODS | {"PUT", "PATCH", "DELETE"}
RETRIED_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard phsync tries.

    ``attempts`` bounds tries (the first included) after 5xx answers and connection failures;
    ``max_rate_wait`` bounds the total seconds spent waiting out 429 answers for one request.
    Backoff doubles from ``base_delay`` up to ``max_delay``, times a random factor within
    ``1 ± jitter``.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.2
    max_rate_wait: float = 300.0

    def backoff(self, retry: int, rand: float) -> float:
        """Seconds before retry number ``retry`` (1 for the first); ``rand`` is in [0, 1)."""
        delay = min(self.max_delay, self.base_delay * 2.0 ** max(0, retry - 1))
        return max(0.0, delay * (1 + self.jitter * (2 * rand - 1)))


def is_idempotent(method: str, idempotent: bool | None = None) -> bool:
    """Whether sending ``method`` twice is as good as once (``idempotent`` overrides)."""
    return idempotent if idempotent is not None else method.upper() in IDEMPOTENT_METHODS


def is_write(method: str) -> bool:
    return method.upper() not in SAFE_METHODS


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date); None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)


THROTTLE_DETAIL = re.compile(r"available in (\d+(?:\.\d+)?) second", re.IGNORECASE)


def retry_after_from_detail(body_text: str) -> float | None:
    """PostHog's throttle message ("Expected available in 37 seconds."), for a 429 whose
    ``Retry-After`` header a proxy dropped."""
    match = THROTTLE_DETAIL.search(body_text)
    return float(match.group(1)) if match else None
