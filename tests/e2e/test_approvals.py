"""PostHog's approval policies, end to end in process against the emulator: a gated change
awaits approval (nothing forced, exit 4), a re-run opens no second request, the plan shows the
open request in every format, approval applies it and the plan empties; a write that several
policies match is split safely."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner, Result

from reconciler.cli import cli

from .conftest import Api

REVIEWER = "phx_reviewer"


@pytest.fixture
def env(emulator: Any) -> dict[str, str]:
    return {
        "POSTHOG_HOST": emulator.url,
        "POSTHOG_PERSONAL_API_KEY": emulator.api_key,
        "POSTHOG_PROJECT_ID": str(emulator.project_id),
        "NO_COLOR": "1",
        "COLUMNS": "",
    }


def run(env: dict[str, str], *args: str) -> Result:
    """``exit_code`` is the status main() gives (the command's return value)."""
    result = CliRunner().invoke(cli, list(args), env=env, standalone_mode=False)
    assert result.exception is None, result.output
    result.exit_code = int(result.return_value or 0)
    return result


def reviewer(emulator: Any) -> int:
    answer = requests.post(
        f"{emulator.url}/_emulator/users/",
        json={"email": "reviewer@example.com", "api_key": REVIEWER},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def write_flag(root: Path, *, active: bool, rollout: int) -> None:
    root.mkdir(exist_ok=True)
    (root / "flag.yaml").write_text(
        "kind: FeatureFlag\n"
        "key: gated-checkout\n"
        "name: Gated checkout\n"
        f"active: {str(active).lower()}\n"
        "filters:\n"
        "  groups:\n"
        f"    - rollout_percentage: {rollout}\n",
        encoding="utf-8",
    )
    (root / "cohort.yaml").write_text(
        "kind: Cohort\nname: Approval testers\nfilters:\n  properties:\n    type: AND\n"
        "    values:\n      - {type: person, key: tester, operator: exact, value: true}\n",
        encoding="utf-8",
    )


def approve(emulator: Any, request_id: str) -> dict[str, Any]:
    answer = requests.post(
        f"{emulator.url}/api/projects/{emulator.project_id}/change_requests/{request_id}/approve/",
        headers={"Authorization": f"Bearer {REVIEWER}"},
        json={},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["change_request"])


def test_a_gated_disable_awaits_approval_then_posthog_applies_it(
    emulator: Any, api: Api, env: dict[str, str], tmp_path: Path
) -> None:
    root = tmp_path / "m"
    write_flag(root, active=True, rollout=30)
    assert run(env, "apply", "--yes", str(root)).exit_code == 0
    second = reviewer(emulator)
    api.post("approval_policies", {"action_key": "feature_flag.disable",
                                   "approver_config": {"quorum": 1, "users": [second]}})

    write_flag(root, active=False, rollout=30)
    (root / "cohort.yaml").write_text((root / "cohort.yaml").read_text().replace(
        "value: true", "value: yes-please"), encoding="utf-8")
    first = run(env, "apply", "--yes", str(root))
    assert first.exit_code == 4, first.output
    assert "1 applied (0 create, 1 update, 0 delete)" in first.stdout  # the cohort: the other changes go on
    assert "1 awaiting approval in PostHog" in first.stdout
    assert "Nothing failed" in first.stdout
    flag = api.find("feature_flags", key="gated-checkout")
    assert flag["active"] is True  # nothing forced
    [request] = api.list("change_requests")
    assert request["state"] == "pending" and request["action_key"] == "feature_flag.disable"
    link = f"{emulator.url}/project/{emulator.project_id}/approvals/{request['id']}"
    assert link in first.stdout

    again = run(env, "apply", "--yes", str(root))
    assert again.exit_code == 4, again.output
    assert "already asks for this change" in again.stdout  # the plan says so
    assert "still awaiting approval in PostHog: FeatureFlag/gated-checkout" in again.stdout
    assert len(api.list("change_requests")) == 1  # no second request

    text = run(env, "plan", str(root))
    assert "awaiting approval in PostHog: change request" in text.stdout
    assert "(0 of 1 approval from user 2; requested by demo@example.com)" in text.stdout
    as_json = json.loads(run(env, "plan", "-o", "json", str(root)).stdout)
    [change] = as_json["changes"]
    assert change["change_requests"][0]["id"] == request["id"]
    assert change["change_requests"][0]["carries_declared"] is True
    markdown = run(env, "plan", "-o", "markdown", str(root)).stdout
    assert "Awaiting approval in PostHog" in markdown and "review the plan here" in markdown
    assert f"]({link})" in markdown

    assert approve(emulator, request["id"])["state"] == "applied"
    after = run(env, "plan", "--detailed-exitcode", str(root))
    assert after.exit_code == 0, after.output
    assert "No changes" in after.stdout


def test_a_write_several_policies_match_is_split_enable_last(
    emulator: Any, api: Api, env: dict[str, str], tmp_path: Path
) -> None:
    root = tmp_path / "m"
    write_flag(root, active=False, rollout=10)
    assert run(env, "apply", "--yes", str(root)).exit_code == 0
    second = reviewer(emulator)
    config = {"quorum": 1, "users": [second]}
    api.post("approval_policies", {"action_key": "feature_flag.enable", "approver_config": config})
    api.post("approval_policies", {"action_key": "feature_flag.update", "approver_config": config})

    write_flag(root, active=True, rollout=50)
    first = run(env, "apply", "--yes", str(root))
    assert first.exit_code == 4, first.output
    assert "then phsync sends active" in first.stdout  # the switch waits for the rollout
    [request] = api.list("change_requests")
    assert request["action_key"] == "feature_flag.update"
    assert "active" not in request["intent"]["full_request_data"]
    assert api.find("feature_flags", key="gated-checkout")["active"] is False

    approve(emulator, request["id"])  # the rollout is now 50 %, the flag still off
    second_run = run(env, "apply", "--yes", str(root))
    assert second_run.exit_code == 4, second_run.output
    enable = [r for r in api.list("change_requests") if r["state"] == "pending"]
    assert [r["action_key"] for r in enable] == ["feature_flag.enable"]
    approve(emulator, enable[0]["id"])
    flag = api.find("feature_flags", key="gated-checkout")
    assert flag["active"] is True and flag["filters"]["groups"][0]["rollout_percentage"] == 50
    assert run(env, "plan", "--detailed-exitcode", str(root)).exit_code == 0


def test_a_scheduled_disable_is_warned_and_can_be_forbidden(
    emulator: Any, api: Api, env: dict[str, str], tmp_path: Path
) -> None:
    root = tmp_path / "m"
    write_flag(root, active=True, rollout=30)
    assert run(env, "apply", "--yes", str(root)).exit_code == 0
    flag = api.find("feature_flags", key="gated-checkout")
    api.post("scheduled_changes", {"record_id": str(flag["id"]), "model_name": "FeatureFlag",
                                   "payload": {"operation": "update_status", "value": False},
                                   "scheduled_at": "2099-12-10T09:00:00Z"})
    api.post("scheduled_changes", {"record_id": str(flag["id"]), "model_name": "FeatureFlag",
                                   "payload": {"operation": "update_status", "value": True},
                                   "scheduled_at": "2099-12-11T09:00:00Z"})  # keeps it as declared

    text = run(env, "plan", "--detailed-exitcode", str(root))
    assert text.exit_code == 0, text.output  # a warning, not a change
    assert ("PostHog will disable gated-checkout at 2099-12-10 09:00 UTC "
            "(scheduled by demo@example.com)") in text.stdout
    assert "enable gated-checkout" not in text.stdout
    [warning] = json.loads(run(env, "plan", "-o", "json", str(root)).stdout)["violations"]
    assert warning["rule"] == "forbid_scheduled_changes" and warning["level"] == "warning"

    (root / "phsync.yaml").write_text(
        "paths: [.]\npolicies:\n  forbid_scheduled_changes: true\n", encoding="utf-8"
    )
    forbidden = run(env, "plan", str(root))
    assert forbidden.exit_code == 1
    assert "PostHog will disable gated-checkout" in forbidden.stdout
