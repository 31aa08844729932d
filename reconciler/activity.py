"""Who last changed a live object, from PostHog's activity log."""

from __future__ import annotations

from reconciler.errors import ApiError
from reconciler.live import ApiClient
from reconciler.resources import REGISTRY


def last_change(client: ApiClient, kind: str, object_id: int) -> dict[str, object] | None:
    """The newest entry of PostHog's activity log for one object, or None.

    Flags and cohorts have their own activity endpoint; other kinds are looked up in the
    project-wide log by scope (PostHog's scope names are the kind names) and item id.
    """
    if kind in ("FeatureFlag", "Cohort"):
        path = client.project_path(f"{REGISTRY[kind].collection}/{object_id}/activity/")
        params: dict[str, object] = {"limit": 1}
    else:
        path = client.project_path("activity_log/")
        params = {"scope": kind, "item_id": object_id, "limit": 1}
    try:
        page = client.request("GET", path, params=params)
    except ApiError:
        return None
    entries = (page or {}).get("results") or []
    if not entries:
        return None
    entry = entries[0]
    user = entry.get("user") or {}
    return {
        "by": user.get("email") or " ".join(
            p for p in (user.get("first_name"), user.get("last_name")) if p
        ) or None,
        "at": entry.get("created_at"),
        "activity": entry.get("activity"),
    }
