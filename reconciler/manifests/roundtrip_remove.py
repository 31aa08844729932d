"""Removing a key or an item from a YAML text: in flow style with one of its commas; in block
style with its whole lines, the comment lines right above it (at its column) and the more
deeply indented comment lines right below it (its own, never its neighbours'), and one of the
runs of blank lines around it so that the spacing of the file stays as it was."""

from __future__ import annotations

from reconciler.manifests.roundtrip_locate import Refusal, Slot, Splice
from reconciler.manifests.roundtrip_tree import (
    Mapping,
    Sequence,
    column,
    dash_before,
    is_empty,
    line_end,
    line_start,
)


def remove(text: str, slot: Slot) -> Splice:
    """A key or item taken out of a collection that keeps at least one other."""
    parent, index, node = slot.parent, slot.index, slot.node
    assert parent is not None and index is not None and node is not None
    if isinstance(parent, Mapping):
        spans = [(k.start, max(k.end, v.end)) for k, v in parent.pairs]
    else:
        spans = [(item.start, item.end) for item in parent.items]
    if parent.flow:
        if index < len(spans) - 1:
            return Splice(spans[index][0], spans[index + 1][0], "")
        return Splice(spans[index - 1][1], spans[index][1], "")
    start, end = spans[index]
    if isinstance(parent, Sequence):
        dash = dash_before(text, start) if not is_empty(node) else start - 1
        if dash is None:
            raise Refusal(start, "cannot find the dash of this list item")
        start = dash
    if text[line_start(text, start) : start].strip():
        return _remove_compact(text, parent, index, start, end)
    return _remove_lines(text, slot, start, end)


def _remove_compact(
    text: str, parent: Mapping | Sequence, index: int, start: int, end: int
) -> Splice:
    """The first key of a mapping that starts on its list item's dash line."""
    before = text[line_start(text, start) : start].strip()
    if not isinstance(parent, Mapping) or index != 0 or not before.endswith("-"):
        raise Refusal(
            start,
            "this value shares its line with another; cannot remove it alone",
            "put it on a line of its own, then run pull again",
        )
    following = parent.pairs[1][0].start
    between = text[line_end(text, end) : following]
    if not between.strip():
        return Splice(start, following, "")
    after = line_end(text, end) + 1
    while text[after : after + 1] in (" ", "\t"):
        after += 1
    return Splice(start, after, "")


def _remove_lines(text: str, slot: Slot, start: int, end: int) -> Splice:
    lines = text.split("\n")
    first = text.count("\n", 0, start)
    last = text.count("\n", 0, end)
    col = column(text, start)
    document_head = slot.index == 0 and len(slot.ancestors) == 1
    while first > 0 and not document_head and _comment_at(lines[first - 1], col, deeper=False):
        first -= 1
    while last + 1 < len(lines) and _comment_at(lines[last + 1], col, deeper=True):
        last += 1
    blank_before = first > 0 and not lines[first - 1].strip()
    blank_after = last + 1 < len(lines) and not lines[last + 1].strip() and last + 2 < len(lines)
    count = (
        len(slot.parent.pairs if isinstance(slot.parent, Mapping) else slot.parent.items)
        if slot.parent is not None
        else 1
    )
    if blank_after and (blank_before or slot.index == 0):
        while last + 2 < len(lines) and not lines[last + 1].strip():
            last += 1
    elif blank_before and slot.index == count - 1:
        while first > 1 and not lines[first - 1].strip():
            first -= 1
    begin = sum(len(line) + 1 for line in lines[:first])
    stop = sum(len(line) + 1 for line in lines[: last + 1])
    if stop > len(text):  # the last line has no line break: take the one before it instead
        return Splice(max(begin - 1, 0), len(text), "")
    return Splice(begin, stop, "")


def _comment_at(line: str, col: int, *, deeper: bool) -> bool:
    """A comment line of the item at ``col``: below it, indented deeper (a deeper comment
    above it ends the item before); above it, at its column."""
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    return stripped.startswith("#") and (indent > col if deeper else indent == col)
