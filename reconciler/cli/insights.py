"""`phsync insights list|get NAME` and `phsync actions list`: read-only, table or JSON, as
the other query commands. Each calls one function of :mod:`reconciler.queries.insights`."""

from __future__ import annotations

import sys
from typing import Any

import click
import yaml

from reconciler.cli.listing import (
    Progress,
    client_from,
    connection,
    emit,
    limit_of,
    listing_options,
    output_option,
    show_fields,
    yes_no,
)
from reconciler.queries import insights
from reconciler.render.table import render_json


@click.group("insights")
def insights_group() -> None:
    """Read insights and their queries (create and change them with manifests)."""


@insights_group.command("list")
@listing_options
@connection
def insights_list(output: str, limit: int, everything: bool, **kw: Any) -> None:
    """List saved insights, most recently changed first."""
    count = limit_of(limit, everything)
    progress = Progress("insights")
    with client_from(kw) as client:
        emit(
            insights.iter_insights(client, limit=count, progress=progress),
            limit=count,
            output=output,
            noun="insights",
            columns=["id", "name", "kind", "series", "managed"],
            row=lambda i: {**i.to_dict(), "managed": yes_no(i.managed)},
            as_dict=insights.Insight.to_dict,
            progress=progress,
        )


@insights_group.command("get")
@click.argument("name")
@output_option(jsonl=False)
@connection
def insights_get(name: str, output: str, **kw: Any) -> None:
    """Show one insight by NAME (or #ID when several share a name), its query as a manifest
    writes it: actions and cohorts by name."""
    with client_from(kw) as client:
        chart = insights.get_insight(client, name)
    if output == "json":
        render_json(chart.to_dict(), sys.stdout)
        return
    show_fields(
        [
            ("name", chart.name),
            ("id", chart.id),
            ("short id", chart.short_id),
            ("kind", chart.kind),
            ("series", chart.series),
            ("description", chart.description),
            ("tags", ", ".join(chart.tags) or None),
            ("dashboards", ", ".join(f"#{d}" for d in chart.dashboards) or None),
            ("managed by phsync", yes_no(chart.managed)),
            ("updated at", chart.updated_at),
        ]
    )
    if chart.query is not None:
        click.echo("query:")
        text = yaml.safe_dump(chart.query, sort_keys=False, allow_unicode=True)
        click.echo("".join(f"  {line}\n" for line in text.splitlines()), nl=False)


@click.group("actions")
def actions_group() -> None:
    """Read actions (create and change them with manifests)."""


@actions_group.command("list")
@listing_options
@connection
def actions_list(output: str, limit: int, everything: bool, **kw: Any) -> None:
    """List actions, newest first, with their steps in words."""
    count = limit_of(limit, everything)
    progress = Progress("actions")
    with client_from(kw) as client:
        emit(
            insights.iter_actions(client, limit=count, progress=progress),
            limit=count,
            output=output,
            noun="actions",
            columns=["id", "name", "steps", "managed"],
            row=lambda a: {**a.to_dict(), "managed": yes_no(a.managed)},
            as_dict=insights.Action.to_dict,
            progress=progress,
        )


COMMANDS: list[click.Command] = [insights_group, actions_group]
