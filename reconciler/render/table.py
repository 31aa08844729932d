"""Rows of API objects for people (aligned tables, field lists) and for scripts (JSON, JSONL).

Every function writes to the stream it is given; none prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
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
    """``rows`` as aligned columns under upper-case headers (``headers`` renames them).

    On a terminal (or with ``COLUMNS`` set) the widest columns are cut, with an ellipsis, until
    the table fits the width; JSON output keeps every value whole.
    """
    titles = [(headers or {}).get(name, name.replace("_", " ").upper()) for name in columns]
    body = [[cell(row.get(name), max_width) for name in columns] for row in rows]
    widths = [max([len(title)] + [len(line[i]) for line in body]) for i, title in enumerate(titles)]
    limit = terminal_width(stream)
    if limit is not None:
        widths = fit(widths, [len(title) for title in titles], limit)
    for line in [titles, *body]:
        text = "  ".join(
            _cut(value, width).ljust(width) for value, width in zip(line, widths, strict=True)
        )
        stream.write(text.rstrip() + "\n")


MIN_COLUMN = 8


def terminal_width(stream: TextIO) -> int | None:
    """The width to fit: ``COLUMNS`` if set, else the terminal's; None when writing elsewhere."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return shutil.get_terminal_size().columns
    return None


def fit(widths: Sequence[int], floors: Sequence[int], limit: int) -> list[int]:
    """Column widths that fit ``limit`` with two spaces between columns: the widest column
    gives a character at a time, none below its title or MIN_COLUMN; pure."""
    out = list(widths)
    lowest = [min(w, max(f, MIN_COLUMN)) for w, f in zip(widths, floors, strict=True)]
    excess = sum(out) + 2 * (len(out) - 1) - limit
    while excess > 0:
        candidates = [i for i in range(len(out)) if out[i] > lowest[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: out[i])
        out[widest] -= 1
        excess -= 1
    return out


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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
