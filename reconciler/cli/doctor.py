"""`phsync doctor`: check the host, the key, the project and the key's scopes, in that order."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import click

from reconciler.cli.listing import output_option
from reconciler.cli.options import connection_options, env_option
from reconciler.config import Environment, find_config, select_environments
from reconciler.errors import ConfigError
from reconciler.queries.doctor import Check, Status, diagnose
from reconciler.render.table import render_json
from reconciler.settings import Settings, load_settings

MARKS = {
    Status.PASS: ("ok", "green"),
    Status.WARN: ("warn", "yellow"),
    Status.FAIL: ("FAIL", "red"),
    Status.SKIP: ("skip", None),
}


def _show(check: Check) -> None:
    word, colour = MARKS[check.status]
    mark = click.style(f"[{word:^4}]", fg=colour, bold=check.status is Status.FAIL)
    click.echo(f"{mark} {check.name:<8} {check.summary}")
    for line in check.details:
        click.echo(f"{'':16}{line}")
    if check.fix and not check.ok:
        click.echo(f"{'':16}fix: {check.fix}")
    elif check.fix and check.status is Status.WARN:
        click.echo(f"{'':16}tip: {check.fix}")


def _settings(kw: dict[str, Any], environment: Environment | None) -> Settings:
    env = environment or Environment(name="")
    return load_settings(
        host=kw.get("host") or env.host,
        project=kw.get("project") or env.project,
        api_key_file=kw.get("api_key_file"),
        timeout=kw.get("timeout"),
        allow_insecure=bool(kw.get("insecure")),
        key_variable=env.api_key_env,
    )


def _checks(
    kw: dict[str, Any], environment: Environment | None, paths: list[str]
) -> Iterator[Check]:
    try:
        settings = _settings(kw, environment)
    except ConfigError as exc:  # reported as the first check's failure
        yield Check("host", Status.FAIL, exc.message, fix=exc.hint)
        return
    yield from diagnose(settings, paths=paths)


@click.command("doctor")
@click.argument("path_args", metavar="[PATHS]...", nargs=-1, type=click.Path())
@click.option(
    "--path",
    "paths",
    multiple=True,
    type=click.Path(),
    help="Also a manifest path, as PATHS (repeatable) [default: the current directory].",
)
@output_option(jsonl=False)
@connection_options
@env_option
@click.pass_context
def doctor_command(
    ctx: click.Context,
    /,
    path_args: tuple[str, ...],
    paths: tuple[str, ...],
    output: str,
    env_name: str | None,
    **kw: Any,
) -> None:
    """Check that phsync can work with your PostHog, and say what to fix if not.

    \b
    1. host     the host is a PostHog instance (US or EU Cloud, or self-hosted) and answers;
                asked without the key
    2. key      PostHog accepts the key; if PostHog Cloud refuses it, phsync also asks the
                other Cloud region (https://us.posthog.com or https://eu.posthog.com) to tell
                you where the key belongs; the key goes to no other host
    3. project  the project (numeric id, UUID or @current) exists and the key reaches it
    4. scopes   the key has the read and write scopes the manifests need

    With --env NAME, the host, project and key of that phsync.yaml environment (--env all:
    each in turn). PATHS are the manifests whose scopes to check, as for `plan` (default: the
    current directory). Exits 0 when nothing failed (warnings allowed), 1 otherwise.
    """
    paths = (*path_args, *paths)
    environments = select_environments(find_config(list(paths)), env_name)
    results: list[dict[str, Any]] = []
    failed = 0
    for environment in environments:
        if environment is not None and output == "table":
            click.echo(f"Environment {environment.name}:")
        for check in _checks(kw, environment, list(paths)):
            failed += check.status is Status.FAIL
            if output == "table":
                _show(check)
            else:
                env = {"environment": environment.name} if environment else {}
                results.append({**env, **check.to_dict()})
    if output == "json":
        render_json(results, sys.stdout)
    else:
        click.echo(
            "All checks passed." if not failed else f"{failed} check(s) failed.", err=bool(failed)
        )
    ctx.exit(1 if failed else 0)
