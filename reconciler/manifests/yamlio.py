"""The one place that reads and writes YAML.

Reading composes the node graph from parser events (libyaml's parser when it is installed, for
speed) with limits that make hostile input fail cleanly: file size, nesting depth, and the
number of nodes a document holds once every alias is expanded. Values are then built by hand
from the nodes, so that every mapping key and list item keeps its line and column, duplicate
keys are reported, and only JSON-like values come out: mapping keys are always the key's text
(``true:`` gives the key ``"true"``), scalars follow YAML 1.2's core schema (``yes`` and ``no``
are text, not booleans), timestamps become ISO strings in UTC, and other tags are refused.

Writing (:func:`dump_manifest`) is deterministic: block style, the caller's field order,
strings quoted only when YAML needs it, multi-line strings as literal blocks.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver, Resolver

from reconciler.errors import Issue
from reconciler.model import SourceLocation
from reconciler.paths import render

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 64
# libyaml composes a whole document before phsync can count its values; YAML holds at most
# about one value per character, so this bounds what a hostile text makes it build.
LIBYAML_MAX_CHARS = 256 * 1024

Path = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_CORE + name for name in ("str", "int", "float", "bool", "null"))
_TIMESTAMP = _CORE + "timestamp"
_MERGE = _CORE + "merge"
_MAP = _CORE + "map"
_SEQ = _CORE + "seq"


class _Resolver(BaseResolver):
    """YAML 1.2 core schema (only true/false are booleans: ``no`` stays text), plus YAML 1.1
    timestamps and merge keys."""


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("merge", r"^(?:<<)$", ["<"]),
):
    _Resolver.add_implicit_resolver(_CORE + _tag, re.compile(_pattern), list(_first))
for _first_char, _resolvers in Resolver.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        if _tag == _TIMESTAMP:
            _Resolver.add_implicit_resolver(_tag, _regexp, [_first_char])


def _scalar_value(tag: str, text: str) -> Any:
    """The value of a core-schema scalar; ValueError when ``text`` is not one."""
    if tag == _CORE + "str":
        return text
    if tag == _CORE + "null":
        if text not in ("~", "null", "Null", "NULL", ""):
            raise ValueError("not null")
        return None
    if tag == _CORE + "bool":
        if text.lower() not in ("true", "false"):
            raise ValueError("not a boolean")
        return text.lower() == "true"
    if tag == _CORE + "int":
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)
    if text.lower().lstrip("+-") in (".inf", ".nan"):
        return float(text.replace(".", "", 1))
    return float(text)


class _EventSource(Protocol):
    def check_event(self, *choices: type[Event]) -> bool: ...
    def peek_event(self) -> Any: ...
    def get_event(self) -> Any: ...


def _libyaml_loader() -> Any:
    try:
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return None

    class _CLoader(CParser, _Resolver):
        """libyaml's parser and composer with phsync's resolver, as CSafeLoader is built."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Resolver.__init__(self)

    return _CLoader


_CLoader = _libyaml_loader()


def _event_source(text: str) -> _EventSource:
    try:
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class _PureParser(Reader, Scanner, Parser):
            def __init__(self, stream: str) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)

        return _PureParser(text)
    source: _EventSource = CParser(text)
    return source


@dataclass(frozen=True)
class Document:
    """One YAML document: its data (None when empty), where it starts, where each field is."""

    data: Any
    location: SourceLocation
    positions: dict[Path, SourceLocation] = field(default_factory=dict)


