"""Edits of manifest files (the round-trip writer's :class:`Edit`), applied to plain values.

:func:`apply_edits` makes on a document's value the change the writer makes on its text, so
the planner can check what an edit means before any text is rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.manifests.roundtrip import REMOVE, Edit

__all__ = ["REMOVE", "Edit", "apply_edits"]


def apply_edits(data: Any, edits: Sequence[Edit]) -> Any:
    """``data`` (one document's plain value) with ``edits`` applied in order, each path read
    against the value as the earlier edits left it: a key missing from a mapping is added, an
    index equal to a list's length appends, :data:`REMOVE` deletes. ``data`` is not changed.

    The round-trip writer makes the same changes to a file's text; this is how pull checks
    what the text will mean before it is written. ValueError when a path leads nowhere."""
    out = _copy(data)
    for edit in edits:
        out = _apply(out, edit.path, edit.value)
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _apply(root: Any, path: tuple[str | int, ...], value: object) -> Any:
    if not path:
        if value is REMOVE:
            raise ValueError("cannot remove a whole document")
        return _copy(value)
    parent = root
    for part in path[:-1]:
        parent = _step(parent, part, path)
    last = path[-1]
    if isinstance(parent, dict) and isinstance(last, str):
        if value is REMOVE:
            if last not in parent:
                raise ValueError(f"no key {last!r} to remove at {path!r}")
            del parent[last]
        else:
            parent[last] = _copy(value)
    elif isinstance(parent, list) and isinstance(last, int) and 0 <= last <= len(parent):
        if value is REMOVE:
            if last == len(parent):
                raise ValueError(f"no item {last} to remove at {path!r}")
            del parent[last]
        elif last == len(parent):
            parent.append(_copy(value))
        else:
            parent[last] = _copy(value)
    else:
        raise ValueError(f"the path {path!r} leads nowhere")
    return root


def _step(node: Any, part: str | int, path: tuple[str | int, ...]) -> Any:
    if isinstance(node, dict) and isinstance(part, str) and part in node:
        return node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    raise ValueError(f"the path {path!r} leads nowhere")
