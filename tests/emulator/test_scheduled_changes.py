"""Scheduled changes: stored, listed, and run when their time passes on the emulator's clock.

Restates PostHog's posthog/api/test/test_scheduled_change.py (validation: recurring needs an
interval, no recurring add_release_condition, end after start, the flag must exist) and
posthog/tasks/test/test_process_scheduled_changes.py (each operation's effect, one-off vs
recurring, failures recorded).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from emulator.conftest import Client


def flag(api: Client, key: str = "timed") -> Any:
    body = {
        "key": key,
        "filters": {"groups": [{"properties": [], "rollout_percentage": 20}]},
        "_should_create_usage_dashboard": False,
    }
    answer = api.post(api.p + "/feature_flags/", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def at(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def schedule(api: Client, flag_id: int, payload: Any, **extra: Any) -> Any:
    body = {"record_id": str(flag_id), "model_name": "FeatureFlag", "payload": payload, **extra}
    return api.post(api.p + "/scheduled_changes/", json=body)


def test_a_future_change_waits_and_a_due_one_runs(api: Client) -> None:
    made = flag(api)
    later = schedule(api, made["id"], {"operation": "update_status", "value": False},
                     scheduled_at=at(days=3))
    assert later.status_code == 201, later.text
    assert later.json()["executed_at"] is None and later.json()["created_by"]["id"] == 1
    assert api.get(f"{api.p}/feature_flags/{made['id']}/").json()["active"] is True
    due = schedule(api, made["id"], {"operation": "add_release_condition",
                                     "value": {"groups": [{"properties": [], "rollout_percentage": 5}]}},
                   scheduled_at=at(minutes=-1))
    live = api.get(f"{api.p}/feature_flags/{made['id']}/").json()
    assert [g["rollout_percentage"] for g in live["filters"]["groups"]] == [20, 5]
    listed = api.get(f"{api.p}/scheduled_changes/?model_name=FeatureFlag&record_id={made['id']}")
    by_id = {c["id"]: c for c in listed.json()["results"]}
    assert by_id[due.json()["id"]]["executed_at"] is not None
    assert by_id[later.json()["id"]]["executed_at"] is None


def test_a_recurring_schedule_moves_to_its_next_time(api: Client) -> None:
    made = flag(api)
    created = schedule(api, made["id"], {"operation": "update_status", "value": False},
                       scheduled_at=at(minutes=-1), is_recurring=True,
                       recurrence_interval="daily").json()
    assert api.get(f"{api.p}/feature_flags/{made['id']}/").json()["active"] is False
    again = api.get(f"{api.p}/scheduled_changes/{created['id']}/").json()
    assert again["executed_at"] is None and again["last_executed_at"] is not None
    assert again["scheduled_at"] > datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")


def test_validation_as_posthog(api: Client) -> None:
    made = flag(api)
    status = {"operation": "update_status", "value": True}
    no_interval = schedule(api, made["id"], status, scheduled_at=at(days=1), is_recurring=True)
    assert no_interval.json()["attr"] == "recurrence_interval"
    grow = {"operation": "add_release_condition", "value": {"groups": []}}
    recurring_add = schedule(api, made["id"], grow, scheduled_at=at(days=1), is_recurring=True,
                             recurrence_interval="weekly")
    assert recurring_add.json()["attr"] == "payload"
    backwards = schedule(api, made["id"], status, scheduled_at=at(days=2), end_date=at(days=1),
                         is_recurring=True, recurrence_interval="daily")
    assert backwards.json()["attr"] == "end_date"
    missing = schedule(api, 999999, status, scheduled_at=at(days=1))
    assert missing.status_code == 400 and missing.json()["detail"] == "Feature flag not found"