class _Refused(Exception):
    """Input that breaks a limit or a rule of the composer; carries the offending place."""

    def __init__(self, message: str, mark: Any, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


class _Composer:
    """PyYAML's composer, plus limits on depth, expanded size and recursive aliases."""

    def __init__(self, text: str) -> None:
        self.events = _event_source(text)
        self.resolver: Any = _Resolver()
        self.anchors: dict[str, Node] = {}
        self.sizes: dict[int, tuple[int, int]] = {}  # id(anchored node) -> (size, height)
        self.open: set[int] = set()
        self.count = 0

    def documents(self) -> Iterator[Node]:
        self.events.get_event()  # StreamStartEvent
        while not self.events.check_event(StreamEndEvent):
            start = self.events.get_event()
            assert isinstance(start, DocumentStartEvent)
            self.anchors, self.sizes, self.open, self.count = {}, {}, set(), 0
            node, _ = self._node(1)
            self.events.get_event()  # DocumentEndEvent
            yield node

    def _node(self, depth: int) -> tuple[Node, int]:
        """The next node and its height (nesting levels below and including it)."""
        if self.events.check_event(AliasEvent):
            event = self.events.get_event()
            anchor = event.anchor
            if anchor not in self.anchors:
                raise _Refused(f"undefined alias '*{anchor}'", event.start_mark)
            node = self.anchors[anchor]
            if id(node) in self.open:
                raise _Refused(
                    f"alias '*{anchor}' refers to a node that contains it", event.start_mark
                )
            size, height = self.sizes[id(node)]
            self._grow(size, depth + height - 1, event)
            return node, height
        event = self.events.peek_event()
        self._grow(1, depth, event)
        anchor = getattr(event, "anchor", None)
        before = self.count
        if isinstance(event, ScalarEvent):
            node, height = self._scalar(), 1
        elif isinstance(event, SequenceStartEvent):
            node, height = self._collection(SequenceNode, SequenceEndEvent, anchor, depth)
        elif isinstance(event, MappingStartEvent):
            node, height = self._collection(MappingNode, MappingEndEvent, anchor, depth)
        else:  # pragma: no cover - the parser only yields the events above here
            raise _Refused(f"unexpected YAML event {type(event).__name__}", event.start_mark)
        if anchor is not None:
            self.anchors[anchor] = node
            self.sizes[id(node)] = (self.count - before, height)
            self.open.discard(id(node))
        return node, height

    def _grow(self, nodes: int, depth: int, event: Any) -> None:
        self.count += nodes
        if self.count > MAX_NODES:
            raise _Refused(
                f"document too large: more than {MAX_NODES} values once aliases are expanded",
                event.start_mark,
                "split it into several documents or files; avoid aliases of large blocks",
            )
        if depth > MAX_DEPTH:
            raise _Refused(
                f"nested deeper than {MAX_DEPTH} levels",
                event.start_mark,
                "manifests never need this much nesting",
            )

    def _scalar(self) -> ScalarNode:
        event = self.events.get_event()
        assert isinstance(event, ScalarEvent)
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)
        node: ScalarNode = ScalarNode(tag, event.value, style=event.style)
        node.start_mark, node.end_mark = event.start_mark, event.end_mark
        return node

    def _collection(
        self, cls: type[SequenceNode] | type[MappingNode], end: type[Event], anchor: Any, depth: int
    ) -> tuple[Node, int]:
        start = self.events.get_event()
        tag = getattr(start, "tag", None)
        if tag is None or tag == "!":
            tag = self.resolver.resolve(cls, None, getattr(start, "implicit", True))
        node = cls(tag, [], flow_style=getattr(start, "flow_style", None))
        node.start_mark = start.start_mark
        if anchor is not None:
            self.anchors[anchor] = node
            self.open.add(id(node))
        height = 0
        while not self.events.check_event(end):
            if cls is MappingNode:
                key, key_height = self._node(depth + 1)
                value, value_height = self._node(depth + 1)
                node.value.append((key, value))
                height = max(height, key_height, value_height)
            else:
                item, item_height = self._node(depth + 1)
                node.value.append(item)
                height = max(height, item_height)
        node.end_mark = self.events.get_event().end_mark
        return node, height + 1


class _Unmeasured(Exception):
    """A guarded build met what only the careful composer measures exactly (a limit reached,
    a merge key, a collection as a key)."""


def _composed_by_libyaml(text: str) -> tuple[list[Node], bool] | None:
    """Every document's node graph composed by libyaml, which is much faster than
    :class:`_Composer`, and whether the limits were checked; None when libyaml is missing, a
    document fails to compose, or one breaks a limit: :class:`_Composer` then reads the text
    again and says where and why. Texts longer than LIBYAML_MAX_CHARS go to :class:`_Composer`
    too, which stops at MAX_NODES values instead of composing all of a hostile text first.

    A text without ``&`` has no anchors, so no aliases (an alias to nothing fails to compose):
    its documents are trees, whose size and depth the builder checks as it goes (``guard``)
    instead of a walk here that would cost as much as composing."""
    if _CLoader is None or len(text) > LIBYAML_MAX_CHARS:
        return None
    measure = "&" in text
    loader = _CLoader(text)
    nodes: list[Node] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if measure and not _within_limits(node):
                return None
            nodes.append(node)
    except yaml.YAMLError:
        return None
    return nodes, measure


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _within_limits(root: Node) -> bool:
    """Whether a composed document stays within MAX_NODES values (aliases expanded) and
    MAX_DEPTH levels, with no alias to a node that contains it. Each node is visited once."""
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (size, height)
    open_nodes: set[int] = set()  # the nodes on the current path from the root
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            parts = [measured[id(child)] for child in _children(node)]
            size = 1 + sum(part[0] for part in parts)
            height = 1 + max((part[1] for part in parts), default=0)
            if size > MAX_NODES or height > MAX_DEPTH:
                return False
            measured[key] = (size, height)
            open_nodes.discard(key)
            continue
        if key in measured:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                return False
            if id(child) not in measured:
                stack.append((child, False))
    return True


