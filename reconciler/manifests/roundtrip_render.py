"""New values written as YAML text the way the file around them is written (its
:class:`~reconciler.manifests.roundtrip_layout.Layout`): its indentation, sequence offsets,
quotes and flow style. Strings are plain only where phsync's reader (and a YAML 1.1 reader)
read them back as the same string; lines are never wrapped."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from reconciler.manifests.roundtrip_layout import ANALYZER, Layout, can_be_plain
from reconciler.manifests.roundtrip_tree import Mapping, Node, Sequence

# Characters written only as escapes in double quotes: the unprintable ones, and the line
# breaks of YAML 1.1 that a reader would fold.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
)


class Unwritable(ValueError):
    """A value that cannot be written as YAML (a float that is not finite, a key not text)."""


def scalar_text(
    value: Any, *, flow: bool, style: str | None = None, layout: Layout, key: str = ""
) -> str:
    """One scalar on one line: a string in ``style`` ("plain", "'" or '"', the style of the
    value it replaces) when it can be written so, else as the file writes strings under
    ``key``, else as it writes most strings, else quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Unwritable(f"{value} is not a finite number")
        return repr(value)
    if not isinstance(value, str):
        raise Unwritable(f"a {type(value).__name__} is not a YAML value")
    for candidate in (style, layout.style_under(key), layout.string_style, layout.quote, '"'):
        written = _string_in(value, candidate, flow=flow)
        if written is not None:
            return written
    raise AssertionError("double quotes write every string")  # pragma: no cover


def key_text(key: Any, *, flow: bool, layout: Layout) -> str:
    if not isinstance(key, str):
        raise Unwritable(f"mapping keys are text, not {type(key).__name__}")
    for candidate in (layout.key_style, "plain", layout.quote, '"'):
        written = _string_in(key, candidate, flow=flow)
        if written is not None and len(written) < 1024 and "\n" not in written:
            return written
    raise Unwritable("a mapping key of 1024 characters or more")


def _string_in(value: str, style: str | None, *, flow: bool) -> str | None:
    """``value`` in ``style`` ("plain", "'" or '"'), or None when it cannot be written so."""
    if style == '"':
        return _double_quoted(value)
    if "\n" in value or _UNPRINTABLE.search(value):
        return None
    if style == "plain":
        return value if can_be_plain(value, flow=flow) else None
    if style == "'":
        allowed = ANALYZER.analyze_scalar(value).allow_single_quoted
        return "'" + value.replace("'", "''") + "'" if allowed else None
    return None


def _double_quoted(value: str) -> str:
    written = json.dumps(value, ensure_ascii=False)
    return _UNPRINTABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", written)


def literal_block(value: str, col: int, *, keep: bool = False) -> list[str] | None:
    """A ``|`` block scalar: its header, then its lines at ``col``; None when the value cannot
    be one (or needs ``|+`` and ``keep`` is false)."""
    body, chomp = _chomped(value, keep)
    if body is None or _UNPRINTABLE.search(value) or "\r" in value:
        return None
    lines = body.split("\n")
    first = next((line for line in lines if line), "")
    if not first or first[0] in " \t" or any(line != line.rstrip(" \t") for line in lines):
        return None
    return ["|" + chomp] + [(" " * col + line) if line else "" for line in lines]


def folded_block(value: str, col: int, *, keep: bool = False) -> list[str] | None:
    """A ``>`` block scalar whose every line break is a blank line (so nothing folds); None
    when the value cannot be one."""
    body, chomp = _chomped(value, keep)
    if body is None or body.startswith("\n") or _UNPRINTABLE.search(value) or "\r" in value:
        return None
    lines = body.split("\n")
    if any(line[:1] in (" ", "\t") or line != line.rstrip(" \t") for line in lines):
        return None
    spread: list[str] = []
    for line in lines:
        spread.extend([line, ""])
    return [">" + chomp] + [(" " * col + line) if line else "" for line in spread[:-1]]


def _chomped(value: str, keep: bool) -> tuple[str | None, str]:
    body = value.rstrip("\n")
    trailing = len(value) - len(body)
    if not body.strip():
        return None, ""
    if trailing == 0:
        return body, "-"
    if trailing == 1:
        return body, ""
    return (body + "\n" * (trailing - 1), "+") if keep else (None, "")


def inline_text(
    value: Any, *, flow: bool, layout: Layout, style: str | None = None, key: str = ""
) -> str | None:
    """``value`` on one line, or None when it is written as a block (a non-empty collection,
    or a multi-line string that a ``|`` block can hold, outside flow style)."""
    if isinstance(value, dict):
        return flow_text(value, layout, key) if flow or not value else None
    if isinstance(value, list):
        return flow_text(value, layout, key) if flow or not value else None
    block = isinstance(value, str) and "\n" in value and not flow and layout.blocks
    if block and literal_block(value, 2):
        return None
    return scalar_text(value, flow=flow, style=style, layout=layout, key=key)


