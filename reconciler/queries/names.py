"""Names of cohorts and flags for filters that hold their ids, read from PostHog when needed.

Only cosmetic: when PostHog refuses (a key without ``cohort:read``, a deleted flag) the id is
shown instead, so a name lookup never fails a query.
"""

from __future__ import annotations

import contextlib
from typing import Any

from reconciler.client import PostHogClient
from reconciler.errors import ApiError


class LiveNames:
    """Cohort names from one list pass on first need; flag keys one GET each; both kept."""

    def __init__(self, client: PostHogClient, *, flags: dict[int, str] | None = None) -> None:
        self._client = client
        self._cohorts: dict[int, str] | None = None
        self._flags: dict[int, str | None] = dict(flags or {})

    def cohort(self, cohort_id: int) -> str | None:
        if self._cohorts is None:
            self._cohorts = {}
            try:
                for raw in self._client.paginate(self._client.project_path("cohorts/")):
                    if raw.get("name"):
                        self._cohorts[int(raw["id"])] = str(raw["name"])
            except ApiError:
                pass
        return self._cohorts.get(cohort_id)

    def flag(self, flag_id: int) -> str | None:
        if flag_id not in self._flags:
            raw: Any = None
            with contextlib.suppress(ApiError):
                raw = self._client.get(self._client.project_path(f"feature_flags/{flag_id}/"))
            found = isinstance(raw, dict) and raw.get("key")
            self._flags[flag_id] = str(raw["key"]) if found else None
        return self._flags[flag_id]

    def remember_flag(self, flag_id: int, key: str) -> None:
        self._flags[flag_id] = key
