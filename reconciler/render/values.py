"""How renderers show one field value: compact JSON, cut when long."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from reconciler.diff import FieldChange
from reconciler.model import Action

if TYPE_CHECKING:
    from reconciler.plan import Change


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


def flatten(change: FieldChange, action: Action) -> list[FieldChange]:
    """A created or deleted field as leaf paths, so that nested values read line by line."""
    value = change.after if action is Action.CREATE else change.before
    leaves: list[FieldChange] = []

    def walk(path: str, node: Any) -> None:
        if isinstance(node, dict) and node:
            for key, item in node.items():
                walk(f"{path}.{key}", item)
        elif isinstance(node, list) and any(isinstance(item, dict | list) for item in node):
            for index, item in enumerate(node):
                walk(f"{path}[{index}]", item)
        elif node is not None:
            leaves.append(
                FieldChange(path, None, node)
                if action is Action.CREATE
                else FieldChange(path, node, None)
            )

    walk(change.path, value)
    return leaves


def lines_for(change_fields: tuple[FieldChange, ...], action: Action) -> list[FieldChange]:
    if action in (Action.CREATE, Action.DELETE):
        return [leaf for field in change_fields for leaf in flatten(field, action)]
    return list(change_fields)


def quiet_adopt(change: Change) -> bool:
    """An adoption that changes no field: only phsync's marker is written. Renderers show it
    in one line (and markdown folds such adoptions together)."""
    return (
        change.action is Action.ADOPT
        and not change.fields
        and not change.warnings
        and not change.last_change
    )


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


def last_change_text(last: dict[str, Any] | None) -> str | None:
    """``last changed by ana@example.com at 2026-11-20T10:02:11Z`` from an activity entry."""
    if not last:
        return None
    who = last.get("by") or "someone"
    return f"last {last.get('activity') or 'changed'} by {who} at {last.get('at')}"


def request_lines(change: Change) -> list[str]:
    """The PostHog change requests open on the change's object, in words."""
    lines = [
        f"awaiting approval in PostHog: {request.describe()}" for request in change.change_requests
    ]
    carried = change.carried_by_request
    if carried is not None:
        lines.append(
            f"change request {carried.short_id} already asks for this change: apply sends "
            "nothing; approve it in PostHog"
        )
    return lines


APPROVALS_NOTE = (
    "Some changes await approval in PostHog. Two steps: review the plan here; then an approver "
    "accepts each change request in PostHog (the links below), and PostHog applies it. Running "
    "apply again opens no second request."
)
