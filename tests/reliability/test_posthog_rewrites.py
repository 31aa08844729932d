"""Every rewrite PostHog makes when it saves an object, absorbed by phsync's canonical forms.

For each rewrite: apply a manifest written the way a person would, check that the emulator
stored it PostHog's way (so the rewrite really happened), then plan again: it must be empty.
Without this, each apply would write the same change again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.reliability import inprocess

Stored = Callable[[dict[str, Any]], Any]


def _flag(emulator: Any, key: str) -> dict[str, Any]:
    url = f"{emulator.url}/api/projects/{emulator.project_id}/feature_flags/?search={key}"
    headers = {"Authorization": f"Bearer {emulator.api_key}"}
    found = [f for f in requests.get(url, headers=headers, timeout=10).json()["results"]]
    return next(f for f in found if f["key"] == key)


def _cohort(emulator: Any, name: str) -> dict[str, Any]:
    url = f"{emulator.url}/api/projects/{emulator.project_id}/cohorts/?limit=1000"
    headers = {"Authorization": f"Bearer {emulator.api_key}"}
    found = requests.get(url, headers=headers, timeout=10).json()["results"]
    return next(c for c in found if c["name"] == name)


def _first_condition(flag: dict[str, Any]) -> dict[str, Any]:
    return dict(flag["filters"]["groups"][0]["properties"][0])


FLAG = "kind: FeatureFlag\nkey: {key}\nfilters:\n  groups:\n    - properties:\n        - {prop}\n"

CASES: dict[str, tuple[str, str, Callable[[Any], Any], Any]] = {
    # name: (manifest, object, what PostHog stored, the stored value)
    "min is stored as gte": (
        FLAG.format(key="rw-min", prop="{type: person, key: age, operator: min, value: '18'}"),
        "rw-min",
        lambda flag: _first_condition(flag)["operator"],
        "gte",
    ),
    "max is stored as lte": (
        FLAG.format(key="rw-max", prop="{type: person, key: age, operator: max, value: 65}"),
        "rw-max",
        lambda flag: (_first_condition(flag)["operator"], _first_condition(flag)["value"]),
        ("lte", "65"),
    ),
    "each condition set gets the flag's aggregation (null for persons)": (
        FLAG.format(key="rw-agg-null", prop="{type: person, key: plan, value: pro}"),
        "rw-agg-null",
        lambda flag: (
            flag["filters"]["aggregation_group_type_index"],
            flag["filters"]["groups"][0]["aggregation_group_type_index"],
        ),
        (None, None),
    ),
    "a group flag's aggregation is copied to each condition set": (
        "kind: FeatureFlag\nkey: rw-agg-group\nfilters:\n  aggregation_group_type_index: 0\n"
        "  groups:\n    - properties:\n"
        "        - {type: group, group_type_index: 0, key: industry, value: saas}\n"
        "    - rollout_percentage: 10\n",
        "rw-agg-group",
        lambda flag: [g["aggregation_group_type_index"] for g in flag["filters"]["groups"]],
        [0, 0],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_flag_rewrite_is_absorbed(case: str, quiet_emulator: Any, tmp_path: Path) -> None:
    text, key, stored, expected = CASES[case]
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    with inprocess.client_for(quiet_emulator) as client:
        inprocess.apply(client, tmp_path)
        assert stored(_flag(quiet_emulator, key)) == expected
        planned = inprocess.plan(client, tmp_path)
        assert planned.plan.is_empty, [c.to_dict() for c in planned.plan.changes]


def test_cohort_negation_default_is_absorbed(quiet_emulator: Any, tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "kind: Cohort\nname: rw-negation\nfilters:\n  properties:\n    type: AND\n    values:\n"
        "      - {type: person, key: plan, operator: exact, value: pro}\n",
        encoding="utf-8",
    )
    with inprocess.client_for(quiet_emulator) as client:
        inprocess.apply(client, tmp_path)
        leaf = _cohort(quiet_emulator, "rw-negation")["filters"]["properties"]["values"][0]
        assert leaf["negation"] is False
        planned = inprocess.plan(client, tmp_path)
        assert planned.plan.is_empty, [c.to_dict() for c in planned.plan.changes]
