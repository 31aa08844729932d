"""Rewriting a manifest file in place: values changed, everything else kept.

:func:`rewrite` takes a YAML text and a list of :class:`Edit` (replace a value, add a key,
append an item, remove a key or item) and returns the new text. Each edit becomes one splice
of the text (:mod:`roundtrip_splice`): the characters of the value it changes are replaced and
no other character moves, so comments, key order, quotes, flow and block style, blank lines,
anchors, indentation, document markers and the other documents of the file stay as they were.
New values are written in the file's own indentation and quoting (:mod:`roundtrip_render`).

Every result is read back with phsync's own reader and compared with the original data with
exactly the edits applied; a text that does not read back so is never returned: the edit is
refused with :class:`~reconciler.errors.RoundTripError`, which names the file, the line and why.
Pure: text in, text out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence as Seq
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from reconciler.errors import Issue, RoundTripError
from reconciler.manifests.roundtrip_layout import Layout, detect_layout
from reconciler.manifests.roundtrip_locate import Refusal, Slot, locate
from reconciler.manifests.roundtrip_remove import remove
from reconciler.manifests.roundtrip_render import Unwritable
from reconciler.manifests.roundtrip_splice import add_key, append, replace
from reconciler.manifests.roundtrip_tree import (
    Doc,
    Mapping,
    Sequence,
    TreeError,
    line_number,
    parse_tree,
    walk,
)
from reconciler.manifests.yamlio import Document, parse_documents
from reconciler.paths import render

__all__ = ["REMOVE", "Edit", "RoundTripError", "rewrite"]


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Final = _Remove()
"""The value of an :class:`Edit` that deletes its key or list item."""

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Edit:
    """Set (or, with :data:`REMOVE`, delete) the value at ``path`` of document ``document``
    (0-based) of a file. A missing last key is added at the end of its mapping; a list index
    equal to the list's length appends."""

    document: int
    path: Path
    value: object


def rewrite(text: str, edits: Seq[Edit], *, source: str = "<text>") -> str:
    """``text`` with ``edits`` applied in order, each path read against the text as the earlier
    edits left it; ``text`` itself when there are no edits. RoundTripError when the file
    cannot be rewritten faithfully."""
    if not edits:
        return text
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body, crlf = _line_breaks(text[len(bom) :], source)
    original = _read(body, source)
    tree = _tree(body, source)
    layout = detect_layout(body, tree)
    # Each edit reads and rewrites its own document alone (a long file is read once, not once
    # an edit), led by as many line breaks as stand before it so that lines keep their numbers.
    cuts = [0, *(doc.start for doc in tree[1:]), len(body)]
    parts = [body[start:end] for start, end in zip(cuts, cuts[1:], strict=False)]
    shared: list[_Shared] = []
    for edit in edits:
        if not 0 <= edit.document < len(parts) or len(parts) != len(original):
            raise RoundTripError(
                source,
                1,
                f"no document {edit.document} (the file has {len(original)}, counted from 0)",
            )
        lead = "\n" * sum(part.count("\n") for part in parts[: edit.document])
        done, notes = _one(lead + parts[edit.document], _alone(edit), layout, source)
        if not done.startswith(lead):
            _refuse(edit, notes, [], source)
        parts[edit.document] = done[len(lead) :]
        shared.extend(notes)
    current = "".join(parts)
    _verify(current, edits, original, shared, source)
    if crlf:
        current = current.replace("\n", "\r\n")
    return bom + current


def _alone(edit: Edit) -> Edit:
    """The edit of a document read alone."""
    return Edit(0, edit.path, edit.value)


def _line_breaks(text: str, source: str) -> tuple[str, bool]:
    """The text with ``\\n`` line breaks, and whether it had ``\\r\\n`` ones."""
    if "\r" not in text:
        return text, False
    if text.count("\r") == text.count("\r\n") == text.count("\n"):
        return text.replace("\r\n", "\n"), True
    lines = text.splitlines(keepends=True)
    endings = [line[len(line.rstrip("\r\n")) :] for line in lines]
    bad = next(
        (i for i, end in enumerate(endings) if end not in ("", endings[0]) or end == "\r"), 0
    )
    raise RoundTripError(
        source,
        bad + 1,
        "the file mixes line endings (\\r\\n and \\n, or a lone \\r)",
        hint="save the file with one kind of line ending throughout, then run pull again",
    )


