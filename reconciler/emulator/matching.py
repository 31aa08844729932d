"""Evaluating person property filters against stored persons.

Used by the persons list ``properties`` parameter and to compute dynamic cohort members from
the seeded persons. Behavioral (event) filters cannot be evaluated without events; a seed may
list such a cohort's members instead.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator.store import JSON

_NUMERIC = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def match_property(properties: JSON, prop: JSON) -> bool:
    """One ``{key, value, operator, negation}`` person filter against a property dict."""
    key = str(prop.get("key"))
    operator = prop.get("operator") or "exact"
    expected = prop.get("value")
    present = key in properties and properties[key] is not None
    actual = properties.get(key)
    if operator == "is_set":
        result = present
    elif operator == "is_not_set":
        result = not present
    elif not present:
        result = operator in ("is_not", "not_icontains", "not_regex")
    elif operator == "exact":
        result = any(_text(actual).lower() == _text(v).lower() for v in _as_list(expected))
    elif operator == "is_not":
        result = all(_text(actual).lower() != _text(v).lower() for v in _as_list(expected))
    elif operator in ("icontains", "not_icontains"):
        hit = _text(expected).lower() in _text(actual).lower()
        result = hit if operator == "icontains" else not hit
    elif operator in ("regex", "not_regex"):
        try:
            hit = re.search(_text(expected), _text(actual)) is not None
        except re.error:
            hit = False
        result = hit if operator == "regex" else not hit
    elif operator in _NUMERIC:
        try:
            result = _NUMERIC[operator](float(str(actual)), float(str(expected)))
        except (TypeError, ValueError):
            result = _NUMERIC[operator](_text(actual), _text(expected))
    else:
        result = False
    return not result if prop.get("negation") else result


def match_group(person: JSON, group: Any, cohort_members: Any) -> bool:
    """A cohort ``{"type": "AND"|"OR", "values": [...]}`` group, recursively.

    ``cohort_members(cohort_id)`` returns the person ids of a nested cohort (or None).
    """
    if not isinstance(group, dict):
        return False
    if group.get("type") in ("AND", "OR") and isinstance(group.get("values"), list):
        results = [match_group(person, value, cohort_members) for value in group["values"]]
        if not results:
            return True
        return all(results) if group["type"] == "AND" else any(results)
    kind = group.get("type")
    if kind == "person":
        return match_property(person.get("properties") or {}, group)
    if kind == "cohort":
        members = cohort_members(group.get("value"))
        hit = members is not None and person["id"] in members
        return not hit if group.get("negation") else hit
    return False


def match_properties(person: JSON, filters: list[Any]) -> bool:
    """The persons list ``properties=[...]`` parameter: every person filter must match."""
    props = person.get("properties") or {}
    return all(
        match_property(props, f)
        for f in filters
        if isinstance(f, dict) and f.get("type", "person") == "person"
    )
