"""Pure rules around PostHog's governance: the safe split of a write several approval policies
match, change requests in words, and which schedules would move a flag from its manifest."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.approvals import from_api
from reconciler.gated_writes import split
from reconciler.schedules import Schedule, moves_away, violations

FILTERS = {"groups": [{"properties": [], "rollout_percentage": 50}]}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"active": True, "filters": FILTERS, "version": 3},
         [{"filters": FILTERS}, {"active": True}]),
        ({"active": False, "filters": FILTERS},
         [{"active": False}, {"filters": FILTERS}]),
        ({"active": True}, [{"active": True}]),
        ({"filters": FILTERS, "name": "x"}, [{"filters": FILTERS, "name": "x"}]),
    ],
    ids=["enable-goes-last", "disable-goes-first", "switch-alone", "no-switch"],
)
def test_split_keeps_the_flag_safe(body: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    parts = split(body)
    assert [{k: v for k, v in p.items() if k != "version"} for p in parts] == expected


def test_split_gives_each_write_its_own_original_values() -> None:
    body = {"active": True, "filters": FILTERS,
            "original_flag": {"active": False, "filters": {"groups": []}}}
    first, second = split(body)
    assert first["original_flag"] == {"filters": {"groups": []}}
    assert second["original_flag"] == {"active": False}


def test_a_change_request_in_words() -> None:
    request = from_api(
        {
            "id": "9dc8c73d-76e0-47de-88cf-cc177c72cffc",
            "state": "pending",
            "action_key": "feature_flag.disable",
            "resource_id": "12",
            "policy_snapshot": {"quorum": 2, "users": [2, 3]},
            "approvals": [{"decision": "approved", "created_by": {"email": "bo@example.com"}}],
            "created_by": {"email": "ci@example.com"},
            "intent": {"full_request_data": {"active": False, "version": 4}},
        },
        host="https://eu.posthog.com",
        project_id=7,
    )
    assert request.describe() == (
        "change request 9dc8c73d (1 of 2 approvals, by bo@example.com from users 2, 3; "
        "requested by ci@example.com) "
        "https://eu.posthog.com/project/7/approvals/9dc8c73d-76e0-47de-88cf-cc177c72cffc"
    )
    assert request.request_data == {"active": False, "version": 4}


def _schedule(operation: str, value: Any) -> Schedule:
    return Schedule(1, 12, operation, value, "2026-12-10T09:00:00Z", None, "ana@example.com")


@pytest.mark.parametrize(
    ("schedule", "desired", "away"),
    [
        (_schedule("update_status", False), {"active": True}, True),
        (_schedule("update_status", True), {"active": True}, False),
        (_schedule("add_release_condition", {"groups": [{"rollout_percentage": 5}]}),
         {"filters": FILTERS}, True),
        (_schedule("add_release_condition", {"groups": [{"rollout_percentage": 5}]}), {}, False),
        (_schedule("update_variants", {"variants": [{"key": "a", "rollout_percentage": 100}]}),
         {"filters": {"multivariate": {"variants": [{"key": "a", "rollout_percentage": 100}]}}},
         False),
    ],
    ids=["disable-an-enabled-flag", "enable-an-enabled-flag", "new-condition",
         "conditions-left-to-posthog", "same-variants"],
)
def test_which_schedules_move_a_flag(schedule: Schedule, desired: dict[str, Any], away: bool) -> None:
    assert moves_away(schedule, desired) is away


def test_a_schedule_warning_names_what_when_and_who() -> None:
    [found] = violations([_schedule("update_status", False)], {12: ("new-checkout", {})},
                         forbid=True)
    assert found.level == "error" and found.rule == "forbid_scheduled_changes"
    assert found.message == (
        "PostHog will disable new-checkout at 2026-12-10 09:00 UTC (scheduled by ana@example.com)"
    )
    assert violations([_schedule("update_status", False)], {99: ("other", {})}, forbid=True) == []
