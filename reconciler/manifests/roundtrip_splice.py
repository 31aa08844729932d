"""One edit of a YAML text as one splice: the span of characters it replaces and the text that
replaces them. Everything outside the span stays byte for byte as it was, so comments, blank
lines, quotes and the other documents of the file are kept by construction.

A replaced value keeps its anchor, its place and, where the new value can be written so, its
style: a quoted string stays quoted the same way, a ``|`` or ``>`` block stays a block, a flow
collection stays flow. A new key goes at the end of its mapping, a new item at the end of its
list, in the indentation of their siblings. Removing is :mod:`roundtrip_remove`."""

from __future__ import annotations

import dataclasses
from typing import Any

from reconciler.manifests.roundtrip_layout import Layout
from reconciler.manifests.roundtrip_locate import Refusal, Slot, Splice
from reconciler.manifests.roundtrip_render import (
    block_lines,
    flat,
    flow_text,
    folded_block,
    in_flow,
    inline_text,
    key_text,
    literal_block,
    under,
)
from reconciler.manifests.roundtrip_tree import (
    Mapping,
    Node,
    Scalar,
    Sequence,
    column,
    dash_before,
    is_empty,
    key_column,
    line_end,
    line_start,
    starts_line,
)


def replace(text: str, slot: Slot, value: Any, layout: Layout) -> Splice:
    """The value at ``slot`` replaced by ``value``: in flow style inside flow style, as a block
    scalar in place of one, on the line of its key when it fits one line, else as a block."""
    for written in (_in_flow, _as_block_scalar, _on_one_line):
        splice = written(text, slot, value, layout)
        if splice is not None:
            return splice
    return _as_block(text, slot, value, layout)


def _props(node: Node) -> str:
    """The anchor a replaced value keeps (its tag goes: the new value is written to read as
    what it is)."""
    return f"&{node.anchor} " if node.anchor else ""


def _filled(node: Mapping | Sequence) -> bool:
    return bool(node.pairs if isinstance(node, Mapping) else node.items)


def _filled_flow(node: Node) -> bool:
    if isinstance(node, Mapping):
        return node.flow and bool(node.pairs)
    return isinstance(node, Sequence) and node.flow and bool(node.items)


def _in_flow(text: str, slot: Slot, value: Any, layout: Layout) -> Splice | None:
    """Inside a flow collection, or a flow collection replaced by a collection."""
    node = slot.node
    assert node is not None
    inside = slot.parent is not None and slot.parent.flow
    if not inside and not (_filled_flow(node) and value and isinstance(value, dict | list)):
        return None
    written = inline_text(value, flow=True, layout=layout, style=_style(node), key=slot.under)
    written = written or flow_text(value, layout, slot.under)
    return Splice(node.start, node.end, _props(node) + written)


def _as_block_scalar(text: str, slot: Slot, value: Any, layout: Layout) -> Splice | None:
    """A ``|`` or ``>`` block replaced by a string, in its style and indentation."""
    node = slot.node
    if not (isinstance(node, Scalar) and node.style in ("|", ">")):
        return None
    if not isinstance(value, str) or not layout.blocks:
        return None
    col = _block_scalar_column(text, node)
    keep = node.chomp == "+"
    block = folded_block(value, col, keep=keep) if node.style == ">" else None
    block = block or literal_block(value, col, keep=keep)
    return None if block is None else Splice(node.start, node.end, _props(node) + "\n".join(block))


def _on_one_line(text: str, slot: Slot, value: Any, layout: Layout) -> Splice | None:
    """A value written on one line (a scalar, or a flat collection where the file writes
    such in flow style), in place of the old one, which moves up to its key's line if it
    was a block."""
    node = slot.node
    assert node is not None
    place = "item" if isinstance(slot.parent, Sequence) else "value"
    inline = inline_text(value, flow=False, layout=layout, style=_style(node), key=slot.under)
    if inline is None and in_flow(value, node, layout, place, slot.under):
        inline = flow_text(value, layout, slot.under)
    if inline is None:
        return None
    if is_empty(node):
        return Splice(node.start, node.end, " " + _props(node) + inline)
    if isinstance(node, Mapping | Sequence) and slot.parent is not None:
        lead = _lead(text, slot)
        comment = _first_comment(text[lead : node.start])
        return Splice(lead, _end(text, node), " " + _props(node) + inline + comment)
    return Splice(node.start, node.end, _props(node) + inline)


