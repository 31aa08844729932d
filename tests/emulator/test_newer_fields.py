"""PostHog's newer fields in the emulator: flags' evaluation contexts (required by a project
setting) and bucketing, annotations' emoji and visibility.

Restates posthog/api/test/test_feature_flag.py (require_evaluation_contexts on create and on
removing all contexts, device bucketing with experience continuity) and
posthog/api/test/test_annotation.py (emoji length and blank, hidden_in_user_interface).
"""

from __future__ import annotations

from typing import Any

from emulator.conftest import Client, MakeEmulator

FILTERS = {"groups": [{"properties": [], "rollout_percentage": 10}]}


def create(api: Client, **body: Any) -> Any:
    body = {"filters": FILTERS, "_should_create_usage_dashboard": False, **body}
    return api.post(api.p + "/feature_flags/", json=body)


def test_contexts_under_both_names_and_bucketing(api: Client) -> None:
    made = create(api, key="ctx", evaluation_tags=["web"]).json()
    # Written under either name; answered as evaluation_tags (evaluation_contexts is
    # write-only in PostHog's 2026 schema).
    assert made["evaluation_tags"] == ["web"] and "evaluation_contexts" not in made
    assert made["bucketing_identifier"] == "distinct_id"
    url = f"{api.p}/feature_flags/{made['id']}/"
    moved = api.patch(url, json={"evaluation_contexts": ["api"], "bucketing_identifier": "device_id"})
    assert moved.json()["evaluation_tags"] == ["api"]
    assert moved.json()["bucketing_identifier"] == "device_id"
    both = api.patch(url, json={"ensure_experience_continuity": True})
    assert both.status_code == 400 and "device ID bucketing" in both.json()["detail"]


def test_a_project_that_requires_contexts(make_emulator: MakeEmulator) -> None:
    emu = make_emulator(rate_limits_enabled=False)
    project = emu.app.store.get("project", emu.project_id)
    assert project is not None
    emu.app.store.put("project", {**project, "require_evaluation_contexts": True})
    api = Client(emu)
    bare = create(api, key="bare")
    assert bare.status_code == 400
    assert bare.json()["detail"] == (
        "At least one evaluation context is required to create a new feature flag."
    )
    made = create(api, key="tagged", evaluation_contexts=["web"]).json()
    emptied = api.patch(f"{api.p}/feature_flags/{made['id']}/", json={"evaluation_contexts": []})
    assert emptied.status_code == 400 and "Cannot remove all" in emptied.json()["detail"]
    assert create(api, key="survey", creation_context="surveys").status_code == 201


def test_annotation_emoji_and_hidden(api: Client) -> None:
    base = {"content": "deploy", "date_marker": "2026-01-01T00:00:00Z", "scope": "project"}
    made = api.post(api.p + "/annotations/", json={**base, "emoji": "🚀",
                                                   "hidden_in_user_interface": True}).json()
    assert made["emoji"] == "🚀" and made["hidden_in_user_interface"] is True
    blank = api.post(api.p + "/annotations/", json={**base, "emoji": ""}).json()
    assert blank["emoji"] is None and blank["hidden_in_user_interface"] is None  # null: not hidden
    long = api.post(api.p + "/annotations/", json={**base, "emoji": "x" * 17})
    assert long.status_code == 400 and long.json()["attr"] == "emoji"
