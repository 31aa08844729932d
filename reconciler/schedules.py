"""PostHog's scheduled changes on managed flags, and the warnings they earn in a plan; pure.

PostHog can change a flag later by itself (a schedule: switch it on or off, add a release
condition, replace its variants; once, or every day / week / month / year). A pending schedule
that will move a managed flag away from its manifest is drift waiting to happen: the plan warns
about each one, and the ``forbid_scheduled_changes`` policy makes that a failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.model import ResourceKey, Violation

RULE = "forbid_scheduled_changes"
_VERBS = {
    "add_release_condition": "add a release condition to",
    "update_variants": "replace the variants of",
}


@dataclass(frozen=True)
class Schedule:
    """One pending scheduled change of a flag."""

    id: int
    flag_id: int
    operation: str
    value: Any
    scheduled_at: str
    interval: str | None = None
    by: str | None = None

    def verb(self) -> str:
        if self.operation == "update_status":
            return "enable" if self.value else "disable"
        return _VERBS.get(self.operation, f"apply {self.operation} to")

    def describe(self, flag_key: str) -> str:
        """``PostHog will disable new-checkout at 2026-12-10 09:00 UTC (scheduled by …)``."""
        repeat = f", then every {_period(self.interval)}" if self.interval else ""
        by = f" (scheduled by {self.by})" if self.by else ""
        return f"PostHog will {self.verb()} {flag_key} at {when(self.scheduled_at)}{repeat}{by}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "value": self.value,
            "scheduled_at": self.scheduled_at,
            "recurrence_interval": self.interval,
            "created_by": self.by,
        }


def _period(interval: str) -> str:
    return {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}.get(
        interval, interval
    )


def when(moment: str) -> str:
    """A schedule's time to the minute, in UTC (a plan reads the same on every machine)."""
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return moment
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def from_api(raw: Mapping[str, Any]) -> Schedule | None:
    """A pending flag schedule from PostHog's ``ScheduledChange`` body (None: done, failed,
    or not about a flag)."""
    if raw.get("model_name") != "FeatureFlag" or raw.get("executed_at"):
        return None
    payload = raw.get("payload") or {}
    record = str(raw.get("record_id") or "")
    if not isinstance(payload, Mapping) or not record.isdigit() or not raw.get("scheduled_at"):
        return None
    creator = raw.get("created_by")
    return Schedule(
        id=int(raw.get("id") or 0),
        flag_id=int(record),
        operation=str(payload.get("operation") or ""),
        value=payload.get("value"),
        scheduled_at=str(raw["scheduled_at"]),
        interval=raw.get("recurrence_interval") if raw.get("is_recurring") else None,
        by=str(creator.get("email")) if isinstance(creator, Mapping) else None,
    )


def _variants(value: Any) -> list[tuple[Any, Any]]:
    items = value if isinstance(value, list) else []
    return [
        (v.get("key"), v.get("rollout_percentage")) for v in items if isinstance(v, Mapping)
    ]


def moves_away(schedule: Schedule, desired: Mapping[str, Any]) -> bool:
    """Whether running ``schedule`` would leave the flag unlike its manifest's ``desired``."""
    if schedule.operation == "update_status":
        return bool(schedule.value) != bool(desired.get("active", True))
    if "filters" not in desired:
        return False  # the manifest leaves the conditions to PostHog
    value = schedule.value if isinstance(schedule.value, Mapping) else {}
    if schedule.operation == "add_release_condition":
        return bool(value.get("groups"))
    if schedule.operation == "update_variants":
        filters = desired.get("filters") or {}
        declared = ((filters.get("multivariate") or {}) if isinstance(filters, Mapping) else {})
        return _variants(value.get("variants")) != _variants(declared.get("variants"))
    return True


def violations(
    schedules: Iterable[Schedule],
    flags: Mapping[int, tuple[str, Mapping[str, Any]]],
    *,
    forbid: bool,
) -> list[Violation]:
    """One warning (an error under ``forbid``) per pending schedule that would move a managed
    flag away from its manifest; ``flags`` maps a live flag id to its key and desired spec."""
    found = []
    for schedule in sorted(schedules, key=lambda s: (s.scheduled_at, s.id)):
        if schedule.flag_id not in flags:
            continue
        key, desired = flags[schedule.flag_id]
        if not moves_away(schedule, desired):
            continue
        found.append(
            Violation(
                RULE,
                ResourceKey("FeatureFlag", key),
                schedule.describe(key),
                "remove or change the schedule in PostHog (the flag's Schedule tab), or "
                "declare in the manifest the state it sets",
                level="error" if forbid else "warning",
            )
        )
    return found
