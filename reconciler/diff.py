"""The field-level diff between a desired and a live object, both in canonical manifest form.

Pure. Only the top-level fields the manifest declares are compared (a "right-scoped" diff), so
fields PostHog fills in never show as changes. Cheap equality runs first, and only what differs
is walked. Mappings are compared key by key. Lists whose items have an identity (a kind's
:class:`~reconciler.items.ListRule`: conditions by their properties, variants by key, tiles by
text) are matched by it, so an inserted condition is one ``added`` item and not a shifted list;
other lists of objects go to deepdiff, which compares them by position. Paths listed in the
manifest's ``ignore`` are left out.

:func:`as_delta` turns a diff back into a ``deepdiff.Delta``: applied to the live value it must
give the desired one, which is how the tests hold the diff to account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from deepdiff import DeepDiff, Delta
from deepdiff.helper import FlatDataAction, FlatDeltaRow
from deepdiff.model import DiffLevel

from reconciler import paths
from reconciler.items import Item, Rules, no_lists, pair

ADDED, REMOVED, CHANGED, MOVED = "added", "removed", "changed", "moved"
_ABSENT: Any = None
_REPORTS = {
    "values_changed": CHANGED,
    "type_changes": CHANGED,
    "dictionary_item_added": ADDED,
    "dictionary_item_removed": REMOVED,
    "iterable_item_added": ADDED,
    "iterable_item_removed": REMOVED,
}


@dataclass(frozen=True)
class FieldChange:
    """One difference: ``path`` as a manifest writes it; ``before`` live, ``after`` desired.

    ``op`` is ``added``, ``removed``, ``changed`` or ``moved``. ``item`` names the list item the
    change is about when that list's items have an identity, and ``within`` is the path inside
    that item (empty when the item itself was added, removed or moved). ``live_path`` and
    ``desired_path`` locate the change on each side (list indexes differ once items moved; a
    removed item's desired path ends with its live index); they are not saved with a plan.
    """

    path: str
    before: Any
    after: Any
    op: str = CHANGED
    item: Item | None = None
    within: str = ""
    live_path: paths.Path = field(default=(), compare=False, repr=False)
    desired_path: paths.Path = field(default=(), compare=False, repr=False)

    @property
    def top_level(self) -> str:
        """The top-level field this change is in (``filters.groups[0]`` -> ``filters``).

        The name ends at the first "." or "[": deeper parts may hold any text (a payload's
        variant key may contain dots), so the rendered path is not parsed back."""
        return re.split(r"[.\[]", self.path, maxsplit=1)[0]

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
    for name in desired:
        after = desired[name]
        before = live.get(name, _ABSENT)
        if same(before, after) or paths.is_ignored((name,), patterns):
            continue
        walk = _Walk(lists)
        walk.walk((name,), (name,), before, after, None, 0)
        found = [c for c in walk.found if not paths.is_ignored(c.desired_path, patterns)]
        changes.extend(sorted(found, key=lambda c: _order(c.desired_path)))
    return tuple(changes)


def as_delta(changes: Sequence[FieldChange]) -> Delta:
    """The changes as a deepdiff ``Delta`` over the whole object: ``live + delta`` gives the
    desired values of the changed fields. A moved item is taken out at its live index and put
    in at its desired one, as it now is (so the changes inside it are carried by the move)."""
    moved = [c.live_path for c in changes if c.op == MOVED]
    rows = []
    for change in changes:
        if any(change.live_path[: len(m)] == m and change.live_path != m for m in moved):
            continue
        if change.op == MOVED:
            rows.append(_row(replace(change, op=REMOVED)))
            rows.append(_row(replace(change, op=ADDED)))
        else:
            rows.append(_row(change))
    return Delta(flat_rows_list=rows, bidirectional=True)


def _row(change: FieldChange) -> FlatDeltaRow:
    in_list = bool(change.desired_path or change.live_path) and isinstance(
        (change.desired_path or change.live_path)[-1], int
    )
    if change.op == ADDED:
        action = (
            FlatDataAction.iterable_item_added if in_list else FlatDataAction.dictionary_item_added
        )
        return FlatDeltaRow(path=list(change.desired_path), action=action, value=change.after)
    if change.op == REMOVED:
        if in_list:
            return FlatDeltaRow(
                path=list(change.live_path),
                action=FlatDataAction.iterable_item_removed,
                value=change.before,
            )
        return FlatDeltaRow(
            path=list(change.desired_path),
            action=FlatDataAction.dictionary_item_removed,
            value=change.before,
        )
    if type(change.before) is not type(change.after):
        return FlatDeltaRow(
            path=list(change.live_path),
            action=FlatDataAction.type_changes,
            value=change.after,
            old_value=change.before,
            type=type(change.after),
            old_type=type(change.before),
        )
    return FlatDeltaRow(
        path=list(change.live_path),
        action=FlatDataAction.values_changed,
        value=change.after,
        old_value=change.before,
    )


class _Walk:
    """One field's differences, walked where they are: live and desired paths side by side."""

    def __init__(self, lists: Rules) -> None:
        self.lists = lists
        self.found: list[FieldChange] = []

    def walk(
        self,
        live: paths.Path,
        desired: paths.Path,
        before: Any,
        after: Any,
        item: Item | None,
        at: int,
    ) -> None:
        """Name the differences of two values that differ (the caller compared them)."""
        if isinstance(before, dict) and isinstance(after, dict):
            self._mapping(live, desired, before, after, item, at)
        elif isinstance(before, list) and isinstance(after, list) and (
            _nested(before) or _nested(after)
        ):
            if self.lists(_pattern(desired)) is not None:
                self._items(live, desired, before, after)
            else:
                self._by_position(live, desired, before, after, item, at)
        else:
            self._add(CHANGED, live, desired, before, after, item, at)

    def _mapping(
        self,
        live: paths.Path,
        desired: paths.Path,
        before: dict[Any, Any],
        after: dict[Any, Any],
        item: Item | None,
        at: int,
    ) -> None:
        rule = self.lists(_pattern(desired))
        for key in sorted(before.keys() | after.keys(), key=str):
            inner, inner_at = item, at
            if rule is not None:  # entries named by their keys (payloads by variant key)
                value = after[key] if key in after else before[key]
                inner = Item(rule.noun, str(key), rule.summary(value), None, None, False)
                inner_at = len(desired) + 1
            here, there = (*live, key), (*desired, key)
            if key not in before:
                self._add(ADDED, here, there, None, after[key], inner, inner_at)
            elif key not in after:
                self._add(REMOVED, here, there, before[key], None, inner, inner_at)
            elif not same(before[key], after[key]):
                self.walk(here, there, before[key], after[key], inner, inner_at)

    def _items(
        self, live: paths.Path, desired: paths.Path, before: list[Any], after: list[Any]
    ) -> None:
        rule = self.lists(_pattern(desired))
        assert rule is not None
        pairing = pair(rule, before, after)
        paired_live = {b for b, _ in pairing.pairs}
        paired_desired = {a for _, a in pairing.pairs}
        at = len(desired) + 1

        def item(value: Any, old: int | None, new: int | None) -> Item:
            label, summary = rule.label(value), rule.summary(value)
            return Item(rule.noun, label, summary, old, new, rule.by_position)

        for index, value in enumerate(before):
            if index not in paired_live:
                here = item(value, index + 1, None)
                self._add(REMOVED, (*live, index), (*desired, index), value, None, here, at)
        for index, value in enumerate(after):
            if index not in paired_desired:
                here = item(value, None, index + 1)
                self._add(ADDED, (*live, index), (*desired, index), None, value, here, at)
        for old, new in sorted(pairing.pairs):
            moved = old in pairing.moved
            if not moved and same(before[old], after[new]):
                continue
            here = item(after[new], old + 1, new + 1)
            live_at, desired_at = (*live, old), (*desired, new)
            if moved:
                self._add(MOVED, live_at, desired_at, before[old], after[new], here, at)
                if same(before[old], after[new]):
                    continue
            self.walk(live_at, desired_at, before[old], after[new], here, at)

    def _by_position(
        self,
        live: paths.Path,
        desired: paths.Path,
        before: list[Any],
        after: list[Any],
        item: Item | None,
        at: int,
    ) -> None:
        """A list of objects without identity: deepdiff compares it by position."""
        tree = DeepDiff(before, after, view="tree", threshold_to_diff_deeper=0)
        for report, levels in tree.items():
            op = _REPORTS.get(report, CHANGED)
            for level in levels:
                old, new = _trail(level)
                pairs = list(zip(old, new, strict=True))
                here = (*live, *(o if o is not None else n for o, n in pairs))
                there = (*desired, *(n if n is not None else o for o, n in pairs))
                before_value = None if op == ADDED else level.t1
                after_value = None if op == REMOVED else level.t2
                self._add(op, here, there, before_value, after_value, item, at)

    def _add(
        self,
        op: str,
        live: paths.Path,
        desired: paths.Path,
        before: Any,
        after: Any,
        item: Item | None,
        at: int,
    ) -> None:
        if op == CHANGED and same(before, after):
            return  # 1 and 1.0: equal values of two number types
        within = paths.render(desired[at:]) if item is not None and at < len(desired) else ""
        self.found.append(
            FieldChange(paths.render(desired), before, after, op, item, within, live, desired)
        )


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


def _nested(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(isinstance(item, dict | list) for item in value)


def _pattern(path: Iterable[Any]) -> paths.Path:
    return tuple(paths.WILDCARD if isinstance(part, int) else part for part in path)


def _order(path: paths.Path) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, part) if isinstance(part, int) else (1, str(part)) for part in path)


def same(a: Any, b: Any) -> bool:
    """Equality that does not confuse True with 1 (but takes 50 and 50.0 as one number).

    The cheap check every declared field goes through first, so it is written for speed."""
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return kind is not bool and type(b) is not bool and bool(a == b)
    if kind is dict:
        if a.keys() != b.keys():
            return False
        for key, value in a.items():  # noqa: SIM110 (a loop is faster than all() over a generator)
            if not same(value, b[key]):
                return False
        return True
    if kind is list:
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):  # noqa: SIM110 (as above)
            if not same(x, y):
                return False
        return True
    return bool(a == b)
