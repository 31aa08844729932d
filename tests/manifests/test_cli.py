"""`phsync validate` and `phsync schema` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.manifests import schema_command, validate_command
from reconciler.manifests import schema_for
from tests.conftest import run_phsync

from .helpers import FIXTURES


def _validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(validate_command, list(args))
    return result.exit_code, result.stdout


def test_valid_manifests_exit_0_with_a_summary_by_kind() -> None:
    code, out = _validate(str(FIXTURES / "valid"))
    assert code == 0
    assert out == "10 manifests OK: 4 Cohort, 3 FeatureFlag, 1 Dashboard, 2 Annotation\n"


def test_every_problem_of_every_file_then_a_summary_and_exit_1() -> None:
    code, out = _validate(str(FIXTURES / "invalid"))
    lines = out.splitlines()
    assert code == 1
    broken, flag = FIXTURES / "invalid" / "broken.yaml", FIXTURES / "invalid" / "flag.yaml"
    assert lines == [
        f"{broken}:4:1: YAML does not allow tabs for indentation; use spaces "
        "(replace the tab with spaces)",
        f"{flag}:3:1: activ: unknown field 'activ'; did you mean 'active'?",
        f"{flag}:6:7: filters.groups[0].rollout_percentage: must be at most 100, got 150",
        f"{flag}:9:1: key: duplicate FeatureFlag 'new-checkout': also declared at {flag}:2:1 "
        "(give each FeatureFlag its own key, or remove one of them)",
        f"{flag}:13:26: filters.groups[0].properties[0].value: no manifest declares Cohort "
        "'Nobody declares this' (declare it in a manifest; if it exists only in PostHog, "
        "validate with --allow-external-refs, and plan will resolve it against the live "
        "objects)",
        "5 problems in 2 files",
    ]


def test_allow_external_refs_skips_only_dangling_references() -> None:
    code, out = _validate(str(FIXTURES / "invalid"), "--allow-external-refs")
    assert code == 1
    assert "Nobody declares this" not in out
    assert out.splitlines()[-1] == "4 problems in 2 files"


def test_json_report() -> None:
    code, out = _validate(str(FIXTURES / "invalid" / "flag.yaml"), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["ok"] is False
    assert report["manifests"] == {
        "Cohort": 0, "Action": 0, "FeatureFlag": 2, "Insight": 0, "Dashboard": 0, "Annotation": 0
    }
    assert report["problems"][0] == {
        "file": str(FIXTURES / "invalid" / "flag.yaml"),
        "line": 3,
        "column": 1,
        "path": "activ",
        "message": "unknown field 'activ'; did you mean 'active'?",
        "hint": None,
    }


def test_json_report_when_valid() -> None:
    code, out = _validate(str(FIXTURES / "valid"), "--format=json")
    assert code == 0
    assert json.loads(out)["ok"] is True


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    code, out = _validate(str(tmp_path / "nope"))
    assert code == 1
    assert out.splitlines() == [
        f"{tmp_path / 'nope'}:1:1: no such file or directory (check the path)",
        "1 problem in 1 file",
    ]


def test_default_path_is_the_current_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "valid")
    code, out = _validate()
    assert code == 0 and out.startswith("10 manifests OK")


def test_a_folder_without_manifests_fails_so_a_misdirected_check_cannot_pass(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(validate_command, [str(tmp_path)])
    assert (result.exit_code, result.stdout) == (1, "no manifests found\n")
    assert f"no manifests found in {tmp_path}" in result.stderr and "hint:" in result.stderr
    as_json = CliRunner().invoke(validate_command, ["--format", "json", str(tmp_path)])
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["ok"] is False


def test_validate_needs_no_network_or_credentials_as_a_real_command() -> None:
    env = {"POSTHOG_HOST": "http://192.0.2.1:9", "POSTHOG_PERSONAL_API_KEY": "phx_not_used"}
    result = run_phsync("validate", str(FIXTURES / "invalid"), env=env, timeout=60)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "5 problems in 2 files"
    assert "phx_not_used" not in result.stdout + result.stderr
    ok = run_phsync("validate", str(FIXTURES / "valid"), env=env, timeout=60)
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize(
    ("argument", "kind"),
    [("FeatureFlag", "FeatureFlag"), ("feature-flag", "FeatureFlag"), ("cohort", "Cohort")],
)
def test_schema_prints_one_kind(argument: str, kind: str) -> None:
    result = CliRunner().invoke(schema_command, [argument])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == schema_for(kind)


def test_schema_all_writes_every_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(schema_command, ["--all", "--out", str(tmp_path / "s")])
    assert result.exit_code == 0
    written = sorted(path.name for path in (tmp_path / "s").iterdir())
    assert written == [
        "action.schema.json",
        "annotation.schema.json",
        "cohort.schema.json",
        "dashboard.schema.json",
        "feature-flag.schema.json",
        "insight.schema.json",
    ]
    shipped = Path(__file__).resolve().parents[2] / "schemas" / "cohort.schema.json"
    assert (tmp_path / "s" / "cohort.schema.json").read_text() == shipped.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["flags"], "unknown kind 'flags'"),
        ([], "give either a KIND or --all"),
        (["Cohort", "--all"], "give either a KIND or --all"),
        (["--all"], "--all needs --out DIR"),
    ],
    ids=["unknown-kind", "nothing", "both", "all-without-out"],
)
def test_schema_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(schema_command, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_directory_with_phsync_yaml_stands_for_its_paths(tmp_path: Path) -> None:
    (tmp_path / "phsync.yaml").write_text("paths: [kept]\n")
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "d.yaml").write_text("kind: Dashboard\nname: D\n")
    (tmp_path / "other.yaml").write_text("kind: Nonsense\n")
    assert _validate(str(tmp_path)) == (0, "1 manifest OK: 1 Dashboard\n")


def test_no_path_and_no_phsync_yaml_reads_only_files_declaring_a_phsync_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "action.yml").write_text("name: build\nruns: {using: composite}\n")
    (tmp_path / ".github").mkdir()
    (tmp_path / "compose.yaml").write_text("services: {web: {image: nginx}}\n")
    (tmp_path / "deploy.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\n")
    (tmp_path / "flags.yaml").write_text(
        "kind: FeatureFlag\nkey: a\nfilters: {groups: [{rollout_percentage: 5}]}\n---\nkind: Cohrt\nname: x\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out = _validate()
    assert code == 1
    assert "flags.yaml:5:1" in out and "action.yml" not in out and "deploy.yaml" not in out
    assert out.endswith("1 problem in 1 file\n")
    (tmp_path / "flags.yaml").write_text("kind: FeatureFlag\nkey: a\nfilters: {groups: [{rollout_percentage: 5}]}\n")
    assert _validate() == (0, "1 manifest OK: 1 FeatureFlag\n")
    # Named explicitly, the folder is the manifests' folder: every YAML file in it counts.
    code, out = _validate(".")
    assert code == 1 and "action.yml" in out and "compose.yaml" in out


def test_no_path_and_nothing_declaring_a_kind_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "action.yml").write_text("name: build\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(validate_command, [])
    assert result.exit_code == 1 and "no file here declares a phsync kind" in result.stderr
