"""Validation of a feature flag's ``filters`` (posthog-api.md 2.3, 2.4), in PostHog's order.

The rules and messages are PostHog's [2025] ``validate_filters``; the 0..100 rollout check is
the [2026] structural rule (with its message). Errors carry ``attr: "filters"``.
"""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any

from reconciler.emulator import clock
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.wire import Problem, server_error, validation
from reconciler.resources import flag_operators as operators

FLAG_KEY = re.compile(r"^[a-zA-Z0-9_-]+$")
MAX_PROPERTY_VALUES = 1000


def _invalid(detail: str, code: str = "invalid_input") -> Problem:
    return validation(detail, attr="filters", code=code)


def conditions(filters: JSON) -> list[JSON]:
    groups = filters.get("groups")
    return [g for g in groups if isinstance(g, dict)] if isinstance(groups, list) else []


def properties(filters: JSON, prop_type: str | None = None) -> list[JSON]:
    found: list[JSON] = []
    for group in conditions(filters):
        for prop in group.get("properties") or []:
            if isinstance(prop, dict) and (prop_type is None or prop.get("type") == prop_type):
                found.append(prop)
    return found


def live_flags(store: Store, project_id: int) -> list[JSON]:
    return [f for f in store.all("feature_flag", project_id) if not f.get("deleted")]


def _referenced_flag(store: Store, project_id: int, reference: Any) -> JSON:
    try:
        flag_id = int(str(reference))
    except ValueError:
        raise _invalid(
            "Flag dependencies must reference flag IDs (integers), not flag keys. "
            f"Invalid reference: '{reference}'"
        ) from None
    flag = store.get("feature_flag", flag_id)
    if flag is None or flag.get("project_id") != project_id or flag.get("deleted"):
        raise _invalid(f"Flag dependency references non-existent flag with ID {flag_id}")
    return flag


def _dependency_flags(store: Store, project_id: int, filters: JSON) -> dict[str, JSON]:
    """The flags that ``filters`` depend on, by key (each read alone: a project may hold
    thousands of flags)."""
    found: dict[str, JSON] = {}
    for prop in properties(filters, "flag"):
        if prop.get("key"):
            flag = _referenced_flag(store, project_id, prop["key"])
            found[str(flag["key"])] = flag
    return found


def _check_cycles(store: Store, project_id: int, filters: JSON, current_key: str | None) -> None:
    if not current_key:
        return
    deps = _dependency_flags(store, project_id, filters)
    if not deps:
        return
    if current_key in deps:
        raise _invalid(f"Feature flag '{current_key}' cannot depend on itself")

    def visit(key: str, flag: JSON, path: list[str]) -> None:
        if key in path:
            cycle = path[path.index(key) :] + [key]
            raise _invalid(f"Circular dependency detected: {' → '.join(cycle)}")
        nested = _dependency_flags(store, project_id, flag.get("filters") or {})
        for dep in sorted(nested):
            visit(dep, nested[dep], [*path, key])

    for dep in sorted(deps):
        visit(dep, deps[dep], [current_key])


def _cohort_checks(store: Store, project_id: int, prop: JSON) -> None:
    try:
        cohort_id = int(str(prop.get("value")))
    except ValueError:
        cohort_id = -1
    cohort = store.get("cohort", cohort_id) if cohort_id >= 0 else None
    if cohort is None or cohort.get("project_id") != project_id:
        raise _invalid(
            f"Cohort with id {prop.get('value')} does not exist", code="cohort_does_not_exist"
        )
    from reconciler.emulator.cohort_rules import has_behavioral, nested_cohorts

    for each in [cohort, *nested_cohorts(store, project_id, cohort)]:
        if has_behavioral(each):
            raise _invalid(
                f"Cohort '{each.get('name')}' with filters on events cannot be used in "
                "feature flags.",
                code="behavioral_cohort_found",
            )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rollout(value: Any, path: str, *, allow_null: bool = True) -> None:
    if value is None:
        if not allow_null:
            raise _invalid(f"{path} must be a number, got null")
        return
    if not _number(value):
        expected = "a number or null" if allow_null else "a number"
        raise _invalid(f"{path} must be {expected}, got {type(value).__name__}")
    if not math.isfinite(value):
        raise _invalid(f"{path} must be finite, got {value}")
    if not 0 <= value <= 100:
        raise _invalid(f"{path} must be between 0 and 100, got {value}")


