"""PostHog's rules that a JSON Schema cannot say, checked offline; pure.

Each rule takes one manifest and returns its issues, each with the field path and a fix. Rules
read the spec defensively: a value of the wrong type is the schema's to report, not theirs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from reconciler import paths
from reconciler.errors import Issue
from reconciler.manifests.flag_fields import flag_newer_fields
from reconciler.manifests.flag_rules import (
    flag_group_variants,
    flag_payloads,
    flag_properties,
    flag_variants,
)
from reconciler.manifests.hints import did_you_mean
from reconciler.manifests.property_values import DATE_ONLY, value_issues
from reconciler.manifests.query_schema import query_shape
from reconciler.manifests.ruletools import FieldPath, Rule, issue, mapping, sequence
from reconciler.manifests.schema import shared_schema
from reconciler.manifests.tiles import dashboard_tiles
from reconciler.model import IDENTITY_FIELD, PHSYNC_FIELDS, Manifest

__all__ = ["DATE_ONLY", "check", "cohort_conditions", "duplicates", "issue"]


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
            for index, child in enumerate(sequence(node.get("values"))):
                yield from walk(child, (*where, "values", index))
        else:
            yield where, node

    yield from walk(mapping(spec.get("filters")).get("properties"), ("filters", "properties"))


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
