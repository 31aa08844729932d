"""The benchmark's baseline for the diff: phsync's diff as it was before list items were
matched by identity (lists of equal length compared by position, others whole). Kept here only
to time the current diff against it side by side (`bench.diff_time --against`, `make bench`).

The field-level diff between a desired and a live object, both in canonical manifest form.
Pure. Only the top-level fields the manifest declares are compared (a "right-scoped" diff), so
fields PostHog fills in never show as changes; below the top level, values are compared whole
after the resource adapter has normalised both sides. Paths listed in the manifest's ``ignore``
are left out. Cheap equality runs first; the walk that names differing fields runs only where
values differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler import paths

_ABSENT: Any = None


@dataclass(frozen=True)
class FieldChange:
    """One differing field: ``path`` as a manifest writes it; ``before`` live, ``after`` desired."""

    path: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


def diff(
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    ignore: Iterable[paths.Path] = (),
) -> tuple[FieldChange, ...]:
    """Changes that would turn ``live`` into ``desired``, for the fields ``desired`` declares."""
    patterns = tuple(ignore)
    changes: list[FieldChange] = []
    for field in desired:
        after = desired[field]
        before = live.get(field, _ABSENT)
        if _same(before, after):
            continue
        _walk((field,), before, after, patterns, changes)
    return tuple(changes)


def _walk(
    path: paths.Path,
    before: Any,
    after: Any,
    patterns: tuple[paths.Path, ...],
    out: list[FieldChange],
) -> None:
    if paths.is_ignored(path, patterns) or _same(before, after):
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            _walk((*path, key), before.get(key), after.get(key), patterns, out)
        return
    if (
        isinstance(before, list)
        and isinstance(after, list)
        and len(before) == len(after)
        and any(isinstance(item, dict | list) for item in after)
    ):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            _walk((*path, index), old, new, patterns, out)
        return
    out.append(FieldChange(paths.render(path), before, after))


def _same(a: Any, b: Any) -> bool:
    """Equality that does not confuse True with 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
