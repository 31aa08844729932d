from __future__ import annotations

from typing import Any

import pytest

from reconciler.config import Policies
from reconciler.model import ResourceKey
from reconciler.plan import build_plan
from reconciler.policy import check_policies
from reconciler.resources.base import MARKER_TAG

from .helpers import live_state, manifest


def _flag(key: str = "f", rollout: int = 10, **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": "described", "tags": ["owner:x"],
            "filters": {"groups": [{"properties": [], "rollout_percentage": rollout}]}, **extra}


def _live(key: str = "f", rollout: int = 10, active: bool = True) -> dict[str, Any]:
    return {"id": 1, "key": key, "name": "described", "active": active, "version": 1, "tags": [MARKER_TAG, "owner:x"],
            "filters": {"groups": [{"properties": [], "rollout_percentage": rollout}]}}


CASES = [
    pytest.param(_flag(rollout=60), (), Policies(max_rollout_increase=25), ["max_rollout_increase"], id="rollout-jump"),
    pytest.param(_flag(rollout=30), (), Policies(max_rollout_increase=25), [], id="rollout-step"),
    pytest.param(_flag(rollout=60), ("rollout-increase",), Policies(max_rollout_increase=25), [], id="rollout-allowed"),
    pytest.param(_flag(active=False), (), Policies(protect_active_flags=True), ["protect_active_flags"], id="deactivate"),
    pytest.param(_flag(active=False), ("deactivate",), Policies(protect_active_flags=True), [], id="deactivate-allowed"),
    pytest.param(_flag(name="", rollout=20), (), Policies(require_description=True), ["require_description"], id="no-description"),
    pytest.param(_flag(tags=["ui"], rollout=20), (), Policies(require_owner_tag="owner:"), ["require_owner_tag"], id="no-owner"),
    pytest.param(_flag(rollout=20), (), Policies(protected=(ResourceKey("FeatureFlag", "f"),)), ["protected"], id="protected"),
]


@pytest.mark.parametrize(("spec", "allow", "policies", "rules"), CASES)
def test_rules(spec: dict[str, Any], allow: tuple[str, ...], policies: Policies, rules: list[str]) -> None:
    from dataclasses import replace

    m = replace(manifest("FeatureFlag", spec), allow=allow)
    live = live_state(flags=[_live()])
    plan = build_plan([m], live)
    assert [v.rule for v in check_policies(plan, live, [m], policies)] == rules


def test_deleting_an_active_flag_and_too_many_deletes() -> None:
    live = live_state(flags=[_live("a"), {**_live("b"), "id": 2}, {**_live("c", active=False), "id": 3}])
    plan = build_plan([], live, prune=True)
    found = check_policies(plan, live, [], Policies(protect_active_flags=True, max_deletes=2))
    assert sorted((v.rule, str(v.key)) for v in found) == [
        ("max_deletes", "None"),
        ("protect_active_flags", "FeatureFlag/a"),
        ("protect_active_flags", "FeatureFlag/b"),
    ]


def test_warn_only_rules_are_warnings() -> None:
    live = live_state(flags=[_live()])
    m = manifest("FeatureFlag", _flag(rollout=90))
    plan = build_plan([m], live)
    [v] = check_policies(plan, live, [m], Policies(max_rollout_increase=5, warn_only=frozenset({"max_rollout_increase"})))
    assert v.level == "warning"
