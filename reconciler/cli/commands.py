"""Where each of phsync's subcommands lives, in the order `phsync --help` lists them.

Modules are imported only when one of their commands is used.
"""

from __future__ import annotations

import importlib

import click

COMMAND_MODULES: dict[str, str] = {
    "validate": "manifests",
    "schema": "manifests",
    "plan": "reconcile",
    "apply": "reconcile",
    "export": "export",
    "pull": "pull",
    "refs": "refs",
    "unlock": "lock",
    "whoami": "info",
    "projects": "info",
    "flags": "queries",
    "cohorts": "queries",
    "persons": "queries",
    "recordings": "queries",
    "dashboards": "queries",
    "insights": "insights",
    "actions": "insights",
    "endpoints": "queries",
    "annotations": "annotations",
    "doctor": "queries",
    "emulator": "emulator",
}


def load(name: str) -> click.Command | None:
    module_name = COMMAND_MODULES.get(name)
    if module_name is None:
        return None
    module = importlib.import_module(f"reconciler.cli.{module_name}")
    commands: list[click.Command] = module.COMMANDS
    return next((command for command in commands if command.name == name), None)
