"""The order of an apply: waves of creates and updates after what they refer to, then
deletes in reverse dependency order; pure."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.model import KINDS, ResourceKey
from reconciler.plan import Change, LiveState


def waves(changes: Sequence[Change]) -> list[list[Change]]:
    """Group creates/adopts/updates so that each comes after what it refers to; pure."""
    pending = {c.key: c for c in changes}
    level: dict[ResourceKey, int] = {}

    def depth(key: ResourceKey, trail: frozenset[ResourceKey]) -> int:
        if key in level:
            return level[key]
        if key in trail:  # a cycle slipped past validation: order by kind only
            return 0
        deps = [d for d in pending[key].depends_on if d in pending and d != key]
        value = 1 + max((depth(d, trail | {key}) for d in deps), default=-1)
        level[key] = value
        return value

    for key in pending:
        depth(key, frozenset())
    groups: dict[int, list[Change]] = {}
    for change in changes:
        groups.setdefault(level[change.key], []).append(change)
    return [groups[index] for index in sorted(groups)]


def delete_waves(changes: Sequence[Change], live: LiveState) -> list[list[Change]]:
    """Deletes by kind in reverse dependency order; a flag that depends on another deleted
    flag goes before it."""
    by_kind: dict[str, list[Change]] = {}
    for change in changes:
        by_kind.setdefault(change.key.kind, []).append(change)
    result: list[list[Change]] = []
    for kind in reversed(KINDS):
        group = by_kind.get(kind, [])
        if kind == "FeatureFlag" and group:
            result.extend(_flag_delete_waves(group, live))
        elif group:
            result.append(group)
    return result


def _flag_delete_waves(group: list[Change], live: LiveState) -> list[list[Change]]:
    keys = {c.key.name for c in group}
    specs = {obj.name: obj.spec for obj in live.objects.get("FeatureFlag", ())}

    def deps(name: str) -> set[str]:
        found = set()
        for g in (specs.get(name, {}).get("filters") or {}).get("groups") or []:
            for prop in g.get("properties") or []:
                if prop.get("type") == "flag" and prop.get("key") in keys:
                    found.add(prop["key"])
        return found

    # Dependents first: reverse the dependency waves.
    as_changes = [
        Change(
            c.action,
            c.key,
            depends_on=tuple(ResourceKey("FeatureFlag", d) for d in deps(c.key.name)),
        )
        for c in group
    ]
    original = {c.key: c for c in group}
    return [[original[c.key] for c in wave] for wave in reversed(waves(as_changes))]
