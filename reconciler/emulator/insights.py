"""Insights and actions: list, create, retrieve, update, soft delete (DELETE answers 405).

An insight is placed on dashboards through its ``dashboards`` field (PostHog marks it
deprecated in favour of the read-only ``dashboard_tiles``, and still uses it): ids added get a
tile, ids left out lose theirs. Action names are unique in a project among live actions.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator import clock, fields
from reconciler.emulator.dashboard_docs import (
    INSIGHT,
    KIND,
    add_tile,
    holders_of,
    insight_body,
    new_insight,
)
from reconciler.emulator.pagination import limit_offset
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.wire import Response, empty, not_found, ok, validation

ACTION = "action"
STEP_FIELDS = (
    "event", "properties", "selector", "tag_name", "text", "text_matching", "href",
    "href_matching", "url", "url_matching",
)
MATCHING = ("contains", "regex", "exact")


# -- insights -----------------------------------------------------------------------------------


def _insight(call: Call, *, include_deleted: bool = False) -> JSON:
    doc = call.owned(INSIGHT)
    if doc is None or (doc.get("deleted") and not include_deleted):
        raise not_found()
    return doc


def list_insights(call: Call) -> Response:
    docs = [d for d in call.store.all(INSIGHT, call.pid) if not d.get("deleted")]
    short_id = call.request.arg("short_id")
    if short_id:
        docs = [d for d in docs if d.get("short_id") == short_id]
    if call.request.arg("saved") == "true":
        docs = [d for d in docs if d.get("name") or d.get("saved")]
    docs.sort(key=lambda d: (str(d.get("updated_at") or ""), d["id"]), reverse=True)
    page = limit_offset(call.request, docs)
    holders = holders_of(call.store, call.pid, {d["id"] for d in page["results"]})
    page["results"] = [insight_body(call.store, d, holders[d["id"]]) for d in page["results"]]
    return ok(page)


def get_insight(call: Call) -> Response:
    return ok(insight_body(call.store, _insight(call)))


def _insight_values(call: Call, data: JSON) -> JSON:
    out: JSON = {}
    if "name" in data:
        out["name"] = fields.string(data["name"], "name", max_length=400, allow_null=True)
    if "description" in data:
        out["description"] = fields.string(data["description"], "description", allow_null=True)
    if "query" in data:
        query = data["query"]
        if query is not None and (not isinstance(query, dict) or "kind" not in query):
            raise validation("query must be a query node with a kind", attr="query")
        out["query"] = query
    if "tags" in data:
        out["tags"] = fields.tags(data["tags"])
    for name in ("deleted", "favorited"):
        if name in data:
            out[name] = fields.boolean(data[name], name)
    if "dashboards" in data:
        raw = data["dashboards"]
        if not isinstance(raw, list):
            raise validation('Expected a list of items but got type "str".', attr="dashboards")
        ids = [fields.integer(item, "dashboards") for item in raw]
        for board_id in ids:
            board = call.store.get(KIND, board_id or -1)
            if board is None or board.get("project_id") != call.pid or board.get("deleted"):
                raise validation(
                    f'Invalid pk "{board_id}" - object does not exist.',
                    attr="dashboards",
                    code="does_not_exist",
                )
        out["dashboards"] = list(dict.fromkeys(i for i in ids if i is not None))
    return out


def _place(call: Call, insight: JSON, dashboard_ids: list[int]) -> None:
    """Tiles for the dashboards listed, and none (soft-deleted) on the others."""
    for board in call.store.all(KIND, call.pid):
        tiles = [t for t in board.get("tiles", []) if t.get("insight") == insight["id"]]
        live = [t for t in tiles if not t.get("deleted")]
        if board["id"] in dashboard_ids and not live:
            revived = next(iter(tiles), None)
            if revived is not None:
                revived["deleted"] = False
            else:
                add_tile(call.store, board, insight_id=insight["id"])
            call.store.put(KIND, board)
        elif board["id"] not in dashboard_ids and live:
            for tile in live:
                tile["deleted"] = True
            call.store.put(KIND, board)


def create_insight(call: Call) -> Response:
    values = _insight_values(call, call.request.json_object())
    dashboard_ids = values.pop("dashboards", [])
    doc = new_insight(call.store, call.pid, call.user, values)
    _place(call, doc, dashboard_ids)
    return ok(insight_body(call.store, doc), 201)


def update_insight(call: Call) -> Response:
    data = call.request.json_object()
    doc = _insight(call, include_deleted=data.get("deleted") is False)
    values = _insight_values(call, data)
    dashboard_ids = values.pop("dashboards", None)
    doc.update(values)
    doc["updated_at"] = clock.now_iso()
    call.store.put(INSIGHT, doc)
    if dashboard_ids is not None:
        _place(call, doc, dashboard_ids)
    return ok(insight_body(call.store, doc))


def destroy(call: Call) -> Response:
    return empty(405)


# -- actions ------------------------------------------------------------------------------------


def action_body(call: Call, doc: JSON) -> JSON:
    from reconciler.emulator.users import user_basic

    creator = call.store.get("user", int(doc["created_by"])) if doc.get("created_by") else None
    return {
        "id": doc["id"],
        "name": doc.get("name"),
        "description": doc.get("description", ""),
        "tags": list(doc.get("tags", [])),
        "post_to_slack": doc.get("post_to_slack", False),
        "slack_message_format": doc.get("slack_message_format", ""),
        "steps": [_step_body(step) for step in doc.get("steps", [])],
        "created_at": doc["created_at"],
        "created_by": user_basic(creator) if creator else None,
        "deleted": doc.get("deleted", False),
        "is_calculating": False,
        "last_calculated_at": doc["created_at"],
        "team_id": doc["project_id"],
        "is_action": True,
        "bytecode_error": None,
        "pinned_at": doc.get("pinned_at"),
        "creation_context": None,
        "user_access_level": "editor",
    }


def _step_body(step: JSON) -> JSON:
    """A stored step as PostHog answers it, with the regex it derives from ``selector``."""
    selector = step.get("selector")
    return {**step, "selector_regex": re.escape(selector) if selector else None}


def _action(call: Call, *, include_deleted: bool = False) -> JSON:
    doc = call.owned(ACTION)
    if doc is None or (doc.get("deleted") and not include_deleted):
        raise not_found()
    return doc


def list_actions(call: Call) -> Response:
    docs = [d for d in call.store.all(ACTION, call.pid) if not d.get("deleted")]
    docs.sort(key=lambda d: (str(d.get("created_at") or ""), d["id"]), reverse=True)
    page = limit_offset(call.request, docs)
    page["results"] = [action_body(call, d) for d in page["results"]]
    return ok(page)


def get_action(call: Call) -> Response:
    return ok(action_body(call, _action(call)))


def _step(raw: Any) -> JSON:
    if not isinstance(raw, dict):
        raise validation("Each step must be an object.", attr="steps")
    step: JSON = {name: raw.get(name) for name in STEP_FIELDS}
    for name in ("url_matching", "text_matching", "href_matching"):
        if step[name] is not None:
            step[name] = fields.choice(step[name], name, MATCHING)
    if step["url_matching"] is None:
        step["url_matching"] = "contains"
    return step


def _action_values(call: Call, data: JSON, current: JSON | None) -> JSON:
    out: JSON = {}
    if "name" in data:
        out["name"] = fields.string(data["name"], "name", max_length=400, allow_null=True)
        taken = [
            a
            for a in call.store.all(ACTION, call.pid)
            if a.get("name") == out["name"]
            and not a.get("deleted")
            and (current is None or a["id"] != current["id"])
        ]
        if out["name"] and taken:
            raise validation(
                "This project already has an action with this name, "
                f"ID {taken[0]['id']}",
                attr="name",
                code="unique",
            )
    if "description" in data:
        out["description"] = fields.string(data["description"], "description")
    if "tags" in data:
        out["tags"] = fields.tags(data["tags"])
    if "steps" in data:
        if not isinstance(data["steps"], list):
            raise validation("Expected a list of items.", attr="steps")
        out["steps"] = [_step(step) for step in data["steps"]]
    if "deleted" in data:
        out["deleted"] = fields.boolean(data["deleted"], "deleted")
    return out


def create_action(call: Call) -> Response:
    values = _action_values(call, call.request.json_object(), None)
    doc: JSON = {
        "project_id": call.pid,
        "name": values.get("name"),
        "description": values.get("description", ""),
        "tags": values.get("tags", []),
        "steps": values.get("steps", []),
        "deleted": values.get("deleted", False),
        "created_at": clock.now_iso(),
        "created_by": call.user["id"],
    }
    call.store.insert(ACTION, doc, project_id=call.pid)
    return ok(action_body(call, doc), 201)


def update_action(call: Call) -> Response:
    data = call.request.json_object()
    doc = _action(call, include_deleted=data.get("deleted") is False)
    doc.update(_action_values(call, data, doc))
    call.store.put(ACTION, doc)
    return ok(action_body(call, doc))


# -- seeds --------------------------------------------------------------------------------------


def seed_insight(store: Store, raw: JSON, project_id: int) -> None:
    """An insight from a seed: its fields as PostHog stores them (``id`` kept when given)."""
    user = store.all("user")[0]
    new_insight(store, project_id, user, raw)


def seed_action(store: Store, raw: JSON, project_id: int) -> None:
    user = store.all("user")[0]
    doc: JSON = {
        "name": None,
        "description": "",
        "tags": [],
        "deleted": False,
        "created_at": clock.now_iso(),
        "created_by": user["id"],
        **raw,
        "project_id": project_id,
        "steps": [
            {**{name: None for name in STEP_FIELDS}, "url_matching": "contains", **step}
            for step in raw.get("steps") or []
        ],
    }
    store.insert(ACTION, doc, project_id=project_id)
