"""Dashboards: identity ``name``; ownership marked by the tag ``managed-by-phsync``.

phsync manages a dashboard's name, description, pinned state, tags and its tiles, in order:
text tiles (``{text: MARKDOWN}``) and insight tiles (``{insight: NAME}``). PostHog's dashboard
list leaves tiles out, so phsync reads one dashboard in full only when its manifest declares
``tiles``. A tile's ``color`` and ``layouts`` are compared only when the manifest gives them.

PostHog places an insight on a dashboard through the insight's ``dashboards`` field; a
dashboard PATCH only moves, colours or removes an insight tile that is there. So apply first
places the insights a manifest adds (:func:`insights_to_place`), then writes the tiles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler import paths
from reconciler.items import pair
from reconciler.resources.base import (
    Directory,
    Json,
    LiveObject,
    content_hash,
    mark_tags,
    tagged_managed,
    user_tags,
    with_marker,
)
from reconciler.resources.labels import TILES, dashboard_lists

kind = "Dashboard"
collection = "dashboards"
# The kinds whose ids a live object holds and its canonical form names.
refers_to: tuple[str, ...] = ("Insight",)
_SCALARS = ("name", "description", "pinned")


def identity(spec: Mapping[str, Json]) -> str:
    return str(spec["name"])


display_name = identity


is_managed = tagged_managed


def version(raw: Mapping[str, Json], spec: Mapping[str, Json]) -> str:
    return content_hash([spec, is_managed(raw)])


def _shown(tile: Mapping[str, Any]) -> bool:
    insight = tile.get("insight")
    if tile.get("deleted"):
        return False
    return bool(tile.get("text")) or (isinstance(insight, Mapping) and not insight.get("deleted"))


def text_tiles(raw: Mapping[str, Json]) -> list[dict[str, Any]]:
    """The live tiles, text and insight, in PostHog's display order (by the ``sm`` layout's
    y, then x)."""
    tiles = [tile for tile in raw.get("tiles") or [] if _shown(tile)]

    def position(tile: Mapping[str, Any]) -> tuple[int, int, int]:
        small = (tile.get("layouts") or {}).get("sm") or {}
        return (small.get("y", 0), small.get("x", 0), tile.get("id") or 0)

    return sorted(tiles, key=position)


def _tile(tile: Mapping[str, Json]) -> dict[str, Json]:
    out: dict[str, Json]
    if tile.get("insight") is not None:
        out = {"insight": tile["insight"]}
    else:
        out = {"text": tile.get("text") or ""}
    if tile.get("color") is not None:
        out["color"] = tile["color"]
    if tile.get("layouts"):
        out["layouts"] = tile["layouts"]
    return out


def _canonical(spec: Mapping[str, Json]) -> dict[str, Json]:
    out: dict[str, Json] = {"name": spec["name"]}
    if "description" in spec:
        out["description"] = str(spec["description"] or "").strip()  # as PostHog stores it
    if "pinned" in spec:
        out["pinned"] = bool(spec["pinned"])
    if "tags" in spec:
        out["tags"] = user_tags(spec["tags"])
    if "tiles" in spec:
        out["tiles"] = [_tile(tile) for tile in spec["tiles"] or []]
    return out


canonical = _canonical


def from_live(raw: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    spec: dict[str, Json] = {field: raw.get(field) for field in _SCALARS}
    spec["tags"] = raw.get("tags") or []
    if "tiles" in raw:
        spec["tiles"] = [
            {
                **_content(tile, directory),
                "color": tile.get("color"),
                "layouts": tile.get("layouts"),
            }
            for tile in text_tiles(raw)
        ]
    return _canonical(spec)


def _content(tile: Mapping[str, Any], directory: Directory) -> dict[str, Any]:
    """A live tile's ``{text: BODY}`` or ``{insight: NAME}``."""
    insight = tile.get("insight")
    if isinstance(insight, Mapping):
        return {"insight": directory.name_of("Insight", insight.get("id"))}
    return {"text": (tile.get("text") or {}).get("body") or ""}


list_rule = dashboard_lists


def pair_tiles(want: list[Any], have: list[Any]) -> dict[int, int]:
    """Desired tile index -> live tile index: the same text first, then the rest in order, as
    the diff pairs them."""
    return {after: before for before, after in pair(TILES, have, want).pairs}


