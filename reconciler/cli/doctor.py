"""`phsync doctor`: check the host, the key, the project and the key's scopes, in that order."""

from __future__ import annotations

import sys
from typing import Any

import click

from reconciler.cli.listing import output_option
from reconciler.cli.options import connection_options
from reconciler.errors import ConfigError
from reconciler.queries.doctor import Check, Status, diagnose
from reconciler.render.table import render_json
from reconciler.settings import load_settings

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


@click.command("doctor")
@click.option(
    "--path",
    "paths",
    multiple=True,
    type=click.Path(),
    help="Manifests whose scopes to check (repeatable) [default: the current directory].",
)
@output_option(jsonl=False)
@connection_options
@click.pass_context
def doctor_command(ctx: click.Context, /, paths: tuple[str, ...], output: str, **kw: Any) -> None:
    """Check that phsync can work with your PostHog, and say what to fix if not.

    \b
    1. host     the host is a PostHog instance (US or EU Cloud, or self-hosted) and answers;
                asked without the key
    2. key      PostHog accepts the key; if PostHog Cloud refuses it, phsync also asks the
                other Cloud region (https://us.posthog.com or https://eu.posthog.com) to tell
                you where the key belongs; the key goes to no other host
    3. project  the project (numeric id, UUID or @current) exists and the key reaches it
    4. scopes   the key has the read and write scopes the manifests need

    Exits 0 when nothing failed (warnings allowed), 1 otherwise.
    """
    try:
        settings = load_settings(
            host=kw.pop("host", None),
            project=kw.pop("project", None),
            api_key_file=kw.pop("api_key_file", None),
            timeout=kw.pop("timeout", None),
            allow_insecure=kw.pop("insecure", False),
        )
    except ConfigError as exc:  # reported as the first check's failure
        checks = [Check("host", Status.FAIL, exc.message, fix=exc.hint)]
    else:
        checks = []
        for check in diagnose(settings, paths=list(paths)):
            checks.append(check)
            if output == "table":
                _show(check)
    if output == "json":
        render_json([c.to_dict() for c in checks], sys.stdout)
    elif len(checks) == 1 and checks[0].status is Status.FAIL:
        _show(checks[0])
    failed = [c for c in checks if c.status is Status.FAIL]
    if output == "table":
        click.echo(
            "All checks passed." if not failed else f"{len(failed)} check(s) failed.",
            err=bool(failed),
        )
    ctx.exit(1 if failed else 0)
