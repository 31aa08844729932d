"""The lazy command table lists exactly the commands the CLI modules define, each with help."""

from __future__ import annotations

import importlib

import pytest

from reconciler.cli import commands


def test_table_and_modules_agree() -> None:
    defined = {
        command.name: module
        for module in set(commands.COMMAND_MODULES.values())
        for command in importlib.import_module(f"reconciler.cli.{module}").COMMANDS
    }
    assert defined == commands.COMMAND_MODULES


@pytest.mark.parametrize("name", sorted(commands.COMMAND_MODULES))
def test_every_command_loads_and_explains_itself(name: str) -> None:
    command = commands.load(name)
    assert command is not None and command.help and len(command.help) > 40
