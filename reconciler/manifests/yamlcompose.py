"""YAML text to node graphs, within limits that make hostile input fail cleanly: nesting depth
and the number of nodes a document holds once every alias is expanded. libyaml composes when it
is installed and the text is small enough; the careful composer (PyYAML's, with the limits)
reads everything else, and says where and why it refuses. The resolver is YAML 1.2's core
schema, plus YAML 1.1 timestamps and merge keys."""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator
from typing import Any, Protocol

import yaml
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

MAX_NODES = 100_000
MAX_DEPTH = 64
# libyaml composes a whole document before phsync can count its values; YAML holds at most
# about one value per character, so this bounds what a hostile text makes it build.
LIBYAML_MAX_CHARS = 256 * 1024

CORE = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(CORE + name for name in ("str", "int", "float", "bool", "null"))
TIMESTAMP = CORE + "timestamp"
MERGE = CORE + "merge"
MAP = CORE + "map"
SEQ = CORE + "seq"


class CoreResolver(BaseResolver):
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
    CoreResolver.add_implicit_resolver(CORE + _tag, re.compile(_pattern), list(_first))
for _first_char, _resolvers in Resolver.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        if _tag == TIMESTAMP:
            CoreResolver.add_implicit_resolver(_tag, _regexp, [_first_char])


class _EventSource(Protocol):
    def check_event(self, *choices: type[Event]) -> bool: ...
    def peek_event(self) -> Any: ...
    def get_event(self) -> Any: ...


def _libyaml_loader() -> Any:
    try:
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return None

    class CLoader(CParser, CoreResolver):
        """libyaml's parser and composer with phsync's resolver, as CSafeLoader is built.

        libyaml calls three of the resolver's methods for every node, and most of a manifest's
        scalars are the same few keys and words; so the tags of plain scalars are remembered,
        and the two hooks that serve only path resolvers (phsync adds none) are functions of C
        that do nothing, in place of Python methods that return at once."""

        descend_resolver = staticmethod(operator.is_)  # type: ignore[assignment]
        ascend_resolver = tuple  # type: ignore[assignment]

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            CoreResolver.__init__(self)

        def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
            if kind is not ScalarNode or not implicit[0]:
                return _DEFAULT_TAGS[kind]  # a collection, or a quoted scalar
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = CoreResolver.resolve(self, kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(_PLAIN_TAGS) >= PLAIN_TAGS_KEPT:
                    _PLAIN_TAGS.clear()
                _PLAIN_TAGS[value] = tag
            return tag

    assert not CoreResolver.yaml_path_resolvers  # what makes the hooks above safe to skip
    return CLoader


# The tag of each plain scalar seen lately (its text decides it); emptied when full.
PLAIN_TAGS_KEPT = 20_000
_PLAIN_TAGS: dict[str, str] = {}
_DEFAULT_TAGS = {ScalarNode: CORE + "str", SequenceNode: SEQ, MappingNode: MAP}


CLoader = _libyaml_loader()


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


class Refused(Exception):
    """Input that breaks a limit or a rule of the composer; carries the offending place."""

    def __init__(self, message: str, mark: Any, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


class Composer:
    """PyYAML's composer, plus limits on depth, expanded size and recursive aliases."""

    def __init__(self, text: str) -> None:
        self.events = _event_source(text)
        self.resolver: Any = CoreResolver()
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
                raise Refused(f"undefined alias '*{anchor}'", event.start_mark)
            node = self.anchors[anchor]
            if id(node) in self.open:
                raise Refused(
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
            raise Refused(f"unexpected YAML event {type(event).__name__}", event.start_mark)
        if anchor is not None:
            self.anchors[anchor] = node
            self.sizes[id(node)] = (self.count - before, height)
            self.open.discard(id(node))
        return node, height

    def _grow(self, nodes: int, depth: int, event: Any) -> None:
        self.count += nodes
        if self.count > MAX_NODES:
            raise Refused(
                f"document too large: more than {MAX_NODES} values once aliases are expanded",
                event.start_mark,
                "split it into several documents or files; avoid aliases of large blocks",
            )
        if depth > MAX_DEPTH:
            raise Refused(
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


class Unmeasured(Exception):
    """A guarded build met what only the careful composer measures exactly (a limit reached,
    a merge key, a collection as a key)."""


def composed_by_libyaml(text: str) -> tuple[list[Node], bool] | None:
    """Every document's node graph composed by libyaml, which is much faster than
    :class:`Composer`, and whether the limits were checked; None when libyaml is missing, a
    document fails to compose, or one breaks a limit: :class:`Composer` then reads the text
    again and says where and why. Texts longer than LIBYAML_MAX_CHARS go to :class:`Composer`
    too, which stops at MAX_NODES values instead of composing all of a hostile text first.

    A text without ``&`` has no anchors, so no aliases (an alias to nothing fails to compose):
    its documents are trees, whose size and depth the builder checks as it goes (``guard``)
    instead of a walk here that would cost as much as composing."""
    if CLoader is None or len(text) > LIBYAML_MAX_CHARS:
        return None
    measure = "&" in text
    loader = CLoader(text)
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


