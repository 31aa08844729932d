"""Where an edit lands in a YAML text: the node its path names, found through the tree of
:mod:`roundtrip_tree`, refused when the path goes through an alias or a merge key (a change
there would change other values too); and the splice, the one change of the text that an edit
becomes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.manifests.roundtrip_tree import Alias, Mapping, Node, Scalar, Sequence


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
    under: str = ""  # the key the value is under (a list item's: its list's key)


def locate(
    text: str, root: Node, path: tuple[str | int, ...], render: Any, *, removing: bool
) -> Slot:
    """The slot that ``path`` names; :class:`Refusal` when the path goes through an alias or a
    merge key, or through something that is not there. A key that a merge key provides can be
    set (the mapping gets its own, which wins over the merged one), not removed."""
    node, ancestors = root, [root]
    name = next((key for key in reversed(path) if isinstance(key, str)), "")
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
            explicit = next((k for k, _ in node.pairs if _explicit(text, k)), None)
            if last and explicit is not None:
                raise Refusal(
                    explicit.start,
                    "this mapping writes a key in the explicit form ('? key'), which pull does "
                    "not rewrite",
                    "write its keys as 'key: value', then run pull again",
                )
            index = node.find(key)
            if index is None and node.merges and (removing or not last):
                raise Refusal(
                    node.start,
                    f"{render(path[: depth + 1])} comes from a merge key ('<<'), which shares "
                    "it with other values",
                    "write the key out in this mapping instead of merging it, then run pull again",
                )
            if index is not None and last and removing and key in _merged_keys(node):
                raise Refusal(
                    node.pairs[index][0].start,
                    f"removing {render(path)} would bring back the value its merge key ('<<') "
                    "gives it",
                    "remove the merge key, or write the merged keys out, then run pull again",
                )
            child = None if index is None else node.pairs[index][1]
        elif isinstance(node, Sequence) and isinstance(key, int):
            index = key if 0 <= key < len(node.items) else None
            child = None if index is None else node.items[index]
        else:
            raise Refusal(node.start, f"{render(path[:depth])} is not a collection with {key!r}")
        if last:
            return Slot(node, index, child, tuple(ancestors), name)
        if child is None:
            raise Refusal(node.start, f"{render(path[: depth + 1])} does not exist")
        node = child
        ancestors.append(node)
    return Slot(None, None, root, ())


def _explicit(text: str, key: Node) -> bool:
    """Whether ``key`` follows a ``?`` indicator."""
    before = text[text.rfind("\n", 0, key.start) + 1 : key.start].rstrip()
    return before.endswith("?") and (len(before) == 1 or before[-2] in " -")


def _merged_keys(mapping: Mapping) -> set[str]:
    """The keys that the merge keys of ``mapping`` bring in."""
    keys: set[str] = set()
    for key, value in mapping.pairs:
        if not (isinstance(key, Scalar) and key.text == "<<" and not key.style):
            continue
        sources = value.items if isinstance(value, Sequence) else [value]
        for source in sources:
            target = source.target if isinstance(source, Alias) else source
            if isinstance(target, Mapping):
                keys |= {k.text for k, _ in target.pairs if isinstance(k, Scalar)}
                keys |= _merged_keys(target)
    return keys
