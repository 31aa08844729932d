"""`phsync flags stale`: live flags that look finished and untouched, with the manifest that
declares each (a subcommand of the `flags` group)."""

from __future__ import annotations

import sys
from typing import Any

import click

from reconciler.cli.listing import client_from, connection, output_option
from reconciler.config import expand_paths, guessing_paths
from reconciler.manifests import load_paths
from reconciler.queries.stale import stale_flags
from reconciler.render.table import render_json, render_table


@click.command("stale")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="How long a finished flag must have stayed unchanged (or uncalled).",
)
@output_option(jsonl=False)
@connection
def flags_stale(paths: tuple[str, ...], days: int, output: str, **kw: Any) -> None:
    """List flags that look finished: off, released to everyone (a condition with no
    properties at 100 %) or serving one variant at 100 %, and unchanged for --days days
    (PostHog's updated_at and activity log); or not called for --days days (PostHog's
    last_called_at). Each with the manifest under PATHS that declares it, and its owner.
    """
    manifests, _ = load_paths(expand_paths(list(paths)), only_declared=guessing_paths(paths))
    with client_from(kw) as client:
        found = stale_flags(client, days, manifests)
    if output == "json":
        render_json([flag.to_dict() for flag in found], sys.stdout)
        return
    if not found:
        click.echo(f"No stale flags: none looks finished and untouched for {days} days.")
        return
    rows = [
        {
            "key": flag.key,
            "why": "; ".join(flag.reasons),
            "owner": flag.owner or "",
            "manifest": flag.manifest or "(not declared)",
        }
        for flag in found
    ]
    render_table(rows, ["key", "why", "owner", "manifest"], sys.stdout, max_width=None)
    click.echo(f"{len(found)} stale flag{'s' if len(found) != 1 else ''} (--days {days})")