def flow_text(value: Any, layout: Layout, key: str = "") -> str:
    """``value`` (under ``key``) in flow style: ``{a: 1, b: [x, y]}``."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ", ".join(
            f"{key_text(name, flow=True, layout=layout)}: {flow_text(item, layout, str(name))}"
            for name, item in value.items()
        )
        return "{ " + inner + " }" if layout.padded else "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_text(item, layout, key) for item in value) + "]"
    return scalar_text(value, flow=True, layout=layout, key=key)


def block_lines(
    value: Any, col: int, layout: Layout, like: Node | None = None, key: str = ""
) -> list[str]:
    """The whole lines of ``value`` written as a block node whose content starts at ``col``
    (a mapping's keys, a sequence's dashes, or a scalar). ``like`` is the node the value
    replaces, if any: its parts written in flow style have their new values in flow too;
    ``key`` is the key the value is under, whose other values show how the file writes it."""
    pad = " " * col
    inline = inline_text(value, flow=False, layout=layout, key=key)
    if inline is not None:
        return [pad + inline]
    lines: list[str] = []
    if isinstance(value, dict):
        for name, item in value.items():
            head = f"{pad}{key_text(name, flow=False, layout=layout)}:"
            lines.extend(under(head, item, col, layout, _value_like(like, name), str(name)))
        return lines
    if isinstance(value, list):
        mark = "-" + " " * (layout.offset - 1)
        inner = col + layout.offset
        for index, item in enumerate(value):
            item_like = _item_like(like, index)
            written = inline_text(item, flow=False, layout=layout, key=key)
            if written is None and in_flow(item, item_like, layout, "item", key):
                written = flow_text(item, layout, key)
            if written is not None:
                lines.append(f"{pad}{mark}{written}")
            elif isinstance(item, str):
                block = literal_block(item, inner)
                assert block is not None
                lines.append(f"{pad}{mark}{block[0]}")
                lines.extend(block[1:])
            else:
                nested = block_lines(item, inner, layout, item_like)
                lines.append(pad + mark + nested[0][inner:])
                lines.extend(nested[1:])
        return lines
    block = literal_block(value, col)
    assert block is not None
    return [pad + block[0], *block[1:]]


def under(
    head: str, value: Any, key_col: int, layout: Layout, like: Node | None = None, key: str = ""
) -> list[str]:
    """A mapping key's line and its value: on the same line, or in the lines below it."""
    written = inline_text(value, flow=False, layout=layout, key=key)
    if written is None and in_flow(value, like, layout, "value", key):
        written = flow_text(value, layout, key)
    if written is not None:
        return [f"{head} {written}"]
    if isinstance(value, str):
        block = literal_block(value, key_col + layout.indent)
        assert block is not None
        return [f"{head} {block[0]}", *block[1:]]
    nested_col = key_col + (layout.indent if isinstance(value, dict) else layout.sequence_indent)
    return [head, *block_lines(value, nested_col, layout, like, key)]


def _value_like(like: Node | None, key: Any) -> Node | None:
    if isinstance(like, Mapping) and isinstance(key, str):
        index = like.find(key)
        return None if index is None else like.pairs[index][1]
    return None


def _item_like(like: Node | None, index: int) -> Node | None:
    if isinstance(like, Sequence) and like.items:
        return like.items[min(index, len(like.items) - 1)]
    return None


def in_flow(value: Any, like: Node | None, layout: Layout, place: str, key: str = "") -> bool:
    """Whether a non-empty collection is written in flow style: as the value it replaces was
    written, or, for a flat one, as the file mostly writes such collections in such places."""
    if not isinstance(value, dict | list) or not value:
        return False
    kind = Mapping if isinstance(value, dict) else Sequence
    if isinstance(like, kind) and (like.pairs if isinstance(like, Mapping) else like.items):
        return like.flow
    if not layout.writes_flow(key, _kind(value), place):
        return False
    return flat(value) and len(flow_text(value, layout)) <= _FLOW_WIDTH


_FLOW_WIDTH = 100


def _kind(value: Any) -> str:
    return "mapping" if isinstance(value, dict) else "list"


def flat(value: Any) -> bool:
    """A mapping of scalars and lists of scalars, or a list of scalars."""
    parts = value.values() if isinstance(value, dict) else value
    nested = isinstance(value, dict)
    return all(
        not isinstance(part, dict | list)
        or (nested and isinstance(part, list) and not any(isinstance(x, dict | list) for x in part))
        for part in parts
    )
