"""Which live object each manifest names: one manifest, one object, never two. Pure.

Flags, cohorts and dashboards are matched by their identity (a flag's key, a cohort's or a
dashboard's name). PostHog keeps flag keys unique but lets cohort and dashboard names repeat:
among live objects sharing a name, the manifest takes the one phsync manages, else the oldest,
and the plan says which ids it left alone.

Annotations have no name; several may sit at one place (one moment, one scope, one
dashboard). At each place, manifests are paired with live annotations in three passes, each
taking only what earlier passes left:

1. by handle: the invisible handle phsync writes into its annotations' content carries the
   manifest's name, so a managed annotation keeps its manifest across edits of its text;
2. by content: the visible text is the same (an export, or an annotation phsync made before
   it wrote handles);
3. by place alone, only where exactly one manifest and one annotation are left there.

A manifest left without a pair is a create; an annotation left without one is not touched
(or deleted by ``--prune`` when phsync manages it).

:func:`one_to_one` is the guard every plan passes: two changes that would write one live
object stop the plan, whatever matched them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reconciler.errors import OwnershipConflictError
from reconciler.model import Manifest, ResourceKey
from reconciler.resources import REGISTRY, annotation
from reconciler.resources.base import Json, LiveObject


@dataclass(frozen=True)
class Wanted:
    """A manifest and its canonical spec, as the plan compares it."""

    manifest: Manifest
    desired: dict[str, Json]


@dataclass
class Pairing:
    """Each manifest key's live object (absent: create), and what the plan should say."""

    live: dict[ResourceKey, LiveObject] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _oldest_managed_first(objects: Sequence[LiveObject]) -> list[LiveObject]:
    return sorted(objects, key=lambda obj: (not obj.managed, obj.id))


def pair(wanted: Sequence[Wanted], live: Mapping[str, Sequence[LiveObject]]) -> Pairing:
    """Pair every manifest with at most one live object, and every live object with at most
    one manifest (checked: see :func:`one_to_one`)."""
    out = Pairing()
    for kind, items in by_kind(wanted).items():
        pair_kind(kind, items, live.get(kind, ()), out)
    one_to_one(claims(wanted, out))
    return out


def by_kind(wanted: Sequence[Wanted]) -> dict[str, list[Wanted]]:
    """The manifests of each kind, in their order."""
    found: dict[str, list[Wanted]] = {}
    for item in wanted:
        found.setdefault(item.manifest.kind, []).append(item)
    return found


def pair_kind(
    kind: str, items: Sequence[Wanted], objects: Sequence[LiveObject], out: Pairing
) -> None:
    """Pair the manifests of one kind with its live objects, into ``out`` (unchecked)."""
    if kind == "Annotation":
        _pair_annotations(items, objects, out)
    else:
        _pair_by_identity(kind, items, objects, out)


def claims(wanted: Sequence[Wanted], pairing: Pairing) -> list[Claim]:
    """Each paired manifest's claim on its live object, in the order of ``wanted``."""
    return [
        Claim(w.manifest.kind, pairing.live[w.manifest.key].id, w.manifest.key,
              str(w.manifest.location))
        for w in wanted
        if w.manifest.key in pairing.live
    ]


def _pair_by_identity(
    kind: str, items: Sequence[Wanted], objects: Sequence[LiveObject], out: Pairing
) -> None:
    adapter = REGISTRY[kind]
    groups: dict[str, list[LiveObject]] = {}
    for obj in objects:
        groups.setdefault(adapter.identity(obj.spec), []).append(obj)
    for item in items:
        group = _oldest_managed_first(groups.get(adapter.identity(item.desired), []))
        if not group:
            continue
        chosen, rest = group[0], group[1:]
        out.live[item.manifest.key] = chosen
        unmanaged = [obj.id for obj in rest if not obj.managed]
        if not chosen.managed and unmanaged:
            out.notes.append(
                f"{item.manifest.key}: {len(group)} objects in PostHog have this name "
                f"(ids {', '.join(str(o.id) for o in group)}); the manifest takes id "
                f"{chosen.id}, the oldest, and phsync leaves the others alone"
            )


def place(spec: Mapping[str, Json]) -> str:
    """Where an annotation sits: its moment, scope and dashboard."""
    return annotation.identity(spec)


def _pair_annotations(
    items: Sequence[Wanted], objects: Sequence[LiveObject], out: Pairing
) -> None:
    manifests_at: dict[str, list[Wanted]] = {}
    for item in sorted(items, key=lambda i: i.manifest.name):
        manifests_at.setdefault(place(item.desired), []).append(item)
    live_at: dict[str, list[LiveObject]] = {}
    for obj in _oldest_managed_first(objects):
        live_at.setdefault(place(obj.spec), []).append(obj)
    for where, here in manifests_at.items():
        for item, obj in _pair_at_one_place(here, live_at.get(where, [])):
            out.live[item.manifest.key] = obj


def _pair_at_one_place(
    items: list[Wanted], objects: list[LiveObject]
) -> list[tuple[Wanted, LiveObject]]:
    pairs: list[tuple[Wanted, LiveObject]] = []
    left_items = list(items)
    left_live = list(objects)

    def take(item: Wanted, obj: LiveObject) -> None:
        pairs.append((item, obj))
        left_items.remove(item)
        left_live.remove(obj)

    # 1. Handles, only where one manifest and one annotation carry each.
    handles = [annotation.handle(item.manifest.name) for item in left_items]
    for item, mine in zip(list(left_items), handles, strict=True):
        holders = [obj for obj in left_live if annotation.handle_of(obj.raw) == mine]
        if len(holders) == 1 and handles.count(mine) == 1:
            take(item, holders[0])
    # 2. Content: equal texts pair in order (they are interchangeable).
    for item in list(left_items):
        same = [obj for obj in left_live if obj.spec.get("content") == item.desired.get("content")]
        if same:
            take(item, same[0])
    # 3. Place alone, only when unambiguous.
    if len(left_items) == 1 and len(left_live) == 1:
        take(left_items[0], left_live[0])
    return pairs


@dataclass(frozen=True)
class Claim:
    """One change's claim on a live object: which object, and who claims it."""

    kind: str
    object_id: int
    key: ResourceKey
    source: str | None


def one_to_one(claims: Sequence[Claim]) -> None:
    """Stop when two claims name one live object; say which manifests and which object."""
    seen: dict[tuple[str, int], Claim] = {}
    for claim in claims:
        first = seen.setdefault((claim.kind, claim.object_id), claim)
        if first is claim:
            continue
        raise OwnershipConflictError(
            f"{_who(first)} and {_who(claim)} would both write {claim.kind} id "
            f"{claim.object_id} in PostHog; phsync stopped and wrote nothing",
            hint="each live object belongs to one manifest: make the two manifests name "
            "different objects (or remove one of them)",
        )


def _who(claim: Claim) -> str:
    return f"{claim.key} ({claim.source})" if claim.source else str(claim.key)
