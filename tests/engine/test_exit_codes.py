"""The error boundary's exit codes for usage errors, for every command: never 2, the code of
"changes present", so a typo in CI cannot pass for drift."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from reconciler.cli import _register, cli, main

_register()


def _walk(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], bool]]:
    """Every command under ``group``: its words and whether it is a group itself."""
    found: list[tuple[tuple[str, ...], bool]] = []
    for name, command in sorted(group.commands.items()):
        is_group = isinstance(command, click.Group)
        found.append(((*path, name), is_group))
        if isinstance(command, click.Group):
            found.extend(_walk(command, (*path, name)))
    return found


COMMANDS = [path for path, _ in _walk(cli)]
GROUPS = [path for path, is_group in _walk(cli) if is_group]


def _exit_code(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_every_command_is_covered() -> None:
    assert len(COMMANDS) > 20 and ("flags", "list") in COMMANDS and ("plan",) in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_an_unknown_option_exits_1_with_clicks_message(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _exit_code([*path, "--fromat", "markdown"], capsys)
    assert code == 1
    assert "No such option: --fromat" in err or "No such option '--fromat'" in err
    assert "Usage: phsync" in err


def test_bad_values_and_missing_arguments_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["plan", "--format", "yaml"], capsys)[0] == 1
    assert _exit_code(["flags", "get"], capsys)[0] == 1
    assert _exit_code(["whoami", "--timeout", "0"], capsys)[0] == 1
    assert _exit_code(["nosuchcommand"], capsys)[0] == 1


@pytest.mark.parametrize(
    "args",
    [["whoami", "--timeout", "0"], ["whoami", "--timeout", "-5"], ["emulator", "--port", "70000"],
     ["flags", "list", "--limit", "0"]],
    ids=" ".join,
)
def test_numbers_out_of_range_are_usage_errors_not_bugs(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _exit_code(args, capsys)
    assert code == 1 and "is not in the range" in err and "bug" not in err


def test_phsync_alone_shows_the_help_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _exit_code([], capsys)
    assert code == 0 and "Usage: phsync" in out and "Commands:" in out


@pytest.mark.parametrize("path", GROUPS, ids=" ".join)
def test_a_group_alone_shows_its_help_and_exits_0(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _exit_code(list(path), capsys)
    assert code == 0 and f"Usage: phsync {path[0]}" in out


def test_help_of_every_command_exits_0() -> None:
    for path in COMMANDS:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
