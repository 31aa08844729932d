"""`phsync unlock`: free the project's apply lock when the apply that held it died."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from reconciler.cli.options import connection_options, env_option, settings_from
from reconciler.client import PostHogClient
from reconciler.config import ALL_ENVIRONMENTS, find_config, select_environments
from reconciler.errors import ConfigError
from reconciler.lock import ApplyLock, Holder


def waiting_message(timeout: float) -> Callable[[Holder], None]:
    def say(holder: Holder) -> None:
        click.echo(
            f"Waiting for this project's apply lock, held by {holder.describe()} "
            f"(up to {timeout:g}s)…",
            err=True,
        )

    return say


@click.command()
@env_option
@connection_options
def unlock(env_name: str | None, **kwargs: Any) -> int:
    """Free this project's apply lock, left held by an apply that died (killed, or its
    machine lost).

    Frees it whoever holds it: make sure that apply is not still running.
    """
    if env_name == ALL_ENVIRONMENTS:
        raise ConfigError("unlock works on one environment at a time", hint="give --env NAME")
    [environment] = select_environments(find_config(()), env_name)
    with PostHogClient(settings_from(kwargs, environment)) as client:
        holder = ApplyLock(client).force_release()
    if holder is None:
        click.echo("The apply lock is free; nothing to do.")
    else:
        click.echo(f"Freed the apply lock held by {holder.describe()}.")
    return 0


COMMANDS: list[click.Command] = [unlock]
