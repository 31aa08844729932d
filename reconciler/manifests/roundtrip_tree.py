"""A YAML text as a tree of nodes that know where they are in it: ruamel.yaml's parser gives
each event's place, and the tree keeps the character span of every value, its anchor and
style, so that a rewrite can replace one value's characters and leave every other byte as it
was. Values here are the text's own; reading them as data is :mod:`yamlio`'s job."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)


@dataclass(eq=False, kw_only=True)
class Node:
    """One value: ``start`` is its first character (anchor or tag included), ``content`` the
    first character of the value itself, ``end`` just past its last character."""

    start: int
    content: int
    end: int
    anchor: str | None = None
    tag: bool = False


@dataclass(eq=False, kw_only=True)
class Scalar(Node):
    text: str = ""
    style: str | None = None  # None (plain), "'", '"', "|" or ">"
    chomp: str = ""  # a block scalar's chomping indicator: "", "-" or "+"
    empty: bool = False  # no characters at all (``key:`` with nothing after it)


@dataclass(eq=False, kw_only=True)
class Alias(Node):
    name: str = ""
    target: Node | None = None


@dataclass(eq=False, kw_only=True)
class Mapping(Node):
    flow: bool = False
    pairs: list[tuple[Node, Node]] = field(default_factory=list)

    def find(self, key: str) -> int | None:
        """The index of the pair whose key is ``key``, or None."""
        for index, (node, _) in enumerate(self.pairs):
            if isinstance(node, Scalar) and node.text == key:
                return index
        return None

    @property
    def merges(self) -> bool:
        return any(isinstance(k, Scalar) and k.text == "<<" and not k.style for k, _ in self.pairs)


@dataclass(eq=False, kw_only=True)
class Sequence(Node):
    flow: bool = False
    items: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Doc:
    root: Node
    aliases: tuple[Alias, ...]  # every alias of the document, in text order
    start: int  # where the document starts: its ``---``, or its first value


class TreeError(Exception):
    """Text the parser refuses; ``index`` is where."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def parse_tree(text: str) -> list[Doc]:
    """Every document of ``text`` as a tree of nodes with their spans."""
    parser = YAML(typ="rt", pure=True)
    try:
        events = list(parser.parse(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise TreeError(str(exc.problem or exc), mark.index if mark else 0) from exc
    except YAMLError as exc:
        raise TreeError(str(exc), 0) from exc
    return _Builder(text, iter(events)).documents()


class _Builder:
    def __init__(self, text: str, events: Iterator[Event]) -> None:
        self.text = text
        self.events = events
        self.anchors: dict[str, Node] = {}
        self.aliases: list[Alias] = []

    def documents(self) -> list[Doc]:
        docs: list[Doc] = []
        for event in self.events:
            if isinstance(event, StreamEndEvent):
                break
            if isinstance(event, DocumentStartEvent):
                self.anchors, self.aliases = {}, []
                root = self.node(next(self.events))
                end = next(self.events)
                assert isinstance(end, DocumentEndEvent)
                if isinstance(root, Scalar) and root.empty:
                    root.start = root.content = root.end = event.end_mark.index
                docs.append(Doc(root, tuple(self.aliases), event.start_mark.index))
        return docs

    def node(self, event: Event) -> Node:
        start = event.start_mark.index
        has_properties = self.text[start : start + 1] in ("&", "!")
        content = skip_properties(self.text, start) if has_properties else start
        anchor = getattr(event, "anchor", None)
        tag = content != start and "!" in self.text[start:content]
        made: Node
        if isinstance(event, AliasEvent):
            made = Alias(start=start, content=start, end=event.end_mark.index, name=event.anchor)
            made.target = self.anchors.get(event.anchor)
            self.aliases.append(made)
            return made
        if isinstance(event, ScalarEvent):
            made = self.scalar(event, start, content)
        elif isinstance(event, MappingStartEvent):
            made = Mapping(start=start, content=content, end=start, flow=bool(event.flow_style))
            self.mapping(made)
        else:
            assert isinstance(event, SequenceStartEvent)
            made = Sequence(start=start, content=content, end=start, flow=bool(event.flow_style))
            self.sequence(made)
        made.anchor, made.tag = anchor, tag
        if anchor is not None:
            self.anchors[anchor] = made
        return made

    def scalar(self, event: ScalarEvent, start: int, content: int) -> Scalar:
        end = event.end_mark.index
        style = event.style if event.style in ("'", '"', "|", ">") else None
        empty = style is None and event.value == "" and end == start
        chomp = ""
        if style in ("|", ">"):
            header = self.text[content + 1 : self.text.find("\n", content)]
            chomp = "+" if "+" in header else "-" if "-" in header else ""
            trimmed = end
            while trimmed > content and self.text[trimmed - 1] in " \t\n":
                trimmed -= 1
            last_break = self.text.rfind("\n", 0, end)
            end = last_break if chomp == "+" and last_break > trimmed else trimmed
        return Scalar(
            start=start,
            content=content,
            end=end,
            text=event.value,
            style=style,
            chomp=chomp,
            empty=empty,
        )

    def mapping(self, made: Mapping) -> None:
        for event in self.events:
            if isinstance(event, MappingEndEvent):
                made.end = event.end_mark.index if made.flow else made.end
                return
            key = self.node(event)
            value = self.node(next(self.events))
            if isinstance(value, Scalar) and value.empty:
                at = _after_colon(self.text, key.end)
                value.start = value.content = value.end = at
            made.pairs.append((key, value))
            made.end = max(made.end, key.end, value.end)

    def sequence(self, made: Sequence) -> None:
        for event in self.events:
            if isinstance(event, SequenceEndEvent):
                made.end = event.end_mark.index if made.flow else made.end
                return
            item = self.node(event)
            if isinstance(item, Scalar) and item.empty and not made.flow:
                after = made.items[-1].end if made.items else made.start
                at = next_dash(self.text, after) + 1
                item.start = item.content = item.end = at
            made.items.append(item)
            made.end = max(made.end, item.end)


def skip_properties(text: str, index: int) -> int:
    """The first character of a value after its anchor and tag (and the spaces, line breaks and
    comments between them and the value)."""
    while index < len(text) and text[index] in "&!":
        while index < len(text) and text[index] not in " \t\n,[]{}":
            index += 1
        index = skip_blank(text, index)
    return index


def skip_blank(text: str, index: int) -> int:
    """The next character that is not a space, a line break or part of a comment."""
    while index < len(text):
        char = text[index]
        if char == "#":
            index = line_end(text, index)
        elif char in " \t\n":
            index += 1
        else:
            break
    return index


def next_dash(text: str, index: int) -> int:
    """The next block-sequence dash at or after ``index``, comments skipped."""
    index = skip_blank(text, index)
    return index if text[index : index + 1] == "-" else len(text)


def dash_before(text: str, index: int) -> int | None:
    """The dash that introduces the block-sequence item starting at ``index`` (spaces, line
    breaks and comments may stand between them); None when there is none."""
    at = index - 1
    while at >= 0:
        char = text[at]
        if char in " \t\n":
            at -= 1
            continue
        start = line_start(text, at)
        before = text[start : at + 1]
        hash_at = _comment_start(before)
        if hash_at is not None:
            at = start + hash_at - 1
            continue
        return at if char == "-" else None
    return None


def _comment_start(line: str) -> int | None:
    """Where a comment starts in a line that holds only indicators, spaces and a comment."""
    for index, char in enumerate(line):
        if char == "#" and (index == 0 or line[index - 1] in " \t"):
            return index
        if char in "'\"":
            return None
    return None


def _after_colon(text: str, key_end: int) -> int:
    index = key_end
    while index < len(text) and text[index] in " \t":
        index += 1
    return index + 1 if text[index : index + 1] == ":" else key_end


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def line_end(text: str, index: int) -> int:
    """The index of the line break that ends the line holding ``index`` (or the text's end)."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found


def starts_line(text: str, index: int) -> bool:
    """Whether only spaces stand before ``index`` on its line."""
    return not text[line_start(text, index) : index].strip()


def is_empty(node: Node) -> bool:
    """A scalar with no characters at all (``key:`` with nothing after it)."""
    return isinstance(node, Scalar) and node.empty


def key_column(text: str, mapping: Mapping) -> int:
    """The column of a block mapping's keys: of the first key that starts its line (the first
    may follow a list item's ``- `` or an explicit key's ``? ``), else of the first."""
    for key, _ in mapping.pairs:
        if starts_line(text, key.start):
            return column(text, key.start)
    return column(text, mapping.pairs[0][0].start)


def column(text: str, index: int) -> int:
    return index - line_start(text, index)


def line_number(text: str, index: int) -> int:
    """1-based."""
    return text.count("\n", 0, index) + 1


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node inside it (aliases not followed)."""
    yield node
    if isinstance(node, Mapping):
        for key, value in node.pairs:
            yield from walk(key)
            yield from walk(value)
    elif isinstance(node, Sequence):
        for item in node.items:
            yield from walk(item)
