"""Names that manifests use to point at each other: listing, checking and ordering; pure.

A flag condition names a cohort (``{type: cohort, value: NAME}``) or another flag
(``{type: flag, key: KEY}``); a cohort condition names another cohort; an insight's query names
actions and cohorts; a dashboard's tile names an insight; an annotation names its dashboard.
PostHog stores numeric ids in these places; the plan resolves the names.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from reconciler import paths
from reconciler.errors import Issue
from reconciler.manifests.hints import did_you_mean
from reconciler.manifests.rules import cohort_conditions, issue
from reconciler.model import KINDS, Manifest, Reference, ResourceKey
from reconciler.resources import query_refs

FieldPath = tuple[str | int, ...]


_CACHED = "_references"


def references(manifest: Manifest) -> tuple[Reference, ...]:
    """Every name reference in ``manifest``, in document order, with its field path.

    Worked out once per manifest (validation, the plan's reference check and the dependency
    order each ask, for every manifest) and kept on it, as ``functools.cached_property`` keeps
    a value: a manifest is not changed once loaded (an environment's overrides make new ones).
    """
    found: tuple[Reference, ...] | None = manifest.__dict__.get(_CACHED)
    if found is None:
        found = tuple(
            Reference(manifest.key, ResourceKey(kind, name), path)
            for kind, name, path in _named(manifest.kind, manifest.spec)
        )
        manifest.__dict__[_CACHED] = found
    return found


def _named(kind: str, spec: Mapping[str, Any]) -> Iterator[tuple[str, str, FieldPath]]:
    if kind == "FeatureFlag":
        filters = spec.get("filters")
        groups = filters.get("groups") if isinstance(filters, dict) else None
        for gindex, group in enumerate(groups if isinstance(groups, list) else []):
            props = group.get("properties") if isinstance(group, dict) else None
            for pindex, prop in enumerate(props if isinstance(props, list) else []):
                where: FieldPath = ("filters", "groups", gindex, "properties", pindex)
                yield from _property_target(prop, where)
    elif kind == "Cohort":
        for where, node in cohort_conditions(spec):
            yield from _property_target(node, where)
    elif kind == "Insight":
        query = spec.get("query")
        for target, path in query_refs.targets(query, ("query",)):
            value = paths.get(spec, path, None)
            if isinstance(value, str) and value:
                yield target, value, path
    elif kind == "Dashboard":
        tiles = spec.get("tiles")
        for index, tile in enumerate(tiles if isinstance(tiles, list) else []):
            if isinstance(tile, dict) and isinstance(tile.get("insight"), str) and tile["insight"]:
                yield "Insight", tile["insight"], ("tiles", index, "insight")
    elif kind == "Annotation":
        dashboard = spec.get("dashboard")
        if isinstance(dashboard, str) and dashboard:
            yield "Dashboard", dashboard, ("dashboard",)


def _property_target(prop: Any, where: FieldPath) -> Iterator[tuple[str, str, FieldPath]]:
    if not isinstance(prop, dict):
        return
    if prop.get("type") == "cohort" and isinstance(prop.get("value"), str) and prop["value"]:
        yield "Cohort", prop["value"], (*where, "value")
    elif prop.get("type") == "flag" and isinstance(prop.get("key"), str) and prop["key"]:
        yield "FeatureFlag", prop["key"], (*where, "key")


def _declared(manifests: Sequence[Manifest]) -> dict[ResourceKey, Manifest]:
    declared: dict[ResourceKey, Manifest] = {}
    for manifest in manifests:
        if manifest.name:
            declared.setdefault(manifest.key, manifest)
    return declared


def check_references(
    manifests: Sequence[Manifest],
    *,
    known: Collection[ResourceKey] = (),
    dangling: bool = True,
    live: bool = False,
    ambiguous: Mapping[ResourceKey, Sequence[int]] | None = None,
) -> list[Issue]:
    """Problems with references between ``manifests``.

    * dangling references: names that no manifest declares and ``known`` (live objects) does
      not hold (skipped when ``dangling`` is false); with ``live`` (``known`` is the live
      project, as in a plan) the message says neither has it, with a "did you mean" over both;
    * ambiguous references: names that no manifest declares and that several live objects,
      none of them managed by phsync, hold (``ambiguous`` maps each such name to their ids);
    * reference cycles (flag dependencies, cohorts including cohorts);
    * cohorts with behavioral (event) conditions used by flags, which PostHog refuses.
    """
    declared = _declared(manifests)
    known_set = set(known)
    issues: list[Issue] = []
    for manifest in manifests:
        for ref in references(manifest):
            target = declared.get(ref.target)
            if target is None:
                if dangling and ref.target not in known_set:
                    issues.append(
                        _missing_everywhere(manifest, ref, declared, known_set)
                        if live
                        else _dangling(manifest, ref, declared)
                    )
                elif ambiguous and ref.target in ambiguous:
                    issues.append(_ambiguous(manifest, ref, ambiguous[ref.target]))
            elif manifest.kind == "FeatureFlag" and ref.target.kind == "Cohort":
                behavioral = _behavioral_cohort(ref.target, declared)
                if behavioral is not None:
                    issues.append(_behavioral_issue(manifest, ref, behavioral))
    issues.extend(_cycles(manifests, declared))
    return issues


def _ambiguous(manifest: Manifest, ref: Reference, ids: Sequence[int]) -> Issue:
    return issue(
        manifest,
        ref.path,
        f"{ref.target.kind} '{ref.target.name}' names {len(ids)} objects in PostHog "
        f"(ids {', '.join(map(str, ids))}), so phsync cannot tell which one is meant",
        "rename all but one of them in PostHog, or declare it in a manifest (phsync then "
        f"takes the oldest, id {min(ids)}, and marks it as its own)",
    )


def _dangling(
    manifest: Manifest, ref: Reference, declared: Mapping[ResourceKey, Manifest]
) -> Issue:
    names = [key.name for key in declared if key.kind == ref.target.kind]
    return issue(
        manifest,
        ref.path,
        f"no manifest declares {ref.target.kind} '{ref.target.name}'"
        + did_you_mean(ref.target.name, names),
        "declare it in a manifest; if it exists only in PostHog, validate with "
        "--allow-external-refs, and plan will resolve it against the live objects",
    )


def _missing_everywhere(
    manifest: Manifest,
    ref: Reference,
    declared: Mapping[ResourceKey, Manifest],
    live: Collection[ResourceKey],
) -> Issue:
    names = sorted(
        {key.name for key in (*declared, *live) if key.kind == ref.target.kind}
    )
    return issue(
        manifest,
        ref.path,
        f"no manifest and no object in PostHog has {ref.target.kind} '{ref.target.name}'"
        + did_you_mean(ref.target.name, names),
        "fix the name, or declare the object in a manifest",
    )


def _behavioral_cohort(
    start: ResourceKey, declared: Mapping[ResourceKey, Manifest]
) -> ResourceKey | None:
    """The cohort (``start`` or one it includes) that has behavioral conditions, if any."""
    seen: set[ResourceKey] = set()
    todo = [start]
    while todo:
        key = todo.pop()
        cohort = declared.get(key)
        if key in seen or cohort is None:
            continue
        seen.add(key)
        nodes = [node for _, node in cohort_conditions(cohort.spec)]
        if any(node.get("type") == "behavioral" for node in nodes):
            return key
        todo.extend(ref.target for ref in references(cohort) if ref.target.kind == "Cohort")
    return None


def _behavioral_issue(manifest: Manifest, ref: Reference, culprit: ResourceKey) -> Issue:
    via = "" if culprit == ref.target else f" (through the cohort '{culprit.name}' it includes)"
    return issue(
        manifest,
        ref.path,
        f"cohort '{ref.target.name}' has conditions on events{via}; PostHog does not allow "
        "such cohorts in feature flags",
        "target a cohort of person properties instead",
    )


def _edges(
    manifests: Sequence[Manifest], declared: Mapping[ResourceKey, Manifest]
) -> dict[ResourceKey, list[Reference]]:
    edges: dict[ResourceKey, list[Reference]] = {}
    for manifest in declared.values():
        edges[manifest.key] = [ref for ref in references(manifest) if ref.target in declared]
    return edges


def _cycles(manifests: Sequence[Manifest], declared: Mapping[ResourceKey, Manifest]) -> list[Issue]:
    edges = _edges(manifests, declared)
    issues: list[Issue] = []
    for component in _strongly_connected(*_cycle_candidates(declared, edges)):
        start = component[0]
        loop = _loop(start, set(component), edges)
        if loop is None:
            continue
        manifest = declared[start]
        if len(loop) == 1:
            verb = "depends on" if start.kind == "FeatureFlag" else "includes"
            message = f"{start.kind} '{start.name}' {verb} itself"
        else:
            chain = " -> ".join(f"{key.kind} '{key.name}'" for key in [*loop, start])
            message = f"reference cycle: {chain}"
        first = next(ref for ref in edges[start] if ref.target == (loop[1:] or loop)[0])
        issues.append(issue(manifest, first.path, message, "break the cycle"))
    return issues


def _cycle_candidates(
    declared: Mapping[ResourceKey, Manifest], edges: Mapping[ResourceKey, list[Reference]]
) -> tuple[list[ResourceKey], dict[ResourceKey, list[Reference]]]:
    """The objects that may lie on a cycle, and their references among themselves: an object
    that refers to nothing, or only to such objects, cannot (most flags and cohorts)."""
    kept = {key: refs for key, refs in edges.items() if refs}
    while True:
        pruned = {key: [r for r in refs if r.target in kept] for key, refs in kept.items()}
        pruned = {key: refs for key, refs in pruned.items() if refs}
        if len(pruned) == len(kept) and all(
            len(pruned[key]) == len(kept[key]) for key in pruned
        ):
            return [key for key in declared if key in pruned], pruned
        kept = pruned


def _loop(
    start: ResourceKey, members: set[ResourceKey], edges: Mapping[ResourceKey, list[Reference]]
) -> list[ResourceKey] | None:
    """A shortest path from ``start`` back to itself inside ``members`` (without the return)."""
    previous: dict[ResourceKey, ResourceKey] = {}
    frontier = [start]
    while frontier:
        following: list[ResourceKey] = []
        for node in frontier:
            for ref in edges[node]:
                if ref.target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return list(reversed(path))
                if ref.target in members and ref.target not in previous:
                    previous[ref.target] = node
                    following.append(ref.target)
        frontier = following
    return None


def _strongly_connected(
    nodes: list[ResourceKey], edges: Mapping[ResourceKey, list[Reference]]
) -> list[list[ResourceKey]]:
    """Tarjan's algorithm, iterative; each component in input order, components in order."""
    order = {node: index for index, node in enumerate(nodes)}
    index: dict[ResourceKey, int] = {}
    low: dict[ResourceKey, int] = {}
    stack: list[ResourceKey] = []
    on_stack: set[ResourceKey] = set()
    components: list[list[ResourceKey]] = []
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[ResourceKey, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = [ref.target for ref in edges[node]]
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component: list[ResourceKey] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component, key=order.__getitem__))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(components, key=lambda component: order[component[0]])


