"""`phsync pull` end to end: changes made in PostHog (through its API, as its UI makes them)
written back into a copy of examples/, then planned again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli
from tests.conftest import run_phsync

from .conftest import Api


def _run(env: dict[str, str], *args: str) -> Result:
    """The command in-process; ``exit_code`` as phsync's entry point would exit."""
    result = CliRunner().invoke(
        cli, list(args), env={**env, "NO_COLOR": "1"}, standalone_mode=False
    )
    if result.exception is None and isinstance(result.return_value, int):
        result.exit_code = result.return_value
    return result


@pytest.fixture
def applied(emulator_env: dict[str, str], repo: Path) -> dict[str, str]:
    result = _run(emulator_env, "apply", "--yes", str(repo))
    assert result.exit_code == 0, result.output
    return emulator_env


def _texts(repo: Path) -> dict[str, str]:
    return {str(p.relative_to(repo)): p.read_text() for p in sorted(repo.rglob("*.y*ml"))}


def _patch_flag(api: Api, key: str, change: Any) -> None:
    flag = api.find("feature_flags", key=key)
    filters = flag["filters"]
    change(filters)
    api.patch("feature_flags", flag["id"], {"filters": filters})


def test_pull_writes_only_the_drifted_values_then_plan_is_empty(
    applied: dict[str, str], repo: Path, api: Api
) -> None:
    before = _texts(repo)
    _patch_flag(api, "express-pay", lambda f: f["groups"][1].update(rollout_percentage=40))
    _patch_flag(api, "pricing-page-experiment",
                lambda f: f["payloads"].update(control='{"headline": "Plain pricing"}'))
    cohort = api.find("cohorts", name="Paying customers")
    cohort["filters"]["properties"]["values"][0]["values"][0]["value"] = ["pro", "team"]
    api.patch("cohorts", cohort["id"], {"filters": cohort["filters"]})

    result = run_phsync("pull", str(repo), env=applied)
    assert result.returncode == 0, result.stderr
    assert "FeatureFlag/express-pay" in result.stdout
    assert "~ filters.groups[1].rollout_percentage: 20 → 40" in result.stdout
    after = _texts(repo)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"flags/checkout.yaml", "cohorts/audiences.yaml"}
    old, new = before["flags/checkout.yaml"], after["flags/checkout.yaml"]
    assert new == old.replace(
        "        - {type: cohort, value: Paying customers}\n      rollout_percentage: 20",
        "        - {type: cohort, value: Paying customers}\n      rollout_percentage: 40",
    ).replace('control: {headline: "Simple pricing"}', 'control: {headline: "Plain pricing"}')
    assert "value: [pro, team]" in after["cohorts/audiences.yaml"]
    plan = _run(applied, "plan", "--detailed-exitcode", str(repo))
    assert plan.exit_code == 0, plan.output
    again = _run(applied, "pull", str(repo))
    assert again.exit_code == 0 and _texts(repo) == after
    assert "Nothing to pull" in again.stdout


def test_dry_run_prints_the_diff_and_writes_nothing(
    applied: dict[str, str], repo: Path, api: Api
) -> None:
    before = _texts(repo)
    _patch_flag(api, "express-pay", lambda f: f["groups"][1].update(rollout_percentage=40))
    result = _run(applied, "pull", "--dry-run", "--detailed-exitcode", str(repo))
    assert result.exit_code == 2, result.output
    assert f"--- {repo}/flags/checkout.yaml\n+++ {repo}/flags/checkout.yaml" in result.stdout
    assert "-      rollout_percentage: 20\n+      rollout_percentage: 40\n" in result.stdout
    assert "Would pull 1 object(s) into 1 file(s)" in result.stdout
    assert _texts(repo) == before


def test_an_override_of_another_posthog_project_does_not_hold_back_the_manifest(
    applied: dict[str, str], repo: Path, api: Api
) -> None:
    # examples/phsync.yaml: staging (eu.posthog.com, project 20001) overrides this rollout.
    _patch_flag(api, "new-checkout", lambda f: f["groups"][0].update(rollout_percentage=60))
    result = _run(applied, "pull", str(repo))
    assert result.exit_code == 0, result.output
    assert "~ filters.groups[0].rollout_percentage: 25 → 60" in result.stdout


