"""The drift workflow's pull-request mode: one pull request "Adopt changes made in PostHog",
opened, updated or closed by its github-script step (run by Node, GitHub recorded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.github.files import load, step_named, triggers
from tests.github.test_scripts import context, methods, only_call, pytestmark, run_script

__all__ = ["pytestmark"]

STEP = "Open or update the adopt pull request"
REPORT = "### phsync plan: 0 to create, 1 to update, 0 to delete\n\n- last changed by ann@acme.com\n"
PULLED = "FeatureFlag/checkout  flags.yaml:7, changed in PostHog by ann@acme.com\n  ~ active: true → false\n"
DRIFT = Path(__file__).resolve().parents[2] / "examples" / "github" / "phsync-drift.yml"


def adopt(tmp_path: Path, code: str, changed: str, prs: list[dict[str, Any]]) -> dict[str, Any]:
    (tmp_path / "plan.md").write_text(REPORT, encoding="utf-8")
    (tmp_path / "pull.txt").write_text(PULLED, encoding="utf-8")
    return run_script(
        "phsync-drift.yml", STEP,
        env={
            "PHSYNC_EXITCODE": code,
            "PHSYNC_CHANGED": changed,
            "PHSYNC_REPORT": str(tmp_path / "plan.md"),
            "PHSYNC_PULLED": str(tmp_path / "pull.txt"),
            "ADOPT_BRANCH": "phsync/adopt-posthog-changes",
        },
        responses={
            "pulls.list": prs,
            "pulls.create": {"html_url": "https://github.com/acme/web/pull/9"},
        },
        ctx=context(),
    )


def test_drift_opens_one_pull_request_with_the_report_and_who_changed_it(tmp_path: Path) -> None:
    result = adopt(tmp_path, "2", "true", [])
    assert result["failed"] is None
    assert methods(result) == ["pulls.list", "pulls.create"]
    assert only_call(result, "pulls.list")["head"] == "acme:phsync/adopt-posthog-changes"
    created = only_call(result, "pulls.create")
    assert created["title"] == "Adopt changes made in PostHog"
    assert (created["head"], created["base"]) == ("phsync/adopt-posthog-changes", "main")
    assert created["body"].startswith("<!-- phsync-adopt -->")
    assert "ann@acme.com" in created["body"] and REPORT.strip() in created["body"]
    assert PULLED.strip() in created["body"]


def test_the_open_pull_request_is_updated_not_duplicated(tmp_path: Path) -> None:
    prs = [{"number": 7, "body": "<!-- phsync-adopt --> old", "html_url": "p7"}]
    result = adopt(tmp_path, "2", "true", prs)
    assert methods(result) == ["pulls.list", "pulls.update"]
    assert only_call(result, "pulls.update")["pull_number"] == 7


def test_no_drift_closes_the_pull_request(tmp_path: Path) -> None:
    prs = [{"number": 7, "body": "<!-- phsync-adopt --> old", "html_url": "p7"}]
    result = adopt(tmp_path, "0", "", prs)
    assert methods(result) == ["pulls.list", "issues.createComment", "pulls.update"]
    assert only_call(result, "pulls.update")["state"] == "closed"


def test_drift_that_changes_no_file_opens_nothing(tmp_path: Path) -> None:
    result = adopt(tmp_path, "2", "false", [])
    assert methods(result) == ["pulls.list"]


def test_the_mode_picks_one_job_and_the_adopt_job_pulls_on_a_branch() -> None:
    workflow = load(DRIFT)
    mode = triggers(workflow)["workflow_dispatch"]["inputs"]["mode"]
    assert mode["options"] == ["issue", "pull-request"]
    jobs = workflow["jobs"]
    assert "== 'issue'" in jobs["drift"]["if"] and "== 'pull-request'" in jobs["adopt"]["if"]
    assert step_named(workflow, "Write PostHog's values into the manifests")["with"]["command"] == "pull"
    commit = step_named(workflow, "Commit the manifests to the adopt branch")["run"]
    assert 'git push --force origin "$ADOPT_BRANCH"' in commit
    assert jobs["adopt"]["permissions"] == {"contents": "write", "pull-requests": "write"}