def _as_block(text: str, slot: Slot, value: Any, layout: Layout) -> Splice:
    """A value written as a block: a non-empty collection, or a multi-line string."""
    node, parent = slot.node, slot.parent
    assert node is not None
    if isinstance(parent, Sequence):
        return _block_item(text, slot, value, layout)
    if parent is None and is_empty(node):  # an empty document: the value goes below its ---
        at = line_end(text, node.start)
        return Splice(at, at, "\n" + "\n".join(block_lines(value, 0, layout)))
    same_kind = isinstance(node, dict_or_list_node(value)) and not _filled_flow(node)
    if parent is None or (same_kind and starts_line(text, node.content)):
        col = column(text, node.content)  # where the old block starts, the new one starts
        lines = block_lines(value, col, layout, node, slot.under)
        return Splice(node.content, _end(text, node), "\n".join([lines[0][col:], *lines[1:]]))
    lines = under("", value, key_column(text, parent), layout, node, slot.under)
    props = _props(node).strip()
    head = (" " + props if props else "") + (" " + lines[0].strip() if lines[0] else "")
    lead = _lead(text, slot)
    block = isinstance(node, Mapping | Sequence) and not node.flow
    if block or (isinstance(node, Scalar) and node.style in ("|", ">")):
        comment, end = _first_comment(text[lead : node.start]), _end(text, node)
    else:  # a value on its key's line: its comment moves to the end of that line
        comment, end = _trailing_comment(text, node.end)
    return Splice(lead, end, head + comment + "\n" + "\n".join(lines[1:]))


def _end(text: str, node: Node) -> int:
    """Where a replaced value's characters end: a block collection's take the comment at the
    end of its last line (the last item's own) with them."""
    if not isinstance(node, Mapping | Sequence) or node.flow:
        return node.end
    stop = line_end(text, node.end)
    rest = text[node.end : stop].strip()
    return stop if not rest or rest.startswith("#") else node.end


def dict_or_list_node(value: Any) -> type[Node]:
    return Mapping if isinstance(value, dict) else Sequence if isinstance(value, list) else Scalar


def _block_item(text: str, slot: Slot, value: Any, layout: Layout) -> Splice:
    """A block-sequence item replaced by a block value, written compactly after its dash."""
    node = slot.node
    assert node is not None
    dash = node.start - 1 if is_empty(node) else dash_before(text, node.start)
    if dash is None:
        raise Refusal(node.start, "cannot find the dash of this list item")
    dash_col = column(text, dash)
    if not node.anchor and not starts_line(text, node.content):
        col = column(text, node.content)
    else:
        col = dash_col + layout.offset
    if isinstance(value, str):
        block = literal_block(value, col)
        assert block is not None
        comment, end = _trailing_comment(text, node.end)
        if isinstance(node, Mapping | Sequence):  # its last line's comment goes with it
            comment, end = "", _end(text, node)
        props = f" &{node.anchor}" if node.anchor else ""
        return Splice(dash + 1, end, props + " " + block[0] + comment + "\n" + "\n".join(block[1:]))
    lines = block_lines(value, col, layout, node, slot.under)
    if node.anchor:
        return Splice(dash + 1, _end(text, node), f" &{node.anchor}\n" + "\n".join(lines))
    first = " " * (col - dash_col - 1) + lines[0][col:]
    return Splice(dash + 1, _end(text, node), "\n".join([first, *lines[1:]]))


