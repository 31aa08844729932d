"""The declarative loop end to end: the real `phsync` command against the emulator over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import run_phsync

from .conftest import Api


def phsync(env: dict[str, str], *args: str) -> Any:
    return run_phsync(*args, env=env)


def test_plan_apply_then_plan_is_empty(emulator_env: dict[str, str], repo: Path, api: Api) -> None:
    first = phsync(emulator_env, "plan", "--detailed-exitcode", str(repo))
    assert first.returncode == 2, first.stderr
    assert "22 to create" in first.stdout
    applied = phsync(emulator_env, "apply", "--yes", str(repo))
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete" in applied.stdout
    again = phsync(emulator_env, "plan", "--detailed-exitcode", str(repo))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout
    flag = api.find("feature_flags", key="onboarding-v2-tooltips")
    dependency = api.find("feature_flags", key="onboarding-v2")
    assert flag["filters"]["groups"][0]["properties"][0]["key"] == str(dependency["id"])
    # examples/phsync.yaml says `usage_dashboards: false`
    assert not [d for d in api.list("dashboards") if d["name"].startswith("Generated Dashboard")
                and "new-checkout" in d["name"]]


def test_created_flags_get_posthogs_usage_dashboard_unless_configured(
    emulator_env: dict[str, str], repo: Path, api: Api
) -> None:
    config = repo / "phsync.yaml"
    config.write_text(config.read_text().replace("usage_dashboards: false", ""))
    assert phsync(emulator_env, "apply", "--yes", str(repo)).returncode == 0
    assert [d for d in api.list("dashboards")
            if d["name"] == "Generated Dashboard: new-checkout Usage"]
    again = phsync(emulator_env, "plan", "--detailed-exitcode", str(repo))
    assert again.returncode == 0, again.stdout + again.stderr


def test_apply_refuses_without_yes_off_a_terminal(emulator_env: dict[str, str], repo: Path) -> None:
    result = phsync(emulator_env, "apply", str(repo))
    assert result.returncode == 1
    assert "--yes" in result.stderr


def test_drift_is_reported_with_exit_2_and_the_field(emulator_env: dict[str, str], repo: Path, api: Api) -> None:
    assert phsync(emulator_env, "apply", "--yes", str(repo)).returncode == 0
    flag = api.find("feature_flags", key="new-checkout")
    groups = flag["filters"]["groups"]
    groups[0]["rollout_percentage"] = 80
    api.patch("feature_flags", flag["id"], {"filters": {**flag["filters"], "groups": groups}})
    result = phsync(emulator_env, "plan", "--detailed-exitcode", "--format", "json", str(repo))
    assert result.returncode == 2
    plan = json.loads(result.stdout)
    [change] = plan["changes"]
    assert change["name"] == "new-checkout" and change["action"] == "update"
    [field] = change["fields"]
    assert {k: field[k] for k in ("path", "op", "before", "after", "within")} == {
        "path": "filters.groups[0].rollout_percentage", "op": "changed", "before": 80, "after": 25,
        "within": "rollout_percentage",
    }
    assert field["item"]["noun"] == "condition" and field["item"]["label"] == "everyone"


def test_saved_plan_is_refused_after_a_live_change(emulator_env: dict[str, str], repo: Path, api: Api, tmp_path: Path) -> None:
    assert phsync(emulator_env, "apply", "--yes", str(repo)).returncode == 0
    manifest = repo / "flags" / "platform.yaml"
    manifest.write_text(manifest.read_text().replace("rollout_percentage: 10\n", "rollout_percentage: 20\n"))
    saved = tmp_path / "plan.json"
    made = phsync(emulator_env, "plan", "--out", str(saved), str(repo))
    assert made.returncode == 0 and saved.exists()
    flag = api.find("feature_flags", key="search-v2")
    api.patch("feature_flags", flag["id"], {"name": "edited in the UI"})
    before = api.find("feature_flags", key="search-v2")
    result = phsync(emulator_env, "apply", "--yes", "--plan", str(saved))
    assert result.returncode == 1
    assert "stale" in result.stderr and "FeatureFlag/search-v2" in result.stderr
    assert api.find("feature_flags", key="search-v2") == before


def test_saved_plan_applies_when_nothing_moved(emulator_env: dict[str, str], repo: Path, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert phsync(emulator_env, "plan", "--out", str(saved), str(repo)).returncode == 0
    assert phsync(emulator_env, "apply", "--yes", "--plan", str(saved)).returncode == 0
    assert phsync(emulator_env, "plan", "--detailed-exitcode", str(repo)).returncode == 0


def test_unmanaged_objects_are_left_alone_even_with_prune(emulator_env: dict[str, str], repo: Path, api: Api) -> None:
    hand_made = api.post("feature_flags", {"key": "made-by-hand", "filters": {"groups": [{"properties": [], "rollout_percentage": 5}]}, "_should_create_usage_dashboard": False})
    assert phsync(emulator_env, "apply", "--yes", "--prune", str(repo)).returncode == 0
    (repo / "phsync.yaml").write_text("paths: [cohorts, flags, insights, dashboards, annotations]\n")
    (repo / "flags" / "platform.yaml").unlink()
    plan = phsync(emulator_env, "plan", "--prune", "--format", "json", str(repo))
    deleted = {c["name"] for c in json.loads(plan.stdout)["changes"] if c["action"] == "delete"}
    assert deleted == {"dark-mode", "enterprise-sso", "search-v2", "maintenance-banner", "recommendations-widget"}
    assert phsync(emulator_env, "apply", "--yes", "--prune", str(repo)).returncode == 0
    keys = {f["key"] for f in api.list("feature_flags")}
    assert "made-by-hand" in keys and "dark-mode" not in keys
    assert api.find("feature_flags", key="made-by-hand")["version"] == hand_made["version"]


def test_export_then_apply_adopts_everything(emulator_env: dict[str, str], repo: Path, tmp_path: Path) -> None:
    """Like `terraform import`: after export and apply, phsync owns every exported object."""
    assert phsync(emulator_env, "apply", "--yes", str(repo)).returncode == 0
    out = tmp_path / "exported"
    exported = phsync(emulator_env, "export", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert (out / "feature-flags" / "new-checkout.yaml").exists()
    result = phsync(emulator_env, "plan", "--detailed-exitcode", str(out))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "19 to adopt, 0 to update" in result.stdout and "marker only" in result.stdout
    assert "+" not in {line.strip()[:1] for line in result.stdout.splitlines()}
    applied = phsync(emulator_env, "apply", "--yes", "--mark-unchanged", str(out))
    assert applied.returncode == 0 and "19 adopt" in applied.stdout, applied.stdout
    assert "deprecated" in applied.stderr
    again = phsync(emulator_env, "plan", "--detailed-exitcode", str(out))
    assert again.returncode == 0, again.stdout
    (out / "feature-flags" / "legacy-dark-mode.yaml").unlink()
    pruned = phsync(emulator_env, "plan", "--prune", "--format", "json", str(out))
    changes = json.loads(pruned.stdout)["changes"]
    assert [(c["action"], c["name"]) for c in changes] == [("delete", "legacy-dark-mode")]


def test_plan_reads_each_kind_with_one_list_pass(emulator: Any, emulator_env: dict[str, str], repo: Path) -> None:
    assert phsync(emulator_env, "apply", "--yes", str(repo)).returncode == 0
    emulator.reset_stats()
    assert phsync(emulator_env, "plan", str(repo)).returncode == 0
    routes = emulator.stats()["by_route"]
    for collection in ("feature_flags", "cohorts", "dashboards", "annotations", "insights", "actions"):
        assert routes.get(f"GET /api/projects/{{project_id}}/{collection}/") == 1, routes
    singles = {r: n for r, n in routes.items() if "{id}" in r and r.startswith("GET")}
    # Only the three dashboards whose manifests declare tiles are read one by one.
    assert sum(singles.values()) == 3, routes


def test_failed_apply_rerun_converges_without_duplicates(emulator: Any, emulator_env: dict[str, str], repo: Path, api: Api) -> None:
    from reconciler.emulator.config import FaultConfig

    emulator.set_faults(FaultConfig(drop_after_rate=0.3, error_rate=0.1, seed=7))
    phsync(emulator_env, "apply", "--yes", str(repo))
    emulator.set_faults(FaultConfig())
    rerun = phsync(emulator_env, "apply", "--yes", str(repo))
    assert rerun.returncode == 0, rerun.stderr
    keys = [f["key"] for f in api.list("feature_flags") if "managed-by-phsync" in (f.get("tags") or [])]
    assert len(keys) == len(set(keys)) == 11
    assert phsync(emulator_env, "plan", "--detailed-exitcode", str(repo)).returncode == 0


def test_prune_with_no_manifests_is_refused(emulator: Any, emulator_env: dict[str, str], repo: Path, tmp_path: Path) -> None:
    assert phsync(emulator_env, "apply", "--yes", str(repo)).returncode == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    emulator.reset_stats()
    result = phsync(emulator_env, "apply", "--yes", "--prune", str(empty))
    assert result.returncode == 1 and "no manifests found" in result.stderr
    # PostHog may have been read meanwhile (reading is harmless), but nothing was written:
    # not even the apply lock, which is taken only once the manifests are valid.
    routes = emulator.stats()["by_route"]
    assert routes and all(route.startswith("GET ") for route in routes), routes


def test_plan_still_reports_a_reference_cycle(emulator_env: dict[str, str], tmp_path: Path) -> None:
    """Plan leaves reference checks out of validation and makes them all against PostHog's
    objects: a cycle among manifests is still an error, and nothing is planned."""
    (tmp_path / "flags.yaml").write_text(
        "kind: FeatureFlag\nkey: loop-a\nfilters:\n  groups:\n"
        "    - properties: [{key: loop-b, type: flag, value: 'true', operator: flag_evaluates_to}]\n"
        "---\nkind: FeatureFlag\nkey: loop-b\nfilters:\n  groups:\n"
        "    - properties: [{key: loop-a, type: flag, value: 'true', operator: flag_evaluates_to}]\n"
    )
    assert phsync(emulator_env, "validate", str(tmp_path)).returncode == 1
    result = phsync(emulator_env, "plan", str(tmp_path))
    assert result.returncode == 1 and "reference cycle" in result.stderr, result.stderr
