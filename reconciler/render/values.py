"""How renderers show one field value: compact JSON, cut when long."""

from __future__ import annotations

import json
from typing import Any

from reconciler.diff import FieldChange
from reconciler.model import Action


def compact(value: Any, limit: int | None = 120) -> str:
    if value is None:
        return "(none)"
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def describe(change: FieldChange, action: Action, limit: int | None = 120) -> str:
    """``path: before → after`` (or only the value, for creates and deletes)."""
    if action is Action.CREATE:
        return f"{change.path}: {compact(change.after, limit)}"
    if action is Action.DELETE:
        return f"{change.path}: {compact(change.before, limit)}"
    return f"{change.path}: {compact(change.before, limit)} → {compact(change.after, limit)}"


SYMBOLS = {Action.CREATE: "+", Action.ADOPT: "⇐", Action.UPDATE: "~", Action.DELETE: "-"}


def summary_line(counts: dict[str, int]) -> str:
    parts = [
        f"{counts.get('create', 0)} to create",
        f"{counts.get('update', 0)} to update",
        f"{counts.get('delete', 0)} to delete",
    ]
    if counts.get("adopt"):
        parts.insert(1, f"{counts['adopt']} to adopt")
    return ", ".join(parts)
