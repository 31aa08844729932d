"""PostHog's property filters in words, for people reading `flags get` or `cohorts get`.

Pure functions. Names of cohorts and flags (filters hold their ids) come from a
:class:`Names` lookup that the caller provides; an id without a name shows as ``#12``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

OPERATORS: Mapping[str, str] = {
    "exact": "is",
    "is_not": "is not",
    "icontains": "contains",
    "not_icontains": "does not contain",
    "icontains_multi": "contains any of",
    "not_icontains_multi": "contains none of",
    "regex": "matches",
    "not_regex": "does not match",
    "gt": "is greater than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "min": "is at least",
    "max": "is at most",
    "is_set": "is set",
    "is_not_set": "is not set",
    "is_date_exact": "is on",
    "is_date_after": "is after",
    "is_date_before": "is before",
    "semver_eq": "is version",
    "semver_neq": "is not version",
    "semver_gt": "is a version above",
    "semver_gte": "is a version at or above",
    "semver_lt": "is a version below",
    "semver_lte": "is a version at or below",
    "semver_tilde": "is a version compatible (~) with",
    "semver_caret": "is a version compatible (^) with",
    "semver_wildcard": "is a version matching",
}
LIST_OPERATORS: Mapping[str, str] = {"exact": "is one of", "is_not": "is none of"}
NO_VALUE = frozenset({"is_set", "is_not_set"})


class Names(Protocol):
    """Names for the ids that filters hold."""

    def cohort(self, cohort_id: int) -> str | None: ...

    def flag(self, flag_id: int) -> str | None: ...


class NoNames:
    """A lookup that knows no names (ids show as ``#12``)."""

    def cohort(self, cohort_id: int) -> str | None:
        return None

    def flag(self, flag_id: int) -> str | None:
        return None


def value_text(value: Any) -> str:
    """A filter value as it reads in a sentence: strings quoted, lists comma-separated."""
    if isinstance(value, list):
        return ", ".join(value_text(item) for item in value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=False)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def cohort_label(prop: Mapping[str, Any], names: Names) -> str:
    """``cohort Internal users``, or ``cohort #12`` when the name is unknown."""
    cohort_id = _as_int(prop.get("value"))
    name = prop.get("cohort_name") or (names.cohort(cohort_id) if cohort_id is not None else None)
    if name:
        return f"cohort {name}"
    return f"cohort #{prop.get('value')}"


def flag_label(prop: Mapping[str, Any], names: Names) -> str:
    flag_id = _as_int(prop.get("key"))
    key = names.flag(flag_id) if flag_id is not None else None
    return f"flag {key!r}" if key else f"flag #{prop.get('key')}"


def describe_property(prop: Mapping[str, Any], names: Names) -> str:
    """One property filter in words, e.g. ``email contains '@acme.com'``."""
    kind = prop.get("type")
    operator = str(prop.get("operator") or "exact")
    value = prop.get("value")
    if kind == "cohort":
        outside = operator == "not_in" or bool(prop.get("negation"))
        return f"{'not in' if outside else 'in'} {cohort_label(prop, names)}"
    if kind == "flag":
        label = flag_label(prop, names)
        if value is True:
            words = f"{label} is enabled"
        elif value is False:
            words = f"{label} is disabled"
        else:
            words = f"{label} is variant {value_text(value)}"
        return f"not ({words})" if prop.get("negation") else words
    key = str(prop.get("key", "?"))
    if kind == "group":
        key = f"group {key}"
    phrase = (LIST_OPERATORS if isinstance(value, list) else {}).get(operator) or OPERATORS.get(
        operator, operator
    )
    words = f"{key} {phrase}" if operator in NO_VALUE else f"{key} {phrase} {value_text(value)}"
    return f"not ({words})" if prop.get("negation") else words


def describe_behavioral(prop: Mapping[str, Any]) -> str:
    """A cohort's event filter in words, e.g. ``performed '$pageview' in the last 30 days``."""
    event = value_text(prop.get("key"))
    verbs = {
        "performed_event": f"performed {event}",
        "performed_event_first_time": f"performed {event} for the first time",
        "performed_event_regularly": f"performed {event} regularly",
        "performed_event_sequence": f"performed {event} then a sequence",
        "stopped_performing_event": f"stopped performing {event}",
        "restarted_performing_event": f"restarted performing {event}",
    }
    how = str(prop.get("value") or "performed_event")
    if how == "performed_event_multiple":
        operator = OPERATORS.get(str(prop.get("operator") or "gte"), "")
        count = prop.get("operator_value")
        words = f"performed {event} a number of times that {operator} {count}"
    else:
        words = verbs.get(how, f"{how} {event}")
    if prop.get("time_value") and prop.get("time_interval"):
        amount = prop["time_value"]
        unit = str(prop["time_interval"])
        words += f" in the last {amount} {unit}{'' if str(amount) == '1' else 's'}"
    elif prop.get("explicit_datetime"):
        words += f" since {prop['explicit_datetime']}"
    return f"not ({words})" if prop.get("negation") else words


def describe_leaf(prop: Mapping[str, Any], names: Names) -> str:
    if prop.get("type") == "behavioral":
        return describe_behavioral(prop)
    return describe_property(prop, names)


def describe_group(node: Any, names: Names, *, top: bool = True) -> str:
    """A cohort's nested AND/OR filter groups in words; inner groups in parentheses."""
    if not isinstance(node, Mapping):
        return value_text(node)
    values = node.get("values")
    if not isinstance(values, list):
        return describe_leaf(node, names)
    alone = len(values) == 1  # a group of one adds no parentheses
    parts = [describe_group(value, names, top=top and alone) for value in values]
    parts = [part for part in parts if part]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    joiner = " or " if str(node.get("type", "AND")).upper() == "OR" else " and "
    sentence = joiner.join(parts)
    return sentence if top else f"({sentence})"
