"""The plan: what apply would do, as plain ordered data, built by pure code.

:func:`build_plan` takes the manifests (already validated, in dependency order) and the live
state, and returns a :class:`Plan`. It does no I/O: no network, no clock, no files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler import __version__, paths
from reconciler.approvals import ChangeRequest
from reconciler.diff import FieldChange, diff
from reconciler.errors import PhsyncError
from reconciler.matching import Claim, Pairing, Wanted, by_kind, claims, one_to_one, pair_kind
from reconciler.model import KINDS, Action, Manifest, ResourceKey, Violation
from reconciler.resources import REGISTRY
from reconciler.resources.base import Json, LiveObject
from reconciler.risks import warnings_for

PLAN_FORMAT = "phsync-plan"
PLAN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Change:
    """One object's change. ``desired`` is the canonical spec to write (create/adopt/update)."""

    action: Action
    key: ResourceKey
    object_id: int | None = None
    fields: tuple[FieldChange, ...] = ()
    desired: dict[str, Json] | None = None
    ignore: tuple[str, ...] = ()
    live_version: str | None = None
    source: str | None = None
    warnings: tuple[str, ...] = ()
    depends_on: tuple[ResourceKey, ...] = ()
    # Who last changed the live object, from PostHog's activity log: {"by", "at", "activity"}.
    last_change: dict[str, Any] | None = None
    # PostHog change requests still open on this object (see reconciler.approvals).
    change_requests: tuple[ChangeRequest, ...] = ()

    @property
    def carried_by_request(self) -> ChangeRequest | None:
        """The open change request that already asks PostHog for this change, if any: apply
        then sends nothing for it."""
        return next((r for r in self.change_requests if r.carries_declared), None)
    # Where source code still reads a flag this change deletes or turns off ("file:line").
    references: tuple[str, ...] = ()

    @property
    def field_names(self) -> frozenset[str]:
        """Top-level fields this change writes."""
        return frozenset(change.top_level for change in self.fields)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "action": self.action.value,
            "kind": self.key.kind,
            "name": self.key.name,
            "id": self.object_id,
            "source": self.source,
            "fields": [change.to_dict() for change in self.fields],
            "desired": self.desired,
            "ignore": list(self.ignore),
            "live_version": self.live_version,
            "warnings": list(self.warnings),
            "depends_on": [str(key) for key in self.depends_on],
            "last_change": self.last_change,
            "change_requests": [r.to_dict() for r in self.change_requests],
        }
        if self.references:  # only where the code was scanned and still reads the flag
            data["code_references"] = list(self.references)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            action=Action(data["action"]),
            key=ResourceKey(data["kind"], data["name"]),
            object_id=data.get("id"),
            fields=tuple(FieldChange.from_dict(f) for f in data.get("fields") or []),
            desired=data.get("desired"),
            ignore=tuple(data.get("ignore") or ()),
            live_version=data.get("live_version"),
            source=data.get("source"),
            warnings=tuple(data.get("warnings") or ()),
            depends_on=tuple(ResourceKey.parse(k) for k in data.get("depends_on") or ()),
            last_change=data.get("last_change"),
            change_requests=tuple(
                ChangeRequest.from_dict(r) for r in data.get("change_requests") or ()
            ),
            references=tuple(data.get("code_references") or ()),
        )


