"""The one place that reads and writes YAML.

Reading composes the node graph from parser events (libyaml's parser when it is installed, for
speed) with limits that make hostile input fail cleanly: file size, nesting depth, and the
number of nodes a document holds once every alias is expanded. Values are then built by hand
from the nodes, so that every mapping key and list item keeps its line and column, duplicate
keys are reported, and only JSON-like values come out: mapping keys are always the key's text
(``true:`` gives the key ``"true"``), scalars follow YAML 1.2's core schema (``yes`` and ``no``
are text, not booleans), timestamps become ISO strings in UTC, and other tags are refused.

Composing, and its limits, is :mod:`reconciler.manifests.yamlcompose`; building values from
the nodes is :mod:`reconciler.manifests.yamlbuild`; writing is
:mod:`reconciler.manifests.yamlwrite`.
"""

from __future__ import annotations

import yaml

from reconciler.errors import Issue
from reconciler.manifests.yamlbuild import Document as Document
from reconciler.manifests.yamlbuild import Path as Path
from reconciler.manifests.yamlbuild import build_documents
from reconciler.manifests.yamlbuild import iso_timestamp as iso_timestamp
from reconciler.manifests.yamlcompose import (
    Composer,
    Refused,
    Unmeasured,
    composed_by_libyaml,
)

MAX_FILE_BYTES = 10 * 1024 * 1024


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
            return build_documents(
                nodes, filename, [], [], guard=not measured, record=positions
            )
        except Unmeasured:
            pass  # the careful composer finds what is wrong, and where
    documents: list[Document] = []
    issues: list[Issue] = []
    try:
        build_documents(
            Composer(text).documents(), filename, documents, issues, guard=False, record=positions
        )
    except Refused as exc:
        issues.append(
            Issue(filename, exc.mark.line + 1, exc.mark.column + 1, exc.message, hint=exc.hint)
        )
    except yaml.YAMLError as exc:
        issues.append(_syntax_issue(exc, text, filename))
    return documents, issues