def _integer(value: Any, path: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise _invalid(f"{path} must be an integer or null, got {type(value).__name__}")


def _check_types(filters: JSON) -> None:
    """The field types PostHog checks before anything else (its flag evaluator's types)."""
    _integer(filters.get("aggregation_group_type_index"), "aggregation_group_type_index")
    early_exit = filters.get("early_exit")
    if early_exit is not None and not isinstance(early_exit, bool):
        raise _invalid(
            f"early_exit must be a boolean or null, got {type(early_exit).__name__}"
        )
    for gindex, group in enumerate(filters["groups"]):
        if not isinstance(group, dict) or not isinstance(group.get("properties", []), list):
            raise server_error()
        variant = group.get("variant")
        if variant is not None and not isinstance(variant, str):
            raise _invalid(
                f"groups[{gindex}].variant must be a string or null, got {type(variant).__name__}"
            )
        _rollout(group.get("rollout_percentage"), f"groups[{gindex}].rollout_percentage")
        _integer(
            group.get("aggregation_group_type_index"),
            f"groups[{gindex}].aggregation_group_type_index",
        )
        for pindex, prop in enumerate(group.get("properties", [])):
            if not isinstance(prop, dict):
                raise server_error()
            _integer(
                prop.get("group_type_index"),
                f"groups[{gindex}].properties[{pindex}].group_type_index",
            )
            if prop.get("operator") in ("regex", "not_regex") and isinstance(
                prop.get("value"), str
            ):
                try:
                    re.compile(prop["value"])
                except re.error:
                    raise _invalid(
                        f"groups[{gindex}].properties[{pindex}].value: invalid regex pattern"
                    ) from None
    multivariate = filters.get("multivariate") or {}
    variant_list = multivariate.get("variants", []) if isinstance(multivariate, dict) else []
    if not isinstance(variant_list, list) or not all(
        isinstance(v, dict) and "key" in v for v in variant_list
    ):
        raise server_error()
    for vindex, variant in enumerate(variant_list):
        _rollout(
            variant.get("rollout_percentage"),
            f"multivariate.variants[{vindex}].rollout_percentage",
            allow_null=False,
        )


def _spread_aggregation(filters: JSON) -> None:
    """PostHog gives every condition set the flag's aggregation (``null`` for persons), then
    sets the flag-level one from them (``null`` when they differ)."""
    flag_level = filters.get("aggregation_group_type_index")
    groups = filters["groups"]
    for group in groups:
        group.setdefault("aggregation_group_type_index", flag_level)
    found = [g.get("aggregation_group_type_index") for g in groups]
    if found:
        filters["aggregation_group_type_index"] = (
            found[0] if all(a == found[0] for a in found) else None
        )


def _check_property(store: Store, project_id: int, prop: JSON) -> None:
    if prop.get("operator") in operators.ALIASES:
        prop["operator"] = operators.ALIASES[prop["operator"]]
    value = prop.get("value")
    operator = prop.get("operator")
    refused = operators.problem(operator, prop.get("type"))
    if refused and refused[0] == "invalid_operator" and operator in operators.COHORT_ONLY:
        refused = None  # checked after the cohort, dates and values, as PostHog does
    if refused:
        raise _invalid(refused[1], code=refused[0])
    if isinstance(value, list) and len(value) > MAX_PROPERTY_VALUES:
        raise _invalid(
            f"Property group expressions of type {prop.get('key')} cannot contain "
            f"more than {MAX_PROPERTY_VALUES} values."
        )
    if prop.get("type") == "cohort":
        _cohort_checks(store, project_id, prop)
    if operator in operators.DATE and (
        not isinstance(value, str) or clock.parse_relative(value) is None
    ):
        raise _invalid(f"Invalid date value: {value}", code="invalid_date")
    if operator in operators.STRING_VALUE and not isinstance(value, str):
        raise _invalid(f"Invalid value for operator {operator}: {value}", code="invalid_value")
    refused = operators.problem(operator, prop.get("type"))
    if refused:
        raise _invalid(refused[1], code=refused[0])
    if operator in operators.SEMVER:
        if not isinstance(value, str):
            raise _invalid(
                f"Invalid value for operator {operator}: expected a semver string",
                code="invalid_value",
            )
        if not operators.is_version(operator, value):
            raise _invalid(
                f"Invalid semver value for operator {operator}: {value}", code="invalid_value"
            )
    if operator in operators.MULTI and not isinstance(value, list):
        raise _invalid(f"{operator} operator requires a list of values", code="invalid_value")


def validate_filters(
    store: Store,
    project_id: int,
    filters: JSON,
    *,
    current_key: str | None,
    creating: bool = True,
) -> JSON:
    """Check ``filters`` as PostHog does on create or update; returns the filters to store
    (with PostHog's rewrites: aliases, and the aggregation on every condition set)."""
    filters = copy.deepcopy(filters)
    filters.setdefault("groups", [])
    if not isinstance(filters["groups"], list):
        raise server_error()
    if creating and not filters["groups"]:
        raise _invalid("Feature flags must have at least one condition set (group).")
    _check_types(filters)
    _spread_aggregation(filters)
    groups = filters["groups"]
    for group in groups:
        aggregation = group.get("aggregation_group_type_index")
        for prop in group.get("properties", []):
            ptype = prop.get("type")
            if aggregation is None:
                if ptype not in ("person", "cohort", "flag"):
                    raise _invalid(
                        "Filters are not valid (person-aggregated conditions can only use "
                        "person, cohort, and flag properties)"
                    )
                if ptype == "flag" and prop.get("operator") != "flag_evaluates_to":
                    raise _invalid("Flag properties must use the 'flag_evaluates_to' operator")
            elif ptype != "group":
                raise _invalid(
                    "Filters are not valid (group-aggregated conditions can only use group "
                    "properties)"
                )
            elif prop.get("group_type_index") != aggregation:
                raise _invalid(
                    "Filters are not valid (group properties must match the condition set's "
                    "group type)"
                )
    if any(g.get("aggregation_group_type_index") is None for g in groups):
        _check_cycles(store, project_id, filters, current_key)

    variant_list = (filters.get("multivariate") or {}).get("variants", [])
    variants = {v["key"] for v in variant_list}
    if variant_list and sum(v.get("rollout_percentage", 0) for v in variant_list) != 100:
        raise _invalid("Invalid variant definitions: Variant rollout percentages must sum to 100.")

    for group in groups:
        if group.get("variant") and group["variant"] not in variants:
            raise _invalid("Filters are not valid (variant override does not exist)")
        for prop in group.get("properties", []):
            _check_property(store, project_id, prop)
        for prop in group.get("properties", []):
            if prop.get("type") == "flag" and isinstance(prop.get("key"), int):
                prop["key"] = str(prop["key"])  # PostHog stores a dependency's id as text

    payloads = filters.get("payloads", {})
    if payloads is None:
        payloads = {}
    if not isinstance(payloads, dict):
        raise _invalid("Payloads must be passed as a dictionary")
    normalised: JSON = {}
    for key, value in payloads.items():
        if isinstance(value, str):
            try:
                json.loads(value)
            except ValueError:
                raise _invalid("Payload value is not valid JSON") from None
            normalised[key] = value
        else:
            normalised[key] = json.dumps(value)
    if filters.get("multivariate"):
        if not all(key in variants for key in payloads):
            raise _invalid("Payload keys must match a variant key for multivariate flags")
    elif len(payloads) > 1 or any(key != "true" for key in payloads):
        raise _invalid("Payload keys must be 'true' for boolean flags")
    if "payloads" in filters:
        filters["payloads"] = normalised
    for legacy in ("holdout_groups", "super_groups"):
        filters.pop(legacy, None)  # PostHog drops these on every save
    return filters


def validate_key(store: Store, project_id: int, value: Any, *, exclude_id: int | None) -> str:
    """Uniqueness among non-deleted flags first, then the charset, as PostHog checks them."""
    from reconciler.emulator import fields

    key = fields.string(value, "key", max_length=400, allow_blank=False)
    assert key is not None
    for flag in store.by_lookup("feature_flag", project_id, key):
        if not flag.get("deleted") and flag["id"] != exclude_id:
            raise validation(
                "There is already a feature flag with this key.", attr="key", code="unique"
            )
    if not FLAG_KEY.match(key):
        raise validation(
            "Only letters, numbers, hyphens (-) & underscores (_) are allowed.",
            attr="key",
            code="invalid_key",
        )
    return key


def dependents(store: Store, project_id: int, flag: JSON) -> list[JSON]:
    """Active, non-deleted flags whose conditions depend on ``flag`` (by id)."""
    return sorted(
        (
            f
            for f in store.containing("feature_flag", project_id, '"type": "flag"')
            if f.get("active")
            and not f.get("deleted")
            and f["id"] != flag["id"]
            and any(
                str(p.get("key")) == str(flag["id"])
                for p in properties(f.get("filters") or {}, "flag")
            )
        ),
        key=lambda f: str(f["key"]),
    )


def check_newer_fields(
    project: JSON | None, data: JSON, out: JSON, instance: JSON | None, *, post: bool
) -> None:
    """PostHog's serializer checks of device bucketing and of the evaluation contexts a
    project may require (``require_evaluation_contexts``; surveys' flags are exempt)."""
    current = instance or {}
    bucketing = out.get("bucketing_identifier", current.get("bucketing_identifier"))
    continuity = out.get(
        "ensure_experience_continuity", current.get("ensure_experience_continuity")
    )
    unchanged = (
        current.get("bucketing_identifier") == "device_id"
        and current.get("ensure_experience_continuity") is True
    )
    if bucketing == "device_id" and continuity is True and not unchanged:
        raise validation(
            "Cannot enable 'persist across authentication steps' when using device ID "
            "bucketing. These features are incompatible."
        )
    survey = data.get("creation_context") == "surveys"
    if project is None or not project.get("require_evaluation_contexts") or survey:
        return
    contexts = out.get("evaluation_tags")
    if instance is None and post and not contexts:
        raise validation(
            "At least one evaluation context is required to create a new feature flag."
        )
    if instance is not None and current.get("evaluation_tags") and contexts == []:
        raise validation(
            "Cannot remove all evaluation contexts. At least one evaluation context is "
            "required because this flag already has evaluation contexts and the team "
            "requires them."
        )
