"""One operator list for flags, pinned to PostHog's source, and read by both the offline validator
and the emulator: for each operator, `phsync validate` accepts a flag condition exactly when the
emulator (answering as PostHog) does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from reconciler.emulator import Emulator, EmulatorConfig
from reconciler.manifests.schema import schema_for
from reconciler.resources import flag_operators
from tests.manifests.helpers import flag, problems

# Copied from PostHog's source by hand and compared here, so a change to the module is seen:
# posthog/schema.py PropertyOperator (with the semver and *_multi operators of current servers)
POSTHOG_PROPERTY_OPERATOR = {
    "exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "gte", "lt",
    "lte", "is_set", "is_not_set", "is_date_exact", "is_date_before", "is_date_after", "between",
    "not_between", "min", "max", "in", "not_in", "is_cleaned_path_exact", "flag_evaluates_to",
    "icontains_multi", "not_icontains_multi", "semver_eq", "semver_neq", "semver_gt",
    "semver_gte", "semver_lt", "semver_lte", "semver_tilde", "semver_caret", "semver_wildcard",
}  # fmt: skip
# products/feature_flags/backend/api/feature_flag.py FEATURE_FLAG_SUPPORTED_OPERATORS (less None)
POSTHOG_FLAG_SUPPORTED = POSTHOG_PROPERTY_OPERATOR - {
    "between", "not_between", "min", "max", "is_cleaned_path_exact",
}  # fmt: skip
POSTHOG_ALIASES = {"min": "gte", "max": "lte"}


def test_the_lists_are_posthogs() -> None:
    assert flag_operators.PROPERTY_OPERATORS == POSTHOG_PROPERTY_OPERATOR
    assert flag_operators.FLAG_OPERATORS == POSTHOG_FLAG_SUPPORTED
    assert flag_operators.ALIASES == POSTHOG_ALIASES


def test_the_manifest_schema_offers_the_same_operators() -> None:
    defs = schema_for("FeatureFlag")["$defs"]
    person = set(defs["person_operator"]["enum"])
    assert person == set(flag_operators.CONDITION_OPERATORS)
    assert set(defs["cohort_property"]["properties"]["operator"]["enum"]) == {"in", "not_in"}
    assert defs["flag_property"]["properties"]["operator"]["const"] == "flag_evaluates_to"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = Emulator(EmulatorConfig(port=0, rate_limits_enabled=False, seed=None)).start()
    yield emu
    emu.stop()


VALUES: dict[str, Any] = {
    "is_set": None,
    "is_not_set": None,
    "icontains_multi": ["a"],
    "not_icontains_multi": ["a"],
    "is_date_exact": "2026-01-31",
    "is_date_before": "2026-01-31",
    "is_date_after": "2026-01-31",
    "between": [1, 2],
    "not_between": [1, 2],
}


def _value(operator: str) -> Any:
    if operator.startswith("semver_"):
        return "1.2.3"
    return VALUES.get(operator, "10")


@pytest.mark.parametrize("operator", sorted(POSTHOG_PROPERTY_OPERATOR | {"contains"}))
def test_validator_and_emulator_agree(emulator: Emulator, operator: str) -> None:
    condition: dict[str, Any] = {"type": "person", "key": "email", "operator": operator}
    if _value(operator) is not None:
        condition["value"] = _value(operator)
    offline_ok = not problems(flag(f"groups:\n  - properties:\n      - {json.dumps(condition)}\n"))
    response = requests.post(
        f"{emulator.url}/api/projects/{emulator.project_id}/feature_flags/",
        json={
            "key": f"op-{operator}",
            "filters": {"groups": [{"properties": [condition]}]},
            "_should_create_usage_dashboard": False,
        },
        headers={"Authorization": f"Bearer {emulator.api_key}"},
        timeout=10,
    )
    assert response.status_code in (201, 400), response.text
    if operator == "flag_evaluates_to":
        # PostHog saves it on a person condition (it only checks that flag conditions use it);
        # phsync keeps it for flag conditions, where it means something.
        assert (offline_ok, response.status_code) == (False, 201)
        return
    assert offline_ok == (response.status_code == 201), (operator, response.text)
