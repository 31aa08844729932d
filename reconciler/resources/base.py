"""What every resource kind provides, and the small helpers the kinds share.

A kind's adapter translates between three forms of one object:

* the manifest spec, as a user writes it (references by name);
* the canonical spec: the manifest form with PostHog's defaults filled in and values
  normalised, so that two specs meaning the same thing compare equal;
* the API body PostHog takes and returns (references by numeric id).

Adapters are pure: the :class:`Directory` they are handed carries every name <-> id mapping
they need.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from reconciler import paths
from reconciler.items import ListRule
from reconciler.model import ResourceKey

Json = Any
MARKER_TAG = "managed-by-phsync"


class UnresolvedReference(LookupError):
    """A name that neither the manifests nor the live project define."""

    def __init__(self, key: ResourceKey) -> None:
        super().__init__(str(key))
        self.key = key


@dataclass
class Directory:
    """Name <-> id of every object a plan or an apply can refer to (live, then created)."""

    ids: dict[ResourceKey, int] = field(default_factory=dict)
    names: dict[tuple[str, int], str] = field(default_factory=dict)

    def add(self, kind: str, name: str, object_id: int) -> None:
        self.ids[ResourceKey(kind, name)] = object_id
        self.names[(kind, object_id)] = name

    def include(self, other: Directory) -> None:
        """Add the names and ids of ``other`` (of other kinds than this one holds)."""
        self.ids.update(other.ids)
        self.names.update(other.names)

    def id_of(self, kind: str, name: str) -> int:
        try:
            return self.ids[ResourceKey(kind, name)]
        except KeyError:
            raise UnresolvedReference(ResourceKey(kind, name)) from None

    def name_of(self, kind: str, object_id: Any) -> str:
        """The name of a live object, or ``#ID`` when the id names nothing phsync can see."""
        try:
            number = int(object_id)
        except (TypeError, ValueError):
            return str(object_id)
        return self.names.get((kind, number), f"#{number}")


@dataclass(frozen=True, slots=True)  # one per object of the project
class LiveObject:
    """One object as PostHog returned it, with what phsync derives from it."""

    kind: str
    id: int
    name: str
    managed: bool
    raw: dict[str, Json]
    spec: dict[str, Json]
    version: str

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.kind, self.name)


class ResourceKind(Protocol):
    """The contract each module in :mod:`reconciler.resources` fulfils."""

    kind: str
    collection: str  # the path segment under /api/projects/{id}/
    # The kinds whose ids live objects of this kind hold, which from_live turns into names.
    refers_to: tuple[str, ...]

    def identity(self, spec: Mapping[str, Json]) -> str:
        """The key that matches a canonical spec (from a manifest or from live) to its twin."""
        ...

    def display_name(self, spec: Mapping[str, Json]) -> str:
        """A name for a live object that no manifest names (export, orphans)."""
        ...

    def align(self, desired: Mapping[str, Json], live: dict[str, Json]) -> dict[str, Json]:
        """Drop from ``live`` what ``desired`` leaves unmanaged below the top level."""
        ...

    def is_managed(self, raw: Mapping[str, Json]) -> bool: ...

    def list_rule(self, path: paths.Path) -> ListRule | None:
        """How the items of the list at ``path`` (``*`` for indexes) are matched and named in
        the diff; ``None`` compares that list by position."""
        ...

    def canonical(self, spec: Mapping[str, Json]) -> dict[str, Json]: ...

    def from_live(self, raw: Mapping[str, Json], directory: Directory) -> dict[str, Json]: ...

    def create_body(self, spec: Mapping[str, Json], directory: Directory) -> dict[str, Json]: ...

    def create_followup(
        self, spec: Mapping[str, Json], created: Mapping[str, Json]
    ) -> dict[str, Json] | None:
        """A PATCH body to send right after the create, for parts PostHog sets only by PATCH."""
        ...

    def update_body(
        self,
        spec: Mapping[str, Json],
        fields: frozenset[str],
        live: LiveObject,
        directory: Directory,
        ignore: tuple[paths.Path, ...] = (),
    ) -> dict[str, Json]: ...

    def version(self, raw: Mapping[str, Json], spec: Mapping[str, Json]) -> str: ...


def number(value: Json) -> Json:
    """50.0 -> 50, so that PostHog's floats and YAML's ints compare equal."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def user_tags(tags: Json) -> list[str]:
    """Sorted tags without phsync's own marker, as PostHog stores them: stripped and
    lower-cased (a manifest's ``Growth`` is PostHog's ``growth``), empty ones dropped."""
    stored = {str(tag).strip().lower() for tag in tags or []}
    return sorted(stored - {MARKER_TAG, ""})


def tagged_managed(raw: Mapping[str, Json]) -> bool:
    """Whether a live object of a kind phsync marks with a tag carries phsync's marker."""
    return MARKER_TAG in (raw.get("tags") or [])


def with_marker(tags: Json) -> list[str]:
    return [*user_tags(tags), MARKER_TAG]


def mark_tags(
    body: dict[str, Json], spec: Mapping[str, Json], fields: frozenset[str], live: LiveObject
) -> None:
    """Send the tags, phsync's marker among them, when they change or the object is adopted
    (an update of other fields leaves a managed object's tags alone)."""
    if "tags" in fields or not live.managed:
        body["tags"] = with_marker(spec.get("tags", live.raw.get("tags")))


def content_hash(data: Json) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def drop_none(data: Mapping[str, Json]) -> dict[str, Json]:
    return {key: value for key, value in data.items() if value is not None}


def keep_live(desired: Mapping[str, Json], live: dict[str, Json]) -> dict[str, Json]:
    """The ``align`` of kinds that compare nested values whole."""
    return live


def no_followup(spec: Mapping[str, Json], created: Mapping[str, Json]) -> dict[str, Json] | None:
    """The ``create_followup`` of kinds that PostHog creates in one request."""
    return None
