"""Values from composed YAML nodes: JSON-like data, each mapping key and list item with its
line and column when asked, and every problem as an issue.

:class:`Builder` is the careful builder: it records positions and reports duplicate keys,
tags, bad values and merge keys where they are. Most documents need no positions; the quick
builder (:class:`QuickBuild`) makes them without paths and leaves anything it would have to
report to the careful one.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.errors import Issue
from reconciler.manifests.yamlcompose import (
    CORE,
    MAP,
    MAX_DEPTH,
    MAX_NODES,
    MERGE,
    SCALAR_TAGS,
    SEQ,
    TIMESTAMP,
    Unmeasured,
)
from reconciler.model import SourceLocation
from reconciler.paths import render

Path = tuple[str | int, ...]


def _scalar_value(tag: str, text: str) -> Any:
    """The value of a core-schema scalar; ValueError when ``text`` is not one."""
    if tag == CORE + "str":
        return text
    if tag == CORE + "null":
        if text not in ("~", "null", "Null", "NULL", ""):
            raise ValueError("not null")
        return None
    if tag == CORE + "bool":
        if text.lower() not in ("true", "false"):
            raise ValueError("not a boolean")
        return text.lower() == "true"
    if tag == CORE + "int":
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)
    if text.lower().lstrip("+-") in (".inf", ".nan"):
        return float(text.replace(".", "", 1))
    return float(text)


@dataclass(frozen=True)
class Document:
    """One YAML document: its data (None when empty), where it starts, where each field is."""

    data: Any
    location: SourceLocation
    positions: dict[Path, SourceLocation] = field(default_factory=dict)


class Builder:
    """Turns composed nodes into plain Python data, recording positions and problems."""

    def __init__(self, filename: str, *, guard: bool = False, record: bool = True) -> None:
        self.filename = filename
        self.record = record  # whether to keep every value's position (``positions``)
        self.positions: dict[Path, SourceLocation] = {}
        self.issues: list[Issue] = []
        self.constructor = SafeConstructor()
        self.guard = guard  # a tree nobody measured: count its nodes and levels here
        self.count = 0

    def where(self, mark: Any) -> SourceLocation:
        return SourceLocation(self.filename, mark.line + 1, mark.column + 1)

    def problem(self, mark: Any, path: Path, message: str, hint: str | None = None) -> None:
        self.issues.append(
            Issue(self.filename, mark.line + 1, mark.column + 1, message, render(path), hint)
        )

    def build(self, node: Node, path: Path) -> Any:
        if self.guard:
            self.count += 1 + (len(node.value) if isinstance(node, MappingNode) else 0)
            if self.count > MAX_NODES or len(path) >= MAX_DEPTH:
                raise Unmeasured
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != SEQ:
                self._tag(node, path)
            items = []
            for index, item in enumerate(node.value):
                if self.record:
                    self.positions[(*path, index)] = self.where(item.start_mark)
                items.append(self.build(item, (*path, index)))
            return items
        assert isinstance(node, MappingNode)
        if node.tag != MAP:
            self._tag(node, path)
        return self._mapping(node, path)

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag != MERGE:
                continue
            if self.guard:
                raise Unmeasured
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, MappingNode):
                    self.problem(source.start_mark, path, "'<<' can only merge mappings")
                    continue
                for key, value in self._mapping(source, path).items():
                    merged.setdefault(key, value)  # earlier sources win, as in YAML
        out: dict[str, Any] = {}
        first: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                continue
            if not isinstance(key_node, ScalarNode):
                if self.guard:
                    raise Unmeasured
                self.problem(
                    key_node.start_mark, path, "a mapping key must be plain text, not a collection"
                )
                continue
            key = sys.intern(key_node.value)  # thousands of manifests repeat the same keys
            if key in first:
                if self.guard:
                    raise Unmeasured  # the repeated key's value still counts towards limits
                self.problem(
                    key_node.start_mark,
                    (*path, key),
                    f"duplicate key '{key}' (first at line {first[key].line + 1})",
                    "remove one of them",
                )
                continue
            first[key] = key_node.start_mark
            if self.record:
                self.positions[(*path, key)] = self.where(key_node.start_mark)
            out[key] = self.build(value_node, (*path, key))
        for key, value in merged.items():
            out.setdefault(key, value)
        return out

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        if node.tag == TIMESTAMP:
            try:
                return iso_timestamp(self.constructor.construct_yaml_timestamp(node))
            except ValueError as exc:
                self.problem(node.start_mark, path, f"'{node.value}' is not a valid date: {exc}")
                return node.value
        if node.tag not in SCALAR_TAGS:
            self._tag(node, path)
            return node.value
        try:
            value = _scalar_value(node.tag, node.value)
            if isinstance(value, str) and len(value) <= 32:
                value = sys.intern(value)  # operators, types, names: repeated everywhere
        except ValueError:
            kind = node.tag.removeprefix(CORE)
            self.problem(node.start_mark, path, f"'{node.value}' is not a valid {kind}")
            return node.value
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(
                node.start_mark, path, f"'{node.value}' is not a finite number", "use a number"
            )
        return value

    def _tag(self, node: Node, path: Path) -> None:
        self.problem(
            node.start_mark,
            path,
            f"unsupported YAML tag '{node.tag}'",
            "remove the tag; manifests hold plain text, numbers, booleans, lists and mappings",
        )


def iso_timestamp(value: date) -> str:
    """A YAML timestamp as an ISO string: dates as ``YYYY-MM-DD``, times in UTC ending in Z."""
    if not isinstance(value, datetime):
        return value.isoformat()
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


class _Doubt(Exception):
    """What the quick build leaves to :class:`Builder`, which says what is wrong and where."""


_STR, _CONSTRUCTOR = CORE + "str", SafeConstructor()


class QuickBuild:
    """The data of a document that needs no positions, built without the paths and checks
    that only a message needs; :class:`_Doubt` at anything :class:`Builder` would report (a
    tag, a merge key, a repeated key, a value that is not what its tag says) or, with
    ``guard``, count as too much. Every well-formed manifest takes this way. (A class, not a
    closure: a closure that calls itself is a reference cycle, and the collector is paused.)"""

    def __init__(self, guard: bool) -> None:
        self.guard = guard
        self.count = 0

    def __call__(self, root: Node) -> Any:
        try:
            return self.build(root, 0)
        except ValueError as exc:  # a value its tag does not allow
            raise _Doubt from exc

    def build(self, node: Node, depth: int) -> Any:
        kind = node.__class__
        if self.guard:
            self.count += 1 + (len(node.value) if kind is MappingNode else 0)
            if self.count > MAX_NODES or depth >= MAX_DEPTH:
                raise _Doubt
        tag = node.tag
        if kind is ScalarNode:
            text = node.value
            if tag == _STR:
                return sys.intern(text) if len(text) <= 32 else text
            if tag == TIMESTAMP:
                return iso_timestamp(_CONSTRUCTOR.construct_yaml_timestamp(node))  # type: ignore[arg-type]
            if tag not in SCALAR_TAGS:
                raise _Doubt
            value = _scalar_value(tag, text)
            if isinstance(value, float) and not math.isfinite(value):
                raise _Doubt
            return value
        if kind is SequenceNode and tag == SEQ:
            return [self.build(item, depth + 1) for item in node.value]
        if kind is not MappingNode or tag != MAP:
            raise _Doubt
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode or key_node.tag == MERGE:
                raise _Doubt
            key = sys.intern(key_node.value)
            if key in out:
                raise _Doubt
            out[key] = self.build(value_node, depth + 1)
        return out


def build_documents(
    nodes: Iterable[Node],
    filename: str,
    documents: list[Document],
    issues: list[Issue],
    *,
    guard: bool,
    record: bool = True,
) -> tuple[list[Document], list[Issue]]:
    for node in nodes:
        builder = Builder(filename, guard=guard, record=record)
        location = builder.where(node.start_mark)
        empty = isinstance(node, ScalarNode) and node.tag == CORE + "null" and not node.value
        data = None if empty else _build(builder, node, guard)
        builder.positions[()] = location
        documents.append(Document(data, location, builder.positions))
        issues.extend(builder.issues)
    return documents, issues


def _build(builder: Builder, node: Node, guard: bool) -> Any:
    if not builder.record:
        try:
            return QuickBuild(guard)(node)
        except _Doubt:
            pass
    return builder.build(node, ())
