"""Rows of API objects for people (aligned tables, field lists) and for scripts (JSON, JSONL).

Every function writes to the stream it is given; none prints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

MAX_CELL = 60
EMPTY = ""


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def moment(text: str) -> str:
    """An ISO timestamp to the second in the local time zone, the zone named
    (``2026-05-01 14:03:07 UTC``); any other text as it is. A time without a zone is UTC, as
    PostHog means it."""
    if not _TIMESTAMP.fullmatch(text):
        return text
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    local = parsed.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S ") + (local.tzname() or local.strftime("%z"))


def cell(value: Any, limit: int | None = MAX_CELL) -> str:
    """One value as table text: strings as they are (timestamps to the second, with their
    zone), containers as compact JSON, cut if long."""
    if value is None:
        text = EMPTY
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, str):
        text = moment(" ".join(value.split()))  # a newline would break the row
    elif isinstance(value, int | float):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def render_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    stream: TextIO,
    *,
    headers: Mapping[str, str] | None = None,
    max_width: int | None = MAX_CELL,
) -> None:
    """``rows`` as aligned columns under upper-case headers (``headers`` renames them)."""
    titles = [(headers or {}).get(name, name.replace("_", " ").upper()) for name in columns]
    body = [[cell(row.get(name), max_width) for name in columns] for row in rows]
    widths = [max([len(title)] + [len(line[i]) for line in body]) for i, title in enumerate(titles)]
    for line in [titles, *body]:
        text = "  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True))
        stream.write(text.rstrip() + "\n")


def render_fields(
    fields: Iterable[tuple[str, Any]], stream: TextIO, *, max_width: int | None = None
) -> None:
    """``name  value`` lines, names aligned: one object, read top to bottom."""
    pairs = [(name, cell(value, max_width)) for name, value in fields]
    width = max((len(name) for name, _ in pairs), default=0)
    for name, value in pairs:
        stream.write(f"{name.ljust(width)}  {value}".rstrip() + "\n")


def render_json(data: Any, stream: TextIO) -> None:
    """Indented JSON with a final newline; non-JSON values (dates) as strings."""
    json.dump(data, stream, indent=2, ensure_ascii=False, default=str)
    stream.write("\n")


def render_jsonl(rows: Iterable[Any], stream: TextIO) -> None:
    """One compact JSON document per line; rows may be a lazy iterator (written as they come)."""
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=str))
        stream.write("\n")
