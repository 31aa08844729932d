"""New values written as YAML text the way the file around them is written: its indentation,
its sequence offsets, its quotes and its flow-mapping padding, which :func:`detect_layout` reads
from the file before anything is rendered. Strings are plain only where phsync's reader (and a
YAML 1.1 reader) read them back as the same string; lines are never wrapped."""

from __future__ import annotations

import io
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.emitter import Emitter
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

from reconciler.manifests.roundtrip_tree import (
    Doc,
    Mapping,
    Node,
    Scalar,
    Sequence,
    column,
    dash_before,
    walk,
)
from reconciler.manifests.yamlcompose import CORE, TIMESTAMP, CoreResolver
from reconciler.manifests.yamlio import iso_timestamp

_RESOLVER: Any = CoreResolver()
_ANALYZER = Emitter(io.StringIO(), allow_unicode=True)
# Words a YAML 1.1 reader takes for booleans or null; plain, they would confuse other tools.
_YAML11_WORDS = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")


@dataclass(frozen=True)
class Layout:
    """How the file writes its block collections and strings."""

    indent: int = 2  # a nested mapping's keys, right of their parent's key
    sequence_indent: int = 2  # a sequence's dashes, right of their parent's key (0: not indented)
    offset: int = 2  # an item's value, right of its dash
    string_style: str | None = None  # how most strings are written: None (plain), "'" or '"'
    key_style: str | None = None  # how most keys are written
    quote: str = "'"  # the quote for a string that cannot be plain
    padded: bool = False  # flow mappings written ``{ a: 1 }``


def detect_layout(text: str, docs: list[Doc]) -> Layout:
    """The most common indentation, offsets, quotes and padding of the file; the defaults of
    phsync's own writer where the file shows none."""
    indents: Counter[int] = Counter()
    seq_indents: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    values: Counter[str | None] = Counter()
    keys: Counter[str | None] = Counter()
    padding: Counter[bool] = Counter()
    for doc in docs:
        for node in walk(doc.root):
            if isinstance(node, Mapping) and node.flow and node.pairs:
                padding[text[node.content + 1 : node.content + 2] == " "] += 1
            if isinstance(node, Mapping):
                for key, value in node.pairs:
                    _count_style(key, keys)
                    _count_style(value, values)
            if isinstance(node, Sequence):
                for item in node.items:
                    _count_style(item, values)
            if isinstance(node, Mapping) and not node.flow:
                key_col = column(text, node.pairs[0][0].start)
                for _, value in node.pairs:
                    block = isinstance(value, Mapping | Sequence) and not value.flow
                    if block and _starts_line(text, value.content):
                        target = indents if isinstance(value, Mapping) else seq_indents
                        target[column(text, value.content) - key_col] += 1
            if isinstance(node, Sequence) and not node.flow:
                for item in node.items:
                    dash = dash_before(text, item.start)
                    if dash is not None and not _starts_line(text, item.start):
                        offsets[item.start - dash] += 1
    indent = _most(indents, 2)
    quoted = Counter({style: n for style, n in values.items() if style is not None})
    return Layout(
        indent=indent,
        sequence_indent=_most(seq_indents, indent),
        offset=_most(offsets, 2),
        string_style=_most(values, None),
        key_style=_most(keys, None),
        quote=_most(quoted, "'"),
        padded=_most(padding, False),
    )


def _most(counter: Counter[Any], default: Any) -> Any:
    common = counter.most_common(1)
    return common[0][0] if common else default


def _count_style(node: Node, counter: Counter[str | None]) -> None:
    if not isinstance(node, Scalar) or node.empty or node.style in ("|", ">"):
        return
    if node.style is None and not _reads_as_string(node.text):
        return  # numbers, booleans, nulls: no choice of style
    counter[node.style] += 1


def _starts_line(text: str, index: int) -> bool:
    start = text.rfind("\n", 0, index) + 1
    return text[start:index].strip() == ""


def _reads_as_string(text: str) -> bool:
    """Whether ``text``, written plain, reads back as the string ``text``."""
    if _YAML11_WORDS.match(text):
        return False
    tag = _RESOLVER.resolve(ScalarNode, text, (True, False))
    if tag == TIMESTAMP:
        node = ScalarNode(tag, text)
        try:
            return bool(iso_timestamp(SafeConstructor().construct_yaml_timestamp(node)) == text)
        except ValueError:
            return False
    return bool(tag == CORE + "str")


class Unwritable(ValueError):
    """A value that cannot be written as YAML (a float that is not finite, a key not text)."""


