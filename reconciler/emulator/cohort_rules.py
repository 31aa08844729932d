"""Cohort filter validation and membership (posthog-api.md section 3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.emulator.matching import match_group
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.wire import Problem, validation

BEHAVIORAL_VALUES = (
    "performed_event",
    "performed_event_multiple",
    "performed_event_first_time",
    "performed_event_sequence",
    "performed_event_regularly",
    "stopped_performing_event",
    "restarted_performing_event",
)
_PERSON_KEYS = {"key", "type", "operator", "value", "negation", "label", "group_type_index"}
_COHORT_KEYS = {"key", "type", "value", "negation", "label"}
_BEHAVIORAL_KEYS = {
    "key",
    "type",
    "value",
    "event_type",
    "time_value",
    "time_interval",
    "operator",
    "operator_value",
    "seq_event",
    "seq_event_type",
    "seq_time_value",
    "seq_time_interval",
    "total_periods",
    "min_periods",
    "event_filters",
    "explicit_datetime",
    "negation",
    "label",
}


def _filters_error(detail: str) -> Problem:
    return validation(detail, attr="filters")


def leaves(node: Any) -> Iterator[JSON]:
    """Every filter (non-group) inside a cohort's ``properties`` tree."""
    if isinstance(node, dict):
        if node.get("type") in ("AND", "OR") and isinstance(node.get("values"), list):
            for value in node["values"]:
                yield from leaves(value)
        else:
            yield node


def legacy_properties(raw: Any) -> list[JSON]:
    """A legacy group's ``properties``: a list of filters, or PostHog's older ``{key: value}``
    form (person properties)."""
    if isinstance(raw, dict):
        return [{"key": k, "value": v, "type": "person"} for k, v in raw.items()]
    return [p for p in raw or [] if isinstance(p, dict)] if isinstance(raw, list) else []


def cohort_leaves(cohort: JSON) -> list[JSON]:
    """The cohort's filters, from ``filters`` or (when it has none) the legacy ``groups``."""
    filters = cohort.get("filters") or {}
    found = list(leaves(filters.get("properties"))) if isinstance(filters, dict) else []
    if found:
        return found
    return [
        leaf
        for group in cohort.get("groups") or []
        if isinstance(group, dict)
        for leaf in legacy_properties(group.get("properties"))
    ]


def has_behavioral(cohort: JSON) -> bool:
    return any(leaf.get("type") == "behavioral" for leaf in cohort_leaves(cohort))


def nested_cohorts(store: Store, project_id: int, cohort: JSON) -> list[JSON]:
    """Cohorts this one depends on, transitively (cycles are cut)."""
    seen: dict[int, JSON] = {}
    stack = [cohort]
    while stack:
        current = stack.pop()
        for leaf in cohort_leaves(current):
            if leaf.get("type") != "cohort":
                continue
            try:
                child = store.get("cohort", int(str(leaf.get("value"))))
            except ValueError:
                child = None
            if child and child.get("project_id") == project_id and child["id"] not in seen:
                seen[child["id"]] = child
                stack.append(child)
    seen.pop(int(cohort.get("id") or -1), None)
    return list(seen.values())


def _check_leaf(leaf: JSON) -> None:
    kind = leaf.get("type")
    if kind == "person":
        missing = [
            k
            for k in ("key", "value", "operator")
            if k not in leaf
            and not (k == "value" and leaf.get("operator") in ("is_set", "is_not_set"))
        ]
        if missing:
            raise _filters_error(f"Missing required keys for person filter: {', '.join(missing)}")
        extra = set(leaf) - _PERSON_KEYS
    elif kind == "cohort":
        missing = [k for k in ("key", "value") if k not in leaf]
        if missing:
            raise _filters_error(f"Missing required keys for cohort filter: {', '.join(missing)}")
        extra = set(leaf) - _COHORT_KEYS
    elif kind == "behavioral":
        missing = [k for k in ("key", "value", "event_type") if k not in leaf]
        if missing:
            raise _filters_error(
                f"Missing required keys for behavioral filter: {', '.join(missing)}"
            )
        if leaf.get("value") not in BEHAVIORAL_VALUES:
            raise _filters_error(
                f"[{{'type': 'literal_error', 'loc': ('properties', 'values', 'value'), "
                f"'msg': 'Input should be one of {', '.join(BEHAVIORAL_VALUES)}', "
                f"'input': {leaf.get('value')!r}}}]"
            )
        extra = set(leaf) - _BEHAVIORAL_KEYS
    else:
        raise _filters_error(
            f"[{{'type': 'union_tag_invalid', 'loc': ('properties', 'values'), "
            f"'msg': \"Input tag '{kind}' found using 'type' does not match any of the "
            f"expected tags: 'behavioral', 'cohort', 'person'\", 'input': {leaf!r}}}]"
        )
    if extra:
        name = sorted(extra)[0]
        raise _filters_error(
            f"[{{'type': 'extra_forbidden', 'loc': ('properties', 'values', '{name}'), "
            f"'msg': 'Extra inputs are not permitted'}}]"
        )