def test_an_overridden_field_is_named_and_written_with_env(
    applied: dict[str, str], repo: Path, api: Api
) -> None:
    config = repo / "phsync.yaml"
    config.write_text(config.read_text().replace(
        "host: https://eu.posthog.com\n    project: 20001",
        f"host: {applied['POSTHOG_HOST']}\n    project: {applied['POSTHOG_PROJECT_ID']}",
    ))  # staging is this emulator's project
    before = _texts(repo)
    _patch_flag(api, "new-checkout", lambda f: f["groups"][0].update(rollout_percentage=60))
    reported = _run(applied, "pull", "--detailed-exitcode", str(repo))
    assert reported.exit_code == 2, reported.output
    assert "phsync.yaml:19: environments.staging.overrides[0].set" in reported.stdout
    assert "--env staging" in reported.stdout
    assert _texts(repo) == before
    staging = {**applied, "POSTHOG_STAGING_KEY": applied["POSTHOG_PERSONAL_API_KEY"]}
    elsewhere = before["phsync.yaml"].replace(
        f"host: {applied['POSTHOG_HOST']}", "host: https://staging.example.com"
    )
    config.write_text(elsewhere)
    where = ["--host", applied["POSTHOG_HOST"]]  # wins over staging's host (now another one)
    written = _run(staging, "pull", "--env", "staging", *where, str(repo))
    assert written.exit_code == 0, written.output
    # The emulator holds the base manifests, so staging's other override is pulled too.
    assert config.read_text() == elsewhere.replace(
        "filters.groups[0].rollout_percentage: 100", "filters.groups[0].rollout_percentage: 60"
    ).replace(
        "filters.groups[1].rollout_percentage: 100", "filters.groups[1].rollout_percentage: 10"
    )
    assert {n for n in before if before[n] != _texts(repo)[n]} == {"phsync.yaml"}
    plan = _run(staging, "plan", "--env", "staging", "--detailed-exitcode", *where, str(repo))
    assert plan.exit_code == 0, plan.output


def test_objects_made_or_deleted_in_posthog_are_reported_and_new_ones_written_on_request(
    applied: dict[str, str], repo: Path, api: Api, tmp_path: Path
) -> None:
    api.post("feature_flags", {"key": "made-in-ui", "name": "Made in the UI",
                               "filters": {"groups": [{"properties": [], "rollout_percentage": 10}]}})
    gone = api.find("feature_flags", key="express-pay")
    api.patch("feature_flags", gone["id"], {"deleted": True})
    before = _texts(repo)
    result = _run(applied, "pull", str(repo))
    assert result.exit_code == 0, result.output
    assert "FeatureFlag/express-pay: is declared here but PostHog has no such object" in result.stdout
    assert "FeatureFlag/made-in-ui" in result.stdout and "--new DIR" in result.stdout
    assert _texts(repo) == before
    new = tmp_path / "adopted"
    written = _run(applied, "pull", "--new", str(new), "--target", "FeatureFlag/made-in-ui",
                   str(repo))
    assert written.exit_code == 0, written.output
    manifest = (new / "feature-flags" / "made-in-ui.yaml").read_text()
    assert manifest.startswith("kind: FeatureFlag\nkey: made-in-ui\nname: Made in the UI\n")


def test_pull_refuses_every_environment_at_once(applied: dict[str, str], repo: Path) -> None:
    result = run_phsync("pull", "--env", "all", str(repo), env=applied)
    assert result.returncode == 1
    assert "one environment at a time" in result.stderr


ALIASED = """\
kind: FeatureFlag
key: aliased
name: Two conditions written once
tags: [owner:platform]
filters:
  groups:
    - &same
      properties: []
      rollout_percentage: 20
    - *same
"""


def test_a_file_that_cannot_be_rewritten_stops_pull_before_any_file_is_written(
    applied: dict[str, str], repo: Path, api: Api
) -> None:
    (repo / "flags" / "aliased.yaml").write_text(ALIASED)
    assert _run(applied, "apply", "--yes", str(repo)).exit_code == 0
    _patch_flag(api, "express-pay", lambda f: f["groups"][1].update(rollout_percentage=40))
    _patch_flag(api, "aliased", lambda f: f["groups"][0].update(rollout_percentage=30))
    before = _texts(repo)
    result = _run(applied, "pull", str(repo))
    assert result.exit_code == 1, result.output
    assert "aliased.yaml:7: the edit would change a value that an alias repeats" in str(
        result.exception
    )
    assert _texts(repo) == before
