from __future__ import annotations

import pytest

from reconciler.errors import PhsyncError
from reconciler.model import Action, ResourceKey
from reconciler.plan import Plan, build_plan
from reconciler.resources.base import MARKER_TAG
from reconciler.targets import parse_targets

from .helpers import live_state, manifest

FLAG = {"key": "f", "active": True, "filters": {"groups": [{"properties": [], "rollout_percentage": 10}]}}


def _live_flag(**over: object) -> dict[str, object]:
    raw = {"id": 1, "key": "f", "active": True, "tags": [MARKER_TAG], "version": 3,
           "filters": {"groups": [{"properties": [], "rollout_percentage": 10}]}}
    raw.update(over)
    return raw


def test_create_when_absent() -> None:
    plan = build_plan([manifest("FeatureFlag", FLAG)], live_state(flags=[]))
    [change] = plan.changes
    assert change.action is Action.CREATE and change.key == ResourceKey("FeatureFlag", "f")
    assert plan.summary()["create"] == 1


def test_no_change_when_equal() -> None:
    plan = build_plan([manifest("FeatureFlag", FLAG)], live_state(flags=[_live_flag()]))
    assert plan.is_empty


def test_update_names_field_and_records_version() -> None:
    live = live_state(flags=[_live_flag(active=False)])
    [change] = build_plan([manifest("FeatureFlag", FLAG)], live).changes
    assert change.action is Action.UPDATE
    assert [f.path for f in change.fields] == ["active"]
    assert change.live_version == "v3"
    assert change.object_id == 1


def test_unmanaged_match_is_adopted_with_no_field_change() -> None:
    live = live_state(flags=[_live_flag(tags=[])])
    plan = build_plan([manifest("FeatureFlag", FLAG)], live)
    [change] = plan.changes
    assert change.action is Action.ADOPT and change.fields == () and change.object_id == 1
    assert plan.summary()["adopt"] == 1 and not plan.notes


def test_unmanaged_with_differences_is_adopted() -> None:
    live = live_state(flags=[_live_flag(tags=[], active=False)])
    [change] = build_plan([manifest("FeatureFlag", FLAG)], live).changes
    assert change.action is Action.ADOPT


def test_delete_only_with_prune_and_only_managed() -> None:
    live = live_state(flags=[_live_flag(), _live_flag(id=2, key="other", tags=[])])
    assert build_plan([], live).is_empty
    plan = build_plan([], live, prune=True)
    assert [(c.action, c.key.name) for c in plan.changes] == [(Action.DELETE, "f")]
    assert "deletes an active flag" in plan.changes[0].warnings


def test_risky_rollout_increase_is_called_out() -> None:
    spec = {**FLAG, "filters": {"groups": [{"properties": [], "rollout_percentage": 100}]}}
    [change] = build_plan([manifest("FeatureFlag", spec)], live_state(flags=[_live_flag()])).changes
    assert change.warnings == ('rollout 10 % → 100 % (condition "everyone")',)


def test_cohort_delete_warns_about_targeting_flags() -> None:
    cohort = {"id": 7, "name": "Beta", "description": "[managed by phsync]", "filters": {"properties": None}}
    flag = _live_flag(tags=[], filters={"groups": [{"properties": [{"key": "id", "type": "cohort", "value": 7}]}]})
    plan = build_plan([], live_state(cohorts=[cohort], flags=[flag]), prune=True)
    [change] = plan.changes
    assert change.key == ResourceKey("Cohort", "Beta")
    assert change.warnings == ("deletes a cohort that flags still target: f",)


def test_ignore_paths_hide_changes() -> None:
    live = live_state(flags=[_live_flag(filters={"groups": [{"properties": [], "rollout_percentage": 70}]})])
    m = manifest("FeatureFlag", FLAG, ignore=("filters.groups[*].rollout_percentage",))
    assert build_plan([m], live).is_empty


def test_target_limits_plan() -> None:
    manifests = [manifest("FeatureFlag", FLAG), manifest("FeatureFlag", {**FLAG, "key": "g"})]
    plan = build_plan(manifests, live_state(flags=[]), targets=parse_targets(["featureflag/g"]))
    assert [c.key.name for c in plan.changes] == ["g"]


def test_bad_target_is_explained() -> None:
    with pytest.raises(PhsyncError, match="unknown kind"):
        parse_targets(["Widget/x"])


def test_duplicates_of_a_managed_object_are_pruned() -> None:
    live = live_state(flags=[_live_flag(), _live_flag(id=5)])
    plan = build_plan([manifest("FeatureFlag", FLAG)], live, prune=True)
    assert [(c.action, c.object_id) for c in plan.changes] == [(Action.DELETE, 5)]


def test_plan_round_trips_through_json() -> None:
    live = live_state(flags=[_live_flag(active=False)])
    plan = build_plan([manifest("FeatureFlag", FLAG)], live, host="https://x", project_id=1)
    again = Plan.from_dict(plan.to_dict())
    assert again.changes == plan.changes and again.host == "https://x"


def test_plan_file_of_another_format_is_refused() -> None:
    with pytest.raises(PhsyncError, match="not a phsync plan"):
        Plan.from_dict({"changes": []})


def test_field_names_survive_keys_with_dots() -> None:
    from reconciler.diff import FieldChange
    from reconciler.plan import Change

    change = Change(Action.UPDATE, ResourceKey("FeatureFlag", "f"), fields=(
        FieldChange("filters.payloads..8xh/mfEh", None, 1), FieldChange("active", True, False)))
    assert change.field_names == {"filters", "active"}
