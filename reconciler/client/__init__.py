"""phsync's PostHog REST API client.

:class:`PostHogClient` sends every request; :class:`RateBudget` paces them under PostHog's rate
limits; :class:`RetryPolicy` bounds retries; pagination helpers read PostHog's list envelopes.
Failures are raised as :mod:`reconciler.errors` exceptions; ``requests``' own never leave here.
"""

from __future__ import annotations

from reconciler.client.http import PostHogClient
from reconciler.client.pagination import PageProgress, ProgressCallback, default_page_size
from reconciler.client.ratelimit import (
    ANALYTICS,
    CRUD,
    POSTHOG_LIMITS,
    RateBudget,
    RateLimit,
    rate_class_for,
)
from reconciler.client.retry import RetryPolicy

__all__ = [
    "ANALYTICS",
    "CRUD",
    "POSTHOG_LIMITS",
    "PageProgress",
    "PostHogClient",
    "ProgressCallback",
    "RateBudget",
    "RateLimit",
    "RetryPolicy",
    "default_page_size",
    "rate_class_for",
]
