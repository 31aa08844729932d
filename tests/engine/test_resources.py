"""Each kind: what phsync sends, echoed back the way PostHog answers, reads as no change."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.diff import diff
from reconciler.resources import REGISTRY, annotation, cohort, dashboard, feature_flag
from reconciler.resources.base import MARKER_TAG, Directory


def _directory() -> Directory:
    d = Directory()
    d.add("Cohort", "Beta testers", 7)
    d.add("Cohort", "Internal", 8)
    d.add("FeatureFlag", "onboarding-v2", 42)
    d.add("Dashboard", "Growth", 3)
    return d


FLAG = {
    "key": "new-checkout",
    "name": "New checkout",
    "active": True,
    "tags": ["checkout"],
    "filters": {
        "groups": [
            {
                "properties": [
                    {"key": "email", "type": "person", "operator": "icontains", "value": "@acme.com"},
                    {"type": "cohort", "value": "Beta testers"},
                    {"type": "flag", "key": "onboarding-v2", "value": True},
                ],
                "rollout_percentage": 50,
            },
            {"properties": [], "rollout_percentage": None, "variant": "test"},
        ],
        "multivariate": {
            "variants": [
                {"key": "control", "name": "Control", "rollout_percentage": 50},
                {"key": "test", "rollout_percentage": 50},
            ]
        },
        "payloads": {"control": {"layout": "old"}, "test": "plain text"},
    },
}


def _posthog_echo_flag(body: dict[str, Any]) -> dict[str, Any]:
    """What PostHog answers after storing ``body``: floats, ids, extra keys, read-only fields."""
    echoed = json.loads(json.dumps(body))
    for group in echoed["filters"]["groups"]:
        group["rollout_percentage"] = (
            float(group["rollout_percentage"]) if group.get("rollout_percentage") is not None else None
        )
        for prop in group["properties"]:
            if prop["type"] == "cohort":
                prop["cohort_name"] = "Beta testers"
    echoed["filters"]["aggregation_group_type_index"] = None
    echoed["filters"]["super_groups"] = [{"properties": [], "rollout_percentage": 100}]
    echoed.update(id=99, version=1, deleted=False, created_by=None, experiment_set=[5], ensure_experience_continuity=False)
    return echoed


def test_flag_created_then_read_back_has_no_diff() -> None:
    directory = _directory()
    desired = feature_flag.canonical(FLAG)
    body = feature_flag.create_body(desired, directory)
    assert "_should_create_usage_dashboard" not in body  # PostHog decides, unless phsync.yaml
    assert MARKER_TAG in body["tags"]
    assert body["filters"]["groups"][0]["properties"][1]["value"] == 7
    assert body["filters"]["groups"][0]["properties"][2]["key"] == "42"
    assert json.loads(body["filters"]["payloads"]["control"]) == {"layout": "old"}
    live = _posthog_echo_flag(body)
    assert feature_flag.is_managed(live)
    assert diff(desired, feature_flag.from_live(live, directory)) == ()


def test_flag_update_keeps_filters_other_products_wrote() -> None:
    from reconciler.assembly import to_live_object

    directory = _directory()
    desired = feature_flag.canonical(FLAG)
    live_raw = _posthog_echo_flag(feature_flag.create_body(desired, directory))
    live = to_live_object("FeatureFlag", live_raw, directory)
    changed = {**FLAG, "filters": {**FLAG["filters"], "groups": [{"properties": [], "rollout_percentage": 100}]}}
    body = feature_flag.update_body(feature_flag.canonical(changed), frozenset({"filters"}), live, directory)
    assert body["filters"]["super_groups"] == live_raw["filters"]["super_groups"]
    assert body["filters"]["groups"] == [{"properties": [], "rollout_percentage": 100}]


def test_flag_update_sends_live_value_for_ignored_paths() -> None:
    from reconciler import paths
    from reconciler.assembly import to_live_object

    directory = _directory()
    desired = feature_flag.canonical(FLAG)
    live_raw = _posthog_echo_flag(feature_flag.create_body(desired, directory))
    live_raw["filters"]["groups"][0]["rollout_percentage"] = 30.0
    live = to_live_object("FeatureFlag", live_raw, directory)
    ignore = (paths.parse("filters.groups[*].rollout_percentage"),)
    body = feature_flag.update_body(desired, frozenset({"filters"}), live, directory, ignore)
    assert body["filters"]["groups"][0]["rollout_percentage"] == 30.0


@pytest.mark.parametrize(
    ("manifest", "live_prop"),
    [
        pytest.param({"key": "plan", "value": "pro"}, {"key": "plan", "type": "person", "operator": "exact", "value": "pro", "negation": False}, id="defaults"),
        pytest.param({"key": "n", "type": "person", "operator": "gt", "value": 5}, {"key": "n", "type": "person", "operator": "gt", "value": 5.0}, id="float"),
        pytest.param({"key": "e", "type": "person", "operator": "is_set"}, {"key": "e", "type": "person", "operator": "is_set", "value": "is_set"}, id="is-set-value"),
    ],
)
def test_flag_property_defaults_compare_equal(manifest: dict[str, Any], live_prop: dict[str, Any]) -> None:
    spec = {"key": "f", "filters": {"groups": [{"properties": [manifest], "rollout_percentage": 100}]}}
    raw = {"key": "f", "filters": {"groups": [{"properties": [live_prop], "rollout_percentage": 100}]}}
    assert feature_flag.canonical(spec)["filters"] == feature_flag.from_live(raw, Directory())["filters"]


def test_cohort_marker_and_reference_round_trip() -> None:
    directory = _directory()
    spec = {
        "name": "Beta testers",
        "description": "Opted in",
        "filters": {
            "properties": {
                "type": "OR",
                "values": [{"type": "AND", "values": [{"type": "cohort", "value": "Internal"}, {"key": "beta", "type": "person", "operator": "exact", "value": True}]}],
            }
        },
    }
    desired = cohort.canonical(spec)
    body = cohort.create_body(desired, directory)
    assert body["description"].endswith(cohort.MARKER)
    assert body["filters"]["properties"]["values"][0]["values"][0]["value"] == 8
    live = {**body, "id": 7, "is_static": False, "count": None, "is_calculating": True}
    assert cohort.is_managed(live)
    assert diff(desired, cohort.from_live(live, directory)) == ()


def test_dashboard_tiles_compare_only_given_parts() -> None:
    spec = {"name": "Growth", "tags": ["growth"], "tiles": [{"text": "# Hello"}, {"text": "b", "color": "blue"}]}
    desired = dashboard.canonical(spec)
    live_raw = {
        "id": 3,
        "name": "Growth",
        "tags": ["growth", MARKER_TAG],
        "tiles": [
            {"id": 11, "text": {"id": 1, "body": "b"}, "color": "blue", "layouts": {"sm": {"x": 0, "y": 5}}},
            {"id": 10, "text": {"id": 2, "body": "# Hello"}, "color": "red", "layouts": {"sm": {"x": 0, "y": 0}}},
        ],
    }
    live = dashboard.align(desired, dashboard.from_live(live_raw, Directory()))
    assert diff(desired, live) == ()


def test_dashboard_tile_patch_reuses_and_removes_text_tiles() -> None:
    from reconciler.assembly import to_live_object

    live_raw = {"id": 3, "name": "G", "tags": [MARKER_TAG], "tiles": [
        {"id": 10, "text": {"id": 1, "body": "old"}, "layouts": {"sm": {"y": 0}}},
        {"id": 11, "text": {"id": 2, "body": "gone"}, "layouts": {"sm": {"y": 1}}},
    ]}
    live = to_live_object("Dashboard", live_raw, Directory())
    body = dashboard.update_body({"name": "G", "tiles": [{"text": "new"}]}, frozenset({"tiles"}), live, Directory())
    assert body["tiles"] == [{"id": 10, "text": {"id": 1, "body": "new"}}, {"id": 11, "deleted": True}]


def test_annotation_identity_is_its_place_and_dates_normalise() -> None:
    spec = {"name": "release", "content": "v2", "date_marker": "2026-11-01T11:00:00+01:00", "scope": "dashboard", "dashboard": "Growth"}
    desired = annotation.canonical(spec)
    assert desired["date_marker"] == "2026-11-01T10:00:00Z"
    body = annotation.create_body(desired, _directory())
    assert body == {"content": "v2\u2063", "date_marker": "2026-11-01T10:00:00Z", "scope": "dashboard", "dashboard_id": 3, "creation_type": "GIT"}
    live = {**body, "id": 1, "date_marker": "2026-11-01T10:00:00.000000Z", "dashboard_name": "Growth"}
    from_live = annotation.from_live(live, _directory())
    assert annotation.identity(from_live) == annotation.identity(desired)
    assert diff(desired, from_live) == ()


def test_registry_lists_every_kind_in_dependency_order() -> None:
    from reconciler.model import KINDS

    assert tuple(REGISTRY) == KINDS


def test_a_deploy_bots_git_annotation_is_not_phsyncs() -> None:
    bot = {"id": 4, "content": "deployed abc123", "creation_type": "GIT", "scope": "project", "date_marker": "2026-01-01T00:00:00Z"}
    assert not annotation.is_managed(bot)
    assert annotation.is_managed({**bot, "content": "deployed abc123\u2063"})
    assert annotation.from_live({**bot, "content": "x\u2063"}, Directory())["content"] == "x"