@dataclass(frozen=True)
class Plan:
    """Ordered changes: creates, adopts and updates in dependency order, then deletes reversed."""

    changes: tuple[Change, ...]
    host: str = ""
    project_id: int | str | None = None
    prune: bool = False
    unmanaged_orphans: int = 0
    notes: tuple[str, ...] = field(default=())
    violations: tuple[Violation, ...] = ()
    environment: str | None = None
    # Flag hygiene: whether source code was scanned, the new flags no code reads yet, and the
    # declared flags past their `expires:` date ("key (owner, expired DATE)").
    code_scanned: bool = False
    unreferenced_new: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()

    @property
    def blocked(self) -> bool:
        """True when a policy violation (not a warning) forbids applying this plan."""
        return any(v.level == "error" for v in self.violations)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def summary(self) -> dict[str, int]:
        counts = {action.value: 0 for action in Action}
        for change in self.changes:
            counts[change.action.value] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        data = {
            "format": PLAN_FORMAT,
            "format_version": PLAN_FORMAT_VERSION,
            "phsync_version": __version__,
            "environment": self.environment,
            "host": self.host,
            "project_id": self.project_id,
            "prune": self.prune,
            "summary": self.summary(),
            "notes": list(self.notes),
            "violations": [v.to_dict() for v in self.violations],
            "changes": [change.to_dict() for change in self.changes],
        }
        if self.code_scanned or self.expired:
            data["hygiene"] = {
                "code_scanned": self.code_scanned,
                "unreferenced_new": list(self.unreferenced_new),
                "expired": list(self.expired),
            }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        if data.get("format") != PLAN_FORMAT:
            raise PhsyncError("this file is not a phsync plan (no \"format\": \"phsync-plan\")")
        if data.get("format_version") != PLAN_FORMAT_VERSION:
            raise PhsyncError(
                f"plan format version {data.get('format_version')} is not supported "
                f"(this phsync reads version {PLAN_FORMAT_VERSION})",
                hint="make the plan again with this version of phsync",
            )
        hygiene = data.get("hygiene") or {}
        return cls(
            changes=tuple(Change.from_dict(c) for c in data.get("changes") or []),
            host=data.get("host") or "",
            project_id=data.get("project_id"),
            prune=bool(data.get("prune")),
            notes=tuple(data.get("notes") or ()),
            violations=tuple(Violation.from_dict(v) for v in data.get("violations") or ()),
            environment=data.get("environment"),
            code_scanned=bool(hygiene.get("code_scanned")),
            unreferenced_new=tuple(hygiene.get("unreferenced_new") or ()),
            expired=tuple(hygiene.get("expired") or ()),
        )


@dataclass(frozen=True)
class LiveState:
    """Every live object phsync looked at, by kind."""

    objects: Mapping[str, Sequence[LiveObject]]


def _creation(desired: Mapping[str, Json]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(name, None, value) for name, value in desired.items())


def _selected(key: ResourceKey, targets: Sequence[ResourceKey]) -> bool:
    return not targets or any(
        t.kind.lower() == key.kind.lower() and t.name == key.name for t in targets
    )


def desired_forms(manifests: Sequence[Manifest]) -> list[Wanted]:
    """Each manifest with its canonical spec; pure. Needs no live object, so a plan works it
    out while PostHog is still being read."""
    return [Wanted(m, REGISTRY[m.kind].canonical(m.spec)) for m in manifests]


@dataclass(frozen=True)
class KindShare:
    """One kind's share of a plan, which needs that kind's manifests and live objects alone:
    which object each manifest names, and the changes that create, adopt or update them (in
    the manifests' order). A plan works it out for each kind as soon as the kind is read."""

    kind: str
    pairing: Pairing
    upserts: tuple[Change, ...]


def share_of(
    kind: str,
    wanted: Sequence[Wanted],
    objects: Sequence[LiveObject],
    references: Mapping[ResourceKey, Sequence[ResourceKey]] | None = None,
) -> KindShare:
    """``kind``'s share of the plan of ``wanted`` (that kind's manifests, in order); pure."""
    pairing = Pairing()
    pair_kind(kind, wanted, objects, pairing)
    adapter = REGISTRY[kind]
    refs = references or {}
    upserts: list[Change] = []
    for manifest, desired in ((w.manifest, w.desired) for w in wanted):
        current = pairing.live.get(manifest.key)
        common: dict[str, Any] = {
            "key": manifest.key,
            "desired": desired,
            "ignore": manifest.ignore,
            "source": str(manifest.location),
            "depends_on": tuple(refs.get(manifest.key, ())),
        }
        if current is None:
            upserts.append(Change(Action.CREATE, fields=_creation(desired), **common))
            continue
        aligned = adapter.align(desired, current.spec)
        ignore = tuple(paths.parse(p) for p in manifest.ignore)
        fields = diff(desired, aligned, ignore=ignore, lists=adapter.list_rule)
        if not fields and current.managed:
            continue
        action = Action.UPDATE if current.managed else Action.ADOPT
        upserts.append(
            Change(
                action, object_id=current.id, fields=fields, live_version=current.version,
                **common,
            )
        )
    return KindShare(kind, pairing, tuple(upserts))


