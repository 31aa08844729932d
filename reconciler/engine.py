"""The pipeline: load manifests -> read live -> plan -> apply. The one module that composes I/O."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from reconciler import manifests as manifest_io
from reconciler.activity import last_change
from reconciler.apply import Applier, Outcome
from reconciler.coderefs import CodeRef
from reconciler.config import (
    Environment,
    Policies,
    apply_overrides,
    expand_paths,
    guessing_paths,
)
from reconciler.errors import (
    Issue,
    ManifestError,
    PhsyncError,
    StalePlanError,
)
from reconciler.expiry import expired_flags
from reconciler.gcpause import paused_gc
from reconciler.governance import attach_change_requests, forbids_schedules, scheduled_flag_changes
from reconciler.hygiene import annotate
from reconciler.live import (
    LOCK_FLAG_KEY,
    ApiClient,
    ambiguous_names,
    fetch_live,
    live_from_lists,
    managed_duplicates,
    read_live,
)
from reconciler.matching import Wanted, by_kind
from reconciler.model import Action, Manifest, ResourceKey
from reconciler.plan import (
    Change,
    KindShare,
    LiveState,
    Plan,
    build_plan,
    desired_forms,
    guard,
    share_of,
)
from reconciler.policy import check_policies
from reconciler.reading import (
    LiveReading,
)
from reconciler.resources import REGISTRY, annotation
from reconciler.resources.base import Directory, LiveObject
from reconciler.targets import check_targets

Progress = Callable[[str], None]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Planned:
    """A plan and the live state it was made from (apply writes against that state)."""

    plan: Plan
    live: LiveState
    directory: Directory


def load_manifests(
    paths: Sequence[str], *, prune: bool = False, references: bool = True
) -> list[Manifest]:
    """Every manifest under ``paths``, validated offline except for dangling references
    (without ``references``, for a caller that plans: :func:`make_plan` checks every reference
    against PostHog's objects, cycles included, so checking them here too is work done twice).

    With ``prune``, finding no manifest at all is an error: a wrong path would otherwise plan
    the deletion of everything phsync manages.
    """
    found = manifest_io.load_and_validate(
        expand_paths(paths),
        check_refs=False,
        references=references,
        only_declared=guessing_paths(paths),
    )
    if prune and not found:
        where = ", ".join(paths) or "the current directory"
        raise PhsyncError(
            f"no manifests found in {where}; with --prune that would delete every object "
            "phsync manages, so phsync stopped",
            hint="check the paths you gave (and the `paths` of phsync.yaml)",
        )
    return found


def effective_manifests(
    base: Sequence[Manifest], environment: Environment | None
) -> list[Manifest]:
    """The manifests as one environment of phsync.yaml sees them, validated again offline."""
    found = apply_overrides(base, environment)
    if environment is None or not environment.overrides:
        return found
    issues = manifest_io.validate(found, check_refs=False)
    if issues:
        raise ManifestError(
            [
                replace(i, message=f"[env {environment.name}] {i.message}")
                for i in issues
            ]
        )
    return found


def _no_reserved_key(found: Sequence[Manifest]) -> None:
    issues = [
        Issue(m.location.file, m.location.line, m.location.column,
              f"the flag key '{LOCK_FLAG_KEY}' is reserved: phsync keeps its apply lock there",
              "key", "give this flag another key")
        for m in found
        if m.kind == "FeatureFlag" and m.name == LOCK_FLAG_KEY
    ]
    if issues:
        raise ManifestError(issues)


def _known_live(directory: Directory) -> set[ResourceKey]:
    return set(directory.ids)


@paused_gc()
def make_plan(
    found: Sequence[Manifest],
    client: ApiClient,
    *,
    prune: bool = False,
    targets: Sequence[ResourceKey] = (),
    host: str = "",
    project_id: int | str | None = None,
    policies: Policies | None = None,
    environment: str | None = None,
    activity_lookups: int = 0,
    progress: Progress | None = None,
    reading: LiveReading | None = None,
    code_refs: Sequence[CodeRef] | None = None,
    today: date | None = None,
) -> Planned:
    """Read the live project (or take what ``reading`` read meanwhile) and plan; mark the flag
    deletes and turn-offs that ``code_refs`` (when the code was scanned) still read; check the
    plan against ``policies``; look up who last changed up to ``activity_lookups`` of the
    objects the plan adopts, updates or deletes."""
    _no_reserved_key(found)
    tiles = {m.name for m in found if m.kind == "Dashboard" and "tiles" in m.spec}
    # What the manifests alone decide, worked out while PostHog may still be being read.
    ordered = manifest_io.dependency_order(found)
    references = {
        m.key: tuple(ref.target for ref in manifest_io.references(m)) for m in ordered
    }
    wanted = desired_forms(ordered)
    # Each kind's share of the plan as soon as it is read (a dashboard with text tiles is read
    # again in full first, so dashboards then wait for the whole project).
    shares = (
        _shares_as_read(reading, wanted, references, later={"Dashboard"} if tiles else set())
        if reading
        else {}
    )
    assembly = reading.assembly() if reading else read_live(client, progress=progress)
    live, directory = live_from_lists(
        client, assembly, dashboards_with_tiles=tiles, progress=progress
    )
    issues = manifest_io.check_references(
        found, known=_known_live(directory), live=True, ambiguous=ambiguous_names(live)
    )
    if issues:
        raise ManifestError(issues)
    check_targets(targets, found, live)
    plan = build_plan(
        ordered,
        live,
        wanted=wanted,
        shares=shares,
        references=references,
        prune=prune,
        targets=targets,
        host=host,
        project_id=project_id,
    )
    if code_refs is not None:
        plan = annotate(plan, code_refs)
    expired = expired_flags(ordered, today or datetime.now(UTC).date())
    rules = policies or Policies()
    plan = replace(
        plan,
        environment=environment,
        expired=tuple(str(flag) for flag in expired),
        violations=(
            *check_policies(plan, live, ordered, rules, expired),
            *scheduled_flag_changes(client, ordered, live, forbid=forbids_schedules(rules)),
        ),
        notes=(*plan.notes, *managed_duplicates(live)),
    )
    if activity_lookups:
        plan = replace(plan, changes=attach_last_changes(plan.changes, client, activity_lookups))
    plan = attach_change_requests(plan, client, live, directory)
    return Planned(plan=plan, live=live, directory=directory)


def _shares_as_read(
    reading: LiveReading,
    wanted: Sequence[Wanted],
    references: Mapping[ResourceKey, Sequence[ResourceKey]],
    *,
    later: Collection[str],
) -> dict[str, KindShare]:
    """The share of the plan of each kind but those ``later``, worked out while the others
    are still read; none of a kind whose reading failed (the error comes after)."""
    grouped = by_kind(wanted)
    return {
        kind: share_of(kind, grouped.get(kind, []), objects, references)
        for kind, objects in reading.as_made()
        if kind not in later
    }


ACTIVITY_PARALLELISM = 10


def attach_last_changes(
    changes: Sequence[Change], client: ApiClient, limit: int
) -> tuple[Change, ...]:
    """Who last changed each live object the plan adopts, updates or deletes (at most
    ``limit`` lookups), looked up a few at a time: the client keeps them within the rate
    budget it shares with every other request."""
    wanted = [
        index
        for index, change in enumerate(changes)
        if change.action in (Action.ADOPT, Action.UPDATE, Action.DELETE)
        and change.object_id is not None
    ][: max(0, limit)]
    if not wanted:
        return tuple(changes)

    def look_up(index: int) -> dict[str, object] | None:
        change = changes[index]
        assert change.object_id is not None
        return last_change(client, change.key.kind, change.object_id)

    with ThreadPoolExecutor(max_workers=min(ACTIVITY_PARALLELISM, len(wanted))) as pool:
        found = dict(zip(wanted, pool.map(look_up, wanted), strict=True))
    return tuple(
        replace(change, last_change=found[index]) if found.get(index) else change
        for index, change in enumerate(changes)
    )


def apply_planned(
    planned: Planned,
    client: ApiClient,
    *,
    parallelism: int = 4,
    progress: Callable[[Outcome, int, int], None] | None = None,
    notice: Callable[[str], None] | None = None,
    usage_dashboards: bool | None = None,
) -> list[Outcome]:
    applier = Applier(
        client,
        planned.live,
        planned.directory,
        parallelism=parallelism,
        progress=progress,
        notice=notice,
        usage_dashboards=usage_dashboards,
    )
    return applier.apply(planned.plan)


def read_plan(path: str) -> Plan:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PhsyncError(f"cannot read the plan file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise PhsyncError(f"{path} is not a JSON plan: {exc}") from None
    return Plan.from_dict(data)


def recheck_saved_plan(plan: Plan, client: ApiClient, progress: Progress | None = None) -> Planned:
    """Re-read the live objects a saved plan touches; refuse if any moved since it was made."""
    tiles = {
        c.key.name
        for c in plan.changes
        if c.key.kind == "Dashboard" and "tiles" in (c.desired or {})
    }
    live, directory = fetch_live(client, dashboards_with_tiles=tiles, progress=progress)
    by_id = {(o.kind, o.id): o for objs in live.objects.values() for o in objs}
    guard(plan.changes)
    moved: list[str] = []
    for change in plan.changes:
        if change.action is Action.CREATE:
            if _exists_now(change, live):
                moved.append(f"{change.key} (now exists)")
            continue
        current = by_id.get((change.key.kind, change.object_id or -1))
        if current is None:
            moved.append(f"{change.key} (id {change.object_id} is gone)")
        elif current.version != change.live_version:
            moved.append(f"{change.key} (id {change.object_id})")
    if moved:
        raise StalePlanError(moved)
    return Planned(plan=plan, live=live, directory=directory)


def _exists_now(change: Change, live: LiveState) -> bool:
    """Whether the object a saved plan creates is there already. Annotations share places,
    so one counts only if it has the planned content or carries the manifest's handle."""
    assert change.desired is not None
    adapter = REGISTRY[change.key.kind]
    identity = adapter.identity(change.desired)
    mine = annotation.handle(change.key.name)
    for obj in live.objects.get(change.key.kind, ()):
        if adapter.identity(obj.spec) != identity:
            continue
        if change.key.kind != "Annotation":
            return True
        if obj.spec.get("content") == change.desired.get("content"):
            return True
        if annotation.handle_of(obj.raw) == mine:
            return True
    return False


def read_for_export(
    client: ApiClient, kinds: Sequence[str], progress: Progress | None = None
) -> list[LiveObject]:
    """Every live object of ``kinds``, dashboards read in full for their text tiles."""
    live, _ = fetch_live(client, progress=progress, every_dashboard_in_full=True)
    return [obj for kind in kinds for obj in live.objects.get(kind, ())]
