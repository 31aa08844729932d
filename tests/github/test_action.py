"""The composite action's own shell steps, run by bash as GitHub runs them
(`bash --noprofile --norc -eo pipefail`), with the real phsync against the emulator."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_phsync
from tests.github.files import ACTION, WORKFLOWS, load, step_named

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")
ACTION_DATA = load(ACTION)
INPUT = re.compile(r"^\$\{\{ inputs\.([\w-]+)( \|\| github\.action_path)? \}\}$")
_counter = itertools.count()


@dataclass
class StepRun:
    returncode: int
    log: str
    outputs: dict[str, str]
    summary: str
    github_env: str


def _shims(tmp: Path) -> Path:
    """`phsync` and `python3` on PATH: this interpreter, as an installed phsync would be."""
    bin_dir = tmp / "bin"
    if not bin_dir.exists():
        bin_dir.mkdir()
        for name, target in (("phsync", f'"{sys.executable}" -m reconciler'),
                             ("python3", f'"{sys.executable}"')):
            shim = bin_dir / name
            shim.write_text(f'#!/bin/sh\nexec {target} "$@"\n', encoding="utf-8")
            shim.chmod(0o755)
    return bin_dir


def _step_env(step: dict[str, Any], inputs: dict[str, str]) -> dict[str, str]:
    """The step's env: with ${{ inputs.X }} replaced by the input or its default."""
    values = {name: str(spec.get("default", "")) for name, spec in ACTION_DATA["inputs"].items()}
    values.update(inputs)
    env: dict[str, str] = {}
    for name, expression in step.get("env", {}).items():
        match = INPUT.match(expression)
        assert match, f"the test cannot evaluate {expression}"
        env[name] = values[match.group(1)] or (str(ROOT) if match.group(2) else "")
    return env


def run_bash(script: str, *, tmp: Path, cwd: Path, env: dict[str, str],
             path_first: Path | None = None) -> StepRun:
    """Run a step's script like the runner: fresh GITHUB_OUTPUT, summary and GITHUB_ENV files."""
    here = tmp / f"step-{next(_counter)}"
    here.mkdir()
    files = {name: here / name for name in ("output", "summary", "github_env")}
    for file in files.values():
        file.touch()
    temp = tmp / "runner-temp"
    temp.mkdir(exist_ok=True)
    search = [str(p) for p in (path_first, _shims(tmp)) if p] + [os.environ["PATH"]]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTHOG_", "PHSYNC_"))}
    full_env.update(
        PATH=os.pathsep.join(search), NO_COLOR="1", RUNNER_TEMP=str(temp),
        GITHUB_OUTPUT=str(files["output"]), GITHUB_STEP_SUMMARY=str(files["summary"]),
        GITHUB_ENV=str(files["github_env"]),
    )
    full_env.update(env)
    (here / "step.sh").write_text(script, encoding="utf-8")
    done = subprocess.run(
        [str(BASH), "--noprofile", "--norc", "-eo", "pipefail", str(here / "step.sh")],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120,
    )
    outputs = dict(
        line.split("=", 1) for line in files["output"].read_text().splitlines() if "=" in line)
    return StepRun(done.returncode, done.stdout + done.stderr, outputs,
                   files["summary"].read_text(), files["github_env"].read_text())


def action(inputs: dict[str, str], *, tmp: Path, env: dict[str, str] | None = None,
           step: str = "run", path_first: Path | None = None) -> StepRun:
    """Run one of action.yml's shell steps with these inputs (the rest at their defaults)."""
    the_step = next(s for s in ACTION_DATA["runs"]["steps"]
                    if s.get("id") == step or s.get("name") == step)
    cwd = tmp / inputs.get("working-directory", ".")
    return run_bash(the_step["run"], tmp=tmp, cwd=cwd,
                    env={**(env or {}), **_step_env(the_step, inputs)}, path_first=path_first)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "posthog")
    return tmp_path


PLAN = "plan --format markdown --detailed-exitcode --out plan.json"


def test_plan_then_apply_the_saved_plan(workspace: Path, emulator_env: dict[str, str]) -> None:
    plan = action({"command": PLAN, "working-directory": "posthog", "ok-exit-codes": "0 2",
                   "stdout-file": "plan.md", "summary": "markdown"},
                  tmp=workspace, env=emulator_env)
    assert plan.returncode == 0, plan.log
    assert plan.outputs["exitcode"] == "2"
    assert plan.outputs["out-path"] == str(workspace / "posthog" / "plan.json")
    assert plan.outputs["stdout-file"] == str(workspace / "posthog" / "plan.md")
    saved = json.loads((workspace / "posthog" / "plan.json").read_text())
    assert saved["format"] == "phsync-plan" and saved["summary"]["create"] == 22
    markdown = (workspace / "posthog" / "plan.md").read_text()
    assert markdown.startswith("### phsync plan: 22 to create, 0 to update, 0 to delete")
    assert plan.summary == markdown
    assert "$ phsync plan --format markdown --detailed-exitcode --out plan.json" in plan.log
    assert "::error" not in plan.log

    # The apply gets its settings from inputs alone, as the workflows pass the key.
    apply = action(
        {"command": "apply --yes --plan posthog/plan.json", "summary": "text",
         "posthog-host": emulator_env["POSTHOG_HOST"],
         "posthog-project-id": emulator_env["POSTHOG_PROJECT_ID"],
         "posthog-api-key": emulator_env["POSTHOG_PERSONAL_API_KEY"]},
        tmp=workspace)
    assert apply.returncode == 0, apply.log
    assert apply.outputs["exitcode"] == "0"
    assert apply.outputs["out-path"] == ""
    assert apply.summary.startswith("### `phsync apply` exited 0\n\n```text\n")
    assert "Apply complete: 22 create, 0 update, 0 delete." in apply.summary
    assert "[22/22]" in apply.summary
    assert emulator_env["POSTHOG_PERSONAL_API_KEY"] not in apply.log + apply.summary


