"""PostHog's rules that a JSON Schema cannot say, checked offline; pure.

Each rule takes one manifest and returns its issues, each with the field path and a fix. Rules
read the spec defensively: a value of the wrong type is the schema's to report, not theirs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from reconciler import paths
from reconciler.errors import Issue
from reconciler.manifests.flag_fields import flag_newer_fields
from reconciler.manifests.hints import describe, did_you_mean
from reconciler.manifests.query_schema import query_shape
from reconciler.manifests.schema import shared_schema
from reconciler.manifests.tiles import dashboard_tiles
from reconciler.model import IDENTITY_FIELD, PHSYNC_FIELDS, Manifest
from reconciler.resources import flag_operators

FieldPath = tuple[str | int, ...]
Rule = Callable[[Manifest], list[Issue]]

NO_VALUE_OPERATORS = frozenset({"is_set", "is_not_set"})
_TEXT_OPERATORS = frozenset({"regex", "not_regex"})
_CONTAINS_OPERATORS = frozenset({"icontains", "not_icontains"})
_MULTI_OPERATORS = frozenset({"icontains_multi", "not_icontains_multi"})
_NUMBER_OPERATORS = frozenset({"gt", "gte", "lt", "lte", "min", "max"})
_DATE_OPERATORS = frozenset({"is_date_exact", "is_date_after", "is_date_before"})
DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
_RELATIVE_DATE = re.compile(r"^-?\d+[hdwmqy](Start|End)?$", re.IGNORECASE)

# Fields each kind of behavioral condition needs (PostHog's cohort validation).
BEHAVIORAL_FIELDS: dict[str, tuple[str, ...]] = {
    "performed_event": (),
    "performed_event_multiple": ("operator_value",),
    "performed_event_first_time": ("time_value", "time_interval"),
    "performed_event_sequence": (
        "time_value",
        "time_interval",
        "seq_event_type",
        "seq_event",
        "seq_time_value",
        "seq_time_interval",
    ),
    "performed_event_regularly": (
        "time_value",
        "time_interval",
        "operator_value",
        "min_periods",
        "total_periods",
    ),
    "stopped_performing_event": (
        "time_value",
        "time_interval",
        "seq_time_value",
        "seq_time_interval",
    ),
    "restarted_performing_event": (
        "time_value",
        "time_interval",
        "seq_time_value",
        "seq_time_interval",
    ),
}
_WINDOWED = frozenset({"performed_event", "performed_event_multiple"})


def issue(manifest: Manifest, path: FieldPath, message: str, hint: str | None = None) -> Issue:
    where = manifest.where(path)
    return Issue(where.file, where.line, where.column, message, paths.render(path), hint)


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- feature flags ------------------------------------------------------------------------------


def _variants(manifest: Manifest) -> list[str] | None:
    """The flag's variant keys, or None for a boolean flag."""
    multivariate = _dict(manifest.spec.get("filters")).get("multivariate")
    if not isinstance(multivariate, dict):
        return None
    return [
        variant["key"]
        for variant in _list(multivariate.get("variants"))
        if isinstance(variant, dict) and isinstance(variant.get("key"), str)
    ]


def flag_variants(manifest: Manifest) -> list[Issue]:
    """Variant rollouts sum to 100; variant keys are unique."""
    where: FieldPath = ("filters", "multivariate", "variants")
    variants = _list(_dict(_dict(manifest.spec.get("filters")).get("multivariate")).get("variants"))
    if not variants:
        return []
    issues: list[Issue] = []
    rollouts: list[Any] = [_dict(variant).get("rollout_percentage") for variant in variants]
    if all(_number(rollout) for rollout in rollouts):
        total = math.fsum(rollouts)
        if round(total, 6) != 100:
            issues.append(
                issue(
                    manifest,
                    where,
                    f"variant rollout percentages must sum to 100, got {total:g}",
                    "adjust the variants' rollout_percentage",
                )
            )
    first: dict[str, int] = {}
    for index, variant in enumerate(variants):
        key = _dict(variant).get("key")
        if not isinstance(key, str):
            continue
        if key in first:
            issues.append(
                issue(
                    manifest,
                    (*where, index, "key"),
                    f"duplicate variant key '{key}' (also variants[{first[key]}])",
                    "give each variant its own key",
                )
            )
        else:
            first[key] = index
    return issues