def _read(text: str, source: str) -> list[Any]:
    return [document.data for document in _documents(text, source)]


def _documents(text: str, source: str) -> list[Document]:
    documents, issues = parse_documents(text, source)
    if issues:
        first = issues[0]
        raise RoundTripError(
            source,
            first.line,
            f"cannot rewrite a file that does not read: {first.message}",
            hint=first.hint or "fix the file (phsync validate shows every problem), then pull",
        )
    return documents


def _tree(text: str, source: str) -> list[Doc]:
    try:
        return parse_tree(text)
    except TreeError as exc:  # text that phsync reads but the round-trip parser does not
        hint = (
            "write spaces instead of the tab, then run pull again"
            if "\\t" in str(exc) or "\t" in str(exc)
            else "make this change by hand"
        )
        raise RoundTripError(
            source, line_number(text, exc.index), f"cannot rewrite this file: {exc}", hint=hint
        ) from exc


def _one(text: str, edit: Edit, layout: Layout, source: str) -> tuple[str, list[_Shared]]:
    """The text after one edit, and what it changed that an alias repeats."""
    read = _documents(text, source)
    data = [document.data for document in read]
    docs = _tree(text, source)
    if not 0 <= edit.document < len(docs) or len(docs) != len(data):
        raise RoundTripError(
            source, 1, f"no document {edit.document} (the file has {len(data)}, counted from 0)"
        )
    doc, path = docs[edit.document], tuple(edit.path)
    value = edit.value if edit.value is REMOVE else _copy(edit.value)
    parent, present, current = _walk(read[edit.document], path, source)
    if value is REMOVE and not present:
        return text, []
    if value is not REMOVE and present and _same(current, value):
        return text, []
    if path and value is REMOVE and len(parent) == 1:
        return _one(
            text,
            Edit(edit.document, path[:-1], {} if isinstance(parent, dict) else []),
            layout,
            source,
        )
    if path and value is not REMOVE and not present and not parent:
        filled = {path[-1]: value} if isinstance(parent, dict) else [value]
        return _one(text, Edit(edit.document, path[:-1], filled), layout, source)
    if not path and value is REMOVE:
        raise RoundTripError(
            source,
            line_number(text, doc.root.start),
            "cannot remove a whole document",
            hint="delete it by hand",
        )
    try:
        slot = locate(text, doc.root, path, render, removing=value is REMOVE)
        if value is REMOVE:
            change = remove(text, slot)
        elif slot.node is not None:
            change = replace(text, slot, value, layout)
        elif isinstance(slot.parent, Mapping):
            change = add_key(text, slot.parent, str(path[-1]), value, layout)
        else:
            assert isinstance(slot.parent, Sequence)
            change = append(text, slot.parent, value, layout, slot.under)
    except Refusal as exc:
        raise RoundTripError(source, line_number(text, exc.index), exc.what, hint=exc.hint) from exc
    except Unwritable as exc:
        raise RoundTripError(
            source, line_number(text, doc.root.start), f"cannot write {render(path)}: {exc}"
        ) from exc
    after, notes = change.apply(text), _shared(text, doc, slot, path)
    documents, issues = parse_documents(after, source)
    expected = [_copy(document) for document in data]
    expected[edit.document] = _applied(expected[edit.document], path, value)
    # a change that an alias repeats is checked once all edits are made (they may cover it)
    if issues or (not notes and not _same([d.data for d in documents], expected)):
        if layout.blocks:  # a block scalar may take in the lines after it: quote instead
            return _one(text, edit, dataclasses.replace(layout, blocks=False), source)
        _refuse(edit, notes, issues, source)
    return after, notes


