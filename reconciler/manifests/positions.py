"""Where each value of a manifest stands in its file, worked out when first asked.

Only error messages read positions, yet recording one per value of every manifest took a
third of the memory of a large project's manifests (and a tenth of the time to load them). So
a manifest loaded without a problem keeps a :class:`LazyPositions`: asked for a position, it
reads its document again, once, with every position recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path as FilePath

from reconciler.manifests import yamlio
from reconciler.model import SourceLocation

Path = tuple[str | int, ...]
_LOCK = threading.Lock()  # one for all: a project holds tens of thousands of these


class LazyPositions(Mapping[Path, SourceLocation]):
    """The positions of document ``index`` of the file ``source`` (or of ``text``, for a
    text that is no file). Should the file have changed since, the positions are those of
    the file as it is then, or none (and a message falls back to where the document starts)."""

    __slots__ = ("_source", "_index", "_text", "_found")

    def __init__(self, source: str, index: int, text: str | None = None) -> None:
        self._source = source
        self._index = index
        self._text = text
        self._found: dict[Path, SourceLocation] | None = None

    def _positions(self) -> dict[Path, SourceLocation]:
        with _LOCK:
            if self._found is None:
                text = self._text if self._text is not None else _read(self._source)
                documents = yamlio.parse_documents(text, self._source)[0] if text else []
                found = documents[self._index].positions if self._index < len(documents) else {}
                self._found, self._text = found, None
            return self._found

    def __getitem__(self, path: Path) -> SourceLocation:
        return self._positions()[path]

    def __iter__(self) -> Iterator[Path]:
        return iter(self._positions())

    def __len__(self) -> int:
        return len(self._positions())


def _read(source: str) -> str | None:
    try:
        return yamlio.decode(FilePath(source).read_bytes(), source)[0]
    except OSError:
        return None