def test_changes_fail_the_step_unless_exit_code_2_is_allowed(
    workspace: Path, emulator_env: dict[str, str]
) -> None:
    run = action({"command": PLAN, "working-directory": "posthog"}, tmp=workspace,
                 env=emulator_env)
    assert run.returncode == 2
    assert run.outputs["exitcode"] == "2"
    stdout_file = Path(run.outputs["stdout-file"])
    assert stdout_file.parent == workspace / "runner-temp"
    assert stdout_file.read_text().startswith("### phsync plan: 22 to create")
    assert "::error title=phsync plan exited 2::" in run.log


def test_a_stale_plan_fails_and_the_apply_workflow_says_plan_again(
    workspace: Path, emulator_env: dict[str, str]
) -> None:
    target = "FeatureFlag/new-checkout"
    plan = action({"command": f"plan --out plan.json --target {target}",
                   "working-directory": "posthog"}, tmp=workspace, env=emulator_env)
    assert plan.returncode == 0, plan.log
    meanwhile = run_phsync("apply", "--yes", "--target", target, str(workspace / "posthog"),
                           env=emulator_env)
    assert meanwhile.returncode == 0, meanwhile.stderr

    apply = action({"command": "apply --yes --plan plan.json", "working-directory": "posthog",
                    "summary": "text"}, tmp=workspace, env=emulator_env)
    assert apply.returncode == 1
    assert apply.outputs["exitcode"] == "1"
    assert "the saved plan is stale" in apply.summary
    assert "::error title=phsync apply exited 1::Error: the saved plan is stale" in apply.log

    explain = step_named(load(_workflow("phsync-apply.yml")), "Say what to do about a refused plan")
    said = run_bash(explain["run"], tmp=workspace, cwd=workspace, env={
        "PHSYNC_STDERR": apply.outputs["stderr-file"], "PR_NUMBER": "42"})
    assert said.returncode == 0, said.log
    assert "PostHog changed since the plan of #42 was reviewed" in said.summary


def _workflow(name: str) -> Path:
    return next(p for p in WORKFLOWS if p.name == name)


def test_a_failed_plan_puts_phsyncs_message_in_the_markdown_summary(
    workspace: Path, emulator_env: dict[str, str]
) -> None:
    run = action({"command": PLAN, "working-directory": "posthog", "ok-exit-codes": "0 2",
                  "summary": "markdown"}, tmp=workspace,
                 env={**emulator_env, "POSTHOG_PROJECT_ID": "999"})
    assert run.returncode == 1
    assert run.outputs["exitcode"] == "1"
    assert "**`phsync plan` exited 1**" in run.summary
    assert "999" in run.summary


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("plan --no-such-option", "No such option"),
        ("", "the command input is empty"),
        ("validate 'unbalanced", "the command input is empty or has an unbalanced quote"),
    ],
)
def test_bad_commands_fail_even_where_2_is_allowed(
    tmp_path: Path, command: str, message: str
) -> None:
    run = action({"command": command, "ok-exit-codes": "0 2"}, tmp=tmp_path)
    assert run.returncode == 1, run.log
    assert message in run.log
    if command:
        assert run.outputs.get("exitcode") in (None, "1")


def test_the_command_is_split_but_never_expanded(workspace: Path) -> None:
    folder = workspace / "my manifests"
    shutil.copytree(workspace / "posthog", folder)
    run = action({"command": "validate 'my manifests' --format json"}, tmp=workspace)
    assert run.returncode == 0, run.log
    assert json.loads(Path(run.outputs["stdout-file"]).read_text())["problems"] == []

    evil = action({"command": "validate $(touch pwned) `touch pwned2`"}, tmp=workspace)
    assert evil.returncode == 1
    assert not (workspace / "pwned").exists() and not (workspace / "pwned2").exists()
    assert "$(touch" in evil.log


def test_install_runs_pip_once_per_job(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    fake.mkdir()
    record = tmp_path / "pip-args"
    (fake / "python3").write_text(
        f'#!/bin/sh\nif [ "$1" = -m ] && [ "$2" = pip ]; then echo "$@" > "{record}"; exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n', encoding="utf-8")
    (fake / "python3").chmod(0o755)
    (fake / "phsync").write_text("#!/bin/sh\necho phsync, version 9.9\n", encoding="utf-8")
    (fake / "phsync").chmod(0o755)

    first = action({"command": "validate"}, tmp=tmp_path, step="Install phsync", path_first=fake)
    assert first.returncode == 0, first.log
    assert record.read_text().split()[-1] == str(ROOT), "the default source is the action itself"
    marker = first.github_env.strip()
    assert marker.startswith("PHSYNC_ACTION_INSTALLED=") and marker.endswith(f"|{ROOT}")
    assert "phsync, version 9.9" in first.log

    record.unlink()
    again = action({"command": "validate"}, tmp=tmp_path, step="Install phsync", path_first=fake,
                   env={"PHSYNC_ACTION_INSTALLED": marker.split("=", 1)[1]})
    assert again.returncode == 0, again.log
    assert not record.exists()
    assert "already installed" in again.log

    other = action({"command": "validate", "source": "git+https://example.com/phsync@v2"},
                   tmp=tmp_path, step="Install phsync", path_first=fake,
                   env={"PHSYNC_ACTION_INSTALLED": marker.split("=", 1)[1]})
    assert other.returncode == 0, other.log
    assert record.read_text().split()[-1] == "git+https://example.com/phsync@v2"