def flag_payloads(manifest: Manifest) -> list[Issue]:
    """A boolean flag's only payload key is 'true'; a multivariate flag's are variant keys."""
    payloads = _dict(_dict(manifest.spec.get("filters")).get("payloads"))
    variants = _variants(manifest)
    issues: list[Issue] = []
    for key in payloads:
        where: FieldPath = ("filters", "payloads", key)
        if variants is None and key != "true":
            issues.append(
                issue(
                    manifest,
                    where,
                    f"payload key '{key}' on a boolean flag; a boolean flag's payload key is "
                    "'true'",
                    "use `true:` as the key, or add variants in filters.multivariate",
                )
            )
        elif variants is not None and key not in variants:
            issues.append(
                issue(
                    manifest,
                    where,
                    f"payload key '{key}' is not a variant of this flag"
                    + did_you_mean(key, variants),
                    f"use one of the variant keys: {', '.join(dict.fromkeys(variants))}",
                )
            )
    return issues


def flag_group_variants(manifest: Manifest) -> list[Issue]:
    """A release condition's ``variant`` names one of the flag's variants."""
    variants = _variants(manifest)
    issues: list[Issue] = []
    for index, group in enumerate(_list(_dict(manifest.spec.get("filters")).get("groups"))):
        variant = _dict(group).get("variant")
        if not isinstance(variant, str):
            continue
        where: FieldPath = ("filters", "groups", index, "variant")
        if variants is None:
            issues.append(
                issue(
                    manifest,
                    where,
                    f"variant override '{variant}' on a flag without variants",
                    "remove 'variant', or add variants in filters.multivariate",
                )
            )
        elif variant not in variants:
            issues.append(
                issue(
                    manifest,
                    where,
                    f"variant override '{variant}' does not exist"
                    + did_you_mean(variant, variants),
                    f"use one of the variant keys: {', '.join(dict.fromkeys(variants))}",
                )
            )
    return issues


def flag_properties(manifest: Manifest) -> list[Issue]:
    """Property types fit the flag's aggregation; values fit their operators."""
    filters = _dict(manifest.spec.get("filters"))
    flag_level = filters.get("aggregation_group_type_index")
    issues: list[Issue] = []
    for gindex, group in enumerate(_list(filters.get("groups"))):
        group = _dict(group)
        aggregation = group.get("aggregation_group_type_index", flag_level)
        for pindex, prop in enumerate(_list(group.get("properties"))):
            if not isinstance(prop, dict):
                continue
            where: FieldPath = ("filters", "groups", gindex, "properties", pindex)
            ptype = prop.get("type")
            if ptype in ("person", "group"):
                issues.extend(value_issues(manifest, prop, where))
            if isinstance(aggregation, int) and not isinstance(aggregation, bool):
                if ptype in ("person", "cohort", "flag"):
                    issues.append(
                        issue(
                            manifest,
                            (*where, "type"),
                            f"a flag aggregated by group type {aggregation} can only use group "
                            f"properties, not {ptype} properties",
                            "use type: group, or remove filters.aggregation_group_type_index",
                        )
                    )
                elif ptype == "group" and prop.get("group_type_index") not in (None, aggregation):
                    issues.append(
                        issue(
                            manifest,
                            (*where, "group_type_index"),
                            f"group_type_index {prop['group_type_index']} does not match the "
                            f"flag's aggregation_group_type_index {aggregation}",
                            f"set group_type_index: {aggregation}",
                        )
                    )
            elif ptype == "group" and aggregation is None:
                issues.append(
                    issue(
                        manifest,
                        (*where, "type"),
                        "a flag rolled out by person can only use person, cohort and flag "
                        "properties",
                        "set filters.aggregation_group_type_index to roll out by group",
                    )
                )
    return issues


# -- property values ----------------------------------------------------------------------------


def value_issues(manifest: Manifest, prop: Mapping[str, Any], where: FieldPath) -> list[Issue]:
    """The rules tying a person or group property's ``value`` to its ``operator``."""
    operator = prop.get("operator") or "exact"
    if not isinstance(operator, str):
        return []
    value = prop.get("value")
    at = (*where, "value") if "value" in prop else where
    if operator in NO_VALUE_OPERATORS:
        if value is not None and value != operator:
            return [issue(manifest, at, f"operator {operator} takes no value", "remove 'value'")]
        return []
    if value is None:
        return [
            issue(
                manifest,
                at,
                f"operator {operator} needs a value",
                "add 'value:', or use operator is_set / is_not_set",
            )
        ]
    problem = _value_problem(operator, value)
    return [issue(manifest, at, problem[0], problem[1])] if problem else []


