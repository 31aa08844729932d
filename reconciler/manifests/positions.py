"""Where each value of a manifest stands in its file, worked out when first asked.

Only error messages read positions, yet recording one per value of every manifest took a
third of the memory of a large project's manifests (and a tenth of the time to load them). So
a manifest loaded without a problem keeps a :class:`LazyPositions`: asked for a position, it
reads its document again, once, with every position recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping

from reconciler.model import SourceLocation

Path = tuple[str | int, ...]


class LazyPositions(Mapping[Path, SourceLocation]):
    """The positions of document ``index`` of the text that ``read()`` returns; ``parse``
    turns a text into the positions of each of its documents. Should the text have changed
    since (a file edited meanwhile), the positions are those of the text as it is then, or
    none (and a message falls back to where the document starts)."""

    __slots__ = ("_read", "_parse", "_index", "_found", "_lock")

    def __init__(
        self,
        read: Callable[[], str | None],
        parse: Callable[[str], list[dict[Path, SourceLocation]]],
        index: int,
    ) -> None:
        self._read = read
        self._parse = parse
        self._index = index
        self._found: dict[Path, SourceLocation] | None = None
        self._lock = threading.Lock()

    def _positions(self) -> dict[Path, SourceLocation]:
        with self._lock:
            if self._found is None:
                text = self._read()
                every = self._parse(text) if text is not None else []
                self._found = every[self._index] if self._index < len(every) else {}
            return self._found

    def __getitem__(self, path: Path) -> SourceLocation:
        return self._positions()[path]

    def __iter__(self) -> Iterator[Path]:
        return iter(self._positions())

    def __len__(self) -> int:
        return len(self._positions())
