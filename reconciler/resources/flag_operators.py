"""The property operators PostHog accepts in a flag's conditions: one list for all of phsync.

Derived from PostHog's source (``posthog/schema.py`` ``PropertyOperator``, and the flag
serializer's ``FEATURE_FLAG_SUPPORTED_OPERATORS`` / ``FEATURE_FLAG_OPERATOR_ALIASES`` in
``products/feature_flags/backend/api/feature_flag.py``). phsync's offline validator and the
emulator both read these sets, and a test pins them, so the two accept exactly what PostHog does.

On save PostHog checks each condition, in this order:

1. ``min`` / ``max`` are rewritten to ``gte`` / ``lte`` (stored that way);
2. an operator outside ``PropertyOperator`` is refused: 400 ``invalid_operator``;
3. an operator the flag evaluator does not support is refused: 400 ``unsupported_operator``
   (``between``, ``not_between`` and ``is_cleaned_path_exact`` are in the enum but not here);
4. ``in`` / ``not_in`` on anything but a cohort condition: 400 ``invalid_operator``.
"""

from __future__ import annotations

import re
from typing import Final

# PostHog's ``PropertyOperator`` enum (every operator any PostHog filter may carry).
PROPERTY_OPERATORS: Final = frozenset(
    {
        "exact",
        "is_not",
        "icontains",
        "not_icontains",
        "icontains_multi",
        "not_icontains_multi",
        "regex",
        "not_regex",
        "gt",
        "gte",
        "lt",
        "lte",
        "is_set",
        "is_not_set",
        "is_date_exact",
        "is_date_before",
        "is_date_after",
        "between",
        "not_between",
        "min",
        "max",
        "in",
        "not_in",
        "is_cleaned_path_exact",
        "flag_evaluates_to",
        "semver_eq",
        "semver_neq",
        "semver_gt",
        "semver_gte",
        "semver_lt",
        "semver_lte",
        "semver_tilde",
        "semver_caret",
        "semver_wildcard",
    }
)

# Rewritten before any check, and stored rewritten.
ALIASES: Final = {"min": "gte", "max": "lte"}

# What a flag condition may use once aliases are applied (the flag evaluator's operators).
FLAG_OPERATORS: Final = frozenset(
    {
        "exact",
        "is_not",
        "icontains",
        "not_icontains",
        "icontains_multi",
        "not_icontains_multi",
        "regex",
        "not_regex",
        "gt",
        "gte",
        "lt",
        "lte",
        "semver_gt",
        "semver_gte",
        "semver_lt",
        "semver_lte",
        "semver_eq",
        "semver_neq",
        "semver_tilde",
        "semver_caret",
        "semver_wildcard",
        "is_set",
        "is_not_set",
        "is_date_exact",
        "is_date_after",
        "is_date_before",
        "in",
        "not_in",
        "flag_evaluates_to",
    }
)

# Operators a manifest may write for a person or group condition (aliases included).
CONDITION_OPERATORS: Final = tuple(
    sorted((FLAG_OPERATORS - {"in", "not_in", "flag_evaluates_to"}) | set(ALIASES))
)
COHORT_ONLY: Final = frozenset({"in", "not_in"})
STRING_VALUE: Final = ("regex", "icontains", "not_regex", "not_icontains", "gte", "lte", "gt", "lt")
DATE: Final = ("is_date_before", "is_date_after", "is_date_exact")
SEMVER: Final = tuple(sorted(op for op in FLAG_OPERATORS if op.startswith("semver_")))
MULTI: Final = ("icontains_multi", "not_icontains_multi")
# A version PostHog's semver operators can read (``semver_wildcard`` drops a trailing ``.*``).
_VERSION = re.compile(r"^\d+(\.\d+){0,2}([-+][0-9A-Za-z.-]+)?$")


def is_version(operator: str, value: str) -> bool:
    text = value.rstrip(".*") if operator == "semver_wildcard" else value
    return bool(_VERSION.match(text))


def canonical(operator: str) -> str:
    """The operator PostHog stores for ``operator`` (``min`` is stored as ``gte``)."""
    return ALIASES.get(operator, operator)


def problem(operator: object, prop_type: object) -> tuple[str, str, str] | None:
    """PostHog's refusal of ``operator`` on a ``prop_type`` flag condition, or None.

    Returns ``(code, detail, fix)``: the error code and message PostHog answers with, and how
    to fix it.
    """
    if operator is None:
        return None
    op = canonical(str(operator))
    if op not in PROPERTY_OPERATORS:
        return "invalid_operator", f"Invalid operator: {op}", "use one of PostHog's operators"
    if op not in FLAG_OPERATORS:
        return (
            "unsupported_operator",
            f"Unsupported operator for feature flags: {op}",
            "flags cannot use this operator; use exact, regex or icontains instead",
        )
    if op in COHORT_ONLY and prop_type != "cohort":
        return (
            "invalid_operator",
            f"The '{op}' operator is only valid for cohort properties, not '{prop_type}' "
            "properties.",
            "use exact (with a list of values) or is_not",
        )
    return None
