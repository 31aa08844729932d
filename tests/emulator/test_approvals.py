"""Approval policies and change requests on flag writes.

Each test restates a PostHog test: posthog/approvals/tests/test_approvals_api.py (the 409
bodies, the duplicate request, approve/reject/cancel permissions, application on quorum),
test_policy_engine.py (conditions, conflicts) and test_update_feature_flag_action.py (rollout
paths, the version precondition).
"""

from __future__ import annotations

from typing import Any

import pytest

from emulator.conftest import Client

REVIEWER_KEY = "phx_reviewer"


def flag(api: Client, key: str = "gated", rollout: int = 10, active: bool = True) -> Any:
    body = {
        "key": key,
        "active": active,
        "filters": {"groups": [{"properties": [], "rollout_percentage": rollout}]},
        "_should_create_usage_dashboard": False,
    }
    answer = api.post(api.p + "/feature_flags/", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def reviewer(api: Client) -> int:
    answer = api.post(
        "/_emulator/users/", json={"email": "reviewer@example.com", "api_key": REVIEWER_KEY}
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def policy(api: Client, action: str, users: list[int], **extra: Any) -> Any:
    body = {"action_key": action, "approver_config": {"quorum": 1, "users": users}, **extra}
    answer = api.post(f"/api/environments/{api.pid}/approval_policies/", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def gated(api: Client) -> tuple[Client, int]:
    """A disable policy approved by a second user."""
    second = reviewer(api)
    policy(api, "feature_flag.disable", [second])
    return api, second


def test_gated_disable_is_409_approval_required_and_the_flag_stays(
    gated: tuple[Client, int],
) -> None:
    api, second = gated
    made = flag(api)
    answer = api.patch(f"{api.p}/feature_flags/{made['id']}/", json={"active": False})
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "approval_required"
    assert body["required_approvers"] == {"quorum": 1, "users": [second]}
    request = body["change_request"]
    assert request["id"] == body["change_request_id"] and request["state"] == "pending"
    assert request["intent"]["preconditions"]["version"] == 1
    assert request["is_requester"] is True and request["can_approve"] is False
    assert api.get(f"{api.p}/feature_flags/{made['id']}/").json()["active"] is True


def test_the_same_change_again_is_change_request_pending(gated: tuple[Client, int]) -> None:
    api, _ = gated
    made = flag(api)
    url = f"{api.p}/feature_flags/{made['id']}/"
    first = api.patch(url, json={"active": False}).json()
    again = api.patch(url, json={"active": False})
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "change_request_pending"
    assert body["existing_change_request"]["id"] == first["change_request_id"]
    listed = api.get(f"{api.p}/change_requests/?state=pending,approved&resource_type=feature_flag")
    assert listed.json()["count"] == 1


def test_approval_by_the_quorum_applies_the_change(gated: tuple[Client, int]) -> None:
    api, second = gated
    made = flag(api)
    request_id = api.patch(f"{api.p}/feature_flags/{made['id']}/", json={"active": False}).json()[
        "change_request_id"
    ]
    own = api.post(f"{api.p}/change_requests/{request_id}/approve/", json={})
    assert own.status_code == 403  # no self-approval unless the policy allows it
    answer = api.post(f"{api.p}/change_requests/{request_id}/approve/", json={}, key=REVIEWER_KEY)
    assert answer.status_code == 200, answer.text
    assert answer.json()["change_request"]["state"] == "applied"
    live = api.get(f"{api.p}/feature_flags/{made['id']}/").json()
    assert live["active"] is False and live["version"] == 2
    assert live["last_modified_by"]["email"] == "demo@example.com"  # as the requester
    again = api.post(f"{api.p}/change_requests/{request_id}/approve/", key=REVIEWER_KEY)
    assert again.status_code == 400


def test_a_flag_that_moved_fails_the_request(gated: tuple[Client, int]) -> None:
    api, _ = gated
    made = flag(api)
    url = f"{api.p}/feature_flags/{made['id']}/"
    request_id = api.patch(url, json={"active": False}).json()["change_request_id"]
    assert api.patch(url, json={"name": "renamed"}).status_code == 200  # version 2
    answer = api.post(f"{api.p}/change_requests/{request_id}/approve/", key=REVIEWER_KEY)
    request = answer.json()["change_request"]
    assert request["state"] == "failed" and "version mismatch" in request["apply_error"]
    assert api.get(url).json()["active"] is True


def test_reject_and_cancel_permissions(gated: tuple[Client, int]) -> None:
    api, _ = gated
    one, two = flag(api, "one"), flag(api, "two")
    first = api.patch(f"{api.p}/feature_flags/{one['id']}/", json={"active": False}).json()
    second = api.patch(f"{api.p}/feature_flags/{two['id']}/", json={"active": False}).json()
    cr = f"{api.p}/change_requests"
    assert (
        api.post(f"{cr}/{first['change_request_id']}/cancel/", key=REVIEWER_KEY).status_code == 403
    )
    assert api.post(f"{cr}/{first['change_request_id']}/cancel/").status_code == 200
    rejected = api.post(f"{cr}/{second['change_request_id']}/reject/", key=REVIEWER_KEY)
    assert rejected.json()["change_request"]["state"] == "rejected"
    # Closed requests no longer block: the same change opens a new one.
    again = api.patch(f"{api.p}/feature_flags/{one['id']}/", json={"active": False})
    assert again.json()["code"] == "approval_required"


def test_rollout_conditions_and_conflicting_policies(api: Client) -> None:
    second = reviewer(api)
    policy(
        api,
        "feature_flag.update",
        [second],
        conditions={
            "type": "before_after",
            "field": "rollout_percentage",
            "operator": ">",
            "value": 50,
        },
    )
    made = flag(api, active=False)
    url = f"{api.p}/feature_flags/{made['id']}/"
    small = {"filters": {"groups": [{"properties": [], "rollout_percentage": 40}]}}
    assert api.patch(url, json=small).status_code == 200  # the condition does not match
    big = {"filters": {"groups": [{"properties": [], "rollout_percentage": 80}]}}
    answer = api.patch(url, json=big)
    assert answer.json()["code"] == "approval_required"
    assert answer.json()["change_request"]["intent"]["triggered_paths"] == [
        "groups[0].rollout_percentage"
    ]
    policy(api, "feature_flag.enable", [second])
    both = api.patch(url, json={**big, "active": True})
    assert both.status_code == 400
    body = both.json()
    assert body["code"] == "policy_conflict" and len(body["conflicting_policies"]) == 2
    assert body["guidance"].startswith("Split your changes into separate API calls")


def test_ungated_writes_and_policy_crud(api: Client) -> None:
    made = flag(api)
    created = policy(api, "feature_flag.disable", [1])
    path = f"{api.p}/approval_policies/{created['id']}/"
    assert api.patch(path, json={"enabled": False}).json()["enabled"] is False
    answer = api.patch(f"{api.p}/feature_flags/{made['id']}/", json={"active": False})
    assert answer.status_code == 200  # a disabled policy gates nothing
    assert api.delete(path).status_code == 204
    bad = api.post(
        f"{api.p}/approval_policies/",
        json={"action_key": "feature_flag.explode", "approver_config": {"quorum": 1}},
    )
    assert bad.status_code == 400 and bad.json()["attr"] == "action_key"
