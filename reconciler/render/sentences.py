"""An update's field changes as a reviewer reads them: one sentence each.

``condition 1 added: email icontains "@partner.com", 100 %``,
``condition "cohort Paying customers" rollout 20 % → 40 %``,
``variant comparison-table removed (was 33 %)``, ``conditions reordered (1 ↔ 2)``.
Changes outside identity-matched list items read ``path: before → after``. Values are compact
JSON cut with an ellipsis; the caller says how a value is set in the text (plain, or a code
span for markdown).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reconciler.diff import ADDED, MOVED, REMOVED, FieldChange
from reconciler.items import Item
from reconciler.render.values import compact
from reconciler.resources.labels import percent

Mark = Callable[[str], str]
_PERCENT_FIELDS = {"rollout_percentage": "rollout"}


def quoted(text: str) -> str:
    """A label in quotes that it does not itself hold."""
    return f"'{text}'" if '"' in text else f'"{text}"'


def plain(text: str) -> str:
    return text


def sentences(
    fields: Sequence[FieldChange],
    *,
    mark: Mark = plain,
    label: Mark = quoted,
    limit: int | None = 120,
) -> list[str]:
    """One sentence per change; moves within one list are told together."""
    out: list[str] = []
    moves: dict[str, list[FieldChange]] = {}
    for change in fields:
        if change.op == MOVED and change.item is not None and not change.within:
            group = change.path.rsplit("[", 1)[0]
            if group not in moves:
                moves[group] = []
                out.append(group)  # a placeholder, replaced below
            moves[group].append(change)
            continue
        out.append(_one(change, mark, label, limit))
    return [_moves(moves[line], mark, label) if line in moves else line for line in out]


def _one(change: FieldChange, mark: Mark, label: Mark, limit: int | None) -> str:
    def value(data: Any) -> str:
        return mark(compact(data, limit))

    item = change.item
    if item is None:
        return f"{change.path}: {value(change.before)} → {value(change.after)}"
    if not change.within and change.op == ADDED:
        if item.by_position:
            return f"{item.noun} {item.after} added: {mark(item.summary)}"
        return f"{item.noun} {mark(item.label)} added ({mark(item.summary)})"
    if not change.within and change.op == REMOVED:
        if item.by_position:
            return f"{item.noun} {item.before} removed: {mark(item.summary)}"
        return f"{item.noun} {mark(item.label)} removed (was {mark(item.summary)})"
    if not change.within:
        ref = _ref(item, mark, label)
        return f"{item.noun} {ref}: {value(change.before)} → {value(change.after)}"
    what = _PERCENT_FIELDS.get(change.within)
    if what is not None and _numberish(change.before) and _numberish(change.after):
        return (
            f"{item.noun} {_ref(item, mark, label)} {what} "
            f"{mark(percent(change.before))} → {mark(percent(change.after))}"
        )
    return (
        f"{item.noun} {_ref(item, mark, label)} {change.within} "
        f"{value(change.before)} → {value(change.after)}"
    )


def _numberish(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _ref(item: Item, mark: Mark, label: Mark) -> str:
    return label(item.label) if item.by_position else mark(item.label)


def _moves(changes: list[FieldChange], mark: Mark, label: Mark) -> str:
    first = changes[0].item
    assert first is not None
    if len(changes) == 1 and first.before is not None and first.after is not None:
        low, high = sorted((first.before, first.after))
        if high - low == 1:
            plural = _plural(first.noun)
            return f"{plural} reordered ({low} ↔ {high})"
    parts = []
    for change in changes:
        item = change.item
        assert item is not None
        parts.append(f"{item.noun} {_ref(item, mark, label)} moved {item.before} → {item.after}")
    return "; ".join(parts)


def _plural(noun: str) -> str:
    return noun + "s"
