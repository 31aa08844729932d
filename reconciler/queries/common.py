"""What the read-only queries share: the first N items of a lazy list, dates given as ISO or
relative (``-7d``), values typed on a command line, and lookups that fail in words.

Everything here is pure except :func:`page_size_for`, which only reads the client's table of
page sizes.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any, Generic, TypeVar

from reconciler.client import default_page_size
from reconciler.errors import ConfigError, NotFoundError

T = TypeVar("T")

ID_REF = re.compile(r"^#(\d+)$")
RELATIVE = re.compile(r"^-?(\d+)([hdwmy])$")  # -7d, or 7d: both mean 7 days ago
UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
UNIT_NAMES = {"h": "hour", "d": "day", "w": "week", "m": "month", "y": "year"}


@dataclass(frozen=True)
class Taken(Generic[T]):
    """The first items of a list, and whether PostHog holds more beyond them."""

    items: tuple[T, ...]
    more: bool


def take(items: Iterable[T], limit: int | None) -> Taken[T]:
    """At most ``limit`` items (all when None); reads one more to know if the list goes on."""
    if limit is None:
        return Taken(tuple(items), more=False)
    iterator = iter(items)
    first = tuple(islice(iterator, limit))
    more = next(iterator, _END) is not _END
    return Taken(first, more=more)


_END = object()


def page_size_for(limit: int | None, path: str) -> int | None:
    """The page size to ask for when the caller wants ``limit`` items of ``path``.

    One more than the limit, so that one page also says whether more exist; never above the
    client's own page size for the path. None (all items) keeps the client's default.
    """
    if limit is None:
        return None
    return max(1, min(limit + 1, default_page_size(path)))


def limited(items: Iterator[T], limit: int | None) -> Iterator[T]:
    return items if limit is None else islice(items, limit)


def parse_moment(text: str, *, now: datetime | None = None) -> str:
    """A moment given as ``2024-05-01``, ``2024-05-01T10:00:00Z`` or ``-7d`` (also ``-12h``,
    ``-2w``, ``-3m`` for months of 30 days, ``-1y``; the minus is optional: ``7d`` is 7 days
    ago too), as an ISO-8601 UTC timestamp."""
    value = text.strip()
    moment = now or datetime.now(UTC)
    match = RELATIVE.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        delta = timedelta(hours=amount) if unit == "h" else timedelta(days=amount * UNIT_DAYS[unit])
        return iso(moment - delta)
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return iso(datetime(day.year, day.month, day.day, tzinfo=UTC))
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"cannot read the date {text!r}",
            hint="give an ISO date or time (2024-05-01, 2024-05-01T10:00:00Z) or a relative "
            "one: -12h, -7d, -2w, -3m, -1y",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return iso(parsed)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_value(text: str) -> Any:
    """A command-line value: JSON when it parses (``42``, ``true``, ``["a"]``), else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_assignments(pairs: Sequence[str], *, option: str) -> dict[str, str]:
    """``["plan=pro", "country=DE"]`` as a dict, in order; the value keeps any further ``=``."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"{option} {pair!r} is not of the form KEY=VALUE",
                hint=f"write it as {option} plan=pro",
            )
        out[key.strip()] = value
    return out


def id_ref(text: str) -> int | None:
    """The id in ``#123`` (a way to name an object by id where names are expected), or None."""
    match = ID_REF.match(text.strip())
    return int(match.group(1)) if match else None


def not_found(message: str, *, url: str, hint: str | None = None) -> NotFoundError:
    """The error for a lookup that found nothing, in the form of PostHog's own 404."""
    return NotFoundError(message, status=404, method="GET", url=url, hint=hint)


def ambiguous(kind: str, name: str, ids: Sequence[int], *, command: str) -> ConfigError:
    """The error for a name that several objects share."""
    listed = ", ".join(str(i) for i in sorted(ids))
    return ConfigError(
        f"{len(ids)} {kind}s are named {name!r} (ids {listed})",
        hint=f"name one by id, e.g. `phsync {command} '#{min(ids)}'`",
    )


def suggestion(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a candidate is close to ``name``, else nothing."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def exact_matches(items: Iterable[dict[str, Any]], field: str, name: str) -> list[dict[str, Any]]:
    """Items whose ``field`` equals ``name``; if none does, those equal ignoring case."""
    pool = list(items)
    same = [item for item in pool if item.get(field) == name]
    if same:
        return same
    folded = name.casefold()
    return [item for item in pool if str(item.get(field) or "").casefold() == folded]


def text(value: Any) -> str | None:
    """A field as text, None when absent or empty."""
    return None if value is None or value == "" else str(value)


def percent(value: Any) -> str:
    """``10`` -> ``10%``, ``12.5`` -> ``12.5%``, None (PostHog's "everyone") -> ``100%``."""
    if value is None:
        return "100%"
    number = float(value)
    return f"{number:g}%"


def duration(seconds: Any) -> str:
    """Seconds in words for a table: ``3m 12s``, ``1h 02m``, ``45s``."""
    if seconds is None:
        return ""
    total = int(round(float(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
