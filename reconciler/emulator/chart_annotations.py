"""Annotations (posthog-api.md section 5)."""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator import clock, fields
from reconciler.emulator.dashboard_docs import INSIGHT
from reconciler.emulator.dashboard_docs import KIND as DASHBOARD
from reconciler.emulator.pagination import limit_offset
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.users import user_basic
from reconciler.emulator.wire import Response, empty, not_found, ok, validation

KIND = "annotation"
SCOPES = ("dashboard_item", "dashboard", "project", "organization", "recording", "tag")
CREATION_TYPES = ("USR", "GIT")


def annotation_body(store: Store, doc: JSON) -> JSON:
    dashboard = store.get(DASHBOARD, doc["dashboard_id"]) if doc.get("dashboard_id") else None
    insight = store.get(INSIGHT, doc["dashboard_item"]) if doc.get("dashboard_item") else None
    user = store.get("user", doc["created_by"]) if doc.get("created_by") else None
    return {
        "id": doc["id"],
        "content": doc.get("content"),
        "date_marker": doc.get("date_marker"),
        "creation_type": doc.get("creation_type", "USR"),
        "dashboard_item": doc.get("dashboard_item"),
        "dashboard_id": doc.get("dashboard_id"),
        "dashboard_name": dashboard.get("name") if dashboard else None,
        "insight_short_id": insight.get("short_id") if insight else None,
        "insight_name": insight.get("name") if insight else None,
        "insight_derived_name": insight.get("derived_name") if insight else None,
        "created_by": user_basic(user),
        "created_at": doc.get("created_at"),
        "updated_at": doc.get("updated_at"),
        "deleted": doc.get("deleted", False),
        "scope": doc.get("scope", "dashboard_item"),
        "emoji": doc.get("emoji"),
        "hidden_in_user_interface": doc.get("hidden_in_user_interface", False),
    }


def _siblings(store: Store, project: JSON) -> set[int]:
    org = project["organization"]
    return {int(p["id"]) for p in store.all("project") if p["organization"] == org}


def _is_visible(
    store: Store, project: JSON, doc: JSON, include_deleted: bool, siblings: set[int] | None = None
) -> bool:
    """The project's own annotations, or organization-scoped ones of a sibling project;
    soft-deleted ones only when asked; never those on a soft-deleted dashboard or insight."""
    mine = doc.get("project_id") == project["id"]
    if not mine:
        sibling = doc.get("project_id") in (siblings or _siblings(store, project))
        if not (doc.get("scope") == "organization" and sibling):
            return False
    if doc.get("deleted") and not include_deleted:
        return False
    return not _parent_deleted(store, doc)


def _visible(store: Store, project: JSON, *, include_deleted: bool) -> list[JSON]:
    """The project's annotations plus organization-scoped ones of its organization."""
    siblings = _siblings(store, project)
    return [
        doc
        for doc in store.all(KIND)
        if _is_visible(store, project, doc, include_deleted, siblings)
    ]


def _parent_deleted(store: Store, doc: JSON) -> bool:
    for kind, key in ((DASHBOARD, "dashboard_id"), (INSIGHT, "dashboard_item")):
        if doc.get(key):
            parent = store.get(kind, int(doc[key]))
            if parent is not None and parent.get("deleted"):
                return True
    return False


def list_annotations(call: Call) -> Response:
    request = call.request
    docs = _visible(call.store, call.project or {}, include_deleted=False)
    search = request.arg("search")
    if search:
        for term in [t for t in re.split(r"[\s,]+", search) if t]:
            docs = [d for d in docs if term.lower() in str(d.get("content") or "").lower()]
    scope = request.arg("scope")
    if scope:
        scope = "dashboard_item" if scope == "insight" else scope
        if scope not in SCOPES:
            raise validation(f"Invalid scope: {scope}")
        docs = [d for d in docs if d.get("scope") == scope]
    start = _date_param(request.arg("date_from"), "date_from")
    end = _date_param(request.arg("date_to"), "date_to")
    if start and end and start > end:
        raise validation("Invalid date range: date_from must be before date_to")
    if start:
        docs = [
            d
            for d in docs
            if d.get("date_marker")
            and clock.parse(d["date_marker"])
            and clock.parse(d["date_marker"]) >= start
        ]
    if end:
        docs = [
            d
            for d in docs
            if d.get("date_marker")
            and clock.parse(d["date_marker"])
            and clock.parse(d["date_marker"]) <= end
        ]
    # Postgres puts NULLs first in a descending order.
    docs.sort(
        key=lambda d: (d.get("date_marker") is None, str(d.get("date_marker") or ""), d["id"]),
        reverse=True,
    )
    page = limit_offset(request, docs, default_limit=1000)
    page["results"] = [annotation_body(call.store, d) for d in page["results"]]
    return ok(page)