def dependency_order(manifests: Sequence[Manifest]) -> list[Manifest]:
    """``manifests`` with every referenced object before the objects that reference it.

    Stable: among objects that are ready together, kinds come in ``model.KINDS`` order, then
    input order. References to objects outside ``manifests`` are ignored. Members of a
    reference cycle (which validation reports) come last, in the same tie-break order.
    """
    rank = {kind: position for position, kind in enumerate(KINDS)}
    declared = _declared(manifests)
    waiting: dict[int, int] = {}
    dependants: dict[ResourceKey, list[int]] = {}
    for position, manifest in enumerate(manifests):
        targets = {ref.target for ref in references(manifest) if ref.target in declared}
        targets.discard(manifest.key)
        waiting[position] = len(targets)
        for target in targets:
            dependants.setdefault(target, []).append(position)

    def priority(position: int) -> tuple[int, int]:
        return rank.get(manifests[position].kind, len(KINDS)), position

    ready = [priority(position) for position, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    done: list[int] = []
    placed: set[int] = set()
    while ready:
        _, position = heapq.heappop(ready)
        done.append(position)
        placed.add(position)
        manifest = manifests[position]
        if declared.get(manifest.key) is not manifest:
            continue  # a duplicate identity: the first one releases the dependants
        for dependant in dependants.get(manifest.key, []):
            waiting[dependant] -= 1
            if waiting[dependant] == 0:
                heapq.heappush(ready, priority(dependant))
    rest = sorted((position for position in waiting if position not in placed), key=priority)
    return [manifests[position] for position in [*done, *rest]]
