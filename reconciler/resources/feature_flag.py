"""Feature flags: identity ``key``; ownership marked by the tag ``managed-by-phsync``.

In manifests a condition targets a cohort by name (``{type: cohort, value: NAME}``) and depends
on another flag by key (``{type: flag, key: KEY}``); PostHog stores numeric ids there. Payloads
are any JSON value in manifests and JSON-encoded strings in PostHog. Filter keys that other
PostHog products write (early access, experiments, holdouts) are never compared and are sent
back unchanged on update.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reconciler import paths
from reconciler.resources import flag_operators
from reconciler.resources.base import (
    Directory,
    Json,
    LiveObject,
    keep_live,
    mark_tags,
    no_followup,
    number,
    tagged_managed,
    user_tags,
    with_marker,
)
from reconciler.resources.labels import flag_lists

kind = "FeatureFlag"
collection = "feature_flags"
# The kinds whose ids a live object holds and its canonical form names.
refers_to: tuple[str, ...] = ("Cohort", "FeatureFlag")

# filters keys owned by other PostHog products.
FOREIGN_FILTER_KEYS = (
    "super_groups",
    "holdout_groups",
    "holdout",
    "feature_enrollment",
    "early_exit",
)
_SCALARS = (
    "name",
    "active",
    "ensure_experience_continuity",
    "evaluation_runtime",
    "bucketing_identifier",
)
# PostHog's current name for where a flag evaluates; ``evaluation_tags`` is the older one.
CONTEXTS = "evaluation_contexts"
OLD_CONTEXTS = "evaluation_tags"
_NO_VALUE_OPERATORS = ("is_set", "is_not_set")
_TEXT_VALUE_OPERATORS = ("gt", "gte", "lt", "lte", "icontains", "not_icontains")


def identity(spec: Mapping[str, Json]) -> str:
    return str(spec["key"])


def display_name(spec: Mapping[str, Json]) -> str:
    return str(spec["key"])


align = keep_live
list_rule = flag_lists
create_followup = no_followup


is_managed = tagged_managed


def version(raw: Mapping[str, Json], spec: Mapping[str, Json]) -> str:
    return f"v{raw.get('version')}"


# -- canonical form ---------------------------------------------------------------------------


def _payload(value: Json) -> Json:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _property(prop: Mapping[str, Json], *, cohort_name: Any, flag_key: Any) -> dict[str, Json]:
    ptype = prop.get("type") or "person"
    out: dict[str, Json] = {"type": ptype}
    if ptype == "cohort":
        out["key"] = "id"
        out["operator"] = prop.get("operator") or "in"
        out["value"] = cohort_name(prop.get("value"))
    elif ptype == "flag":
        out["key"] = flag_key(prop.get("key"))
        out["operator"] = prop.get("operator") or "flag_evaluates_to"
        out["value"] = prop.get("value")
    else:
        out["key"] = prop.get("key")
        operator = flag_operators.canonical(str(prop.get("operator") or "exact"))
        out["operator"] = operator
        if operator not in _NO_VALUE_OPERATORS:
            value = prop.get("value")
            out["value"] = [number(v) for v in value] if isinstance(value, list) else number(value)
            if operator in _TEXT_VALUE_OPERATORS and _is_number(out["value"]):
                # PostHog refuses anything but text for these operators in a flag (400
                # invalid_value); a manifest may write 42, phsync sends "42".
                out["value"] = str(out["value"])
        if prop.get("group_type_index") is not None:
            out["group_type_index"] = prop["group_type_index"]
    out["negation"] = bool(prop.get("negation") or False)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _group(group: Mapping[str, Json], **resolve: Any) -> dict[str, Json]:
    rollout = group.get("rollout_percentage")
    out: dict[str, Json] = {
        "properties": [_property(p, **resolve) for p in group.get("properties") or []],
        "rollout_percentage": 100 if rollout is None else number(rollout),
    }
    for optional in ("variant", "aggregation_group_type_index", "description"):
        if group.get(optional) not in (None, ""):
            out[optional] = group[optional]
    return out


def _aggregations(filters: Mapping[str, Json]) -> tuple[list[Any], Any]:
    """Each condition set's aggregation and the flag's, as PostHog stores them: a set without
    one takes the flag's; the flag's is the sets' common one (null when they differ)."""
    flag_level = filters.get("aggregation_group_type_index")
    found = [
        g.get("aggregation_group_type_index", flag_level) if isinstance(g, Mapping) else None
        for g in filters.get("groups") or []
    ]
    if found:
        flag_level = found[0] if all(a == found[0] for a in found) else None
    return found, flag_level


