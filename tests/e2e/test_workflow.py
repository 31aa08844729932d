"""Environments, policies and drift reports, end to end against the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import run_phsync

from .conftest import Api


def _config(repo: Path, emulator: Any, policies: str = "") -> None:
    (repo / "phsync.yaml").write_text(
        f"""paths: [cohorts, flags, insights, dashboards, annotations]
environments:
  staging:
    host: {emulator.url}
    project: 2
    api_key_env: STAGING_KEY
    overrides:
      - target: FeatureFlag/new-checkout
        set:
          filters.groups[0].rollout_percentage: 100
  production:
    host: {emulator.url}
    project: {emulator.project_id}
    api_key_env: PRODUCTION_KEY
{policies}"""
    )


def _env(emulator: Any) -> dict[str, str]:
    return {"STAGING_KEY": emulator.api_key, "PRODUCTION_KEY": emulator.api_key}


def test_env_all_plans_every_environment_with_overrides(emulator: Any, repo: Path) -> None:
    _config(repo, emulator)
    result = run_phsync("plan", "--env", "all", "--format", "json", str(repo), env=_env(emulator))
    assert result.returncode == 0, result.stderr
    plans = json.loads(result.stdout)["environments"]
    assert set(plans) == {"staging", "production"}
    assert plans["staging"]["project_id"] == 2 and plans["production"]["project_id"] == emulator.project_id

    def rollout(plan: dict[str, Any]) -> Any:
        [change] = [c for c in plan["changes"] if c["name"] == "new-checkout"]
        return change["desired"]["filters"]["groups"][0]["rollout_percentage"]

    assert rollout(plans["staging"]) == 100 and rollout(plans["production"]) == 25
    assert run_phsync("apply", "--yes", "--env", "staging", str(repo), env=_env(emulator)).returncode == 0
    again = run_phsync("plan", "--env", "all", "--detailed-exitcode", str(repo), env=_env(emulator))
    assert again.returncode == 2  # production still has everything to create
    assert "== environment staging" in again.stdout and "No changes" in again.stdout


def test_env_key_variable_must_be_set(emulator: Any, repo: Path) -> None:
    _config(repo, emulator)
    result = run_phsync("plan", "--env", "staging", str(repo), env={})
    assert result.returncode == 1 and "STAGING_KEY" in result.stderr


def test_unknown_env_is_named(emulator: Any, repo: Path) -> None:
    _config(repo, emulator)
    result = run_phsync("plan", "--env", "prod", str(repo), env=_env(emulator))
    assert result.returncode == 1 and "staging, production" in result.stderr


def test_validate_covers_each_environments_overrides(emulator: Any, repo: Path) -> None:
    _config(repo, emulator)
    text = (repo / "phsync.yaml").read_text().replace("rollout_percentage: 100", "rollout_percentage: 150")
    (repo / "phsync.yaml").write_text(text)
    result = run_phsync("validate", str(repo))
    assert result.returncode == 1
    assert "[env staging]" in result.stdout and "at most 100" in result.stdout


POLICIES = """policies:
  max_rollout_increase: 20
  protect_active_flags: true
  require_owner_tag: "team:"
  warn_only: [require_owner_tag]
"""


def test_policy_violations_fail_the_plan_and_block_apply(emulator: Any, repo: Path, api: Api) -> None:
    _config(repo, emulator, POLICIES)
    env = _env(emulator)
    assert run_phsync("apply", "--yes", "--env", "production", str(repo), env=env).returncode == 0
    flags = repo / "flags" / "checkout.yaml"
    flags.write_text(flags.read_text().replace("rollout_percentage: 25", "rollout_percentage: 90"))
    platform = repo / "flags" / "platform.yaml"
    platform.write_text(platform.read_text().replace("key: dark-mode\n", "key: dark-mode\nactive: false\n"))
    result = run_phsync("plan", "--env", "production", "--format", "markdown", str(repo), env=env)
    assert result.returncode == 1
    assert "Policy violations" in result.stdout
    assert "`FeatureFlag/new-checkout`: rollout of condition \"everyone\" grows 25% → 90%" in result.stdout
    assert "`FeatureFlag/dark-mode`: deactivates an active flag" in result.stdout
    assert "rule `require_owner_tag` (warning)" in result.stdout
    before = api.find("feature_flags", key="new-checkout")
    refused = run_phsync("apply", "--yes", "--env", "production", str(repo), env=env)
    assert refused.returncode == 1 and "policies" in refused.stderr
    assert api.find("feature_flags", key="new-checkout") == before
    platform.write_text(platform.read_text().replace("active: false\n", "active: false\nallow: [deactivate]\n"))
    flags.write_text(flags.read_text().replace("key: new-checkout\n", "key: new-checkout\nallow: [rollout-increase]\n"))
    allowed = run_phsync("apply", "--yes", "--env", "production", str(repo), env=env)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert api.find("feature_flags", key="dark-mode")["active"] is False


def test_drift_report_names_fields_and_who_changed_them(emulator: Any, emulator_env: dict[str, str], repo: Path, api: Api) -> None:
    assert run_phsync("apply", "--yes", str(repo), env=emulator_env).returncode == 0
    flag = api.find("feature_flags", key="dark-mode")
    api.patch("feature_flags", flag["id"], {"active": False})  # `active` is compared even when not declared
    result = run_phsync("plan", "--detailed-exitcode", "--format", "json", str(repo), env=emulator_env)
    assert result.returncode == 2
    [change] = json.loads(result.stdout)["changes"]
    assert change["fields"] == [
        {"path": "active", "op": "changed", "before": False, "after": True, "item": None, "within": ""}
    ]
    assert change["last_change"]["by"] and change["last_change"]["at"]
    assert change["last_change"]["activity"] == "updated"
    markdown = run_phsync("plan", "--format", "markdown", str(repo), env=emulator_env)
    assert f"last updated by {change['last_change']['by']}" in markdown.stdout