def scalar_text(value: Any, *, flow: bool, style: str | None = None, layout: Layout) -> str:
    """One scalar on one line, in ``style`` when the value can be written in it, else in the
    file's usual style, else quoted."""
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
    for candidate in (style, layout.string_style, layout.quote, '"'):
        written = _string_in(value, candidate, flow=flow)
        if written is not None:
            return written
    raise AssertionError("double quotes write every string")  # pragma: no cover


def key_text(key: Any, *, flow: bool, layout: Layout) -> str:
    if not isinstance(key, str):
        raise Unwritable(f"mapping keys are text, not {type(key).__name__}")
    for candidate in (layout.key_style, None, layout.quote, '"'):
        written = _string_in(key, candidate, flow=flow)
        if written is not None and len(written) < 1024 and "\n" not in written:
            return written
    raise Unwritable("a mapping key of 1024 characters or more")


def _string_in(value: str, style: str | None, *, flow: bool) -> str | None:
    if style == '"':
        return _double_quoted(value)
    if "\n" in value or _UNPRINTABLE.search(value):
        return None
    analysis = _ANALYZER.analyze_scalar(value)
    if style is None:
        allowed = analysis.allow_flow_plain if flow else analysis.allow_block_plain
        return value if allowed and value and _reads_as_string(value) else None
    if style == "'":
        return "'" + value.replace("'", "''") + "'" if analysis.allow_single_quoted else None
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


def inline_text(value: Any, *, flow: bool, layout: Layout, style: str | None = None) -> str | None:
    """``value`` on one line, or None when it is written as a block (a non-empty collection,
    or a multi-line string that a ``|`` block can hold, outside flow style)."""
    if isinstance(value, dict):
        return flow_text(value, layout) if flow or not value else None
    if isinstance(value, list):
        return flow_text(value, layout) if flow or not value else None
    if isinstance(value, str) and "\n" in value and not flow and literal_block(value, 2):
        return None
    return scalar_text(value, flow=flow, style=style, layout=layout)


def flow_text(value: Any, layout: Layout) -> str:
    """``value`` in flow style: ``{a: 1, b: [x, y]}``."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ", ".join(
            f"{key_text(key, flow=True, layout=layout)}: {flow_text(item, layout)}"
            for key, item in value.items()
        )
        return "{ " + inner + " }" if layout.padded else "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_text(item, layout) for item in value) + "]"
    return scalar_text(value, flow=True, layout=layout)


def block_lines(value: Any, col: int, layout: Layout) -> list[str]:
    """The whole lines of ``value`` written as a block node whose content starts at ``col``
    (a mapping's keys, a sequence's dashes, or a scalar)."""
    pad = " " * col
    inline = inline_text(value, flow=False, layout=layout)
    if inline is not None:
        return [pad + inline]
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{key_text(key, flow=False, layout=layout)}:"
            lines.extend(_under(head, item, col, layout))
        return lines
    if isinstance(value, list):
        mark = "-" + " " * (layout.offset - 1)
        inner = col + layout.offset
        for item in value:
            written = inline_text(item, flow=False, layout=layout)
            if written is not None:
                lines.append(f"{pad}{mark}{written}")
            elif isinstance(item, str):
                block = literal_block(item, inner)
                assert block is not None
                lines.append(f"{pad}{mark}{block[0]}")
                lines.extend(block[1:])
            else:
                nested = block_lines(item, inner, layout)
                lines.append(pad + mark + nested[0][inner:])
                lines.extend(nested[1:])
        return lines
    block = literal_block(value, col)
    assert block is not None
    return [pad + block[0], *block[1:]]


def _under(head: str, value: Any, key_col: int, layout: Layout) -> list[str]:
    """A mapping key's line and its value: on the same line, or in the lines below it."""
    written = inline_text(value, flow=False, layout=layout)
    if written is not None:
        return [f"{head} {written}"]
    if isinstance(value, str):
        block = literal_block(value, key_col + layout.indent)
        assert block is not None
        return [f"{head} {block[0]}", *block[1:]]
    nested_col = key_col + (layout.indent if isinstance(value, dict) else layout.sequence_indent)
    return [head, *block_lines(value, nested_col, layout)]


def value_lines(value: Any, key_col: int, layout: Layout) -> list[str]:
    """The value of a mapping key at ``key_col`` written below it: the text that follows the
    colon on the key's line (a block scalar's header, or nothing), then the whole lines."""
    lines = _under("", value, key_col, layout)
    return [lines[0].strip(), *lines[1:]]
