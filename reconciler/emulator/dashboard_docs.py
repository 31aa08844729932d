"""Dashboard, tile, text and insight documents, and how PostHog serializes them.

Tiles live inside the dashboard document; insights are their own kind so that one insight
can sit on several dashboards. Used by the dashboard views and by flags (usage dashboards).
"""

from __future__ import annotations

import secrets
from typing import Any

from reconciler.emulator import clock, fields
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.users import user_basic

KIND = "dashboard"
INSIGHT = "insight"
SCOPE = "Dashboard"
GENERATED_PREFIX = "Generated Dashboard: "


# -- representation -----------------------------------------------------------------------------


def _user(store: Store, user_id: Any) -> JSON | None:
    return user_basic(store.get("user", int(user_id))) if user_id else None


def holding(store: Store, project_id: int, insight_id: int) -> list[JSON]:
    """Dashboards that may hold a tile of this insight (pre-filtered on the stored JSON)."""
    return store.containing(KIND, project_id, f'"insight": {int(insight_id)}, ')


def _holds(board: JSON, insight_id: int) -> bool:
    tiles = board.get("tiles", [])
    return any(t.get("insight") == insight_id and not t.get("deleted") for t in tiles)


def holders_of(store: Store, project_id: int, insight_ids: set[int]) -> dict[int, list[JSON]]:
    """The dashboards holding a live tile of each of ``insight_ids``, from one read of the
    project's dashboards (a list page asks this for a thousand insights at once)."""
    found: dict[int, list[JSON]] = {i: [] for i in insight_ids}
    for board in store.all(KIND, project_id):
        for insight_id in {t.get("insight") for t in board.get("tiles", [])} & insight_ids:
            if _holds(board, insight_id):
                found[insight_id].append(board)
    return found


def insight_body(store: Store, insight: JSON, boards: list[JSON] | None = None) -> JSON:
    """An insight as PostHog serializes it; ``boards`` are the dashboards holding it when the
    caller has found them already (see :func:`holders_of`)."""
    if boards is None:
        boards = [
            d
            for d in holding(store, insight["project_id"], insight["id"])
            if _holds(d, insight["id"])
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
        "resolved_date_range": None,
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
