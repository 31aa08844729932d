"""Dashboards, their tiles, text tiles and insights (posthog-api.md section 4).

Tiles live inside the dashboard document; insights are their own kind so that one insight
can sit on several dashboards. Soft-deleted dashboards answer 404 to everything except a
PATCH whose body is exactly ``{"deleted": false}``.
"""

from __future__ import annotations

import secrets
from typing import Any

from reconciler.emulator import activity, clock, fields
from reconciler.emulator.pagination import limit_offset
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.users import user_basic
from reconciler.emulator.wire import Problem, Response, empty, not_found, ok, validation

KIND = "dashboard"
INSIGHT = "insight"
SCOPE = "Dashboard"
GENERATED_PREFIX = "Generated Dashboard: "
RESTRICTION_LEVELS = (21, 37)
TEMPLATES = ("DEFAULT_APP", "WEBSITE_TRAFFIC")
TEXT_LIMIT = 4000


# -- representation -----------------------------------------------------------------------------


def _user(store: Store, user_id: Any) -> JSON | None:
    return user_basic(store.get("user", int(user_id))) if user_id else None


def _holding(store: Store, project_id: int, insight_id: int) -> list[JSON]:
    """Dashboards that may hold a tile of this insight (pre-filtered on the stored JSON)."""
    return store.containing(KIND, project_id, f'"insight": {int(insight_id)}, ')


def insight_body(store: Store, insight: JSON) -> JSON:
    boards = [
        d
        for d in _holding(store, insight["project_id"], insight["id"])
        if any(
            t.get("insight") == insight["id"] and not t.get("deleted") for t in d.get("tiles", [])
        )
    ]
    return {
        "id": insight["id"],
        "short_id": insight["short_id"],
        "name": insight.get("name"),
        "derived_name": insight.get("derived_name"),
        "query": insight.get("query"),
        "order": None,
        "deleted": insight.get("deleted", False),
        "dashboards": [d["id"] for d in boards],
        "dashboard_tiles": [
            {"id": t["id"], "dashboard_id": d["id"], "deleted": bool(t.get("deleted"))}
            for d in boards
            for t in d.get("tiles", [])
            if t.get("insight") == insight["id"]
        ],
        "last_refresh": insight.get("last_refresh"),
        "cache_target_age": None,
        "next_allowed_client_refresh": None,
        "result": None,
        "hasMore": None,
        "columns": None,
        "created_at": insight["created_at"],
        "created_by": _user(store, insight.get("created_by")),
        "description": insight.get("description", ""),
        "updated_at": insight.get("updated_at", insight["created_at"]),
        "tags": list(insight.get("tags", [])),
        "favorited": insight.get("favorited", False),
        "last_modified_at": insight.get("updated_at", insight["created_at"]),
        "last_modified_by": _user(store, insight.get("created_by")),
        "is_sample": False,
        "effective_restriction_level": 21,
        "effective_privilege_level": 37,
        "user_access_level": "editor",
        "timezone": "UTC",
        "is_cached": False,
        "query_status": None,
        "hogql": None,
        "types": None,
        "alerts": [],
        "last_viewed_at": None,
    }


def _tile_body(store: Store, dashboard: JSON, tile: JSON, order: int) -> JSON:
    insight = store.get(INSIGHT, tile["insight"]) if tile.get("insight") else None
    insight_json = insight_body(store, insight) if insight else None
    text = tile.get("text")
    text_json = None
    if text:
        text_json = {
            "id": text["id"],
            "body": text.get("body"),
            "created_by": _user(store, text.get("created_by")),
            "last_modified_at": text.get("last_modified_at"),
            "last_modified_by": _user(store, text.get("last_modified_by")),
            "team": dashboard["project_id"],
        }
    return {
        "id": tile["id"],
        "insight": insight_json,
        "text": text_json,
        "layouts": tile.get("layouts") or {},
        "color": tile.get("color"),
        "filters_overrides": tile.get("filters_overrides") or {},
        "show_description": tile.get("show_description"),
        "order": order,
        "last_refresh": insight_json.get("last_refresh") if insight_json else None,
        "is_cached": False,
    }


def _layout_key(tile: JSON) -> tuple[int, int]:
    small = (tile.get("layouts") or {}).get("sm") or {}
    return int(small.get("y", 100)), int(small.get("x", 100))


def basic_body(store: Store, dashboard: JSON) -> JSON:
    """``DashboardBasic``: the list item, without tiles."""
    level = int(dashboard.get("restriction_level", 21))
    return {
        "id": dashboard["id"],
        "name": dashboard.get("name"),
        "description": dashboard.get("description", ""),
        "pinned": dashboard.get("pinned", False),
        "created_at": dashboard["created_at"],
        "created_by": _user(store, dashboard.get("created_by")),
        "last_accessed_at": dashboard.get("last_accessed_at"),
        "last_viewed_at": dashboard.get("last_viewed_at"),
        "is_shared": dashboard.get("is_shared", False),
        "deleted": dashboard.get("deleted", False),
        "creation_mode": dashboard.get("creation_mode", "default"),
        "tags": list(dashboard.get("tags", [])),
        "restriction_level": level,
        "effective_restriction_level": level,
        "effective_privilege_level": 37,
        "user_access_level": "editor",
        "access_control_version": "v1" if level > 21 else "v2",
        "last_refresh": dashboard.get("last_refresh"),
        "team_id": dashboard["project_id"],
    }


