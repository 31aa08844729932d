"""A property filter's value against its operator, as PostHog's flag and cohort serializers
check it; pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from reconciler.errors import Issue
from reconciler.manifests.hints import describe
from reconciler.manifests.ruletools import FieldPath, is_number, issue
from reconciler.model import Manifest
from reconciler.resources import flag_operators

NO_VALUE_OPERATORS = frozenset({"is_set", "is_not_set"})
_TEXT_OPERATORS = frozenset({"regex", "not_regex"})
_CONTAINS_OPERATORS = frozenset({"icontains", "not_icontains"})
_MULTI_OPERATORS = frozenset({"icontains_multi", "not_icontains_multi"})
_NUMBER_OPERATORS = frozenset({"gt", "gte", "lt", "lte", "min", "max"})
_DATE_OPERATORS = frozenset({"is_date_exact", "is_date_after", "is_date_before"})
DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
_RELATIVE_DATE = re.compile(r"^-?\d+[hdwmqy](Start|End)?$", re.IGNORECASE)


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
        if isinstance(value, str) or is_number(value):
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
        if is_number(value) or isinstance(value, str) and _numeric(value):
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