def _check_group(node: Any) -> None:
    if not isinstance(node, dict):
        raise _filters_error("[{'type': 'model_type', 'msg': 'Input should be an object'}]")
    if "values" in node or node.get("type") in ("AND", "OR"):
        if node.get("type") not in ("AND", "OR") or not isinstance(node.get("values"), list):
            raise _filters_error(
                "[{'type': 'literal_error', 'loc': ('properties', 'type'), "
                "'msg': \"Input should be 'AND' or 'OR'\"}]"
            )
        for value in node["values"]:
            _check_group(value)
    else:
        _check_leaf(node)


def validate_filters(raw: Any) -> JSON:
    """The structural check PostHog runs with pydantic ``CohortFilters`` (attr ``filters``)."""
    if not isinstance(raw, dict) or "properties" not in raw:
        raise validation(
            "Must contain a 'properties' key with type and values", attr="filters__detail"
        )
    properties = raw["properties"]
    if not isinstance(properties, dict) or properties.get("type") not in ("AND", "OR"):
        raise _filters_error(
            "[{'type': 'literal_error', 'loc': ('properties', 'type'), "
            "'msg': \"Input should be 'AND' or 'OR'\"}]"
        )
    _check_group(properties)
    for leaf in leaves(properties):
        if leaf.get("type") == "person":
            leaf.setdefault("negation", False)  # PostHog stores the default it reads
    extra = set(raw) - {"properties"}
    if extra:
        raise _filters_error(
            f"[{{'type': 'extra_forbidden', 'loc': ('{sorted(extra)[0]}',), "
            "'msg': 'Extra inputs are not permitted'}]"
        )
    return raw


def check_references(store: Store, project_id: int, cohort: JSON) -> None:
    """Nested cohorts must exist; no cohort may reach itself (attr null, as PostHog)."""
    for leaf in cohort_leaves(cohort):
        if leaf.get("type") != "cohort":
            continue
        try:
            child = store.get("cohort", int(str(leaf.get("value"))))
        except ValueError:
            child = None
        if child is None or child.get("project_id") != project_id:
            raise validation("Invalid Cohort ID in filter")
    if cohort.get("id") is not None and any(
        c["id"] == cohort["id"] for c in _reachable(store, project_id, cohort)
    ):
        raise validation("Cohorts cannot reference other cohorts in a loop.")


def _reachable(store: Store, project_id: int, cohort: JSON) -> list[JSON]:
    found: dict[int, JSON] = {}
    stack = [cohort]
    while stack:
        current = stack.pop()
        for leaf in cohort_leaves(current):
            if leaf.get("type") != "cohort":
                continue
            try:
                child = store.get("cohort", int(str(leaf.get("value"))))
            except ValueError:
                continue
            if child is None or child["id"] in found:
                continue
            if child["id"] == cohort.get("id"):
                child = cohort
            found[child["id"]] = child
            stack.append(child)
    return list(found.values())


def members(store: Store, project_id: int, cohort: JSON, _depth: int = 0) -> list[int]:
    """Person ids in a cohort: the static list, the seed's list, or evaluated filters."""
    if cohort.get("is_static") or "members" in cohort:
        return [int(p) for p in cohort.get("members", [])]
    if _depth > 10 or has_behavioral(cohort):
        return []
    persons = store.all("person", project_id)
    cache: dict[int, list[int] | None] = {}

    def nested(value: Any) -> list[int] | None:
        try:
            cohort_id = int(str(value))
        except ValueError:
            return None
        if cohort_id not in cache:
            child = store.get("cohort", cohort_id)
            cache[cohort_id] = (
                members(store, project_id, child, _depth + 1) if child is not None else None
            )
        return cache[cohort_id]

    group = (cohort.get("filters") or {}).get("properties")
    return [p["id"] for p in persons if match_group(p, group, nested)]
