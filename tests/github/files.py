"""The GitHub files phsync ships (the composite action, example workflows, pre-commit hooks),
loaded, and the phsync command lines they run, checked against phsync's real click commands."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import yaml

from tests.conftest import ROOT

ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
WORKFLOWS = sorted((ROOT / "examples" / "github").glob("*.yml"))
PHSYNC_ACTION = re.compile(r"^(OWNER/phsync@v\d+|\./?)$")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: Mapping[Any, Any]) -> Any:
    """`on:`, which YAML 1.1 reads as the boolean key True."""
    return workflow.get("on", workflow.get(True))


def steps(workflow: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def step_named(workflow: Mapping[str, Any], name: str) -> dict[str, Any]:
    found = [step for _, step in steps(workflow) if step.get("name") == name]
    assert len(found) == 1, f"expected one step named {name!r}, found {len(found)}"
    return found[0]


def is_phsync_action(step: Mapping[str, Any]) -> bool:
    return bool(PHSYNC_ACTION.match(str(step.get("uses", ""))))


@dataclass(frozen=True)
class Invocation:
    where: str
    words: tuple[str, ...]  # the words after `phsync`


def _words(text: str) -> list[str]:
    """Split a command line as the action does; a ${{ }} expression counts as one word."""
    return shlex.split(EXPRESSION.sub("EXPR", text))


_SHELL_STOP = {"|", "||", "&&", ";", "&"}


def _from_script(script: str, where: str) -> Iterator[Invocation]:
    """phsync commands at the start of a shell line (or after && ; |), not words in messages."""
    for line in script.splitlines():
        for match in re.finditer(r"(?:^\s*|(?:&&|\|\||;|\|)\s*)phsync\s+(.*)$", line):
            rest = match.group(1)
            if '"$' in rest.split(" ", 1)[0]:
                continue  # a command built at run time (the action's own runner)
            words: list[str] = []
            for word in _words(rest):
                if word in _SHELL_STOP or re.match(r"^\d?>", word) or word.startswith("<"):
                    break
                words.append(word)
            yield Invocation(where, tuple(words))


def invocations(path: Path) -> list[Invocation]:
    """Every phsync command line a workflow or action file runs."""
    data = load(path)
    found: list[Invocation] = []
    if path == ACTION:
        for index, step in enumerate(data["runs"]["steps"]):
            if "run" in step:
                found += _from_script(step["run"], f"{path.name} step {index}")
        return found
    for job_id, step in steps(data):
        where = f"{path.name} {job_id}/{step.get('name', step.get('uses'))}"
        if is_phsync_action(step):
            found.append(Invocation(where, tuple(_words(step["with"]["command"]))))
        if "run" in step:
            found += _from_script(step["run"], where)
    return found


def cli() -> click.Group:
    from reconciler import cli as cli_module

    if not cli_module.cli.commands:
        cli_module._register()
    return cli_module.cli


def _option(command: click.Command, name: str) -> click.Option | None:
    for param in command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    if name in ("-h", "--help"):
        return click.Option(["--help"], is_flag=True)
    return None


def check(words: tuple[str, ...]) -> list[str]:
    """Problems with `phsync WORDS` as phsync's click commands would parse it."""
    problems: list[str] = []
    command: click.Command = cli()
    path = "phsync"
    positionals = 0
    stop_early = False
    queue = list(words)
    while queue:
        word = queue.pop(0)
        if word.startswith("-") and word != "-":
            name, has_value, value = word.partition("=")
            option = _option(command, name)
            if option is None:
                problems.append(f"{path}: no option {name}")
                continue
            if option.is_flag or option.count:
                if has_value:
                    problems.append(f"{path} {name}: a flag takes no value")
                stop_early = stop_early or name in ("--help", "-h", "--version")
                continue
            if not has_value:
                if not queue:
                    problems.append(f"{path} {name}: missing its value")
                    continue
                value = queue.pop(0)
            if isinstance(option.type, click.Choice) and value != "EXPR":
                choices = {str(c).lower() for c in option.type.choices}
                if value.lower() not in choices:
                    problems.append(f"{path} {name}: {value!r} is not one of {sorted(choices)}")
        elif isinstance(command, click.Group):
            sub = command.commands.get(word)
            if sub is None:
                problems.append(f"{path}: no command {word!r}")
                return problems
            command, path = sub, f"{path} {word}"
        else:
            positionals += 1
    if stop_early:
        return problems
    if isinstance(command, click.Group):
        problems.append(f"{path}: no subcommand")
        return problems
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    unlimited = any(a.nargs == -1 for a in arguments)
    capacity = sum(a.nargs for a in arguments if a.nargs > 0)
    if not unlimited and positionals > capacity:
        problems.append(f"{path}: takes {capacity} argument(s), got {positionals}")
    required = sum(1 for a in arguments if a.required)
    if positionals < required:
        problems.append(f"{path}: needs {required} argument(s), got {positionals}")
    return problems
