"""Field paths such as ``filters.groups[0].rollout_percentage`` and ``filters.groups[*].variant``.

A path is parsed into a tuple of parts: field names (str) and list indexes (int), with ``*``
standing for any index. Pure functions only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

Part = str | int
Path = tuple[Part, ...]
WILDCARD = "*"

_TOKEN = re.compile(r"\[(\d+|\*)\]|\.?([^.\[\]]+)")


def parse(text: str) -> Path:
    """``a.b[0].c`` -> ("a", "b", 0, "c"); ``a[*]`` -> ("a", "*")."""
    parts: list[Part] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(f"cannot read the field path {text!r} at {text[pos:]!r}")
        index, name = match.groups()
        if index is not None:
            parts.append(WILDCARD if index == WILDCARD else int(index))
        else:
            parts.append(name)
        pos = match.end()
    if not parts:
        raise ValueError("empty field path")
    return tuple(parts)


def render(path: Iterable[Part]) -> str:
    """The inverse of :func:`parse`."""
    out = ""
    for part in path:
        if isinstance(part, int) or part == WILDCARD and out:
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def matches(pattern: Path, path: Path) -> bool:
    """True when ``path`` is ``pattern`` or lies below it (``*`` matches any list index)."""
    if len(path) < len(pattern):
        return False
    for want, got in zip(pattern, path, strict=False):
        if want == WILDCARD and isinstance(got, int):
            continue
        if want != got:
            return False
    return True


def is_ignored(path: Path, patterns: Iterable[Path]) -> bool:
    return any(matches(pattern, path) for pattern in patterns)


def expand(pattern: Path, data: Any) -> Iterator[Path]:
    """Concrete paths in ``data`` that ``pattern`` names (wildcards expanded)."""

    def walk(prefix: Path, rest: Path, node: Any) -> Iterator[Path]:
        if not rest:
            yield prefix
            return
        head, tail = rest[0], rest[1:]
        if head == WILDCARD:
            if isinstance(node, list):
                for index, item in enumerate(node):
                    yield from walk((*prefix, index), tail, item)
        elif isinstance(head, int):
            if isinstance(node, list) and head < len(node):
                yield from walk((*prefix, head), tail, node[head])
        elif isinstance(node, dict) and head in node:
            yield from walk((*prefix, head), tail, node[head])

    yield from walk((), pattern, data)


_MISSING = object()


def _has(node: Any, part: Part) -> bool:
    if isinstance(part, int):
        return isinstance(node, list) and part < len(node)
    return isinstance(node, dict) and part in node


def get(data: Any, path: Path, default: Any = _MISSING) -> Any:
    node = data
    for part in path:
        if _has(node, part):
            node = node[part]
        elif default is _MISSING:
            raise KeyError(render(path))
        else:
            return default
    return node


def put(data: Any, path: Path, value: Any) -> bool:
    """Set ``value`` at ``path`` inside ``data`` when the parent exists; True when it was set."""
    parent = get(data, path[:-1], None) if len(path) > 1 else data
    last = path[-1]
    if isinstance(last, int) and isinstance(parent, list) and last < len(parent):
        parent[last] = value
        return True
    if isinstance(last, str) and isinstance(parent, dict):
        parent[last] = value
        return True
    return False