class _Builder:
    """Turns composed nodes into plain Python data, recording positions and problems."""

    def __init__(self, filename: str, *, guard: bool = False) -> None:
        self.filename = filename
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
                raise _Unmeasured
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self._tag(node, path)
            items = []
            for index, item in enumerate(node.value):
                self.positions[(*path, index)] = self.where(item.start_mark)
                items.append(self.build(item, (*path, index)))
            return items
        assert isinstance(node, MappingNode)
        if node.tag != _MAP:
            self._tag(node, path)
        return self._mapping(node, path)

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                continue
            if self.guard:
                raise _Unmeasured
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
            if key_node.tag == _MERGE:
                continue
            if not isinstance(key_node, ScalarNode):
                if self.guard:
                    raise _Unmeasured
                self.problem(
                    key_node.start_mark, path, "a mapping key must be plain text, not a collection"
                )
                continue
            key = sys.intern(key_node.value)  # thousands of manifests repeat the same keys
            if key in first:
                if self.guard:
                    raise _Unmeasured  # the repeated key's value still counts towards limits
                self.problem(
                    key_node.start_mark,
                    (*path, key),
                    f"duplicate key '{key}' (first at line {first[key].line + 1})",
                    "remove one of them",
                )
                continue
            first[key] = key_node.start_mark
            self.positions[(*path, key)] = self.where(key_node.start_mark)
            out[key] = self.build(value_node, (*path, key))
        for key, value in merged.items():
            out.setdefault(key, value)
        return out

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        if node.tag == _TIMESTAMP:
            try:
                return iso_timestamp(self.constructor.construct_yaml_timestamp(node))
            except ValueError as exc:
                self.problem(node.start_mark, path, f"'{node.value}' is not a valid date: {exc}")
                return node.value
        if node.tag not in _SCALAR_TAGS:
            self._tag(node, path)
            return node.value
        try:
            value = _scalar_value(node.tag, node.value)
            if isinstance(value, str) and len(value) <= 32:
                value = sys.intern(value)  # operators, types, names: repeated everywhere
        except ValueError:
            kind = node.tag.removeprefix(_CORE)
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


def _build_documents(
    nodes: Iterable[Node],
    filename: str,
    documents: list[Document],
    issues: list[Issue],
    *,
    guard: bool,
) -> tuple[list[Document], list[Issue]]:
    for node in nodes:
        builder = _Builder(filename, guard=guard)
        location = builder.where(node.start_mark)
        empty = isinstance(node, ScalarNode) and node.tag == _CORE + "null" and not node.value
        data = None if empty else builder.build(node, ())
        builder.positions[()] = location
        documents.append(Document(data, location, builder.positions))
        issues.extend(builder.issues)
    return documents, issues


def parse_documents(text: str, filename: str) -> tuple[list[Document], list[Issue]]:
    """Every document of a YAML stream, with positions; pure.

    A syntax error ends the stream: the documents before it are returned with the error.
    """
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return [], [too_big(filename, len(text.encode("utf-8", "surrogatepass")))]
    if "\x00" in text:
        return [], [_binary(filename)]
    composed = _composed_by_libyaml(text)
    if composed is not None:
        nodes, measured = composed
        try:
            return _build_documents(nodes, filename, [], [], guard=not measured)
        except _Unmeasured:
            pass  # the careful composer finds what is wrong, and where
    documents: list[Document] = []
    issues: list[Issue] = []
    try:
        _build_documents(_Composer(text).documents(), filename, documents, issues, guard=False)
    except _Refused as exc:
        issues.append(
            Issue(filename, exc.mark.line + 1, exc.mark.column + 1, exc.message, hint=exc.hint)
        )
    except yaml.YAMLError as exc:
        issues.append(_syntax_issue(exc, text, filename))
    return documents, issues


# -- writing ------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style with list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_PLAIN_READER: Any = _Resolver()


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    if style is None and _PLAIN_READER.resolve(ScalarNode, data, (True, False)) != _CORE + "str":
        style = "'"  # plain, phsync's reader would take it for a number, boolean or null
    return dumper.represent_scalar(_CORE + "str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_manifest(doc: Mapping[str, Any]) -> str:
    """One manifest as YAML text, fields in the order ``doc`` gives them."""
    text = yaml.dump(
        _plain(doc),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
        indent=2,
    )
    return str(text)


def dump_manifests(docs: Iterable[Mapping[str, Any]]) -> str:
    """Several manifests as one YAML stream, separated by ``---``."""
    return "---\n".join(dump_manifest(doc) for doc in docs)


def _plain(value: Any) -> Any:
    """Mappings and sequences as dicts and lists, so that the safe dumper accepts them."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
