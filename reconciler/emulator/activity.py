"""The activity log PostHog keeps for flags, cohorts and dashboards (posthog-api.md 1.8)."""

from __future__ import annotations

import uuid
from typing import Any

from reconciler.emulator import clock
from reconciler.emulator.pagination import activity_page
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.wire import Response, not_found, ok

TYPES = {
    "FeatureFlag": "feature_flag",
    "Cohort": "cohort",
    "Dashboard": "dashboard",
    "Person": "person",
}
# Fields PostHog leaves out of change lists (timestamps and bookkeeping).
_IGNORED = {
    "id",
    "_pk",
    "created_at",
    "updated_at",
    "created_by",
    "last_modified_by",
    "version",
    "last_accessed_at",
    "last_calculation",
    "is_calculating",
    "count",
}


def changes(scope: str, before: JSON | None, after: JSON | None) -> list[JSON]:
    """``[{type, action, field, before, after}]`` between two stored documents."""
    if before is None or after is None:
        return []
    result: list[JSON] = []
    for field in sorted(set(before) | set(after)):
        if field in _IGNORED or field.startswith("_"):
            continue
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        action = "created" if old is None else "deleted" if new is None else "changed"
        result.append(
            {"type": scope, "action": action, "field": field, "before": old, "after": new}
        )
    return result


def record(
    store: Store,
    *,
    project_id: int,
    user: JSON,
    scope: str,
    item_id: Any,
    activity: str,
    name: str | None,
    change_list: list[JSON] | None = None,
) -> None:
    org = store.get("project", project_id)
    store.insert(
        "activity",
        {
            "uuid": str(uuid.uuid4()),
            "user": {
                "first_name": user.get("first_name", ""),
                "last_name": user.get("last_name", ""),
                "email": user["email"],
            },
            "unread": False,
            "organization_id": org["organization"] if org else None,
            "was_impersonated": False,
            "is_system": False,
            "activity": activity,
            "item_id": str(item_id),
            "scope": scope,
            "lookup": f"{scope}:{item_id}",
            # PostHog serialises its Detail dataclass with nulls; the OpenAPI schema wants
            # strings and lists, which is what clients are written against, so give those.
            "detail": {
                "id": str(item_id),
                "changes": change_list or [],
                "name": name or "",
                "short_id": "",
                "type": TYPES.get(scope, ""),
            },
            "created_at": clock.now_iso(),
        },
        project_id=project_id,
    )


def _body(entry: JSON) -> JSON:
    body = {k: v for k, v in entry.items() if k not in ("id", "uuid", "_pk")}
    return {"id": entry["uuid"], **body}


def entries(
    store: Store, project_id: int, *, scope: str | None = None, item_id: Any = None
) -> list[JSON]:
    if scope is not None and item_id is not None:
        found = store.by_lookup("activity", project_id, f"{scope}:{item_id}")
    else:
        found = [
            e
            for e in store.all("activity", project_id)
            if (scope is None or e["scope"] == scope)
            and (item_id is None or e["item_id"] == str(item_id))
        ]
    found.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)
    return [_body(e) for e in found]


def list_for_scope(call: Call, scope: str, kind: str | None = None) -> Response:
    """``…/<resource>/activity/`` or ``…/<resource>/{id}/activity/``."""
    item_id = call.params.get("id")
    if item_id is not None and kind is not None:
        try:
            found = call.store.get(kind, int(item_id))
        except ValueError:
            found = None
        if found is None or found.get("project_id") not in (None, call.pid):
            raise not_found()
    return ok(
        activity_page(call.request, entries(call.store, call.pid, scope=scope, item_id=item_id))
    )


def project_log(call: Call) -> Response:
    """``GET /api/projects/{pid}/activity_log/``: every scope, newest first."""
    scope = call.request.arg("scope")
    item_id = call.request.arg("item_id")
    found = entries(call.store, call.pid, scope=scope, item_id=item_id)
    return ok(activity_page(call.request, found))
