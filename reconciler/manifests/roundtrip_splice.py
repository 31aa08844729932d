"""One edit of a YAML text as one splice: the span of characters it replaces and the text that
replaces them. Everything outside the span stays byte for byte as it was, so comments, blank
lines, quotes and the other documents of the file are kept by construction.

A replaced value keeps its anchor, its place and, where the new value can be written so, its
style: a quoted string stays quoted the same way, a ``|`` or ``>`` block stays a block, a flow
collection stays flow. A removed key or item takes its own lines with it: the comment lines
right above it and the deeper-indented comment lines right below it, never its neighbours'."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from reconciler.manifests.roundtrip_render import (
    Layout,
    _under,
    block_lines,
    flow_text,
    folded_block,
    inline_text,
    key_text,
    literal_block,
)
from reconciler.manifests.roundtrip_tree import (
    Alias,
    Mapping,
    Node,
    Scalar,
    Sequence,
    column,
    dash_before,
    line_end,
    line_start,
)


@dataclass(frozen=True)
class Splice:
    start: int
    end: int
    text: str

    def apply(self, text: str) -> str:
        return text[: self.start] + self.text + text[self.end :]


class Refusal(Exception):
    """An edit this writer will not make: ``index`` is where in the text, ``what`` why."""

    def __init__(self, index: int, what: str, hint: str | None = None) -> None:
        super().__init__(what)
        self.index = index
        self.what = what
        self.hint = hint


@dataclass(frozen=True)
class Slot:
    """Where an edit lands: the collection holding it (None for a document's root), the
    position of its pair or item there (None when it is not there yet) and its node."""

    parent: Mapping | Sequence | None
    index: int | None
    node: Node | None
    ancestors: tuple[Node, ...]  # the nodes the path went through, the root first


def locate(root: Node, path: tuple[str | int, ...], render: Any) -> Slot:
    """The slot that ``path`` names; :class:`Refusal` when the path goes through an alias or a
    merge key, or through something that is not there."""
    node, ancestors = root, [root]
    for depth, key in enumerate(path):
        if isinstance(node, Alias):
            raise Refusal(
                node.start,
                f"{render(path[:depth])} is the alias *{node.name}, which repeats a value "
                f"written elsewhere; changing {render(path)} here would change both",
                f"write the value out in full in place of *{node.name}, then run pull again",
            )
        last = depth == len(path) - 1
        if isinstance(node, Mapping) and isinstance(key, str):
            index = node.find(key)
            if index is None and node.merges:
                raise Refusal(
                    node.start,
                    f"{render(path[: depth + 1])} comes from a merge key ('<<'), which shares "
                    "it with other values",
                    "write the key out in this mapping instead of merging it, then run pull again",
                )
            child = None if index is None else node.pairs[index][1]
        elif isinstance(node, Sequence) and isinstance(key, int):
            index = key if 0 <= key < len(node.items) else None
            child = None if index is None else node.items[index]
        else:
            raise Refusal(node.start, f"{render(path[:depth])} is not a collection with {key!r}")
        if last:
            return Slot(node, index, child, tuple(ancestors))
        if child is None:
            raise Refusal(node.start, f"{render(path[: depth + 1])} does not exist")
        node = child
        ancestors.append(node)
    return Slot(None, None, root, ())


def replace(text: str, slot: Slot, value: Any, layout: Layout) -> Splice:
    node = slot.node
    assert node is not None
    parent = slot.parent
    props = f"&{node.anchor} " if node.anchor else ""
    flow = parent is not None and parent.flow
    collection = isinstance(node, Mapping | Sequence)
    flow_node = isinstance(node, Mapping | Sequence) and node.flow
    if flow or (flow_node and value and isinstance(value, dict | list)):
        return Splice(
            node.start,
            node.end,
            props
            + (
                inline_text(value, flow=True, layout=layout, style=_style(node))
                or flow_text(value, layout)
            ),
        )
    if isinstance(node, Scalar) and node.style in ("|", ">") and isinstance(value, str):
        col = _block_scalar_column(text, node)
        keep = node.chomp == "+"
        block = folded_block(value, col, keep=keep) if node.style == ">" else None
        block = block or literal_block(value, col, keep=keep)
        if block is not None:
            return Splice(node.start, node.end, props + "\n".join(block))
    inline = inline_text(value, flow=False, layout=layout, style=_style(node))
    if inline is not None:
        if isinstance(node, Scalar) and node.empty:
            return Splice(node.start, node.end, " " + props + inline)
        if collection and parent is not None:
            lead = _lead(text, slot)
            comment = _first_comment(text[lead : node.start])
            return Splice(lead, node.end, " " + props + inline + comment)
        return Splice(node.start, node.end, props + inline)
    if isinstance(parent, Sequence):
        return _block_item(text, slot, value, layout)
    if parent is None:
        col = column(text, node.content)
        lines = block_lines(value, col, layout)
        return Splice(node.content, node.end, "\n".join([lines[0][col:], *lines[1:]]))
    key_col = column(text, parent.pairs[slot.index or 0][0].start)
    same_kind = isinstance(node, dict_or_list_node(value)) and not flow_node
    if same_kind and _starts_line(text, node.content):
        col = column(text, node.content)
        lines = block_lines(value, col, layout)
        return Splice(node.content, node.end, "\n".join([lines[0][col:], *lines[1:]]))
    lines = _under("", value, key_col, layout)
    head = (" " + props.strip() if props else "") + (" " + lines[0].strip() if lines[0] else "")
    lead = _lead(text, slot)
    if collection or (isinstance(node, Scalar) and node.style in ("|", ">")):
        comment, end = _first_comment(text[lead : node.start]), node.end
    else:
        comment, end = _trailing_comment(text, node.end)
    return Splice(lead, end, head + comment + "\n" + "\n".join(lines[1:]))


def dict_or_list_node(value: Any) -> type[Node]:
    return Mapping if isinstance(value, dict) else Sequence if isinstance(value, list) else Scalar


def _block_item(text: str, slot: Slot, value: Any, layout: Layout) -> Splice:
    """A block-sequence item replaced by a block value, written compactly after its dash."""
    node = slot.node
    assert node is not None
    dash = node.start - 1 if _is_empty(node) else dash_before(text, node.start)
    if dash is None:
        raise Refusal(node.start, "cannot find the dash of this list item")
    dash_col = column(text, dash)
    if not node.anchor and not _starts_line(text, node.content):
        col = column(text, node.content)
    else:
        col = dash_col + layout.offset
    if isinstance(value, str):
        block = literal_block(value, col)
        assert block is not None
        comment, end = _trailing_comment(text, node.end)
        props = f" &{node.anchor}" if node.anchor else ""
        return Splice(dash + 1, end, props + " " + block[0] + comment + "\n" + "\n".join(block[1:]))
    lines = block_lines(value, col, layout)
    if node.anchor:
        return Splice(dash + 1, node.end, f" &{node.anchor}\n" + "\n".join(lines))
    first = " " * (col - dash_col - 1) + lines[0][col:]
    return Splice(dash + 1, node.end, "\n".join([first, *lines[1:]]))


def add_key(text: str, mapping: Mapping, key: str, value: Any, layout: Layout) -> Splice:
    """A new key at the end of a non-empty mapping."""
    if mapping.flow:
        entry = f"{key_text(key, flow=True, layout=layout)}: {flow_text(value, layout)}"
        spans = [(k.start, v.end) for k, v in mapping.pairs]
        return _flow_append(text, spans, entry)
    key_col = column(text, mapping.pairs[0][0].start)
    head = " " * key_col + key_text(key, flow=False, layout=layout) + ":"
    lines = _under(head, value, key_col, layout)
    at = line_end(text, mapping.end)
    return Splice(at, at, "\n" + "\n".join(lines))


def append(text: str, sequence: Sequence, value: Any, layout: Layout) -> Splice:
    """A new item at the end of a non-empty sequence."""
    if sequence.flow:
        spans = [(item.start, item.end) for item in sequence.items]
        return _flow_append(text, spans, flow_text(value, layout))
    last = sequence.items[-1]
    dash = dash_before(text, last.start) if not _is_empty(last) else last.start - 1
    if dash is None:
        raise Refusal(last.start, "cannot find the dash of this list item")
    offset = last.content - dash if not _starts_line(text, last.content) else layout.offset
    local = dataclasses.replace(layout, offset=max(offset, 2))
    lines = block_lines([value], column(text, dash), local)
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
        dash = dash_before(text, start) if not _is_empty(node) else start - 1
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
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    return stripped.startswith("#") and (indent > col if deeper else indent >= col)


def _is_empty(node: Node) -> bool:
    return isinstance(node, Scalar) and node.empty


def _style(node: Node) -> str | None:
    return node.style if isinstance(node, Scalar) and node.style in ("'", '"') else None


def _starts_line(text: str, index: int) -> bool:
    return not text[line_start(text, index) : index].strip()


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
    at = first.find("#")
    if at < 0:
        return ""
    return "  " + first[at:].rstrip()


def _trailing_comment(text: str, end: int) -> tuple[str, int]:
    """The comment after a value on its last line, and where that line ends; the value's end
    when nothing but spaces follows."""
    stop = line_end(text, end)
    rest = text[end:stop]
    if rest.strip().startswith("#"):
        return "  " + rest.strip(), stop
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
