"""The rule for a dashboard's tiles that its JSON Schema cannot say well; pure."""

from __future__ import annotations

from reconciler.errors import Issue
from reconciler.model import Manifest


def dashboard_tiles(manifest: Manifest) -> list[Issue]:
    """Each tile is a text tile or an insight tile: exactly one of ``text`` and ``insight``."""
    tiles = manifest.spec.get("tiles")
    issues: list[Issue] = []
    for index, tile in enumerate(tiles if isinstance(tiles, list) else []):
        if not isinstance(tile, dict):
            continue
        given = [field for field in ("text", "insight") if field in tile]
        if len(given) == 1:
            continue
        where = manifest.where(("tiles", index))
        message = (
            "a tile has both 'text' and 'insight'"
            if given
            else "a tile needs 'text' (markdown) or 'insight' (an Insight's name)"
        )
        issues.append(
            Issue(
                where.file,
                where.line,
                where.column,
                message,
                f"tiles[{index}]",
                "split it into a text tile and an insight tile" if given else "add one of them",
            )
        )
    return issues