def _date_param(raw: str | None, name: str) -> Any:
    if not raw:
        return None
    parsed = clock.parse(raw)
    if parsed is None:
        raise validation(f"Invalid date range: {name} must be a valid ISO 8601 date")
    return parsed


def _get(call: Call, *, include_deleted: bool) -> JSON:
    doc = call.by_id(KIND)
    if doc is None or not _is_visible(call.store, call.project or {}, doc, include_deleted):
        raise not_found()
    return doc


def get_annotation(call: Call) -> Response:
    return ok(annotation_body(call.store, _get(call, include_deleted=False)))


def _validated(call: Call, data: JSON) -> JSON:
    out: JSON = {}
    if "content" in data:
        out["content"] = fields.string(data["content"], "content", max_length=400, allow_null=True)
    if "date_marker" in data:
        out["date_marker"] = fields.datetime_value(data["date_marker"], "date_marker")
    if "creation_type" in data:
        out["creation_type"] = fields.choice(data["creation_type"], "creation_type", CREATION_TYPES)
    if "dashboard_item" in data:
        item = data["dashboard_item"]
        if item is not None:
            insight = call.store.get(INSIGHT, fields.integer(item, "dashboard_item") or -1)
            if insight is None or insight.get("project_id") != call.pid:
                raise validation(
                    f'Invalid pk "{item}" - object does not exist.',
                    attr="dashboard_item",
                    code="does_not_exist",
                )
        out["dashboard_item"] = item
    if "dashboard_id" in data:
        out["dashboard_id"] = fields.integer(data["dashboard_id"], "dashboard_id", allow_null=True)
    if "deleted" in data:
        out["deleted"] = fields.boolean(data["deleted"], "deleted")
    if "scope" in data:
        out["scope"] = fields.choice(data["scope"], "scope", SCOPES)
    if "emoji" in data:  # [2026]: at most 16 characters, blank stored as null
        emoji = fields.string(data["emoji"], "emoji", max_length=16, allow_null=True)
        out["emoji"] = emoji or None
    if "hidden_in_user_interface" in data:
        out["hidden_in_user_interface"] = fields.boolean(
            data["hidden_in_user_interface"], "hidden_in_user_interface"
        )
    dashboard_id = out.get("dashboard_id")
    if dashboard_id is not None:
        board = call.store.get(DASHBOARD, dashboard_id)
        if board is None or board.get("project_id") != call.pid:
            raise validation("Dashboard not found.", attr="dashboard_id")
    if out.get("scope") == "recording":
        raise validation("Recording scope is deprecated")
    return out


def create_annotation(call: Call) -> Response:
    values = _validated(call, call.request.json_object())
    now = clock.now_iso()
    doc: JSON = {
        "project_id": call.pid,
        "content": values.get("content"),
        "date_marker": values.get("date_marker"),
        "creation_type": values.get("creation_type", "USR"),
        "dashboard_item": values.get("dashboard_item"),
        "dashboard_id": values.get("dashboard_id"),
        "deleted": values.get("deleted", False),
        "scope": values.get("scope", "dashboard_item"),
        "emoji": values.get("emoji"),
        "hidden_in_user_interface": values.get("hidden_in_user_interface", False),
        "created_by": call.user["id"],
        "created_at": now,
        "updated_at": now,
    }
    call.store.insert(KIND, doc, project_id=call.pid)
    return ok(annotation_body(call.store, doc), 201)


def update_annotation(call: Call) -> Response:
    doc = _get(call, include_deleted=call.request.method == "PATCH")
    values = _validated(call, call.request.json_object())
    doc.update(values)
    doc["updated_at"] = clock.now_iso()
    call.store.put(KIND, doc)
    return ok(annotation_body(call.store, doc))


def destroy_annotation(call: Call) -> Response:
    return empty(405)


def seed_annotation(store: Store, raw: JSON, project_id: int) -> None:
    user = store.all("user")[0]
    now = clock.now_iso()
    doc: JSON = {
        "content": None,
        "date_marker": None,
        "creation_type": "USR",
        "dashboard_item": None,
        "dashboard_id": None,
        "deleted": False,
        "scope": "project",
        "created_by": user["id"],
        "created_at": now,
        **raw,
    }
    doc.setdefault("updated_at", doc["created_at"])
    doc["project_id"] = project_id
    store.insert(KIND, doc, project_id=project_id)