def _value_problem(operator: str, value: Any) -> tuple[str, str] | None:
    got = describe(value)
    if operator in _TEXT_OPERATORS:
        if not isinstance(value, str):
            return f"operator {operator} needs a string, got {got}", "write the pattern as text"
        try:
            re.compile(value)
        except re.error as exc:
            return f"'{value}' is not a valid regular expression: {exc}", "fix the pattern"
        return None
    if operator in _CONTAINS_OPERATORS:
        if isinstance(value, str) or _number(value):
            return None
        return (
            f"operator {operator} needs a string, got {got}",
            "use icontains_multi for a list of texts",
        )
    if operator in _MULTI_OPERATORS:
        if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            return None
        return f"operator {operator} needs a list of strings, got {got}", "write value: [a, b]"
    if operator in _NUMBER_OPERATORS:
        if _number(value) or isinstance(value, str) and _numeric(value):
            return None
        return f"operator {operator} needs a number, got {got}", "write value: 42"
    if operator.startswith("semver_"):
        if isinstance(value, str) and flag_operators.is_version(operator, value):
            return None
        if isinstance(value, str):
            return f"'{value}' is not a version PostHog can read", "write value: '1.2.3'"
        return f"operator {operator} needs a version string, got {got}", "write value: '1.2.3'"
    if operator in _DATE_OPERATORS:
        if isinstance(value, str) and _date_like(value):
            return None
        return (
            f"operator {operator} needs a date, got {_describe_date(value)}",
            "write an ISO date such as '2026-01-31' or a relative one such as '-7d'",
        )
    if isinstance(value, list):
        if not value:
            return "an empty list matches nothing", "list at least one value"
        if all(isinstance(item, str | int | float) for item in value):
            return None
        return f"operator {operator} needs a list of plain values", "remove nested lists"
    return None


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _date_like(text: str) -> bool:
    if _RELATIVE_DATE.match(text):
        return True
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _describe_date(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else describe(value)


# -- cohorts ------------------------------------------------------------------------------------


def cohort_filters(manifest: Manifest) -> list[Issue]:
    """A dynamic cohort has filters and a static one has none; conditions are complete."""
    spec = manifest.spec
    issues: list[Issue] = []
    if spec.get("is_static") is True:
        if spec.get("filters") is not None:
            issues.append(
                issue(
                    manifest,
                    ("filters",),
                    "a static cohort has no filters (its members are a fixed list)",
                    "remove filters, or set is_static: false",
                )
            )
        return issues
    if "filters" not in spec:
        issues.append(
            issue(
                manifest,
                (),
                "missing required field 'filters' (a dynamic cohort needs conditions)",
                "add filters, or set is_static: true for a fixed list of persons",
            )
        )
        return issues
    for where, node in cohort_conditions(spec):
        if node.get("type") == "person":
            issues.extend(value_issues(manifest, node, where))
        elif node.get("type") == "behavioral":
            issues.extend(_behavioral(manifest, node, where))
    return issues


def cohort_conditions(spec: Mapping[str, Any]) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    """Every condition (not group) of a cohort's filters, with its path."""

    def walk(node: Any, where: FieldPath) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
        if not isinstance(node, dict):
            return
        if node.get("type") in ("AND", "OR"):
            for index, child in enumerate(_list(node.get("values"))):
                yield from walk(child, (*where, "values", index))
        else:
            yield where, node

    yield from walk(_dict(spec.get("filters")).get("properties"), ("filters", "properties"))


def _behavioral(manifest: Manifest, node: Mapping[str, Any], where: FieldPath) -> list[Issue]:
    value = node.get("value")
    if not isinstance(value, str) or value not in BEHAVIORAL_FIELDS:
        return []
    missing = [name for name in BEHAVIORAL_FIELDS[value] if node.get(name) is None]
    issues: list[Issue] = []
    if missing:
        needed = ", ".join(missing)
        message = f"a '{value}' condition needs {needed}"
        issues.append(issue(manifest, where, message, f"add {needed}"))
    has_window = node.get("time_value") is not None and node.get("time_interval") is not None
    if value in _WINDOWED and not has_window and node.get("explicit_datetime") is None:
        issues.append(
            issue(
                manifest,
                where,
                f"a '{value}' condition needs a time window",
                "add time_value and time_interval (e.g. 30 and day), or explicit_datetime",
            )
        )
    return issues


# -- annotations --------------------------------------------------------------------------------


def annotation_scope(manifest: Manifest) -> list[Issue]:
    """``dashboard`` is given exactly when scope is dashboard."""
    scope = manifest.spec.get("scope", "project")
    dashboard = manifest.spec.get("dashboard")
    if scope == "dashboard" and dashboard in (None, ""):
        return [
            issue(
                manifest,
                ("scope",),
                "scope 'dashboard' needs the dashboard's name in 'dashboard'",
                "add dashboard: NAME",
            )
        ]
    if scope != "dashboard" and dashboard not in (None, ""):
        return [
            issue(
                manifest,
                ("dashboard",),
                f"'dashboard' is only allowed with scope: dashboard (scope is '{scope}')",
                "set scope: dashboard, or remove dashboard",
            )
        ]
    return []


def annotation_date(manifest: Manifest) -> list[Issue]:
    """``date_marker`` is an ISO 8601 date-time."""
    value = manifest.spec.get("date_marker")
    if not isinstance(value, str):
        return []
    hint = "write e.g. 2026-11-01T10:00:00Z"
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return [issue(manifest, ("date_marker",), f"'{value}' is not an ISO 8601 date-time", hint)]
    if DATE_ONLY.match(value):
        return [issue(manifest, ("date_marker",), f"'{value}' has no time of day", hint)]
    return []


# -- ignore paths -------------------------------------------------------------------------------


def ignore_paths(manifest: Manifest) -> list[Issue]:
    """Each ``ignore`` entry is a readable path into a field this kind has."""
    if not manifest.ignore:
        return []
    schema = shared_schema(manifest.kind)
    issues: list[Issue] = []
    identity = IDENTITY_FIELD[manifest.kind]
    for index, text in enumerate(manifest.ignore):
        where: FieldPath = ("ignore", index)
        try:
            path = paths.parse(text)
        except ValueError:
            continue  # the schema's pattern reports it
        if path[0] == identity:
            issues.append(
                issue(
                    manifest,
                    where,
                    f"'{identity}' is this object's identity and cannot be ignored",
                    "remove it from ignore",
                )
            )
            continue
        problem = _path_problem(schema, path)
        if problem:
            issues.append(issue(manifest, where, f"ignore path '{text}': {problem}"))
    return issues


def _path_problem(root: Mapping[str, Any], path: paths.Path) -> str | None:
    node: Mapping[str, Any] | None = root
    walked: list[str | int] = []
    for part in path:
        if node is None:
            return None  # inside a free-form value (payloads): anything goes
        node = _resolve(root, node)
        here = paths.render(walked)
        types = node.get("type") or []
        types = [types] if isinstance(types, str) else list(types)
        fields: dict[str, Any] = dict(node.get("properties", {}))
        for branch in node.get("allOf", []):
            fields.update(_resolve(root, branch.get("then", {})).get("properties", {}))
        free_form = not types and not fields and "items" not in node
        if isinstance(part, int) or part == paths.WILDCARD:
            if "items" in node:
                node = node["items"]
            elif free_form:
                node = None
            else:
                return f"'{here}' is not a list"
        elif fields:
            allowed = [name for name in fields if walked or name not in PHSYNC_FIELDS]
            if part not in allowed:
                where = f" in '{here}'" if walked else ""
                return f"unknown field '{part}'{where}" + did_you_mean(part, allowed)
            node = fields[part]
        elif free_form or isinstance(node.get("additionalProperties"), dict):
            node = None
        elif "items" in node:
            return f"'{here}' is a list, use [N] or [*]"
        else:
            return f"'{here}' has no fields"
        walked.append(part)
    return None


def _resolve(root: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


# -- the rule book ------------------------------------------------------------------------------

def trimmed_name(manifest: Manifest) -> list[Issue]:
    """A cohort's or dashboard's name has no spaces at its ends: PostHog strips them on save,
    so phsync would never find the object under the manifest's name and would create it
    again on every apply."""
    name = manifest.spec.get("name")
    if not isinstance(name, str) or name == name.strip():
        return []
    return [
        issue(
            manifest,
            ("name",),
            f"{name!r} starts or ends with spaces, which PostHog removes when it saves "
            "the name",
            f"write {name.strip()!r}" if name.strip() else "give it a name",
        )
    ]


RULES: dict[str, tuple[Rule, ...]] = {
    "FeatureFlag": (
        flag_variants,
        flag_payloads,
        flag_group_variants,
        flag_properties,
        flag_newer_fields,
    ),
    "Cohort": (trimmed_name, cohort_filters),
    "Dashboard": (trimmed_name, dashboard_tiles),
    "Action": (trimmed_name,),
    "Insight": (trimmed_name, query_shape),
    "Annotation": (annotation_scope, annotation_date),
}


def check(manifest: Manifest) -> list[Issue]:
    """Every rule of the manifest's kind, plus the ``ignore`` paths."""
    issues = ignore_paths(manifest)
    for rule in RULES.get(manifest.kind, ()):
        issues.extend(rule(manifest))
    return issues


def duplicates(manifests: Sequence[Manifest]) -> list[Issue]:
    """One issue per manifest that repeats an earlier one's kind and identity, naming both."""
    first: dict[tuple[str, str], Manifest] = {}
    issues: list[Issue] = []
    for manifest in manifests:
        if not manifest.name:
            continue
        earlier = first.setdefault((manifest.kind, manifest.name), manifest)
        if earlier is manifest:
            continue
        field = IDENTITY_FIELD[manifest.kind]
        issues.append(
            issue(
                manifest,
                (field,),
                f"duplicate {manifest.kind} '{manifest.name}': also declared at "
                f"{earlier.where((field,))}",
                f"give each {manifest.kind} its own {field}, or remove one of them",
            )
        )
    return issues
