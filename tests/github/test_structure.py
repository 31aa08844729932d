"""The action, the example workflows and the pre-commit hooks are well-formed GitHub files, and
every phsync command line in them exists, options and all, in phsync's command tree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.github.files import (
    ACTION,
    EXPRESSION,
    HOOKS,
    WORKFLOWS,
    Invocation,
    check,
    invocations,
    is_phsync_action,
    load,
    step_named,
    steps,
    triggers,
)

# The inputs of the first-party actions the workflows use, at the major versions they pin.
KNOWN_ACTIONS: dict[str, set[str] | None] = {
    "actions/checkout@v4": None,  # used without inputs
    "actions/setup-python@v5": {
        "python-version", "python-version-file", "cache", "architecture", "check-latest",
        "token", "cache-dependency-path", "update-environment", "allow-prereleases",
    },
    "actions/upload-artifact@v4": {
        "name", "path", "if-no-files-found", "retention-days", "compression-level",
        "overwrite", "include-hidden-files",
    },
    "actions/download-artifact@v4": {
        "name", "path", "pattern", "merge-multiple", "github-token", "repository", "run-id",
    },
    "actions/github-script@v7": {
        "script", "github-token", "debug", "user-agent", "previews", "result-encoding",
        "retries", "retry-exempt-status-codes",
    },
}


def test_the_three_workflows_are_there() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "phsync-apply.yml", "phsync-drift.yml", "phsync-plan.yml"
    ]


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        (("plan", "--format", "markdown", "--out", "p.json", "--detailed-exitcode"), None),
        (("apply", "--yes", "--plan=EXPR"), None),
        (("--version",), None),
        (("validate",), None),
        (("schema", "--all", "--out", "schemas/"), None),
        (("plan", "--formt", "markdown"), "no option --formt"),
        (("plan", "--format", "html"), "'html' is not one of"),
        (("plan", "--out"), "--out: missing its value"),
        (("apply", "--yes=1"), "a flag takes no value"),
        (("aply",), "no command 'aply'"),
        ((), "no subcommand"),
        (("projects",), "phsync projects: no subcommand"),
        (("whoami", "extra"), "takes 0 argument(s), got 1"),
    ],
)
def test_the_checker_knows_right_from_wrong(words: tuple[str, ...], problem: str | None) -> None:
    problems = check(words)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def _all_invocations() -> list[Invocation]:
    return [inv for path in (*WORKFLOWS, ACTION) for inv in invocations(path)]


def test_every_file_runs_phsync() -> None:
    by_file = {inv.where.split(" ")[0] for inv in _all_invocations()}
    assert by_file == {p.name for p in (*WORKFLOWS, ACTION)}


@pytest.mark.parametrize("invocation", _all_invocations(), ids=lambda i: f"{i.where}: {' '.join(i.words)}")
def test_every_phsync_command_line_exists(invocation: Invocation) -> None:
    assert check(invocation.words) == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_structure(path: Path) -> None:
    workflow = load(path)
    assert workflow["name"]
    assert triggers(workflow), "no `on:`"
    assert workflow["jobs"]
    for job_id, job in workflow["jobs"].items():
        assert job.get("runs-on"), f"{job_id}: no runs-on"
        assert job.get("steps"), f"{job_id}: no steps"
        ids = set()
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{job_id}: a step needs uses or run"
            if "id" in step:
                assert step["id"] not in ids
                ids.add(step["id"])
            if "run" in step:
                assert step.get("shell", "bash") == "bash"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_actions_and_inputs(path: Path) -> None:
    action_inputs = load(ACTION)["inputs"]
    for job_id, step in steps(load(path)):
        uses = step.get("uses")
        if uses is None:
            continue
        given = set(step.get("with", {}))
        if is_phsync_action(step):
            assert uses == "OWNER/phsync@v1", "one spelling, so one search-and-replace fits all"
            assert given <= set(action_inputs), given - set(action_inputs)
            required = {k for k, v in action_inputs.items() if v.get("required")}
            assert required <= given
        else:
            assert uses in KNOWN_ACTIONS, f"{job_id}: {uses} (only first-party actions)"
            known = KNOWN_ACTIONS[uses]
            assert known is not None or not given
            assert given <= (known or set()), given - (known or set())


def _step_outputs_used(text: str) -> set[tuple[str, str]]:
    return set(re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_expressions_name_real_steps_outputs_and_inputs(path: Path) -> None:
    workflow = load(path)
    outputs = set(load(ACTION)["outputs"])
    dispatch = (triggers(workflow).get("workflow_dispatch") or {}).get("inputs", {})
    for job_id, job in workflow["jobs"].items():
        seen: dict[str, dict[str, Any]] = {}
        for step in job["steps"]:
            text = repr(step)
            for step_id, output in _step_outputs_used(text):
                assert step_id in seen, f"{job_id}: steps.{step_id} is not an earlier step"
                if is_phsync_action(seen[step_id]):
                    assert output in outputs, f"{job_id}: the action has no output {output}"
                elif seen[step_id].get("uses", "").startswith("actions/github-script"):
                    assert f"setOutput('{output}'" in seen[step_id]["with"]["script"]
            for name in re.findall(r"\binputs\.([\w-]+)", text):
                assert name in dispatch, f"{job_id}: no workflow_dispatch input {name}"
            if "id" in step:
                seen[step["id"]] = step


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_scripts_take_data_from_env_not_expressions(path: Path) -> None:
    """A ${{ }} inside a script is pasted in before the shell or JavaScript reads it (a way in
    for injection and quoting bugs); every script here reads its data from env instead."""
    data = load(path)
    all_steps = data["runs"]["steps"] if path == ACTION else [s for _, s in steps(data)]
    for step in all_steps:
        script = step.get("run") or step.get("with", {}).get("script") or ""
        assert not EXPRESSION.search(script), step.get("name")


def test_composite_action() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert action["name"] and action["description"]
    inputs = action["inputs"]
    assert {"command", "python-version", "source", "working-directory"} <= set(inputs)
    assert {"posthog-host", "posthog-project-id", "posthog-api-key"} <= set(inputs)
    for step in action["runs"]["steps"]:
        assert ("uses" in step) != ("run" in step)
        if "run" in step:
            assert step["shell"] == "bash", "a composite action's run step must name its shell"
        for name in re.findall(r"\binputs\.([\w-]+)", repr(step)):
            assert name in inputs, f"no input {name}"
    run_step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    for name, output in action["outputs"].items():
        assert output["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
        assert f'echo "{name}=' in run_step["run"], f"the run step never writes {name}"
    env = run_step["env"]
    assert env["PHSYNC_INPUT_API_KEY"] == "${{ inputs.posthog-api-key }}"
    for variable in ("POSTHOG_HOST", "POSTHOG_PROJECT_ID", "POSTHOG_PERSONAL_API_KEY"):
        assert f"export {variable}=" in run_step["run"]


def test_apply_finds_what_plan_uploads() -> None:
    by_name = {p.name: load(p) for p in WORKFLOWS}
    plan, apply = by_name["phsync-plan.yml"], by_name["phsync-apply.yml"]
    upload = step_named(plan, "Keep the plan for the apply after the merge")
    find = step_named(apply, "Find the plan reviewed on the pull request")
    download = step_named(apply, "Download the reviewed plan")
    assert find["env"]["PLAN_WORKFLOW"] == "phsync-plan.yml"
    assert upload["with"]["name"] == find["env"]["PLAN_ARTIFACT"] == download["with"]["name"]
    planned = step_named(plan, "Plan")["with"]["command"].split()
    applied = step_named(apply, "Apply exactly the reviewed plan")["with"]["command"].split()
    saved_as = Path(planned[planned.index("--out") + 1]).name
    assert applied[applied.index("--plan") + 1] == f"{download['with']['path']}/{saved_as}"
    assert triggers(plan)["pull_request"]["paths"][0] == triggers(apply)["push"]["paths"][0]


def test_plan_and_drift_tolerate_exit_code_2_only_with_detailed_exitcode() -> None:
    for path in WORKFLOWS:
        for _, step in steps(load(path)):
            if not is_phsync_action(step):
                continue
            detailed = "--detailed-exitcode" in step["with"]["command"]
            assert (step["with"].get("ok-exit-codes") == "0 2") == detailed, step["name"]


def test_secrets_reach_only_phsync() -> None:
    for path in WORKFLOWS:
        workflow = load(path)
        assert "secrets." not in repr(workflow.get("env", {}))
        for _, step in steps(workflow):
            if "secrets." in repr(step):
                assert is_phsync_action(step), step.get("name")
                assert step["with"]["posthog-api-key"] == "${{ secrets.POSTHOG_PERSONAL_API_KEY }}"


def test_pre_commit_hook() -> None:
    hooks = load(HOOKS)
    assert [h["id"] for h in hooks] == ["phsync-validate"]
    hook = hooks[0]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "posthog/flags/checkout.yaml")
    assert re.search(hook["files"], "posthog/flags/checkout.yml")
    assert not re.search(hook["files"], "README.md")
    words = tuple(hook["entry"].split())
    assert words[0] == "phsync"
    assert check(words[1:]) == []
    # The usage example at the top of the file, with its documented args.
    example = load_comment_yaml(HOOKS)
    args = example[0]["hooks"][0]["args"]
    assert check((*words[1:], *args)) == []


def load_comment_yaml(path: Path) -> Any:
    import yaml

    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#   "):
            if lines:
                break
            continue
        lines.append(line[4:])
    return yaml.safe_load("\n".join(lines))


def _github_docs() -> list[tuple[str, str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- section: github -->")
    end = readme.index("<!-- section:", start + 1)
    return [("README.md", readme[start:end]),
            ("docs/github.md", (ROOT / "docs" / "github.md").read_text(encoding="utf-8"))]


def _blocks_and_prose(text: str) -> tuple[list[str], str]:
    """Fenced code blocks (``` or ````) and the prose around them."""
    blocks: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        marker = re.match(r"^\s*(`{3,})", line)
        if fence is None and marker:
            fence = marker.group(1)
            blocks.append("")
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is not None:
            blocks[-1] += line + "\n"
        else:
            prose.append(line)
    return blocks, "\n".join(prose)


def _documented_commands() -> list[tuple[str, str]]:
    found = []
    for name, text in _github_docs():
        blocks, prose = _blocks_and_prose(text)
        for block in blocks:
            for line in block.splitlines():
                line = line.strip().removeprefix("$ ")
                if line.startswith("phsync "):
                    found.append((name, line.split(" #")[0].strip()))
                elif line.startswith("command: "):
                    found.append((name, "phsync " + line.removeprefix("command: ")))
        spans = re.findall(r"`([^`\n]+)`", re.sub(r"``.*?``", "", prose))
        found += [(name, span) for span in spans if span.startswith("phsync ")]
    return found


def test_the_docs_show_commands() -> None:
    texts = [cmd for _, cmd in _documented_commands()]
    assert "phsync schema --all --out schemas/" in texts
    assert any("--env" in cmd for cmd in texts)


@pytest.mark.parametrize(("doc", "line"), _documented_commands(), ids=lambda x: x)
def test_every_documented_command_exists(doc: str, line: str) -> None:
    words = tuple(_words_of(line))
    assert check(words) == [], f"{doc}: {line}"


def _words_of(line: str) -> list[str]:
    import shlex

    return shlex.split(EXPRESSION.sub("EXPR", line))[1:]
