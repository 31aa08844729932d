"""`phsync annotations`: list annotations, or add one (the one imperative write on them)."""

from __future__ import annotations

import sys
from typing import Any

import click

from reconciler.cli.listing import (
    Progress,
    client_from,
    connection,
    emit,
    limit_of,
    listing_options,
    output_option,
)
from reconciler.queries import annotations as notes
from reconciler.queries.common import parse_moment
from reconciler.render.table import render_json


@click.group("annotations")
def annotations_group() -> None:
    """List annotations, or add one (e.g. from a deploy pipeline)."""


@annotations_group.command("list")
@click.option("--since", metavar="DATE", help="Only from DATE on: ISO (2024-05-01) or -7d, -12h.")
@click.option("--scope", type=click.Choice(notes.SCOPES), help="Only annotations of SCOPE.")
@listing_options
@connection
def annotations_list(
    since: str | None, scope: str | None, output: str, limit: int, everything: bool, **kw: Any
) -> None:
    """List annotations, latest date first."""
    count = limit_of(limit, everything)
    date_from = parse_moment(since) if since else None
    progress = Progress("annotations")
    with client_from(kw) as client:
        emit(
            notes.iter_annotations(
                client, since=date_from, scope=scope, limit=count, progress=progress
            ),
            limit=count,
            output=output,
            noun="annotations",
            columns=["id", "date_marker", "scope", "content", "dashboard", "creation_type"],
            row=notes.Annotation.to_dict,
            as_dict=notes.Annotation.to_dict,
            progress=progress,
        )


@annotations_group.command("create")
@click.argument("text")
@click.option("--date", metavar="DATE", help="When: ISO date or time, or -2h [default: now].")
@click.option(
    "--scope",
    type=click.Choice(notes.CREATE_SCOPES),
    help="project, organization or dashboard [default: project; dashboard with --dashboard].",
)
@click.option("--dashboard", metavar="NAME", help="The dashboard to annotate (name or #ID).")
@click.option("--emoji", metavar="EMOJI", help="Shown on charts with the text (at most 16).")
@click.option("--hidden", is_flag=True, help="Keep it out of PostHog's annotation list.")
@output_option(jsonl=False)
@connection
def annotations_create(
    text: str, date: str | None, scope: str | None, dashboard: str | None, emoji: str | None,
    hidden: bool, output: str, **kw: Any,
) -> None:
    """Add an annotation with TEXT, e.g. `phsync annotations create "v2.3.0 deployed"`.

    Prints the new annotation's id. It is made as a user's annotation (creation_type USR),
    so `phsync apply --prune` never removes it.
    """
    moment = parse_moment(date) if date else None
    with client_from(kw) as client:
        made = notes.create_annotation(
            client, text, date_marker=moment, scope=scope, dashboard=dashboard, emoji=emoji,
            hidden=hidden,
        )
    if output == "json":
        render_json(made.to_dict(), sys.stdout)
        return
    click.echo(made.id)
    where = f"dashboard {made.dashboard or made.dashboard_id}" if made.dashboard_id else made.scope
    click.echo(f"Created annotation {made.id} at {made.date_marker} ({where}).", err=True)


COMMANDS: list[click.Command] = [annotations_group]
