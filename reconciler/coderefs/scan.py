"""Reading source files for flag keys: each file once, as bytes, searched only with the forms
whose marker text it contains (most files contain none and cost one read and one search).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.coderefs.forms import JVM_SUFFIXES, SDK_FORMS, SDK_MARKER, Forms, call_of, key_of
from reconciler.coderefs.walk import walk

# Git's test for a binary file: a NUL byte in the first 8,000 bytes.
BINARY_PROBE = 8000


@dataclass(frozen=True, order=True)
class CodeRef:
    """A flag key read at ``file:line`` (``file`` as given on the command line, joined with the
    path inside the tree); ``form`` is the SDK call or the user pattern that matched."""

    file: str
    line: int
    key: str
    form: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def scan_file(path: str, data: bytes, forms: Forms) -> list[CodeRef]:
    """The references in one file's bytes (pure); binary files have none."""
    if b"\0" in data[:BINARY_PROBE]:
        return []
    found: list[tuple[int, str, str]] = []
    if SDK_MARKER in data:
        jvm = os.path.splitext(path)[1] in JVM_SUFFIXES
        for regex in SDK_FORMS:
            for match in regex.finditer(data):
                named = key_of(match, jvm)
                if named:
                    found.append((named[1], named[0].decode("utf-8", "replace"), call_of(match)))
    for pattern in forms.patterns:
        if pattern.marker and pattern.marker not in data:
            continue
        for match in pattern.regex.finditer(data):
            named = key_of(match, False)
            if named:
                found.append((named[1], named[0].decode("utf-8", "replace"), pattern.text))
    if not found:
        return []
    found.sort()
    refs, line, offset = [], 1, 0
    for start, key, form in found:
        line += data.count(b"\n", offset, start)
        offset = start
        refs.append(CodeRef(path, line, key, form))
    return sorted(set(refs))


def _display(root: str, file: Path, root_path: Path) -> str:
    if root_path.is_file():
        return root
    relative = file.relative_to(root_path).as_posix()
    return relative if root in (".", "./") else f"{root.rstrip('/')}/{relative}"


def scan(roots: Iterable[str], forms: Forms, exclude: Sequence[str] = ()) -> list[CodeRef]:
    """Every reference in the trees (or files) ``roots``, sorted by file and line."""
    refs: list[CodeRef] = []
    for root in roots:
        root_path = Path(root)
        for file in walk(root_path, exclude):
            try:
                with open(file, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            if data:
                refs.extend(scan_file(_display(root, file, root_path), data, forms))
    return sorted(refs)
