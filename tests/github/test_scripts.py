"""The workflows' actions/github-script steps, run by Node with a recording GitHub client:
the sticky plan comment, finding the reviewed plan after a merge, and the drift issue."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.github.files import WORKFLOWS, load, step_named

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js (GitHub's runners have it)")
HARNESS = Path(__file__).with_name("harness.js")
BY_NAME = {p.name: load(p) for p in WORKFLOWS}

PLAN_MD = """### phsync plan: 0 to create, 1 to update, 0 to delete

Project `1` on `https://eu.posthog.com`.

**⚠️ Risky changes**

- `FeatureFlag/new-checkout`: rollout 25% → 50% (condition 1)
"""


def context(**extra: Any) -> dict[str, Any]:
    return {
        "repo": {"owner": "acme", "repo": "web"},
        "serverUrl": "https://github.com",
        "runId": 777,
        "sha": "c0ffee" + "0" * 34,
        "ref": "refs/heads/main",
        "issue": {"number": 42},
        "payload": {"pull_request": {"head": {"sha": "abcdef1234567890"}}},
        **extra,
    }


def run_script(
    workflow: str, step: str, *, env: dict[str, str], responses: dict[str, Any], ctx: dict[str, Any]
) -> dict[str, Any]:
    the_step = step_named(BY_NAME[workflow], step)
    fixed_env = {k: v for k, v in the_step.get("env", {}).items() if "${{" not in str(v)}
    payload = {
        "script": the_step["with"]["script"],
        "env": {**fixed_env, **env},
        "context": ctx,
        "responses": responses,
    }
    done = subprocess.run(
        [str(NODE), str(HARNESS)], input=json.dumps(payload), capture_output=True, text=True,
        timeout=30, check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def methods(result: dict[str, Any]) -> list[str]:
    return [call["method"] for call in result["calls"]]


def only_call(result: dict[str, Any], method: str) -> dict[str, Any]:
    found = [c["params"] for c in result["calls"] if c["method"] == method]
    assert len(found) == 1, methods(result)
    params: dict[str, Any] = found[0]
    return params


# -- the sticky plan comment ------------------------------------------------------------------


def comment(tmp_path: Path, code: str, comments: list[dict[str, Any]], *, plan: str = PLAN_MD,
            stderr: str = "", validate: str = "success") -> dict[str, Any]:
    (tmp_path / "plan.md").write_text(plan, encoding="utf-8")
    (tmp_path / "stderr").write_text(stderr, encoding="utf-8")
    return run_script(
        "phsync-plan.yml",
        "Comment the plan on the pull request",
        env={
            "PHSYNC_VALIDATE": validate,
            "PHSYNC_EXITCODE": code,
            "PHSYNC_STDOUT": str(tmp_path / "plan.md"),
            "PHSYNC_STDERR": str(tmp_path / "stderr"),
        },
        responses={
            "issues.listComments": comments,
            "issues.createComment": {"html_url": "https://github.com/acme/web/pull/42#c1"},
        },
        ctx=context(),
    )


def test_first_plan_comment_is_created_with_the_marker(tmp_path: Path) -> None:
    result = comment(tmp_path, "2", [])
    assert result["failed"] is None
    assert methods(result) == ["issues.listComments", "issues.createComment"]
    params = only_call(result, "issues.createComment")
    assert params["issue_number"] == 42 and params["owner"] == "acme"
    body = params["body"]
    assert body.startswith("<!-- phsync-plan -->\n### phsync plan: 0 to create, 1 to update")
    assert "rollout 25% → 50%" in body
    assert "Plan for abcdef1. After the merge" in body
    assert "https://github.com/acme/web/actions/runs/777" in body


def test_the_bots_earlier_comment_is_updated_in_place(tmp_path: Path) -> None:
    comments = [
        {"id": 1, "user": {"type": "User"}, "body": "quoting <!-- phsync-plan --> by hand"},
        {"id": 2, "user": {"type": "Bot"}, "body": "another bot"},
        {"id": 3, "user": {"type": "Bot"}, "body": "<!-- phsync-plan -->\nold plan",
         "html_url": "u"},
    ]
    result = comment(tmp_path, "0", comments, plan="### phsync plan: no changes\n")
    assert methods(result) == ["issues.listComments", "issues.updateComment"]
    params = only_call(result, "issues.updateComment")
    assert params["comment_id"] == 3
    assert "### phsync plan: no changes" in params["body"]
    assert "applies exactly this plan" not in params["body"]


def test_a_failed_plan_replaces_the_comment_with_phsyncs_message(tmp_path: Path) -> None:
    comments = [{"id": 9, "user": {"type": "Bot"}, "body": "<!-- phsync-plan -->\nold"}]
    result = comment(tmp_path, "1", comments, plan="",
                     stderr="Error: project 5 not found on https://us.posthog.com\n")
    body = only_call(result, "issues.updateComment")["body"]
    assert "### phsync plan failed" in body
    assert "project 5 not found" in body
    assert "old" not in body


def test_failed_validation_replaces_the_comment_and_points_to_the_run(tmp_path: Path) -> None:
    comments = [{"id": 9, "user": {"type": "Bot"}, "body": "<!-- phsync-plan -->\nold plan"}]
    result = comment(tmp_path, "", comments, plan="", validate="failure")
    body = only_call(result, "issues.updateComment")["body"]
    assert body.startswith("<!-- phsync-plan -->\n### phsync validate found problems")
    assert "No plan was made" in body and "actions/runs/777" in body
    assert "old plan" not in body


def test_a_huge_plan_still_fits_a_comment(tmp_path: Path) -> None:
    result = comment(tmp_path, "2", [], plan=PLAN_MD + "x" * 70_000)
    body = only_call(result, "issues.createComment")["body"]
    assert len(body) <= 65_536
    assert body.rstrip().endswith("the whole plan is in the [run's summary](https://github.com/acme/web/actions/runs/777)._")


# -- finding the reviewed plan after the merge ------------------------------------------------

SHA = "c0ffee" + "0" * 34
PR = {"number": 42, "merged_at": "2026-01-02T03:04:05Z", "merge_commit_sha": SHA,
      "head": {"sha": "abcdef1234567890"}, "html_url": "https://github.com/acme/web/pull/42"}


def find(responses: dict[str, Any]) -> dict[str, Any]:
    return run_script("phsync-apply.yml", "Find the plan reviewed on the pull request",
                      env={}, responses=responses, ctx=context(sha=SHA))


def test_the_latest_successful_plan_run_of_the_merged_pull_request_is_chosen() -> None:
    other = {**PR, "number": 7, "merge_commit_sha": "f" * 40}
    runs = [
        {"id": 100, "run_number": 3, "run_attempt": 1, "html_url": "r100"},
        {"id": 102, "run_number": 5, "run_attempt": 2, "html_url": "r102"},
        {"id": 101, "run_number": 5, "run_attempt": 1, "html_url": "r101"},
    ]
    result = find({
        "repos.listPullRequestsAssociatedWithCommit": [other, PR],
        "actions.listWorkflowRuns": runs,
        "actions.listWorkflowRunArtifacts": {"artifacts": [{"id": 5, "expired": False}]},
    })
    assert result["failed"] is None
    assert result["outputs"] == {"run-id": "102", "pr-number": "42"}
    query = only_call(result, "actions.listWorkflowRuns")
    assert query["workflow_id"] == "phsync-plan.yml"
    assert query["head_sha"] == "abcdef1234567890"
    assert query["status"] == "success" and query["event"] == "pull_request"
    assert only_call(result, "actions.listWorkflowRunArtifacts") == {
        "owner": "acme", "repo": "web", "run_id": 102, "name": "phsync-plan"}
    assert "[#42](https://github.com/acme/web/pull/42)" in result["summary"]


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ({"repos.listPullRequestsAssociatedWithCommit": [{**PR, "merged_at": None}]},
         "No merged pull request contains c0ffee0"),
        ({"repos.listPullRequestsAssociatedWithCommit": [PR], "actions.listWorkflowRuns": []},
         "No successful phsync-plan.yml run for the final commit abcdef1 of #42"),
        ({"repos.listPullRequestsAssociatedWithCommit": [PR],
          "actions.listWorkflowRuns": [{"id": 1, "run_number": 1, "run_attempt": 1, "html_url": "r1"}],
          "actions.listWorkflowRunArtifacts": {"artifacts": [{"id": 5, "expired": True}]}},
         "has no phsync-plan artifact"),
    ],
    ids=["direct push", "never planned", "artifact expired"],
)
def test_no_reviewed_plan_fails_and_says_what_to_do(responses: dict[str, Any], message: str) -> None:
    result = find(responses)
    assert result["failed"] is not None
    assert message in result["failed"]
    assert "Run this workflow by hand" in result["failed"]
    assert result["outputs"] == {}


# -- the drift issue --------------------------------------------------------------------------

DRIFT = "### phsync plan: 0 to create, 1 to update, 0 to delete\n\nsomeone changed a rollout\n"


def drift(tmp_path: Path, code: str, issues: list[dict[str, Any]], *, label: Any = None,
          report: str = DRIFT) -> dict[str, Any]:
    (tmp_path / "drift.md").write_text(report, encoding="utf-8")
    responses: dict[str, Any] = {
        "issues.listForRepo": issues,
        "issues.create": {"html_url": "https://github.com/acme/web/issues/5"},
    }
    if label is not None:
        responses["issues.getLabel"] = label
    return run_script(
        "phsync-drift.yml", "Open, update or close the drift issue",
        env={"PHSYNC_EXITCODE": code, "PHSYNC_STDOUT": str(tmp_path / "drift.md")},
        responses=responses, ctx=context(),
    )


def issue_body(report: str) -> str:
    return f"<!-- phsync-drift -->\nhead\n<!-- phsync-drift-report -->\n{report}"


def test_drift_opens_one_labelled_issue_creating_the_label(tmp_path: Path) -> None:
    result = drift(tmp_path, "2", [], label={"__status": 404})
    assert result["failed"] is None
    assert methods(result) == [
        "issues.listForRepo", "issues.getLabel", "issues.createLabel", "issues.create"]
    assert only_call(result, "issues.listForRepo")["labels"] == "phsync-drift"
    created = only_call(result, "issues.create")
    assert created["labels"] == ["phsync-drift"]
    assert created["body"].startswith("<!-- phsync-drift -->\nPostHog no longer matches the manifests on `main`")
    assert created["body"].endswith("<!-- phsync-drift-report -->\n" + DRIFT.strip() + "\n")


def test_drift_with_the_label_already_there_does_not_create_it(tmp_path: Path) -> None:
    result = drift(tmp_path, "2", [], label={"name": "phsync-drift"})
    assert "issues.createLabel" not in methods(result)
    assert "issues.create" in methods(result)


def test_same_drift_updates_the_issue_quietly(tmp_path: Path) -> None:
    open_issues = [
        {"number": 3, "pull_request": {}, "body": "<!-- phsync-drift --> a pull request"},
        {"number": 4, "body": issue_body(DRIFT), "html_url": "i4"},
    ]
    result = drift(tmp_path, "2", open_issues)
    assert methods(result) == ["issues.listForRepo", "issues.update"]
    assert only_call(result, "issues.update")["issue_number"] == 4


def test_new_drift_updates_the_issue_and_comments(tmp_path: Path) -> None:
    open_issues = [{"number": 4, "body": issue_body("### older drift\n"), "html_url": "i4"}]
    result = drift(tmp_path, "2", open_issues)
    assert methods(result) == ["issues.listForRepo", "issues.update", "issues.createComment"]
    assert DRIFT.strip() in only_call(result, "issues.update")["body"]
    assert "The drift changed" in only_call(result, "issues.createComment")["body"]


def test_no_drift_closes_the_open_issue_with_a_comment(tmp_path: Path) -> None:
    open_issues = [{"number": 4, "body": issue_body(DRIFT), "html_url": "i4"}]
    result = drift(tmp_path, "0", open_issues)
    assert methods(result) == ["issues.listForRepo", "issues.createComment", "issues.update"]
    assert "matches the manifests again" in only_call(result, "issues.createComment")["body"]
    assert only_call(result, "issues.update") == {
        "owner": "acme", "repo": "web", "issue_number": 4, "state": "closed",
        "state_reason": "completed"}


def test_no_drift_and_no_issue_does_nothing(tmp_path: Path) -> None:
    result = drift(tmp_path, "0", [])
    assert methods(result) == ["issues.listForRepo"]
    assert result["failed"] is None
