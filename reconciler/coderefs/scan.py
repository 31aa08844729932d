"""Reading source files for flag keys: each file once, as bytes, searched only with the forms
whose marker text it contains (most files contain none and cost one read and one search).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reconciler.coderefs.forms import JVM_SUFFIXES, SDK_FORMS, Forms, call_of, key_of
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
    if data.find(b"\0", 0, BINARY_PROBE) >= 0:
        return []
    found: list[tuple[int, str, str]] = []
    jvm = False
    for regex, marker in SDK_FORMS:
        if marker.search(data):
            jvm = jvm or os.path.splitext(path)[1] in JVM_SUFFIXES
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


def read_bytes(path: str) -> bytes:
    """A file's bytes, with the fewest system calls (no buffered reader around it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) <= size:
            return data
        chunks = [data]  # it grew while being read
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def scan(roots: Iterable[str], forms: Forms, exclude: Sequence[str] = ()) -> list[CodeRef]:
    """Every reference in the trees (or files) ``roots``, sorted by file and line; files are
    named as their root was given joined with their path inside it (no leading ``./``)."""
    refs: list[CodeRef] = []
    for root in roots:
        for file in walk(root, exclude):
            try:
                data = read_bytes(file)
            except OSError:
                continue
            if data:
                name = file[2:] if file.startswith("./") else file
                refs.extend(scan_file(name, data, forms))
    return sorted(refs)
