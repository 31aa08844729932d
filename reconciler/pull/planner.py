"""What ``phsync pull`` writes and what it reports, from a plan and the live state. Pure.

For each object whose live state differs from its manifest (the plan's updates and
adoptions), :func:`plan_pull` computes the edits to the manifest's file that make the plan
empty for it (see :mod:`reconciler.pull.patch`), splits off what an environment's override
sets (see :mod:`reconciler.pull.overrides`), and reports what it does not write: objects
deleted in PostHog, objects there that no manifest declares, fields that overrides set.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler import paths
from reconciler.diff import same
from reconciler.export import exportable
from reconciler.live import LOCK_FLAG_KEY
from reconciler.matching import pair
from reconciler.model import Action, Manifest, ResourceKey
from reconciler.plan import Change, LiveState, Plan, desired_forms
from reconciler.pull.edit import REMOVE, Edit, apply_edits
from reconciler.pull.overrides import Site, effective, related
from reconciler.pull.patch import object_changes
from reconciler.resources.base import LiveObject

ABSENT: Any = object()  # Written.before where the manifest did not have the key


@dataclass(frozen=True)
class Written:
    """One value pull writes: where, what the file said, what PostHog has now."""

    key: ResourceKey
    file: str
    line: int
    path: str
    before: Any
    after: Any
    override: str | None = None  # the override written instead of the manifest
    by: str | None = None  # who last changed the object in PostHog, when known

    @property
    def removed(self) -> bool:
        return self.after is REMOVE

    @property
    def added(self) -> bool:
        return self.before is ABSENT


@dataclass(frozen=True)
class Finding:
    """Something pull reports and does not write, and what to do about it."""

    key: ResourceKey | None
    where: str
    message: str
    hint: str

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        name = f"{self.key}: " if self.key else ""
        return f"{where}{name}{self.message} ({self.hint})"


@dataclass(frozen=True)
class PullPlan:
    """Per file, the edits in the order the writer applies them; what they write; what was
    left to the reader; the live objects no manifest declares."""

    edits: Mapping[str, tuple[Edit, ...]] = field(default_factory=dict)
    written: tuple[Written, ...] = ()
    findings: tuple[Finding, ...] = ()
    new: tuple[LiveObject, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.edits


def plan_pull(
    plan: Plan,
    live: LiveState,
    manifests: Sequence[Manifest],
    *,
    sites: Sequence[Site] = (),
    environment: str | None = None,
    config_file: str | None = None,
    targets: Sequence[ResourceKey] = (),
) -> PullPlan:
    """The edits that record ``plan``'s drift in the manifests (pure).

    ``plan`` compares ``manifests`` (as loaded, before overrides) with ``live``, seen by
    ``environment`` (None: no environment of phsync.yaml). ``sites`` are the overrides of
    every environment, written in ``config_file``.
    """
    by_key = {m.key: m for m in manifests}
    by_id = {(o.kind, o.id): o for objects in live.objects.values() for o in objects}
    unclaimed = undeclared(live, manifests, targets)
    renamed = _renames(plan, by_key, unclaimed)
    edits: dict[str, list[Edit]] = {}
    written: list[Written] = []
    findings: list[Finding] = []
    for change in plan.changes:
        manifest = by_key.get(change.key)
        if manifest is None:
            continue
        current = by_id.get((change.key.kind, change.object_id or -1))
        if change.action is Action.CREATE:
            current = renamed.get(manifest.key)
            if current is None:
                findings.append(_gone(manifest))
                continue
        elif change.action not in (Action.UPDATE, Action.ADOPT) or not change.fields:
            continue
        if current is None:
            continue
        out = _object(manifest, current, change, sites, environment, config_file)
        for file, found in out.edits.items():
            edits.setdefault(file, []).extend(found)
        written.extend(out.written)
        findings.extend(out.findings)
    taken = {id(obj) for obj in renamed.values()}
    return PullPlan(
        edits={file: tuple(found) for file, found in edits.items()},
        written=tuple(written),
        findings=tuple(findings),
        new=tuple(obj for obj in unclaimed if id(obj) not in taken),
    )


def _renames(
    plan: Plan, by_key: Mapping[ResourceKey, Manifest], unclaimed: Sequence[LiveObject]
) -> dict[ResourceKey, LiveObject]:
    """Objects renamed in PostHog: where, of one kind, exactly one manifest lost its object
    and exactly one object phsync manages lost its manifest, they are one object renamed
    (phsync knows an object by its name, and PostHog lets people change it)."""
    missing: dict[str, list[ResourceKey]] = {}
    for change in plan.changes:
        if change.action is Action.CREATE and change.key in by_key:
            missing.setdefault(change.key.kind, []).append(change.key)
    orphans: dict[str, list[LiveObject]] = {}
    for obj in unclaimed:
        if obj.managed:
            orphans.setdefault(obj.kind, []).append(obj)
    return {
        keys[0]: orphans[kind][0]
        for kind, keys in missing.items()
        if kind != "Annotation" and len(keys) == 1 and len(orphans.get(kind, ())) == 1
    }


def _gone(manifest: Manifest) -> Finding:
    return Finding(
        manifest.key,
        str(manifest.location),
        "is declared here but PostHog has no such object (deleted there, or never applied)",
        "delete the manifest to keep it gone, or run `phsync apply` to create it again",
    )


def undeclared(
    live: LiveState, manifests: Sequence[Manifest], targets: Sequence[ResourceKey] = ()
) -> list[LiveObject]:
    """Live objects that no manifest declares, as export would write them: not phsync's
    apply lock, nor PostHog's generated usage dashboards and their insights."""
    taken = {id(obj) for obj in pair(desired_forms(manifests), live.objects).live.values()}
    everything = [obj for objects in live.objects.values() for obj in objects]
    generated = frozenset(
        o.id for o in everything if o.kind == "Dashboard" and not exportable(o)
    )
    return [
        obj
        for obj in everything
        if id(obj) not in taken
        and not (obj.kind == "FeatureFlag" and obj.name == LOCK_FLAG_KEY)
        and exportable(obj, generated)
        and (not targets or obj.key in targets)
    ]


