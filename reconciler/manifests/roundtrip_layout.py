"""How a YAML file writes its values, read from the file itself before anything new is written
into it: its indentation and sequence offsets, its quotes, its flow-mapping padding, and where
it writes flat collections in flow style. phsync's own writer's habits where the file shows
none."""

from __future__ import annotations

import io
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
    key_column,
    starts_line,
    walk,
)
from reconciler.manifests.yamlcompose import CORE, TIMESTAMP, CoreResolver
from reconciler.manifests.yamlio import iso_timestamp

_RESOLVER: Any = CoreResolver()
ANALYZER: Any = Emitter(io.StringIO(), allow_unicode=True)  # which styles can write a string
ANALYZER.use_version = (1, 1)  # the stricter rules for plain scalars: phsync reads with PyYAML
# Words a YAML 1.1 reader takes for booleans; plain, they would confuse other tools.
_YAML11_WORDS = re.compile(r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$")


@dataclass(frozen=True)
class Layout:
    """How the file writes its block collections and strings."""

    indent: int = 2  # a nested mapping's keys, right of their parent's key
    sequence_indent: int = 2  # a sequence's dashes, right of their parent's key (0: not indented)
    offset: int = 2  # an item's value, right of its dash
    string_style: str = "plain"  # how most strings are written: "plain", "'" or '"'
    key_style: str = "plain"  # how most keys are written
    quote: str = "'"  # the quote for a string that cannot be plain
    padded: bool = False  # flow mappings written ``{ a: 1 }``
    blocks: bool = True  # multi-line strings as ``|`` blocks (else double-quoted)
    # how most strings under a given key are written, where that differs from string_style
    styles_by_key: tuple[tuple[str, str], ...] = ()
    # how the file mostly writes flat collections, flow (True) or block, by where they are:
    # (the key they are under or "" for anywhere, "mapping" or "list", "item" or "value")
    flow: tuple[tuple[tuple[str, str, str], bool], ...] = ()

    def style_under(self, key: str) -> str | None:
        """How the file mostly writes the strings under ``key`` (None: as any string)."""
        return dict(self.styles_by_key).get(key)

    def writes_flow(self, key: str, kind: str, place: str) -> bool:
        known = dict(self.flow)
        return known.get((key, kind, place), known.get(("", kind, place), False))


def detect_layout(text: str, docs: list[Doc]) -> Layout:
    """The most common indentation, offsets, quotes and padding of the file; the defaults of
    phsync's own writer where the file shows none."""
    indents: Counter[int] = Counter()
    seq_indents: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    values: Counter[str] = Counter()
    by_key: dict[str, Counter[str]] = {}
    keys: Counter[str] = Counter()
    padding: Counter[bool] = Counter()
    flows: Counter[tuple[str, str, str, bool]] = Counter()
    for doc in docs:
        for node in walk(doc.root):
            _count_flow(node, flows)
            if isinstance(node, Mapping) and node.flow and node.pairs:
                padding[text[node.content + 1 : node.content + 2] == " "] += 1
            if isinstance(node, Mapping):
                for key, value in node.pairs:
                    _count_style(key, keys)
                    _count_style(value, values)
                    if isinstance(key, Scalar):
                        _count_style(value, by_key.setdefault(key.text, Counter()))
            if isinstance(node, Sequence):
                for item in node.items:
                    _count_style(item, values)
            if isinstance(node, Mapping) and not node.flow:
                key_col = key_column(text, node)
                for _, value in node.pairs:
                    block = isinstance(value, Mapping | Sequence) and not value.flow
                    if block and starts_line(text, value.content):
                        target = indents if isinstance(value, Mapping) else seq_indents
                        step = column(text, value.content) - key_col
                        if step > 0 or (step == 0 and target is seq_indents):
                            target[step] += 1
            if isinstance(node, Sequence) and not node.flow:
                for item in node.items:
                    dash = dash_before(text, item.start)
                    if (
                        dash is not None
                        and not starts_line(text, item.start)
                        and item.start > dash + 1
                    ):
                        offsets[item.start - dash] += 1
    indent = _most(indents, 2)
    quoted = Counter(  # the quotes of every quoted string, needed or not
        node.style
        for doc in docs
        for node in walk(doc.root)
        if isinstance(node, Scalar) and node.style in ("'", '"')
    )
    string_style = _most(values, "plain")
    return Layout(
        indent=indent,
        sequence_indent=_most(seq_indents, indent),
        offset=_most(offsets, 2),
        string_style=string_style,
        styles_by_key=tuple(
            (key, _most(counts, string_style))
            for key, counts in sorted(by_key.items())
            if counts and _most(counts, string_style) != string_style
        ),
        key_style=_most(keys, "plain"),
        quote=_most(quoted, "'"),
        padded=_most(padding, False),
        flow=tuple(
            ((key, kind, place), flows[(key, kind, place, True)] > flows[(key, kind, place, False)])
            for key, kind, place in sorted({where[:3] for where in flows})
        ),
    )


def _count_flow(node: Node, flows: Counter[tuple[str, str, str, bool]]) -> None:
    """How the flat collections inside a block collection are written, by the key they are
    under (a sequence's items are under the sequence's key)."""
    if isinstance(node, Mapping) and not node.flow:
        for key, value in node.pairs:
            name = key.text if isinstance(key, Scalar) else ""
            _count_child(value, name, "value", flows)
            if isinstance(value, Sequence) and not value.flow:
                for item in value.items:
                    _count_child(item, name, "item", flows)
    elif isinstance(node, Sequence) and not node.flow:
        for item in node.items:
            _count_child(item, None, "item", flows)


def _count_child(
    child: Node, key: str | None, place: str, flows: Counter[tuple[str, str, str, bool]]
) -> None:
    if not isinstance(child, Mapping | Sequence):
        return
    if not (child.pairs if isinstance(child, Mapping) else child.items) or not flat_node(child):
        return
    kind = "mapping" if isinstance(child, Mapping) else "list"
    flows[("", kind, place, child.flow)] += 1
    if key:
        flows[(key, kind, place, child.flow)] += 1


def _most(counter: Counter[Any], default: Any) -> Any:
    common = counter.most_common(1)
    return common[0][0] if common else default


def _count_style(node: Node, counter: Counter[str]) -> None:
    if not isinstance(node, Scalar) or node.empty or node.style in ("|", ">"):
        return
    if not can_be_plain(node.text, flow=True):
        return  # numbers, booleans, nulls, and strings that must be quoted: no choice of style
    counter[node.style or "plain"] += 1


def can_be_plain(text: str, *, flow: bool) -> bool:
    """Whether ``text`` can be written without quotes, in flow style or in block style."""
    if not text or "\n" in text:
        return False
    analysis = ANALYZER.analyze_scalar(text)
    allowed = analysis.allow_flow_plain if flow else analysis.allow_block_plain
    return bool(allowed) and reads_as_string(text)


def reads_as_string(text: str) -> bool:
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


def flat_node(node: Mapping | Sequence) -> bool:
    parts = [value for _, value in node.pairs] if isinstance(node, Mapping) else node.items
    nested = isinstance(node, Mapping)
    return all(
        not isinstance(part, Mapping | Sequence)
        or (
            nested
            and isinstance(part, Sequence)
            and not any(isinstance(x, Mapping | Sequence) for x in part.items)
        )
        for part in parts
    )
