"""Options shared by the commands that talk to PostHog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

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
            help="Project id, UUID or @current [env POSTHOG_PROJECT_ID; default @current].",
        ),
        click.option(
            "--api-key-file",
            type=click.Path(dir_okay=False),
            help="Read the personal API key from this file "
            "[default: env POSTHOG_PERSONAL_API_KEY or POSTHOG_API_KEY].",
        ),
        click.option(
            "--timeout", type=float, metavar="SECONDS", help="Per-request timeout [default 30]."
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


def settings_from(kwargs: dict[str, Any]) -> Settings:
    """Pop the connection options out of a command's kwargs and build Settings."""
    settings = load_settings(
        host=kwargs.pop("host", None),
        project=kwargs.pop("project", None),
        api_key_file=kwargs.pop("api_key_file", None),
        timeout=kwargs.pop("timeout", None),
        allow_insecure=kwargs.pop("insecure", False),
    )
    for warning in settings.host_warnings:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    return settings