@dataclass
class _Out:
    edits: dict[str, list[Edit]] = field(default_factory=dict)
    written: list[Written] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _object(
    manifest: Manifest,
    current: LiveObject,
    change: Change,
    sites: Sequence[Site],
    environment: str | None,
    config_file: str | None,
) -> _Out:
    out = _Out()
    mine = [s for s in sites if s.target == manifest.key]
    active = [s for s in mine if s.environment == environment] if environment else []
    spec = effective(manifest.spec, active)
    ignore = tuple(paths.parse(p) for p in manifest.ignore)
    changes, left = object_changes(manifest.kind, spec, current.spec, ignore)
    by = (change.last_change or {}).get("by")
    for name in left:
        out.findings.append(
            Finding(
                manifest.key,
                str(manifest.where((name,))),
                f"{name}: PostHog's value could not be written into the manifest",
                "edit this field by hand, then run `phsync plan` to check it",
            )
        )
    after = apply_edits(spec, [Edit(0, p, v) for p, v in changes])
    touched: dict[Site, None] = {}
    file = manifest.location.file
    for path, value in changes:
        if environment is None:
            blocking = [s for s in mine if related(s, path)]
            if blocking:
                out.findings.extend(_overridden(manifest, path, s) for s in blocking)
                continue
        hits = [s for s in active if related(s, path)]
        touched.update(dict.fromkeys(hits))
        if any(paths.matches(s.path, path) for s in hits):
            continue  # the override holds this value: written there below
        if hits and value is not REMOVE:
            value = _with_base_values(value, path, hits, manifest.spec)
        out.edits.setdefault(file, []).append(Edit(manifest.document, path, value))
        out.written.append(
            Written(
                manifest.key,
                file,
                manifest.where(path).line,
                paths.render(path),
                paths.get(spec, path, ABSENT),
                value,
                by=by,
            )
        )
    for site in touched:
        now = paths.get(after, site.path, ABSENT)
        if now is ABSENT:
            out.findings.append(
                Finding(
                    manifest.key,
                    str(site),
                    f"this override sets {site.key}, which PostHog's object no longer has",
                    f"remove it from {config_file or 'phsync.yaml'}",
                )
            )
            continue
        if same(now, site.value) or config_file is None:
            continue
        out.edits.setdefault(config_file, []).append(Edit(0, site.config_path, now))
        out.written.append(
            Written(
                manifest.key,
                config_file,
                site.location.line if site.location else 1,
                site.key,
                site.value,
                now,
                override=f"environments.{site.environment}.overrides[{site.index}]",
                by=by,
            )
        )
    return out


def _overridden(manifest: Manifest, path: paths.Path, site: Site) -> Finding:
    return Finding(
        manifest.key,
        str(site),
        f"PostHog's {paths.render(path)} differs from the manifest, and environment "
        f"{site.environment!r} overrides it, so the base manifest is left as it is",
        f"change this override, or run `phsync pull --env {site.environment}` to write it",
    )


def _with_base_values(
    value: Any, path: paths.Path, sites: Sequence[Site], base: Mapping[str, Any]
) -> Any:
    """A value for the base manifest at ``path`` that holds fields the active environment
    overrides: those keep the base manifest's own values."""
    out = copy.deepcopy(value)
    for site in sites:
        inner = site.path[len(path):]
        if not inner:
            continue
        own = paths.get(base, site.path, ABSENT)
        if own is ABSENT:
            parent = paths.get(out, inner[:-1], None) if len(inner) > 1 else out
            if isinstance(parent, dict) and isinstance(inner[-1], str):
                parent.pop(inner[-1], None)
        else:
            paths.put(out, inner, own)
    return out