def _filters(filters: Mapping[str, Json], **resolve: Any) -> dict[str, Json]:
    per_group, flag_level = _aggregations(filters)
    groups = [
        {**g, "aggregation_group_type_index": agg}
        for g, agg in zip(filters.get("groups") or [], per_group, strict=True)
    ]
    out: dict[str, Json] = {"groups": [_group(g, **resolve) for g in groups]}
    variants = (filters.get("multivariate") or {}).get("variants") or []
    if variants:
        out["multivariate"] = {
            "variants": [
                {
                    "key": v.get("key"),
                    "name": v.get("name") or "",
                    "rollout_percentage": number(v.get("rollout_percentage")),
                }
                for v in variants
            ]
        }
    payloads = filters.get("payloads") or {}
    if payloads:
        out["payloads"] = {_payload_key(k): _payload(v) for k, v in payloads.items()}
    if flag_level is not None:
        out["aggregation_group_type_index"] = flag_level
    return out


def _payload_key(key: Any) -> str:
    return "true" if key is True else str(key)


def _canonical(spec: Mapping[str, Json], **resolve: Any) -> dict[str, Json]:
    # `active` is compared even where a manifest leaves it out: PostHog's default is true, and
    # a flag switched off in the UI must show as drift (list it under `ignore` to allow that).
    out: dict[str, Json] = {"key": spec["key"], "active": True}
    for field in _SCALARS:
        if field in spec:
            out[field] = spec[field] if spec[field] is not None or field != "name" else ""
    if isinstance(out.get("name"), str):
        out["name"] = out["name"].strip()  # PostHog strips it on save
    if "bucketing_identifier" in out:
        out["bucketing_identifier"] = out["bucketing_identifier"] or "distinct_id"  # the default
    contexts = spec.get(CONTEXTS, spec.get(OLD_CONTEXTS))
    if CONTEXTS in spec or OLD_CONTEXTS in spec:
        out[CONTEXTS] = sorted({str(c) for c in contexts or []})  # a set in PostHog
    if "tags" in spec:
        out["tags"] = user_tags(spec["tags"])
    if "filters" in spec:
        out["filters"] = _filters(spec["filters"] or {}, **resolve)
    return out


def _same(value: Any) -> Any:
    return value


def canonical(spec: Mapping[str, Json]) -> dict[str, Json]:
    """A manifest spec with defaults filled in (references stay names)."""
    return _canonical(spec, cohort_name=_same, flag_key=_same)


def from_live(raw: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    """A live flag in canonical manifest form (ids turned into names)."""
    spec = {field: raw.get(field) for field in ("key", *_SCALARS, "tags", "filters")}
    if spec.get("name") is None:
        spec["name"] = ""
    spec[CONTEXTS] = raw.get(CONTEXTS) if CONTEXTS in raw else raw.get(OLD_CONTEXTS) or []
    return _canonical(
        spec,
        cohort_name=lambda value: directory.name_of("Cohort", value),
        flag_key=lambda value: directory.name_of("FeatureFlag", value),
    )


# -- API bodies -------------------------------------------------------------------------------


def _api_filters(filters: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    groups = []
    for group in filters.get("groups") or []:
        properties = []
        for prop in group.get("properties") or []:
            prop = dict(prop)
            if prop.get("type") == "cohort":
                prop["value"] = directory.id_of("Cohort", prop["value"])
            elif prop.get("type") == "flag":
                prop["key"] = str(directory.id_of("FeatureFlag", prop["key"]))
            if not prop.get("negation"):
                prop.pop("negation", None)
            properties.append(prop)
        groups.append({**group, "properties": properties})
    out: dict[str, Json] = {"groups": groups}
    if "multivariate" in filters:
        out["multivariate"] = filters["multivariate"]
    out["payloads"] = {
        key: json.dumps(value, separators=(",", ":"))
        for key, value in (filters.get("payloads") or {}).items()
    }
    if "aggregation_group_type_index" in filters:
        out["aggregation_group_type_index"] = filters["aggregation_group_type_index"]
    return out


def _body(spec: Mapping[str, Json], fields: frozenset[str], directory: Directory) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field in _SCALARS:
        if field in fields and field in spec:
            body[field] = spec[field]
    if "filters" in fields and "filters" in spec:
        body["filters"] = _api_filters(spec["filters"], directory)
    if CONTEXTS in fields and CONTEXTS in spec:
        body[CONTEXTS] = list(spec[CONTEXTS] or [])
    return body


def create_body(spec: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    body = _body(spec, frozenset(spec), directory)
    body["key"] = spec["key"]
    body["tags"] = with_marker(spec.get("tags"))
    return body


def update_body(
    spec: Mapping[str, Json],
    fields: frozenset[str],
    live: LiveObject,
    directory: Directory,
    ignore: tuple[paths.Path, ...] = (),
) -> dict[str, Json]:
    body = _body(spec, fields, directory)
    mark_tags(body, spec, fields, live)
    if "filters" in body:
        live_filters = live.raw.get("filters") or {}
        for foreign in FOREIGN_FILTER_KEYS:
            if foreign in live_filters:
                body["filters"][foreign] = live_filters[foreign]
        for pattern in ignore:
            if pattern[0] != "filters":
                continue
            for concrete in paths.expand(pattern[1:], live_filters):
                paths.put(body["filters"], concrete, paths.get(live_filters, concrete))
    return body
