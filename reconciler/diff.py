"""The field-level diff between a desired and a live object, both in canonical manifest form.

Pure. Only the top-level fields the manifest declares are compared (a "right-scoped" diff), so
fields PostHog fills in never show as changes. Cheap equality runs first; only fields that
differ and hold nested values reach deepdiff, which walks them structurally. Lists whose items
have an identity (a kind's :class:`~reconciler.items.ListRule`) are matched by it, so an
inserted condition is one ``added`` item and not a shifted list; every other list is compared
by position. Paths listed in the manifest's ``ignore`` are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import CannotCompare
from deepdiff.model import DiffLevel

from reconciler import paths
from reconciler.items import Item, ListRule, Pairing, Rules, no_lists, pair

ADDED, REMOVED, CHANGED, MOVED = "added", "removed", "changed", "moved"
_ABSENT: Any = None
_REPORTS = {
    "values_changed": CHANGED,
    "type_changes": CHANGED,
    "dictionary_item_added": ADDED,
    "dictionary_item_removed": REMOVED,
    "iterable_item_added": ADDED,
    "iterable_item_removed": REMOVED,
    "iterable_item_moved": MOVED,
}


@dataclass(frozen=True)
class FieldChange:
    """One difference: ``path`` as a manifest writes it; ``before`` live, ``after`` desired.

    ``op`` is ``added``, ``removed``, ``changed`` or ``moved``. ``item`` names the list item the
    change is about when that list's items have an identity, and ``within`` is the path inside
    that item (empty when the item itself was added, removed or moved).
    """

    path: str
    before: Any
    after: Any
    op: str = CHANGED
    item: Item | None = None
    within: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "op": self.op,
            "before": self.before,
            "after": self.after,
            "item": self.item.to_dict() if self.item else None,
            "within": self.within,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldChange:
        item = data.get("item")
        return cls(
            path=data["path"],
            before=data.get("before"),
            after=data.get("after"),
            op=data.get("op") or CHANGED,
            item=Item.from_dict(item) if item else None,
            within=data.get("within") or "",
        )


def diff(
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    ignore: Iterable[paths.Path] = (),
    lists: Rules = no_lists,
) -> tuple[FieldChange, ...]:
    """Changes that would turn ``live`` into ``desired``, for the fields ``desired`` declares."""
    patterns = tuple(ignore)
    changes: list[FieldChange] = []
    for field in desired:
        after = desired[field]
        before = live.get(field, _ABSENT)
        if same(before, after) or paths.is_ignored((field,), patterns):
            continue
        if _nested(before) and _nested(after) and type(before) is type(after):
            changes.extend(_Structural(field, before, after, lists).changes(patterns))
        else:
            changes.append(FieldChange(field, before, after))
    return tuple(changes)


def deep_diff(before: Any, after: Any, lists: Rules = no_lists) -> DeepDiff:
    """deepdiff's own result for two canonical values, lists matched as :func:`diff` matches
    them: a ``deepdiff.Delta`` built from it turns ``before`` into ``after``."""
    return _Structural("", before, after, lists).run(view="text")


def _nested(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(isinstance(item, dict | list) for item in value)


class _Structural:
    """One top-level field through deepdiff, with the pairings its lists were matched by."""

    def __init__(self, field: str, before: Any, after: Any, lists: Rules) -> None:
        self.field = field
        self.prefix: paths.Path = (field,) if field else ()
        self.before = before
        self.after = after
        self.lists = lists
        # (id(live list), id(desired list)) -> the rule, its pairing, and item ids -> indexes.
        self.pairings: dict[
            tuple[int, int], tuple[ListRule, Pairing, dict[int, int], dict[int, int]]
        ] = {}

    def run(self, view: str) -> DeepDiff:
        return DeepDiff(
            self.before,
            self.after,
            view=view,
            iterable_compare_func=self._compare,
            threshold_to_diff_deeper=0,
            ignore_order=False,
        )

    def _rule(self, path: paths.Path) -> ListRule | None:
        return self.lists(_pattern((*self.prefix, *path)))

    def _compare(self, x: Any, y: Any, level: DiffLevel) -> bool:
        key = (id(level.t1), id(level.t2))
        known = self.pairings.get(key)
        if known is None:
            rule = self._rule(_trail(level)[1])
            if rule is None:
                raise CannotCompare()
            known = (
                rule,
                pair(rule, level.t1, level.t2),
                {id(item): index for index, item in enumerate(level.t1)},
                {id(item): index for index, item in enumerate(level.t2)},
            )
            self.pairings[key] = known
        _, pairing, left, right = known
        return (left[id(x)], right[id(y)]) in pairing.pairs

    def changes(self, patterns: tuple[paths.Path, ...]) -> list[FieldChange]:
        tree = self.run(view="tree")
        found: dict[tuple[str, str], tuple[paths.Path, FieldChange]] = {}
        for report, levels in tree.items():
            op = _REPORTS.get(report, CHANGED)
            for level in levels:
                for path, change in self._changes(op, level):
                    full = (*self.prefix, *path)
                    if not paths.is_ignored(full, patterns):
                        found.setdefault((change.op, change.path), (full, change))
        return [change for _, change in sorted(found.values(), key=lambda pc: _order(pc[0]))]

    def _changes(self, op: str, level: DiffLevel) -> list[tuple[paths.Path, FieldChange]]:
        live_path, desired_path = _trail(level)
        path = tuple(
            d if d is not None else b for b, d in zip(live_path, desired_path, strict=True)
        )
        before = None if op == ADDED else level.t1
        after = None if op == REMOVED else level.t2
        if op == MOVED and not self._really_moved(level):
            return []
        whole = self._scalar_list(path, live_path, desired_path)
        if whole is not None:
            path, before, after, op = whole
        item, within = self._item(path, live_path, desired_path)
        if op == MOVED:
            before, after = (item.before, item.after) if item else (None, None)
        if op == CHANGED and same(before, after):
            return []  # 1 and 1.0: equal values of two number types
        if op == CHANGED and item is not None and not within and isinstance(path[-1], int):
            # Two unmatched items that deepdiff compared: a reviewer reads one item removed
            # and another added.
            rule = self._rule(path[:-1])
            siblings = _get(self.after, desired_path[:-1]) or []
            index = next((i for i, x in enumerate(siblings) if x is level.t2), path[-1])
            old_path, path = (*path[:-1], live_path[-1]), (*path[:-1], index)
            gone = new = item
            if rule is not None:
                gone = replace(item, label=rule.label(before), summary=rule.summary(before))
                new = replace(item, label=rule.label(after), summary=rule.summary(after))
            gone = replace(gone, after=None)
            new = replace(new, before=None, after=index + 1)
            return [
                (old_path, FieldChange(self._render(old_path), before, None, REMOVED, gone)),
                (path, FieldChange(self._render(path), None, after, ADDED, new)),
            ]
        return [(path, FieldChange(self._render(path), before, after, op, item, within))]

    def _render(self, path: paths.Path) -> str:
        return paths.render((*self.prefix, *path))

    def _really_moved(self, level: DiffLevel) -> bool:
        # deepdiff hangs a move below the list's level, whose child relation names the item.
        parent = level.up
        if parent is None or parent.t1_child_rel is None:
            return False
        known = self.pairings.get((id(parent.t1), id(parent.t2)))
        return known is not None and parent.t1_child_rel.param in known[1].moved

    def _scalar_list(
        self, path: paths.Path, live_path: paths.Path, desired_path: paths.Path
    ) -> tuple[paths.Path, Any, Any, str] | None:
        """A change inside a list of plain values is shown as the whole list's change."""
        if not path or not isinstance(path[-1], int):
            return None
        old = _get(self.before, live_path[:-1])
        new = _get(self.after, desired_path[:-1])
        if _nested(old) or _nested(new) or self._rule(path[:-1]) is not None:
            return None
        return path[:-1], old, new, CHANGED

    def _item(
        self, path: paths.Path, live_path: paths.Path, desired_path: paths.Path
    ) -> tuple[Item | None, str]:
        """The innermost identity-matched list item ``path`` lies in, and the rest of the path."""
        for cut in range(len(path) - 1, -1, -1):
            rule = self._rule(path[:cut])
            if rule is None:
                continue
            within = paths.render(path[cut + 1 :]) if cut + 1 < len(path) else ""
            if not isinstance(path[cut], int):  # an entry of a mapping the kind names by key
                value = _get(self.after, desired_path[: cut + 1])
                if value is None:
                    value = _get(self.before, live_path[: cut + 1])
                key = str(path[cut])
                return Item(rule.noun, key, rule.summary(value), None, None, False), within
            old_index = live_path[cut] if cut < len(live_path) else None
            new_index = desired_path[cut] if cut < len(desired_path) else None
            value = (
                _get(self.after, desired_path[: cut + 1])
                if new_index is not None
                else _get(self.before, live_path[: cut + 1])
            )
            item = Item(
                noun=rule.noun,
                label=rule.label(value),
                summary=rule.summary(value),
                before=old_index + 1 if isinstance(old_index, int) else None,
                after=new_index + 1 if isinstance(new_index, int) else None,
                by_position=rule.by_position,
            )
            return item, within
        return None, ""


def _trail(level: DiffLevel) -> tuple[paths.Path, paths.Path]:
    """The path to ``level`` in the live and in the desired value (``None`` where absent)."""
    chain = []
    node = level.up
    while node is not None:
        chain.append(node)
        node = node.up
    chain.reverse()
    live: list[Any] = []
    desired: list[Any] = []
    for node in chain:
        live.append(node.t1_child_rel.param if node.t1_child_rel else None)
        desired.append(node.t2_child_rel.param if node.t2_child_rel else None)
    return tuple(live), tuple(desired)


def _pattern(path: Iterable[Any]) -> paths.Path:
    return tuple(paths.WILDCARD if isinstance(part, int) else part for part in path)


def _get(root: Any, path: Iterable[Any]) -> Any:
    node = root
    for part in path:
        if part is None:
            return None
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _order(path: paths.Path) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, part) if isinstance(part, int) else (1, str(part)) for part in path)


def same(a: Any, b: Any) -> bool:
    """Equality that does not confuse True with 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
