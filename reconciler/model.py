"""Value types shared by manifests, planning, apply and rendering. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

# The kinds phsync manages, in dependency order: a kind may reference kinds before it
# (a cohort includes another cohort, a flag targets a cohort or another flag, an insight
# counts actions and filters on cohorts, an annotation names its dashboard).
KINDS: tuple[str, ...] = ("Cohort", "Action", "FeatureFlag", "Insight", "Dashboard", "Annotation")

# The field that identifies an object of each kind in manifests.
IDENTITY_FIELD: dict[str, str] = {
    "FeatureFlag": "key",
    "Cohort": "name",
    "Dashboard": "name",
    "Annotation": "name",
    "Action": "name",
    "Insight": "name",
}

# Top-level manifest fields that belong to phsync, not to PostHog.
PHSYNC_FIELDS: frozenset[str] = frozenset({"kind", "ignore", "allow", "expires", "owner"})
# The phsync fields kept on :attr:`Manifest.meta` (a flag's end date and its owner).
META_FIELDS: tuple[str, ...] = ("expires", "owner")
# What a manifest's `allow` may permit despite the policies in phsync.yaml.
ALLOWANCES: tuple[str, ...] = ("deactivate", "rollout-increase")


@dataclass(frozen=True, slots=True)  # one per YAML value of every manifest: keep it small
class SourceLocation:
    """A place in a manifest file (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)  # tens of thousands in a plan: keep them small
class ResourceKey:
    """Identity of a managed object: its kind and its name (a flag's key, otherwise its name)."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> ResourceKey:
        kind, sep, name = text.partition("/")
        if not sep or not name:
            raise ValueError(f"expected KIND/NAME, got {text!r}")
        return cls(kind, name)


@dataclass(frozen=True)
class Manifest:
    """One YAML document, validated.

    ``spec`` holds the PostHog fields as written (references are still names), without
    ``kind``, ``ignore`` and ``allow``. ``positions`` maps a field path (a tuple of keys and
    list indexes) to where it stands in the file, for error messages.
    """

    kind: str
    name: str
    spec: dict[str, Any]
    location: SourceLocation
    ignore: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False)  # expires, owner as written
    positions: Mapping[tuple[str | int, ...], SourceLocation] = field(
        default_factory=dict, compare=False, repr=False
    )
    document: int = field(default=0, compare=False)  # 0-based index of its YAML document

    @cached_property
    def key(self) -> ResourceKey:  # asked some fifteen times per manifest in a plan
        return ResourceKey(self.kind, self.name)

    @property
    def expires(self) -> str | None:
        """``expires:`` as an ISO date (``YYYY-MM-DD``), when it is one."""
        value = self.meta.get("expires")
        return value if isinstance(value, str) else None

    @property
    def owner(self) -> str | None:
        value = self.meta.get("owner")
        return value if isinstance(value, str) else None

    def where(self, path: tuple[str | int, ...] = ()) -> SourceLocation:
        """The closest recorded location of ``path`` (or of a parent of it)."""
        for cut in range(len(path), -1, -1):
            found = self.positions.get(path[:cut])
            if found is not None:
                return found
        return self.location


@dataclass(frozen=True, slots=True)
class Reference:
    """A manifest field that names another object: ``path`` inside ``source``'s spec."""

    source: ResourceKey
    target: ResourceKey
    path: tuple[str | int, ...]


class Action(StrEnum):
    """What a plan does to one object; the order here is the order of a rendered plan."""

    CREATE = "create"
    ADOPT = "adopt"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class Violation:
    """A plan that breaks one of the policies of phsync.yaml: which rule, which object, how to
    satisfy it. ``level`` is ``error`` (fails the plan) or ``warning``."""

    rule: str
    key: ResourceKey | None
    message: str
    fix: str
    level: str = "error"

    def __str__(self) -> str:
        where = f"{self.key}: " if self.key else ""
        return f"[{self.rule}] {where}{self.message} ({self.fix})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.key.kind if self.key else None,
            "name": self.key.name if self.key else None,
            "message": self.message,
            "fix": self.fix,
            "level": self.level,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Violation:
        key = ResourceKey(data["kind"], data["name"]) if data.get("kind") else None
        return cls(data["rule"], key, data["message"], data["fix"], data.get("level", "error"))
