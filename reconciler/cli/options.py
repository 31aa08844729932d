"""Options shared by the commands that talk to PostHog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from reconciler.config import Environment
from reconciler.settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def connection_options(func: F) -> F:
    """Add --host, --project, --api-key-file, --timeout and --insecure to a command."""
    options = [
        click.option(
            "--host",
            metavar="URL",
            help="PostHog instance [env POSTHOG_HOST; default https://us.posthog.com].",
        ),
        click.option(
            "--project",
            metavar="ID",
            help="Project id, UUID, name or @current [env POSTHOG_PROJECT_ID; default @current].",
        ),
        click.option(
            "--api-key-file",
            type=click.Path(dir_okay=False),
            help="Read the personal API key from this file "
            "[default: env POSTHOG_PERSONAL_API_KEY or POSTHOG_API_KEY].",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True, max=3600),
            metavar="SECONDS",
            help="Per-request timeout, more than 0 and at most 3600 [default 30].",
        ),
        click.option(
            "--insecure",
            is_flag=True,
            help="Allow sending the key over plain HTTP to a non-loopback host.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_from(kwargs: dict[str, Any], environment: Environment | None = None) -> Settings:
    """Pop the connection options out of a command's kwargs and build Settings.

    Options win over the phsync.yaml ``environment``, which wins over POSTHOG_* variables.
    """
    env = environment or Environment(name="")
    settings = load_settings(
        host=kwargs.pop("host", None) or env.host,
        project=kwargs.pop("project", None) or env.project,
        api_key_file=kwargs.pop("api_key_file", None),
        timeout=kwargs.pop("timeout", None),
        allow_insecure=kwargs.pop("insecure", False),
        key_variable=env.api_key_env,
    )
    for warning in settings.host_warnings:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    return settings


def env_option(func: F) -> F:
    """``--env NAME``: an environment of phsync.yaml (``all`` for every one, where allowed)."""
    return click.option(
        "--env",
        "env_name",
        metavar="NAME",
        help="Use this environment of phsync.yaml: its host, project, key variable and "
        "overrides.",
    )(func)
