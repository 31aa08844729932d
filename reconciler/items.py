"""List items matched by identity, not by position: how the diff pairs a live list with its
desired twin, and how it names the items it pairs. Pure.

A resource kind gives a :class:`ListRule` for each list whose items have an identity (a flag's
conditions by their properties, variants by key, a dashboard's text tiles by text or position,
a cohort's filters by content). :func:`pair` turns a rule and two lists into
:class:`Pairing`: which live item became which desired item, which were added or removed, and
which really moved (an insert that shifts every later item is not a move).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler import paths


@dataclass(frozen=True)
class ListRule:
    """How the items of one list (or the entries of one mapping) are matched and named.

    ``identity`` says which items are the same item; ``label`` names one item for a reviewer
    (``cohort Paying customers``, ``comparison-table``), ``summary`` says all of it in one line
    (``cohort Paying customers, 20 %``). Items are referred to by position (conditions, tiles,
    whose order matters and whose label may be long) or by label (variants, by key). A rule
    for a mapping only names its entries, by their keys (payloads by variant key).
    ``fill`` says which items that identity leaves unmatched are then paired by position, in
    order (every tile: a tile whose text changed in place is the same tile; a cohort's filter
    groups, but not its single filters).
    """

    noun: str
    identity: Callable[[Any], Hashable]
    label: Callable[[Any], str]
    summary: Callable[[Any], str]
    by_position: bool = True
    fill: Callable[[Any], bool] | None = None


Rules = Callable[[paths.Path], "ListRule | None"]


def no_lists(path: paths.Path) -> ListRule | None:
    """The rules of kinds whose lists are all compared by position."""
    return None


@dataclass(frozen=True)
class Item:
    """The list item a field change is about, in a reviewer's words.

    ``before`` and ``after`` are 1-based positions in the live and the desired list (``None``
    where the item is absent on that side).
    """

    noun: str
    label: str
    summary: str
    before: int | None
    after: int | None
    by_position: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "noun": self.noun,
            "label": self.label,
            "summary": self.summary,
            "before": self.before,
            "after": self.after,
            "by_position": self.by_position,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        return cls(
            noun=data["noun"],
            label=data["label"],
            summary=data.get("summary", ""),
            before=data.get("before"),
            after=data.get("after"),
            by_position=bool(data.get("by_position", True)),
        )


@dataclass(frozen=True)
class Pairing:
    """Live index -> desired index for the matched items; the rest are removed or added."""

    pairs: frozenset[tuple[int, int]]
    moved: frozenset[int]  # live indexes of matched items whose relative order changed


def content(item: Any) -> str:
    """An identity that is the whole item."""
    return json.dumps(item, sort_keys=True, default=str)


def pair(rule: ListRule, before: Sequence[Any], after: Sequence[Any]) -> Pairing:
    """Match ``before`` (live) to ``after`` (desired): equal identities in order, then (with
    ``fill``) the unmatched rest by position."""
    waiting: dict[Hashable, list[int]] = {}
    for index, item in enumerate(before):
        waiting.setdefault(rule.identity(item), []).append(index)
    pairs: list[tuple[int, int]] = []
    unmatched_after: list[int] = []
    for index, item in enumerate(after):
        queue = waiting.get(rule.identity(item))
        if queue:
            pairs.append((queue.pop(0), index))
        else:
            unmatched_after.append(index)
    if rule.fill is not None:
        fill = rule.fill
        taken = {b for b, _ in pairs}
        left = [i for i in range(len(before)) if i not in taken and fill(before[i])]
        right = [i for i in unmatched_after if fill(after[i])]
        pairs.extend(zip(left, right, strict=False))
    pairs.sort()
    return Pairing(frozenset(pairs), frozenset(_moved(pairs)))


def _moved(pairs: list[tuple[int, int]]) -> set[int]:
    """Live indexes outside the longest run of pairs that kept their relative order.

    ``pairs`` is sorted by live index; the items on the longest increasing subsequence of
    desired indexes stayed in order, and only the others were moved by the edit.
    """
    targets = [after for _, after in pairs]
    if all(a < b for a, b in zip(targets, targets[1:], strict=False)):
        return set()
    # Patience sorting: tails[k] is the index (into pairs) ending the best run of length k+1.
    tails: list[int] = []
    previous: list[int] = [-1] * len(pairs)
    for index, target in enumerate(targets):
        low, high = 0, len(tails)
        while low < high:
            middle = (low + high) // 2
            if targets[tails[middle]] < target:
                low = middle + 1
            else:
                high = middle
        previous[index] = tails[low - 1] if low else -1
        if low == len(tails):
            tails.append(index)
        else:
            tails[low] = index
    kept: set[int] = set()
    cursor = tails[-1]
    while cursor != -1:
        kept.add(cursor)
        cursor = previous[cursor]
    return {pairs[index][0] for index in range(len(pairs)) if index not in kept}