def add_key(text: str, mapping: Mapping, key: str, value: Any, layout: Layout) -> Splice:
    """A new key at the end of a non-empty mapping."""
    if mapping.flow:
        entry = f"{key_text(key, flow=True, layout=layout)}: {flow_text(value, layout, key)}"
        spans = [(k.start, v.end) for k, v in mapping.pairs]
        return _flow_append(text, spans, entry)
    key_col = key_column(text, mapping)
    head = " " * key_col + key_text(key, flow=False, layout=layout) + ":"
    sibling = _sibling_like(mapping, value)
    if sibling is not None and sibling.flow and flat(value):  # as its siblings are written
        lines = [f"{head} {flow_text(value, layout, key)}"]
    else:
        lines = under(head, value, key_col, layout, None, key)
    at = line_end(text, mapping.end)
    return Splice(at, at, "\n" + "\n".join(lines))


def _sibling_like(mapping: Mapping, value: Any) -> Mapping | Sequence | None:
    """The last value of ``mapping`` that is a non-empty collection of the same kind."""
    kind = dict_or_list_node(value)
    for _, sibling in reversed(mapping.pairs):
        if (
            isinstance(sibling, Mapping | Sequence)
            and isinstance(sibling, kind)
            and _filled(sibling)
        ):
            return sibling
    return None


def append(text: str, sequence: Sequence, value: Any, layout: Layout, key: str = "") -> Splice:
    """A new item at the end of a non-empty sequence."""
    if sequence.flow:
        spans = [(item.start, item.end) for item in sequence.items]
        return _flow_append(text, spans, flow_text(value, layout, key))
    last = sequence.items[-1]
    dash = dash_before(text, last.start) if not is_empty(last) else last.start - 1
    if dash is None:
        raise Refusal(last.start, "cannot find the dash of this list item")
    offset = last.content - dash if not starts_line(text, last.content) else layout.offset
    local = dataclasses.replace(layout, offset=max(offset, 2))
    like = dataclasses.replace(sequence, items=[last])
    lines = block_lines([value], column(text, dash), local, like, key)
    at = line_end(text, sequence.end)
    return Splice(at, at, "\n" + "\n".join(lines))


def _flow_append(text: str, spans: list[tuple[int, int]], entry: str) -> Splice:
    separator = ", "
    if len(spans) >= 2:
        between = text[spans[-2][1] : spans[-1][0]]
        if between.strip() == ",":
            separator = between
    at = spans[-1][1]
    return Splice(at, at, separator + entry)


def _style(node: Node) -> str | None:
    """The quoting style of a scalar that a new value keeps if it can: "plain", "'" or '"'."""
    if not isinstance(node, Scalar) or node.empty or node.style in ("|", ">"):
        return None
    return node.style or "plain"


def _lead(text: str, slot: Slot) -> int:
    """Just past the ``:`` (or the ``-``) that introduces the slot's value."""
    node, parent = slot.node, slot.parent
    assert node is not None and parent is not None
    if isinstance(parent, Sequence):
        dash = dash_before(text, node.start)
        assert dash is not None
        return dash + 1
    key = parent.pairs[slot.index or 0][0]
    at = key.end
    while text[at] in " \t":
        at += 1
    return at + 1


def _first_comment(between: str) -> str:
    """The comment on the first line of ``between`` (kept when the value moves), with the
    spaces before it."""
    first = between.split("\n", 1)[0]
    return first.rstrip() if "#" in first else ""


def _trailing_comment(text: str, end: int) -> tuple[str, int]:
    """The comment after a value on its last line (with the spaces before it), and where that
    line ends; the value's end when nothing but spaces follows."""
    stop = line_end(text, end)
    rest = text[end:stop]
    if rest.strip().startswith("#"):
        return rest.rstrip(), stop
    return "", stop if not rest.strip() else end


def _block_scalar_column(text: str, node: Scalar) -> int:
    at = text.find("\n", node.content) + 1
    while 0 < at < node.end:
        stop = line_end(text, at)
        line = text[at:stop]
        if line.strip():
            return len(line) - len(line.lstrip(" "))
        at = stop + 1
    return column(text, line_start(text, node.start)) + 2