def _walk(document: Document, path: Path, source: str) -> tuple[Any, bool, Any]:
    """The collection holding the path's last key, whether the key is there, and its value;
    RoundTripError, at the line of the last value the path reaches, when it leads nowhere."""
    node: Any = document.data
    for depth, key in enumerate(path):
        where = document.positions.get(path[:depth], document.location).line
        if isinstance(node, dict) and isinstance(key, str):
            present = key in node
        elif isinstance(node, list) and isinstance(key, int) and not isinstance(key, bool):
            if not 0 <= key <= len(node):
                raise RoundTripError(
                    source,
                    where,
                    f"{render(path[: depth + 1])} is past the end of a list of {len(node)}",
                    hint="append with the index equal to the list's length",
                )
            present = key < len(node)
        else:
            raise RoundTripError(
                source,
                where,
                f"{render(path[:depth]) or 'the document'} is {_kind(node)}; it has no {key!r}",
            )
        if depth == len(path) - 1:
            return node, present, node[key] if present else None
        if not present:
            raise RoundTripError(
                source,
                where,
                f"{render(path[: depth + 1])} does not exist",
                hint="set the nearest existing value to the whole new value",
            )
        node = node[key]
    return None, True, document.data


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, list) else "not a collection"


@dataclass(frozen=True)
class _Shared:
    """A value an edit changed that an alias repeats: the anchor's line, and what happened."""

    line: int
    note: str


def _shared(text: str, doc: Doc, slot: Slot, path: Path) -> list[_Shared]:
    """What the edit changed that aliases repeat: one note per anchor, with its aliases."""
    notes = []
    inside = list(walk(slot.node)) if slot.node is not None else []
    for node in (*slot.ancestors, *inside):
        if node.anchor is None:
            continue
        uses = [
            alias
            for alias in doc.aliases
            if alias.name == node.anchor and not node.start <= alias.start < node.end
        ]
        if uses:
            lines = ", ".join(str(line_number(text, alias.start)) for alias in uses)
            line = line_number(text, node.start)
            notes.append(
                _Shared(
                    line,
                    f"changing {render(path) or 'the document'} changes &{node.anchor} "
                    f"(line {line}), which *{node.anchor} repeats at line {lines}",
                )
            )
    return notes


def _verify(
    after: str, edits: Seq[Edit], original: list[Any], shared: list[_Shared], source: str
) -> None:
    """Refuse a text that does not read back as the original data with the edits applied."""
    expected = [_copy(doc) for doc in original]
    for edit in edits:
        expected[edit.document] = _applied(expected[edit.document], tuple(edit.path), edit.value)
    documents, issues = parse_documents(after, source)
    got = [document.data for document in documents]
    if not issues and _same(got, expected):
        return
    _refuse(None, shared, issues, source)


def _refuse(edit: Edit | None, shared: list[_Shared], issues: list[Issue], source: str) -> NoReturn:
    if shared:
        raise RoundTripError(
            source,
            shared[0].line,
            f"the edit would change a value that an alias repeats: {shared[0].note}",
            hint="write that value out in full where the alias stands, then run pull again",
        )
    where = f" at {render(edit.path) or 'the document root'}" if edit is not None else ""
    detail = issues[0].message if issues else "the values read back differ"
    raise RoundTripError(
        source,
        issues[0].line if issues else 1,
        f"cannot rewrite this file faithfully{where} ({detail}); it was left as it was",
        hint="make this change by hand",
    )


def _applied(data: Any, path: Path, value: object) -> Any:
    if not path:
        return _copy(value)
    head, rest = path[0], path[1:]
    if rest:
        data[head] = _applied(data[head], rest, value)
    elif value is REMOVE:
        if isinstance(data, dict):
            data.pop(head, None)
        elif isinstance(head, int) and head < len(data):
            del data[head]
    elif isinstance(data, list) and head == len(data):
        data.append(_copy(value))
    else:
        data[head] = _copy(value)
    return data


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(item) for item in value]
    return value


def _same(left: Any, right: Any) -> bool:
    """Equal, and of the same types all the way down (``1`` is not ``True`` nor ``1.0``)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(_same, left, right))
    return type(left) is type(right) and bool(left == right)