def align(desired: Mapping[str, Json], live: dict[str, Json]) -> dict[str, Json]:
    """Compare a tile's color and layouts only where the manifest gives them."""
    want = desired.get("tiles")
    have = live.get("tiles")
    if not isinstance(want, list) or not isinstance(have, list):
        return live
    models = {before: want[after] for after, before in pair_tiles(want, have).items()}
    aligned = []
    for index, tile in enumerate(have):
        model: dict[str, Any] = models.get(index, {"text": None, "insight": None})
        kept = {key: value for key, value in tile.items() if key in model}
        if "layouts" in kept and isinstance(model.get("layouts"), dict):
            have_layouts: dict[str, Any] = kept["layouts"] or {}
            kept["layouts"] = {
                size: {k: v for k, v in (have_layouts.get(size) or {}).items() if k in box}
                for size, box in model["layouts"].items()
            }
        aligned.append(kept)
    return {**live, "tiles": aligned}


def insights_to_place(
    spec: Mapping[str, Json], live_raw: Mapping[str, Json] | None, directory: Directory
) -> list[str]:
    """The insights the manifest's tiles hold that the live dashboard does not show yet."""
    shown = {
        _content(tile, directory).get("insight") for tile in text_tiles(live_raw or {})
    }
    wanted = [tile["insight"] for tile in spec.get("tiles") or [] if "insight" in tile]
    return [name for name in dict.fromkeys(wanted) if name not in shown]


def _tiles_patch(
    spec: Mapping[str, Json], live_raw: Mapping[str, Json] | None, directory: Directory
) -> list[Json]:
    """Each desired tile written over the live tile the diff paired it with, new text tiles
    after them (new insight tiles are placed beforehand: see :func:`insights_to_place`).
    PostHog orders tiles by their layouts, then by age: when that would not give the
    manifest's order (text tiles reordered, or a new one before old ones), each desired text
    tile is written over the live text tile at its position instead, which realises the
    order; insight tiles keep their place and follow their layouts."""
    existing = text_tiles(live_raw or {})
    want = spec.get("tiles") or []
    have = [_content(tile, directory) for tile in existing]
    pairing = pair(TILES, have, want)
    slots = {
        after: before
        for before, after in pairing.pairs
        if ("insight" in want[after]) == ("insight" in have[before])
    }
    texts = [index for index, tile in enumerate(want) if "insight" not in tile]
    new = [index for index in texts if index not in slots]
    text_slots = {index: slots[index] for index in texts if index in slots}
    moved = list(text_slots.values()) != sorted(text_slots.values())
    if moved or (new and text_slots and min(new) < max(text_slots)):
        # Each desired text tile over the live text tile of the same rank among text tiles.
        live_texts = [index for index, tile in enumerate(have) if "insight" not in tile]
        slots = {i: s for i, s in slots.items() if "insight" in want[i]}
        slots.update(dict(zip(texts, live_texts, strict=False)))
    patch: list[Json] = []
    entry: dict[str, Json]
    for index, tile in enumerate(want):
        if "insight" in tile:
            if index in slots:
                entry = {"id": existing[slots[index]]["id"]}
                entry.update({k: tile[k] for k in ("color", "layouts") if k in tile})
                patch.append(entry)
            continue
        entry = {"text": {"body": tile["text"]}}
        for optional in ("color", "layouts"):
            if optional in tile:
                entry[optional] = tile[optional]
        if index in slots:
            live_tile = existing[slots[index]]
            entry["id"] = live_tile["id"]
            text_id = (live_tile.get("text") or {}).get("id")
            if text_id is not None:
                entry["text"] = {"id": text_id, "body": tile["text"]}
        patch.append(entry)
    kept = set(slots.values())
    patch.extend(
        {"id": tile["id"], "deleted": True} for i, tile in enumerate(existing) if i not in kept
    )
    return patch


def _body(spec: Mapping[str, Json], fields: frozenset[str]) -> dict[str, Json]:
    return {field: spec[field] for field in _SCALARS if field in fields and field in spec}


def create_body(spec: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    body = _body(spec, frozenset(spec))
    body["tags"] = with_marker(spec.get("tags"))
    return body


def create_followup(
    spec: Mapping[str, Json], created: Mapping[str, Json]
) -> dict[str, Json] | None:
    """Tiles can only be added once the dashboard exists: the PATCH that adds them (a new
    dashboard has no tiles, so no names need resolving)."""
    if not spec.get("tiles"):
        return None
    return {"tiles": _tiles_patch(spec, created, Directory())}


def update_body(
    spec: Mapping[str, Json],
    fields: frozenset[str],
    live: LiveObject,
    directory: Directory,
    ignore: tuple[paths.Path, ...] = (),
) -> dict[str, Json]:
    body = _body(spec, fields)
    mark_tags(body, spec, fields, live)
    if "tiles" in fields:
        body["tiles"] = _tiles_patch(spec, live.raw, directory)
    return body