def full_body(store: Store, dashboard: JSON) -> JSON:
    """``Dashboard``: the detail object with tiles sorted by their ``sm`` layout."""
    body = basic_body(store, dashboard)
    tiles = sorted((t for t in dashboard.get("tiles", []) if not t.get("deleted")), key=_layout_key)
    filters = dashboard.get("filters") or {}
    variables = dashboard.get("variables") or {}
    body.update(
        {
            "filters": filters,
            "variables": variables,
            "breakdown_colors": dashboard.get("breakdown_colors", []),
            "data_color_theme_id": dashboard.get("data_color_theme_id"),
            "persisted_filters": filters or None,
            "persisted_variables": variables or None,
            "tiles": [_tile_body(store, dashboard, t, i) for i, t in enumerate(tiles)],
        }
    )
    return body


# -- helpers used by other resources --------------------------------------------------------------


def new_insight(store: Store, project_id: int, user: JSON | None, raw: JSON) -> JSON:
    now = clock.now_iso()
    doc: JSON = {
        "project_id": project_id,
        "short_id": raw.get("short_id") or secrets.token_urlsafe(6)[:8],
        "name": raw.get("name"),
        "derived_name": raw.get("derived_name"),
        "description": raw.get("description", ""),
        "query": raw.get("query"),
        "tags": fields.tags(raw.get("tags", [])),
        "favorited": raw.get("favorited", False),
        "deleted": raw.get("deleted", False),
        "created_at": raw.get("created_at", now),
        "updated_at": raw.get("updated_at", raw.get("created_at", now)),
        "last_refresh": raw.get("last_refresh"),
        "created_by": user["id"] if user else None,
    }
    if isinstance(raw.get("id"), int):
        doc["id"] = raw["id"]
    return store.insert(INSIGHT, doc, project_id=project_id)


def new_dashboard(store: Store, project_id: int, user: JSON | None, values: JSON) -> JSON:
    now = clock.now_iso()
    doc: JSON = {
        "project_id": project_id,
        "name": values.get("name"),
        "description": values.get("description", ""),
        "pinned": values.get("pinned", False),
        "deleted": values.get("deleted", False),
        "tags": values.get("tags", []),
        "restriction_level": values.get("restriction_level", 21),
        "creation_mode": values.get("creation_mode", "default"),
        "filters": values.get("filters") or {},
        "variables": values.get("variables") or {},
        "breakdown_colors": values.get("breakdown_colors", []),
        "data_color_theme_id": values.get("data_color_theme_id"),
        "created_at": values.get("created_at", now),
        "created_by": user["id"] if user else None,
        "last_accessed_at": values.get("last_accessed_at"),
        "last_viewed_at": None,
        "last_refresh": values.get("last_refresh"),
        "is_shared": False,
        "tiles": [],
    }
    if isinstance(values.get("id"), int):
        doc["id"] = values["id"]
    return store.insert(KIND, doc, project_id=project_id)


def add_tile(
    store: Store,
    dashboard: JSON,
    *,
    insight_id: int | None = None,
    body: str | None = None,
    user: JSON | None = None,
    layouts: JSON | None = None,
    color: str | None = None,
) -> JSON:
    tile: JSON = {
        "id": store.next_id("dashboard_tile"),
        "insight": insight_id,
        "text": None,
        "layouts": layouts or {},
        "color": color,
        "filters_overrides": {},
        "show_description": None,
        "deleted": False,
    }
    if body is not None:
        tile["text"] = {
            "id": store.next_id("text"),
            "body": body,
            "created_by": user["id"] if user else None,
            "last_modified_at": clock.now_iso(),
            "last_modified_by": None,
        }
    dashboard.setdefault("tiles", []).append(tile)
    return tile


def create_usage_dashboard(store: Store, project_id: int, user: JSON, key: str) -> JSON:
    """[2025]: every new flag gets ``Generated Dashboard: <key> Usage`` (creation_mode template)."""
    board = new_dashboard(
        store,
        project_id,
        user,
        {
            "name": f"{GENERATED_PREFIX}{key} Usage",
            "description": f"This dashboard was generated by the feature flag with key ({key})",
            "creation_mode": "template",
        },
    )
    for index, title in enumerate(("Flag calls", "Unique users per variant")):
        insight = new_insight(
            store,
            project_id,
            user,
            {
                "name": f"Feature Flag {title}",
                "query": {
                    "kind": "InsightVizNode",
                    "source": {
                        "kind": "TrendsQuery",
                        "series": [
                            {
                                "kind": "EventsNode",
                                "event": "$feature_flag_called",
                                "math": "total" if index == 0 else "dau",
                            }
                        ],
                        "properties": [
                            {
                                "key": "$feature_flag",
                                "type": "event",
                                "value": key,
                                "operator": "exact",
                            }
                        ],
                        "breakdownFilter": {
                            "breakdown": "$feature_flag_response",
                            "breakdown_type": "event",
                        },
                    },
                },
            },
        )
        add_tile(
            store,
            board,
            insight_id=insight["id"],
            layouts={"sm": {"x": 6 * index, "y": 0, "w": 6, "h": 5, "minW": 3, "minH": 3}},
        )
    store.put(KIND, board)
    return board


def rename_usage_dashboard(store: Store, dashboard_id: int, old_key: str, new_key: str) -> None:
    board = store.get(KIND, dashboard_id)
    if board is None:
        return
    if board.get("name") == f"{GENERATED_PREFIX}{old_key} Usage":
        board["name"] = f"{GENERATED_PREFIX}{new_key} Usage"
        board["description"] = (
            f"This dashboard was generated by the feature flag with key ({new_key})"
        )
        store.put(KIND, board)


# -- handlers -----------------------------------------------------------------------------------


def _get(call: Call, *, include_deleted: bool = False) -> JSON:
    try:
        board = call.store.get(KIND, int(call.params["id"]))
    except ValueError:
        board = None
    if board is None or board.get("project_id") != call.pid:
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
        for b in _holding(store, board["project_id"], insight_id)
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
