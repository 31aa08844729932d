"""The one place that reads and writes YAML.

Reading composes the node graph from parser events (libyaml's parser when it is installed, for
speed) with limits that make hostile input fail cleanly: file size, nesting depth, and the
number of nodes a document holds once every alias is expanded. Values are then built by hand
from the nodes, so that every mapping key and list item keeps its line and column, duplicate
keys are reported, and only JSON-like values come out: mapping keys are always the key's text
(``true:`` gives the key ``"true"``), scalars follow YAML 1.2's core schema (``yes`` and ``no``
are text, not booleans), timestamps become ISO strings in UTC, and other tags are refused.

Composing, and its limits, is :mod:`reconciler.manifests.yamlcompose`; writing is
:mod:`reconciler.manifests.yamlwrite`.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import yaml
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
    Composer,
    Refused,
    Unmeasured,
    composed_by_libyaml,
)
from reconciler.model import SourceLocation
from reconciler.paths import render

MAX_FILE_BYTES = 10 * 1024 * 1024

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


class _Builder:
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


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


_HINTS = {
    "mapping values are not allowed": "put quotes around a value that contains ': '",
    "could not find expected ':'": "check the indentation, or add ': ' after the key",
    "found character that cannot start any token": (
        "put quotes around values that start with @, ` or %"
    ),
    "found undefined alias": "define the anchor (&name) before using the alias (*name)",
    "did not find expected ',' or ']'": (
        "inside [...] quote items that contain [ ] { } or , such as 'filters.groups[0].variant'"
    ),
}


def _syntax_issue(exc: yaml.YAMLError, text: str, filename: str) -> Issue:
    if isinstance(exc, yaml.reader.ReaderError):
        line, column = _line_col(text, exc.position)
        return Issue(
            filename,
            line,
            column,
            "control characters are not allowed in YAML",
            hint="remove the character; manifests are UTF-8 text",
        )
    assert isinstance(exc, yaml.MarkedYAMLError)
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "invalid YAML"
    source_lines = text.splitlines()
    source = source_lines[line - 1] if 0 < line <= len(source_lines) else ""
    indent = source[: len(source) - len(source.lstrip(" \t"))]
    if "\t" in indent or "tab" in problem:
        return Issue(
            filename,
            line,
            column,
            "YAML does not allow tabs for indentation; use spaces",
            hint="replace the tab with spaces",
        )
    message = f"YAML syntax error: {problem}"
    if exc.context and exc.context_mark and exc.context_mark is not mark:
        message += (
            f" ({exc.context} at line {exc.context_mark.line + 1},"
            f" column {exc.context_mark.column + 1})"
        )
    elif exc.context:
        message += f" ({exc.context})"
    hint = next((tip for needle, tip in _HINTS.items() if needle in problem), None)
    return Issue(filename, line, column, message, hint=hint)


def decode(data: bytes, filename: str) -> tuple[str | None, list[Issue]]:
    """The text of a manifest file, or the reason it is not YAML text."""
    if len(data) > MAX_FILE_BYTES:
        return None, [too_big(filename, len(data))]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Issue(filename, 1, 1, "the file is UTF-16 encoded", hint="save it as UTF-8")]
    if b"\x00" in data:
        return None, [_binary(filename)]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        line, column = _line_col(good, len(good))
        return None, [
            Issue(
                filename,
                line,
                column,
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                hint="save the file as UTF-8",
            )
        ]


def too_big(filename: str, size: int) -> Issue:
    return Issue(
        filename,
        1,
        1,
        f"file too large ({size} bytes; the limit is {MAX_FILE_BYTES})",
        hint="split the manifests into several files",
    )


def _binary(filename: str) -> Issue:
    return Issue(
        filename, 1, 1, "not a text file (it contains NUL bytes)", hint="manifests are UTF-8 YAML"
    )


class _Doubt(Exception):
    """What the quick build leaves to :class:`_Builder`, which says what is wrong and where."""


_STR, _CONSTRUCTOR = CORE + "str", SafeConstructor()


class _QuickBuild:
    """The data of a document that needs no positions, built without the paths and checks
    that only a message needs; :class:`_Doubt` at anything :class:`_Builder` would report (a
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


def _build_documents(
    nodes: Iterable[Node],
    filename: str,
    documents: list[Document],
    issues: list[Issue],
    *,
    guard: bool,
    record: bool = True,
) -> tuple[list[Document], list[Issue]]:
    for node in nodes:
        builder = _Builder(filename, guard=guard, record=record)
        location = builder.where(node.start_mark)
        empty = isinstance(node, ScalarNode) and node.tag == CORE + "null" and not node.value
        data = None if empty else _build(builder, node, guard)
        builder.positions[()] = location
        documents.append(Document(data, location, builder.positions))
        issues.extend(builder.issues)
    return documents, issues


def _build(builder: _Builder, node: Node, guard: bool) -> Any:
    if not builder.record:
        try:
            return _QuickBuild(guard)(node)
        except _Doubt:
            pass
    return builder.build(node, ())


def parse_documents(
    text: str, filename: str, *, positions: bool = True
) -> tuple[list[Document], list[Issue]]:
    """Every document of a YAML stream, with the position of each value (without
    ``positions``, of each document alone: a third of the memory of thousands of manifests
    goes to positions that only an error message ever reads); pure.

    A syntax error ends the stream: the documents before it are returned with the error.
    """
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return [], [too_big(filename, len(text.encode("utf-8", "surrogatepass")))]
    if "\x00" in text:
        return [], [_binary(filename)]
    composed = composed_by_libyaml(text)
    if composed is not None:
        nodes, measured = composed
        try:
            return _build_documents(
                nodes, filename, [], [], guard=not measured, record=positions
            )
        except Unmeasured:
            pass  # the careful composer finds what is wrong, and where
    documents: list[Document] = []
    issues: list[Issue] = []
    try:
        _build_documents(
            Composer(text).documents(), filename, documents, issues, guard=False, record=positions
        )
    except Refused as exc:
        issues.append(
            Issue(filename, exc.mark.line + 1, exc.mark.column + 1, exc.message, hint=exc.hint)
        )
    except yaml.YAMLError as exc:
        issues.append(_syntax_issue(exc, text, filename))
    return documents, issues
