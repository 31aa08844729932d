"""Dashboards and the PATCH ``tiles`` protocol (posthog-api.md section 4).

Soft-deleted dashboards answer 404 to everything except a PATCH whose body is exactly
``{"deleted": false}``.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator import activity, clock, fields
from reconciler.emulator.dashboard_docs import (
    GENERATED_PREFIX,
    INSIGHT,
    KIND,
    SCOPE,
    add_tile,
    basic_body,
    full_body,
    holding,
    new_dashboard,
    new_insight,
)
from reconciler.emulator.pagination import limit_offset
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.wire import Problem, Response, empty, not_found, ok, validation

RESTRICTION_LEVELS = (21, 37)
TEMPLATES = ("DEFAULT_APP", "WEBSITE_TRAFFIC")
TEXT_LIMIT = 4000


# -- handlers -----------------------------------------------------------------------------------


def _get(call: Call, *, include_deleted: bool = False) -> JSON:
    board = call.owned(KIND)
    if board is None:
        raise not_found()
    if board.get("deleted") and not include_deleted:
        raise not_found()
    return board


def list_dashboards(call: Call) -> Response:
    boards = [b for b in call.store.all(KIND, call.pid) if not b.get("deleted")]
    if call.request.arg("exclude_generated") == "true":
        boards = [b for b in boards if not str(b.get("name") or "").startswith(GENERATED_PREFIX)]
    wanted = call.request.args("tags")
    if wanted:
        boards = [b for b in boards if set(b.get("tags", [])) & set(wanted)]
    boards.sort(
        key=lambda b: (
            not b.get("pinned"),
            b.get("name") is None,
            str(b.get("name") or ""),
            b["id"],
        )
    )
    page = limit_offset(call.request, boards)
    page["results"] = [basic_body(call.store, b) for b in page["results"]]
    return ok(page)


def get_dashboard(call: Call) -> Response:
    board = _get(call)
    board["last_accessed_at"] = clock.now_iso()
    call.store.put(KIND, board)
    return ok(full_body(call.store, board))


def _validated(data: JSON) -> JSON:
    out: JSON = {}
    if "name" in data:
        out["name"] = fields.string(data["name"], "name", max_length=400, allow_null=True)
    if "description" in data:
        out["description"] = fields.string(data["description"], "description")
    for name in ("pinned", "deleted"):
        if name in data:
            out[name] = fields.boolean(data[name], name)
    if "filters" in data and data["filters"] is not None and not isinstance(data["filters"], dict):
        raise validation("Filters must be a dictionary", attr="filters")
    if (
        "variables" in data
        and data["variables"] is not None
        and not isinstance(data["variables"], dict)
    ):
        raise validation("Variables must be a dictionary", attr="variables")
    if "breakdown_colors" in data:
        out["breakdown_colors"] = data["breakdown_colors"]
    if "data_color_theme_id" in data:
        out["data_color_theme_id"] = fields.integer(
            data["data_color_theme_id"], "data_color_theme_id", allow_null=True
        )
    if "tags" in data:
        out["tags"] = fields.tags(data["tags"])
    if "restriction_level" in data:
        out["restriction_level"] = fields.integer(
            fields.choice(data["restriction_level"], "restriction_level", RESTRICTION_LEVELS),
            "restriction_level",
        )
    if "use_template" in data:
        out["use_template"] = fields.string(data["use_template"], "use_template")
    if "use_dashboard" in data:
        out["use_dashboard"] = fields.integer(
            data["use_dashboard"], "use_dashboard", allow_null=True
        )
    if "delete_insights" in data:
        out["delete_insights"] = fields.boolean(data["delete_insights"], "delete_insights")
    if out.get("use_dashboard") and out.get("use_template"):
        raise validation("`use_dashboard` and `use_template` cannot be used together")
    return out


def create_dashboard(call: Call) -> Response:
    data = call.request.json_object()
    values = _validated(data)
    store, pid, user = call.store, call.pid, call.user
    template = values.pop("use_template", None)
    source_id = values.pop("use_dashboard", None)
    values.pop("delete_insights", None)
    values["creation_mode"] = "template" if template else "duplicate" if source_id else "default"
    if data.get("filters"):
        values["filters"] = data["filters"]
    board = new_dashboard(store, pid, user, values)
    if template:
        if template not in TEMPLATES:
            raise validation(f"Invalid template provided: {template}", attr="use_template")
        add_tile(
            store,
            board,
            body=f"# {template.replace('_', ' ').title()}",
            user=user,
            layouts={"sm": {"x": 0, "y": 0, "w": 12, "h": 1}},
        )
    elif source_id:
        source = store.get(KIND, int(source_id))
        if source is None or source.get("project_id") != pid:
            raise validation("Invalid value provided", attr="use_dashboard")
        for tile in source.get("tiles", []):
            if tile.get("deleted"):
                continue
            body = tile["text"]["body"] if tile.get("text") else None
            add_tile(
                store,
                board,
                insight_id=tile.get("insight"),
                body=body,
                user=user,
                layouts=tile.get("layouts"),
                color=tile.get("color"),
            )
    store.put(KIND, board)
    activity.record(
        store,
        project_id=pid,
        user=user,
        scope=SCOPE,
        item_id=board["id"],
        activity="created",
        name=board.get("name"),
    )
    return ok(full_body(store, board), 201)


def update_dashboard(call: Call) -> Response:
    data = call.request.json_object()
    restoring = call.request.method == "PATCH" and data == {"deleted": False}
    board = _get(call, include_deleted=restoring)
    values = _validated(data)
    store, pid, user = call.store, call.pid, call.user
    before = {k: v for k, v in board.items() if k != "tiles"}
    values.pop("use_template", None)
    values.pop("use_dashboard", None)
    delete_insights = values.pop("delete_insights", False)
    if board.get("deleted") and values.get("deleted") is False:
        for tile in board.get("tiles", []):
            tile["deleted"] = False
            _set_insight_deleted(store, tile.get("insight"), False)
    if values.get("deleted"):
        for tile in board.get("tiles", []):
            tile["deleted"] = True
            if (
                delete_insights
                and tile.get("insight")
                and _only_here(store, board, tile["insight"])
            ):
                _set_insight_deleted(store, tile["insight"], True)
    if data.get("filters"):
        board["filters"] = data["filters"]
    if data.get("variables"):
        board["variables"] = data["variables"]
    board.update(values)
    tiles = data.get("tiles") or []
    if not isinstance(tiles, list):
        raise Problem(500, "server_error", "error", "A server error occurred.")
    for tile_data in tiles:
        if isinstance(tile_data, dict):
            _update_tile(store, board, tile_data, user)
    store.put(KIND, board)
    after = {k: v for k, v in board.items() if k != "tiles"}
    deleted_now = board.get("deleted") and not before.get("deleted")
    activity.record(
        store,
        project_id=pid,
        user=user,
        scope=SCOPE,
        item_id=board["id"],
        activity="deleted" if deleted_now else "updated",
        name=board.get("name"),
        change_list=activity.changes(SCOPE, before, after),
    )
    return ok(full_body(store, board))


def _only_here(store: Store, board: JSON, insight_id: int) -> bool:
    others = [
        b
        for b in holding(store, board["project_id"], insight_id)
        if b["id"] != board["id"]
        and any(t.get("insight") == insight_id for t in b.get("tiles", []))
    ]
    return not others


def _set_insight_deleted(store: Store, insight_id: Any, deleted: bool) -> None:
    if not insight_id:
        return
    insight = store.get(INSIGHT, int(insight_id))
    if insight is not None:
        insight["deleted"] = deleted
        store.put(INSIGHT, insight)


def _update_tile(store: Store, board: JSON, tile_data: JSON, user: JSON) -> None:
    """One element of PATCH ``tiles`` (posthog-api.md 4.4); unlisted tiles are untouched."""
    tiles = board.setdefault("tiles", [])
    existing = next((t for t in tiles if t["id"] == tile_data.get("id")), None)
    text_data = tile_data.get("text")
    if text_data:
        if not isinstance(text_data, dict):
            raise validation("Invalid data.", attr="text")
        body = (
            fields.string(text_data.get("body"), "text__body", allow_null=True, trim=False)
            if "body" in text_data
            else None
        )
        if body is not None and len(body) > TEXT_LIMIT:
            raise validation(
                "Text body cannot exceed 4000 characters", attr="text__body", code="max_length"
            )
        if existing is None:
            existing = add_tile(store, board, body=body or "", user=user)
        text = existing.get("text") or {"id": store.next_id("text"), "created_by": user["id"]}
        if text_data.get("id") not in (None, text.get("id")):
            text = {"id": text_data["id"], "created_by": user["id"]}
        text["body"] = body
        text["last_modified_at"] = clock.now_iso()
        text["last_modified_by"] = user["id"] if text.get("created_by") != user["id"] else None
        existing["text"] = text
        _apply_tile_fields(existing, tile_data)
    elif existing is not None and any(
        k in tile_data for k in ("deleted", "color", "layouts", "filters_overrides")
    ):
        _apply_tile_fields(existing, tile_data)


def _apply_tile_fields(tile: JSON, tile_data: JSON) -> None:
    for name in ("deleted", "color", "layouts", "filters_overrides", "show_description"):
        if name in tile_data:
            tile[name] = tile_data[name]
    if tile.get("deleted") is None:
        tile["deleted"] = False


def destroy_dashboard(call: Call) -> Response:
    return empty(405)


def seed_dashboard(store: Store, raw: JSON, project_id: int) -> None:
    """A dashboard from a seed; ``tiles`` hold ``{"insight": {...}}`` or ``{"text": "..."}``."""
    user = store.all("user")[0]
    tiles = raw.pop("tiles", [])
    values = dict(raw)
    values["tags"] = fields.tags(values.get("tags", []))
    board = new_dashboard(store, project_id, user, values)
    for tile in tiles:
        layouts = tile.get("layouts")
        if "insight" in tile:
            insight = new_insight(store, project_id, user, tile["insight"])
            add_tile(
                store, board, insight_id=insight["id"], layouts=layouts, color=tile.get("color")
            )
        elif "text" in tile:
            add_tile(
                store,
                board,
                body=str(tile["text"]),
                user=user,
                layouts=layouts,
                color=tile.get("color"),
            )
    store.put(KIND, board)