def build_plan(
    manifests: Sequence[Manifest],
    live: LiveState,
    *,
    wanted: Sequence[Wanted] | None = None,
    shares: Mapping[str, KindShare] | None = None,
    references: Mapping[ResourceKey, Sequence[ResourceKey]] | None = None,
    prune: bool = False,
    targets: Sequence[ResourceKey] = (),
    host: str = "",
    project_id: int | str | None = None,
) -> Plan:
    """Compare manifests with live objects; pure.

    ``manifests`` must be in dependency order (referenced objects first); ``wanted`` is
    :func:`desired_forms` of them, and ``shares`` the kinds' shares (:func:`share_of`), where
    the caller has them already. ``references`` maps each manifest's key to the keys it refers
    to, to order the apply. An unmanaged object that a manifest names is adopted, even when no
    field differs: apply writes phsync's marker on it, so that phsync owns it from then on
    (``--prune`` deletes it once its manifest goes).
    """
    if wanted is None:
        wanted = desired_forms(manifests)
    grouped = by_kind(wanted)
    done = shares or {}
    every = [
        done.get(kind)
        or share_of(kind, grouped.get(kind, []), live.objects.get(kind, ()), references)
        for kind in dict.fromkeys([*grouped, *live.objects])
    ]
    for share in every:  # two manifests can only claim one object of their own kind
        one_to_one(claims(grouped.get(share.kind, []), share.pairing))
    changed = {c.key for share in every for c in share.upserts}
    order = {w.manifest.key: i for i, w in enumerate(wanted) if w.manifest.key in changed}
    upserts = sorted((c for share in every for c in share.upserts), key=lambda c: order[c.key])
    matched = {id(obj) for share in every for obj in share.pairing.live.values()}

    deletes: list[Change] = []
    orphans = [
        obj
        for objects in live.objects.values()
        for obj in objects
        if obj.managed and id(obj) not in matched
    ]
    for obj in sorted(orphans, key=lambda o: (KINDS.index(o.kind), o.name, o.id)):
        if prune:
            deletes.append(
                Change(
                    Action.DELETE,
                    key=obj.key,
                    object_id=obj.id,
                    fields=tuple(FieldChange(k, v, None) for k, v in obj.spec.items()),
                    live_version=obj.version,
                )
            )
    deletes.reverse()
    selected = [c for c in (*upserts, *deletes) if _selected(c.key, targets)]
    guard(selected)
    by_id: dict[tuple[str, int | None], LiveObject] = {
        (obj.kind, obj.id): obj for objects in live.objects.values() for obj in objects
    }
    with_warnings = tuple(
        _warn(c, live, by_id.get((c.key.kind, c.object_id))) for c in selected
    )
    notes = [note for share in every for note in share.pairing.notes]
    if orphans and not prune:
        notes.append(
            f"{len(orphans)} object(s) managed by phsync have no manifest; "
            "`--prune` would delete them"
        )
    return Plan(
        changes=with_warnings,
        host=host,
        project_id=project_id,
        prune=prune,
        unmanaged_orphans=0 if prune else len(orphans),
        notes=tuple(notes),
    )


def guard(changes: Sequence[Change]) -> None:
    """Stop when two changes would write one live object (see :func:`matching.one_to_one`)."""
    one_to_one(
        [
            Claim(c.key.kind, c.object_id, c.key, c.source)
            for c in changes
            if c.object_id is not None
        ]
    )


def _warn(change: Change, live: LiveState, current: LiveObject | None) -> Change:
    found = warnings_for(
        kind=change.key.kind,
        action=change.action,
        name=change.key.name,
        fields=change.fields,
        desired=change.desired,
        current=current,
        live=live.objects,
    )
    if not found:
        return change
    return replace(change, warnings=tuple(found))
