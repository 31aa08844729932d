"""Flags past the ``expires:`` date of their manifest (pure: the caller gives today's date)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from reconciler.errors import Issue
from reconciler.model import Manifest, ResourceKey


@dataclass(frozen=True)
class Expired:
    key: ResourceKey
    expires: date
    owner: str | None
    file: str
    line: int

    def __str__(self) -> str:
        owner = f", owner {self.owner}" if self.owner else ", no owner"
        where = f"{self.file}:{self.line}"
        return f"{self.key.name} expired on {self.expires.isoformat()}{owner} ({where})"

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key.name,
            "expires": self.expires.isoformat(),
            "owner": self.owner,
            "file": self.file,
            "line": self.line,
        }


def expired_flags(manifests: Iterable[Manifest], today: date) -> list[Expired]:
    """The flags whose ``expires:`` date is before ``today``, in manifest order. A date that
    does not parse is left to validation (the schema and :func:`date_issues`)."""
    found = []
    for manifest in manifests:
        if manifest.kind != "FeatureFlag" or manifest.expires is None:
            continue
        try:
            when = date.fromisoformat(manifest.expires)
        except ValueError:
            continue
        if when < today:
            where = manifest.where(("expires",))
            found.append(Expired(manifest.key, when, manifest.owner, where.file, where.line))
    return found


def date_issues(manifests: Iterable[Manifest]) -> list[Issue]:
    """``expires:`` values that look like dates but are not (``2026-02-30``)."""
    issues = []
    for manifest in manifests:
        value = manifest.expires
        if manifest.kind != "FeatureFlag" or value is None:
            continue
        try:
            date.fromisoformat(value)
        except ValueError as exc:
            where = manifest.where(("expires",))
            issues.append(
                Issue(where.file, where.line, where.column, f"'{value}' is not a date: {exc}",
                      "expires", "write the date as YYYY-MM-DD, e.g. expires: 2026-12-31")
            )  # fmt: skip
    return issues
