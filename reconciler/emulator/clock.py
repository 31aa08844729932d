"""Time as PostHog prints it: ISO-8601 UTC with microseconds and a ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    return iso(now())


def parse(text: str) -> datetime | None:
    """Parse an ISO date or datetime (naive means UTC); None when it is not one."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_relative(text: str, *, reference: datetime | None = None) -> datetime | None:
    """Parse PostHog's relative dates (``-3d``, ``-24h``, ``-2w``, ``-1m``, ``-1y``) or ISO."""
    text = text.strip()
    base = reference or now()
    units = {
        "h": timedelta(hours=1),
        "d": timedelta(days=1),
        "w": timedelta(weeks=1),
        "m": timedelta(days=30),
        "y": timedelta(days=365),
        "M": timedelta(minutes=1),
    }
    if text.startswith("-") and len(text) > 2 and text[-1] in units and text[1:-1].isdigit():
        return base - int(text[1:-1]) * units[text[-1]]
    if text in ("dStart", "today"):
        return base.replace(hour=0, minute=0, second=0, microsecond=0)
    return parse(text)
