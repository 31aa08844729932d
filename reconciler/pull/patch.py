"""The smallest edits that make one manifest say what PostHog has now. Pure.

The manifest as written (``written``), its canonical form (``desired``) and the live object
in canonical form (``live``) are walked side by side. Canonical forms keep the manifest's
keys and list order, so the path walked in ``desired`` is the path in the file, and each
difference becomes an edit where it is: one changed scalar in a condition is one edit on that
scalar. Values are written as :func:`reconciler.export.tidy` writes them (names, payloads as
YAML, no ``negation: false``); a default the manifest leaves out stays out unless PostHog now
has another value there.

Lists are aligned item by item (equal items kept, changed items walked into, removed items
deleted, new items appended); a list whose new items would go before existing ones is
written whole (that list only), since an edit can only append. Tags and evaluation contexts
are sets: the manifest's spelling of a kept tag stays.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any

from reconciler import paths
from reconciler.diff import diff, same
from reconciler.export import tidy
from reconciler.pull.edit import REMOVE, Edit, apply_edits
from reconciler.resources import REGISTRY

Path = tuple[str | int, ...]
Change = tuple[Path, object]  # a path in the manifest, and the new value or REMOVE


def _tag(value: Any) -> str:
    return str(value).strip().lower()


# Top-level lists that PostHog keeps as sets: how each item compares.
SETS: dict[str, dict[str, Callable[[Any], str]]] = {
    "FeatureFlag": {"tags": _tag, "evaluation_contexts": str},
    "Dashboard": {"tags": _tag},
    "Action": {"tags": _tag},
    "Insight": {"tags": _tag},
}
# Top-level fields a manifest may still write under an older name.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "FeatureFlag": {"evaluation_contexts": ("evaluation_tags",)},
}


class _Whole(Exception):
    """A list that item edits cannot reach (an insert before existing items)."""


def field_name(kind: str, written: Mapping[str, Any], field: str) -> str | None:
    """The key under which ``written`` holds the canonical ``field`` (None: not written)."""
    if field in written:
        return field
    return next((old for old in ALIASES.get(kind, {}).get(field, ()) if old in written), None)


def field_changes(
    kind: str,
    field: str,
    written: Mapping[str, Any],
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    ignore: Sequence[paths.Path] = (),
) -> list[Change]:
    """The edits that make top-level ``field`` of ``written`` say what ``live`` has."""
    if paths.is_ignored((field,), ignore) or field not in desired:
        return []
    key = field_name(kind, written, field)
    if field not in live:
        return []  # not read (a dashboard's tiles come only with the whole dashboard)
    after = live[field]
    if same(desired[field], after):
        return []
    if key is None:
        return [((field,), tidy(after))]
    out: list[Change] = []
    compare = SETS.get(kind, {}).get(field)
    if compare is not None and isinstance(written[key], list) and isinstance(after, list):
        out.extend(_set(key, written[key], after, compare))
        return out
    _walk((key,), (field,), written[key], desired[field], after, ignore, out)
    return out


def whole_field(
    kind: str,
    field: str,
    written: Mapping[str, Any],
    live: Mapping[str, Any],
    ignore: Sequence[paths.Path] = (),
) -> list[Change]:
    """One edit writing the live value of ``field`` whole, ignored paths kept as written."""
    key = field_name(kind, written, field) or field
    if field not in live:
        return []
    return [((key,), _keeping_ignored(tidy(live[field]), written.get(key), (field,), ignore))]


def _keeping_ignored(
    value: Any, written: Any, canonical_at: paths.Path, ignore: Sequence[paths.Path]
) -> Any:
    """``value``, to be written whole at ``canonical_at``, with the manifest's own values at
    the ignored paths below it."""
    for pattern in ignore:
        if len(pattern) <= len(canonical_at) or not paths.matches(
            pattern[: len(canonical_at)], canonical_at
        ):
            continue
        for concrete in paths.expand(pattern[len(canonical_at) :], written):
            paths.put(value, concrete, paths.get(written, concrete))
    return value


def _set(
    key: str, written: list[Any], live: list[Any], compare: Callable[[Any], str]
) -> list[Change]:
    wanted = {compare(item) for item in live}
    kept = [index for index, item in enumerate(written) if compare(item) in wanted]
    have = {compare(written[index]) for index in kept}
    out: list[Change] = [
        ((key, index), REMOVE) for index in reversed(range(len(written))) if index not in kept
    ]
    length = len(kept)
    for item in live:
        if compare(item) not in have:
            out.append(((key, length), item))
            have.add(compare(item))
            length += 1
    return out


def _walk(
    at: Path,
    canonical_at: paths.Path,
    written: Any,
    desired: Any,
    live: Any,
    ignore: Sequence[paths.Path],
    out: list[Change],
) -> None:
    if paths.is_ignored(canonical_at, ignore) or same(desired, live):
        return
    if isinstance(written, dict) and isinstance(desired, dict) and isinstance(live, dict):
        _mapping(at, canonical_at, written, desired, live, ignore, out)
    elif (
        isinstance(written, list)
        and isinstance(desired, list)
        and isinstance(live, list)
        and len(written) == len(desired)
    ):
        inner: list[Change] = []
        try:
            _list(at, canonical_at, written, desired, live, ignore, inner)
        except _Whole:  # written whole, this list only
            inner = [(at, _whole_list(written, desired, live, canonical_at, ignore))]
        out.extend(inner)
    else:
        out.append((at, tidy(live)))


def _mapping(
    at: Path,
    canonical_at: paths.Path,
    written: dict[str, Any],
    desired: dict[str, Any],
    live: dict[str, Any],
    ignore: Sequence[paths.Path],
    out: list[Change],
) -> None:
    for key in desired:
        here = (*canonical_at, key)
        if paths.is_ignored(here, ignore):
            continue
        if key not in live:
            if key in written:
                out.append(((*at, key), REMOVE))
        elif key in written:
            _walk((*at, key), here, written[key], desired[key], live[key], ignore, out)
        elif not same(desired[key], live[key]):
            out.append(((*at, key), tidy(live[key])))  # a default left out, now another value
    for key in live:
        if key not in desired and not paths.is_ignored((*canonical_at, key), ignore):
            out.append(((*at, key), tidy(live[key])))


def _whole_list(
    written: list[Any],
    desired: list[Any],
    live: list[Any],
    canonical_at: paths.Path,
    ignore: Sequence[paths.Path],
) -> list[Any]:
    """The live list, each item that the manifest already has written as the manifest
    writes it (its own spelling and left-out defaults), the others as export writes them."""
    waiting: dict[str, list[int]] = {}
    for index, item in enumerate(desired):
        waiting.setdefault(_identity(item), []).append(index)
    value = []
    for item in live:
        queue = waiting.get(_identity(item))
        value.append(copy.deepcopy(written[queue.pop(0)]) if queue else tidy(item))
    return list(_keeping_ignored(value, written, canonical_at, ignore))


def _identity(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _list(
    at: Path,
    canonical_at: paths.Path,
    written: list[Any],
    desired: list[Any],
    live: list[Any],
    ignore: Sequence[paths.Path],
    out: list[Change],
) -> None:
    """Align by content; edit from the end backwards, so each edit's index is still right
    when the writer reaches it. Equal items at both ends stay; between them, lists of one
    length are walked item by item, others aligned by content."""
    a = [_identity(v) for v in desired]
    b = [_identity(v) for v in live]
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    if len(a) == len(b):
        opcodes = [("replace", start, len(a) - end, start, len(b) - end)]
    else:
        matcher = SequenceMatcher(
            a=a[start : len(a) - end], b=b[start : len(b) - end], autojunk=False
        )
        opcodes = [
            (op, i1 + start, i2 + start, j1 + start, j2 + start)
            for op, i1, i2, j1, j2 in matcher.get_opcodes()
        ]
    for op, i1, i2, j1, j2 in reversed(opcodes):
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        extra = list(range(j1 + paired, j2))
        if extra:
            if i2 != len(desired):
                raise _Whole  # new items before kept ones: no edit inserts
            out.extend(((*at, len(desired) + n), tidy(live[j])) for n, j in enumerate(extra))
        out.extend(((*at, i), REMOVE) for i in reversed(range(i1 + paired, i2)))
        for offset in reversed(range(paired)):
            i, j = i1 + offset, j1 + offset
            _walk((*at, i), (*canonical_at, i), written[i], desired[i], live[j], ignore, out)


def object_changes(
    kind: str,
    written: Mapping[str, Any],
    live_spec: dict[str, Any],
    ignore: Sequence[paths.Path] = (),
) -> tuple[list[Change], list[str]]:
    """The edits that make the manifest spec ``written`` match the live object, and the
    top-level fields that no edit could make match (normally none).

    Fine edits come first; each field they leave different after a check (the edited spec
    made canonical and compared as the plan compares it) is written whole instead.
    """
    adapter = REGISTRY[kind]
    desired = adapter.canonical(written)
    live = adapter.align(desired, live_spec)
    by_field = {
        field: field_changes(kind, field, written, desired, live, ignore) for field in desired
    }
    for field in _still_different(kind, written, by_field, live_spec, ignore):
        by_field[field] = whole_field(kind, field, written, live, ignore)
    left = _still_different(kind, written, by_field, live_spec, ignore)
    return [change for field in desired for change in by_field[field]], sorted(left)


def _still_different(
    kind: str,
    written: Mapping[str, Any],
    by_field: Mapping[str, list[Change]],
    live_spec: dict[str, Any],
    ignore: Sequence[paths.Path],
) -> set[str]:
    adapter = REGISTRY[kind]
    edits = [Edit(0, path, value) for changes in by_field.values() for path, value in changes]
    try:
        after = apply_edits(dict(written), edits)
    except ValueError:
        return set(by_field)
    desired = adapter.canonical(after)
    live = adapter.align(desired, live_spec)
    changes = diff(desired, live, ignore=ignore, lists=adapter.list_rule)
    return {c.top_level for c in changes} & set(live_spec)
