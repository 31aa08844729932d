"""Dashboards, read-only: `phsync dashboards list|get NAME` (with their tiles).

PostHog's dashboard list leaves tiles out; `get` reads the one dashboard in full. A dashboard
is named by its name or by ``#ID``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from reconciler.client import PostHogClient, ProgressCallback
from reconciler.errors import NotFoundError
from reconciler.queries.common import (
    ambiguous,
    exact_matches,
    id_ref,
    not_found,
    page_size_for,
    suggestion,
    text,
)
from reconciler.resources.base import MARKER_TAG

GENERATED_PREFIX = "Generated Dashboard: "


@dataclass(frozen=True)
class Tile:
    """One tile: an insight (by name) or a text (its markdown)."""

    id: int | None
    kind: str
    title: str
    text: str | None
    insight_id: int | None
    insight_short_id: str | None
    color: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Dashboard:
    """A dashboard as phsync shows it; ``tiles`` only from `get`."""

    id: int
    name: str | None
    description: str | None
    pinned: bool
    tags: tuple[str, ...]
    managed: bool
    generated: bool
    created_by: str | None
    created_at: str | None
    tiles: tuple[Tile, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        data["tiles"] = None if self.tiles is None else [t.to_dict() for t in self.tiles]
        return data


def _position(tile: Mapping[str, Any]) -> tuple[int, int]:
    layouts = tile.get("layouts") if isinstance(tile.get("layouts"), Mapping) else {}
    small = (layouts or {}).get("sm") or {}
    return (int(small.get("y", 0) or 0), int(small.get("x", 0) or 0))


def summarise_tile(raw: Mapping[str, Any]) -> Tile:
    insight = raw.get("insight") if isinstance(raw.get("insight"), Mapping) else None
    body = raw.get("text") if isinstance(raw.get("text"), Mapping) else None
    color = text(raw.get("color"))
    tile_id = raw.get("id") if isinstance(raw.get("id"), int) else None
    if insight is not None:
        title = (
            text(insight.get("name"))
            or text(insight.get("derived_name"))
            or f"insight {insight.get('short_id') or insight.get('id')}"
        )
        return Tile(
            id=tile_id,
            kind="insight",
            title=title,
            text=None,
            insight_id=insight.get("id") if isinstance(insight.get("id"), int) else None,
            insight_short_id=text(insight.get("short_id")),
            color=color,
        )
    if body is not None:
        content = str(body.get("body") or "")
        first = next((line.strip() for line in content.splitlines() if line.strip()), "")
        return Tile(
            id=tile_id,
            kind="text",
            title=first,
            text=content,
            insight_id=None,
            insight_short_id=None,
            color=color,
        )
    return Tile(tile_id, "other", "", None, None, None, color)


def summarise_dashboard(raw: Mapping[str, Any], *, with_tiles: bool = False) -> Dashboard:
    tags = tuple(str(t) for t in raw.get("tags") or [])
    created_by = raw.get("created_by") if isinstance(raw.get("created_by"), dict) else {}
    tiles = None
    if with_tiles:
        live = [
            t for t in raw.get("tiles") or [] if isinstance(t, Mapping) and not t.get("deleted")
        ]
        tiles = tuple(summarise_tile(t) for t in sorted(live, key=_position))
    name = text(raw.get("name"))
    return Dashboard(
        id=int(raw["id"]),
        name=name,
        description=text(raw.get("description")),
        pinned=bool(raw.get("pinned")),
        tags=tags,
        managed=MARKER_TAG in tags,
        generated=(name or "").startswith(GENERATED_PREFIX),
        created_by=text((created_by or {}).get("email")),
        created_at=text(raw.get("created_at")),
        tiles=tiles,
    )


def iter_dashboards(
    client: PostHogClient,
    *,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[Dashboard]:
    """The project's dashboards (pinned first, then by name, as PostHog orders them)."""
    path = client.project_path("dashboards/")
    for raw in client.paginate(path, page_size=page_size_for(limit, path), progress=progress):
        yield summarise_dashboard(raw)


def find_dashboard_id(client: PostHogClient, name: str, *, command: str = "dashboards get") -> int:
    """The id of the dashboard named ``name`` (or ``#ID``).

    Dashboards are matched on the full list (PostHog documents no name search for them).
    """
    number = id_ref(name)
    if number is not None:
        return number
    path = client.project_path("dashboards/")
    found = list(client.paginate(path))
    matches = exact_matches(found, "name", name)
    if len(matches) == 1:
        return int(matches[0]["id"])
    if len(matches) > 1:
        raise ambiguous("dashboard", name, [int(m["id"]) for m in matches], command=command)
    close = suggestion(name, [str(d.get("name")) for d in found if d.get("name")])
    raise not_found(
        f"no dashboard named {name!r}{close}",
        url=path,
        hint="`phsync dashboards list` shows every dashboard",
    )


def get_dashboard(client: PostHogClient, name: str) -> Dashboard:
    """One dashboard, read in full for its tiles."""
    dashboard_id = find_dashboard_id(client, name)
    path = client.project_path(f"dashboards/{dashboard_id}/")
    try:
        raw = client.get(path)
    except NotFoundError:
        raise not_found(f"no dashboard #{dashboard_id} (deleted?)", url=path) from None
    return summarise_dashboard(raw, with_tiles=True)
