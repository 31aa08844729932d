"""phsync's subcommands, gathered from the modules that define them."""

from __future__ import annotations

import click

from reconciler.cli import emulator, info, manifests, queries, reconcile

ALL: list[click.Command] = [
    *manifests.COMMANDS,
    *reconcile.COMMANDS,
    *info.COMMANDS,
    *queries.COMMANDS,
    *emulator.COMMANDS,
]
