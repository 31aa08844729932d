"""Stale flags: live flags that look finished and that nobody has touched for a while.

A flag looks finished when it is off, or released to everyone (a condition with no
properties at 100 %), or when a multivariate flag serves a single variant at 100 %. It is
stale when it looks finished and has not changed for ``days`` days (the newest of PostHog's
``updated_at`` and its activity log), or when PostHog last saw it evaluated (``last_called_at``)
more than ``days`` days ago. A flag PostHog has no ``last_called_at`` for is not judged on it:
not every PostHog records it.

:func:`classify` is pure (the caller gives the time and the activity); :func:`stale_flags`
reads the project.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from reconciler.activity import last_change
from reconciler.client import PostHogClient
from reconciler.model import Manifest

MAX_ACTIVITY_LOOKUPS = 200


@dataclass(frozen=True)
class StaleFlag:
    key: str
    id: int
    state: str  # "off", "released to everyone", "variant X for everyone", or "" (in progress)
    reasons: tuple[str, ...]
    last_changed: str | None
    last_called_at: str | None
    owner: str | None
    manifest: str | None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reasons": list(self.reasons)}


def _parse(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.now().astimezone().tzinfo)


def finished_state(raw: Mapping[str, Any]) -> str:
    """How a live flag looks finished ("" when it does not)."""
    if not raw.get("active", True):
        return "off"
    filters = raw.get("filters") or {}
    variants = ((filters.get("multivariate") or {}).get("variants")) or []
    if variants:
        full = [v for v in variants if float(v.get("rollout_percentage") or 0) >= 100]
        return f"variant {full[0].get('key')} for everyone" if len(full) == 1 else ""
    for group in filters.get("groups") or []:
        rollout = group.get("rollout_percentage")
        if not group.get("properties") and (rollout is None or float(rollout) >= 100):
            return "released to everyone"
    return ""


def _days(delta: timedelta) -> int:
    return max(0, delta.days)


def classify(
    raw: Mapping[str, Any],
    now: datetime,
    days: int,
    activity_at: str | None = None,
    manifest: Manifest | None = None,
) -> StaleFlag | None:
    """The flag as a stale one, or None when it is not."""
    state = finished_state(raw)
    reasons: list[str] = []
    changed = max(
        (m for m in (_parse(raw.get("updated_at")), _parse(activity_at)) if m is not None),
        default=_parse(raw.get("created_at")),
    )
    if state and changed is not None and now - changed >= timedelta(days=days):
        reasons.append(f"{state}, unchanged for {_days(now - changed)} days")
    called = _parse(raw.get("last_called_at"))
    if called is not None and now - called >= timedelta(days=days):
        reasons.append(f"not called for {_days(now - called)} days")
    if not reasons:
        return None
    return StaleFlag(
        key=str(raw.get("key")),
        id=int(raw["id"]),
        state=state,
        reasons=tuple(reasons),
        last_changed=changed.isoformat() if changed else None,
        last_called_at=raw.get("last_called_at"),
        owner=manifest.owner if manifest else None,
        manifest=str(manifest.location) if manifest else None,
    )


def stale_flags(
    client: PostHogClient,
    days: int,
    manifests: Iterable[Manifest] = (),
    *,
    now: datetime | None = None,
    activity: Callable[[int], str | None] | None = None,
) -> list[StaleFlag]:
    """The project's stale flags, oldest change first. The activity log is read only for the
    flags that look finished and whose ``updated_at`` is old enough (at most
    :data:`MAX_ACTIVITY_LOOKUPS`): a newer entry there means the flag did change."""
    moment = now or datetime.now().astimezone()
    declared = {m.name: m for m in manifests if m.kind == "FeatureFlag"}
    look_up = activity or (lambda flag_id: _activity_at(client, flag_id))
    found: list[StaleFlag] = []
    lookups = 0
    for raw in client.paginate(client.project_path("feature_flags/")):
        if raw.get("deleted"):
            continue
        manifest = declared.get(str(raw.get("key")))
        candidate = classify(raw, moment, days, None, manifest)
        if candidate is None:
            continue
        if candidate.state and lookups < MAX_ACTIVITY_LOOKUPS:
            lookups += 1
            candidate = classify(raw, moment, days, look_up(int(raw["id"])), manifest)
            if candidate is None:
                continue
        found.append(candidate)
    return sorted(found, key=lambda flag: (flag.last_changed or "", flag.key))


def _activity_at(client: PostHogClient, flag_id: int) -> str | None:
    entry = last_change(client, "FeatureFlag", flag_id)
    at = entry.get("at") if entry else None
    return at if isinstance(at, str) else None
