"""One vocabulary across commands, in process against the emulator: option spellings, --env,
--debug anywhere, NO_COLOR, project names, apply's question, clean output."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli, main
from reconciler.cli import reconcile as reconcile_cli
from tests.conftest import ROOT

from .conftest import Api

EXAMPLES = str(ROOT / "examples")


@pytest.fixture
def env(emulator: Any) -> Iterator[dict[str, str]]:
    yield {"POSTHOG_HOST": emulator.url, "POSTHOG_PERSONAL_API_KEY": emulator.api_key,
           "POSTHOG_PROJECT_ID": "", "NO_COLOR": "", "COLUMNS": ""}


def run(env: dict[str, str], *args: str, **kwargs: Any) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, **kwargs)


def test_output_format_has_one_option_with_both_spellings(env: dict[str, str]) -> None:
    assert json.loads(run(env, "plan", "-o", "json", EXAMPLES).stdout)["format"] == "phsync-plan"
    assert json.loads(run(env, "plan", "--output", "json", EXAMPLES).stdout)["summary"]
    assert json.loads(run(env, "validate", "-o", "json", EXAMPLES).stdout)["ok"] is True
    assert isinstance(json.loads(run(env, "flags", "list", "--format", "json").stdout), list)
    assert "email" in json.loads(run(env, "whoami", "--format", "json").stdout)


def test_env_works_for_whoami_projects_and_export(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    (tmp_path / "phsync.yaml").write_text(
        f"environments:\n  staging:\n    host: {emulator.url}\n    project: 2\n"
    )
    monkeypatch.chdir(tmp_path)
    bare = {**env, "POSTHOG_HOST": "https://us.posthog.com"}
    assert "(id 2)" in run(bare, "whoami", "--env", "staging").stdout
    shown = run(bare, "projects", "get", "@current", "--env", "staging")
    assert shown.exit_code == 0 and "Demo Org (" in shown.stdout
    exported = run(bare, "export", "--env", "staging", "--kind", "feature-flag", "--out", "x/")
    assert exported.exit_code == 0, exported.output
    assert "to x/." in exported.stdout and "x//" not in exported.stdout


def test_debug_is_accepted_after_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["validate", EXAMPLES, "--debug"])
    assert exited.value.code == 0
    assert "manifests OK" in capsys.readouterr().out


def test_no_color_removes_colour(tmp_path: Path) -> None:
    coloured = CliRunner().invoke(cli, ["validate", str(tmp_path)], color=True, env={"NO_COLOR": ""})
    plain = CliRunner().invoke(cli, ["validate", str(tmp_path)], color=True, env={"NO_COLOR": "1"})
    assert "\x1b[" in coloured.stderr and "\x1b[" not in plain.stderr
    assert "no manifests found" in plain.stderr


def test_project_by_name_with_a_suggestion(env: dict[str, str]) -> None:
    assert "(id 2)" in run(env, "whoami", "--project", "Demo staging").stdout
    wrong = run(env, "whoami", "--project", "Demo stagng")
    assert "did you mean 'Demo staging'?" in str(wrong.exception)


def test_tables_fit_columns_and_json_keeps_values(env: dict[str, str]) -> None:
    wide = run({**env, "COLUMNS": "200"}, "endpoints", "list").stdout.splitlines()
    narrow = run({**env, "COLUMNS": "70"}, "endpoints", "list").stdout.splitlines()
    assert max(map(len, wide)) > 70 and max(map(len, narrow)) <= 70
    assert any(line.endswith("…") for line in narrow)
    full = json.loads(run({**env, "COLUMNS": "70"}, "endpoints", "list", "-o", "json").stdout)
    assert any(len(str(row.get("description"))) > 50 for row in full)


def test_apply_question_repeats_host_project_and_risks_and_no_exits_1(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, api: Api, emulator: Any
) -> None:
    assert run(env, "apply", "--yes", EXAMPLES).exit_code == 0
    flag = api.find("feature_flags", key="new-checkout")
    groups = flag["filters"]["groups"]
    groups[0]["rollout_percentage"] = 5
    api.patch("feature_flags", flag["id"], {"filters": {**flag["filters"], "groups": groups}})
    monkeypatch.setattr(reconcile_cli, "_interactive", lambda: True)
    answered = run(env, "apply", "--no-activity", EXAMPLES, input="n\n", standalone_mode=False)
    assert answered.return_value == 1  # the exit status main() gives
    before_question = answered.stderr.split("Apply these changes?")[0]
    assert f"Host {emulator.url}, project 1: 0 to create, 1 to update" in before_question
    assert "Risky changes (1):\n  FeatureFlag/new-checkout: rollout" in before_question
    assert "Nothing applied." in answered.stderr
    assert api.find("feature_flags", key="new-checkout")["filters"]["groups"][0][
        "rollout_percentage"] == 5


def test_annotation_listing_never_shows_the_invisible_marker(env: dict[str, str]) -> None:
    assert run(env, "apply", "--yes", EXAMPLES).exit_code == 0
    table = run(env, "annotations", "list")
    as_json = run(env, "annotations", "list", "-o", "json")
    assert table.exit_code == 0 and as_json.exit_code == 0
    assert "\u2063" not in table.stdout and "\u2063" not in as_json.stdout
    rows = json.loads(as_json.stdout)
    assert any(row["managed"] for row in rows)


def test_since_takes_7d_as_well_as_minus_7d(env: dict[str, str]) -> None:
    for since in ("7d", "-7d"):
        assert run(env, "recordings", "list", "--since", since).exit_code == 0


def test_shell_completion_completes_commands_and_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("_PHSYNC_COMPLETE", "bash_complete")
    for words, index, wanted in (("phsync fl", "1", "flags"), ("phsync flags list --se", "3",
                                                                 "--search")):
        monkeypatch.setenv("COMP_WORDS", words)
        monkeypatch.setenv("COMP_CWORD", index)
        with pytest.raises(SystemExit):
            main([])
        assert wanted in capsys.readouterr().out


def test_apply_asks_when_its_output_goes_to_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """`phsync apply | tee log` on a terminal: standard input alone decides."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("sys.stdout", io.StringIO())  # a pipe
    assert reconcile_cli._interactive()
    monkeypatch.setattr("sys.stdin", io.StringIO())
    assert not reconcile_cli._interactive()
