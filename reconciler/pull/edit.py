"""The edit of one value in one YAML document, as the round-trip writer takes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Final = _Remove()


@dataclass(frozen=True)
class Edit:
    """Set ``value`` at ``path`` (keys and list indexes from the root of YAML document
    ``document`` of a file), or delete what is there when ``value`` is :data:`REMOVE`."""

    document: int
    path: tuple[str | int, ...]
    value: object


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
