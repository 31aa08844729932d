"""What the offline rules share: an issue at a field path, and defensive reads of a spec (a
value of the wrong type is the schema's to report, not a rule's)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reconciler import paths
from reconciler.errors import Issue
from reconciler.model import Manifest

FieldPath = tuple[str | int, ...]
Rule = Callable[[Manifest], list[Issue]]


def issue(manifest: Manifest, path: FieldPath, message: str, hint: str | None = None) -> Issue:
    where = manifest.where(path)
    return Issue(where.file, where.line, where.column, message, paths.render(path), hint)


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)

