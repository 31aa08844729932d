"""phsync's read-only commands over flags, cohorts, dashboards and endpoints; annotations (and
`annotations create`) are in :mod:`reconciler.cli.annotations`, persons and recordings in
:mod:`reconciler.cli.people`, `doctor` in :mod:`reconciler.cli.doctor`. Each command calls one
library function in :mod:`reconciler.queries` and renders what it returns."""

from __future__ import annotations

import sys
from typing import Any

import click

from reconciler.cli import doctor, people, stale
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
from reconciler.queries import cohorts, dashboards, endpoints, flags
from reconciler.queries.common import parse_assignments, parse_value
from reconciler.render.table import render_json, render_jsonl, render_table
from reconciler.resources.base import MARKER_TAG

# -- flags -------------------------------------------------------------------------------


@click.group("flags")
def flags_group() -> None:
    """Read feature flags (change them with manifests, `plan` and `apply`)."""


flags_group.add_command(stale.flags_stale)


@flags_group.command("list")
@click.option("--search", metavar="TEXT", help="Only flags whose key or name contains TEXT.")
@click.option(
    "--active/--inactive", default=None, help="Only active (or only inactive) flags [default: all]."
)
@listing_options
@connection
def flags_list(
    search: str | None, active: bool | None, output: str, limit: int, everything: bool, **kw: Any
) -> None:
    """List feature flags, newest first, with who each is served to in words."""
    count = limit_of(limit, everything)
    progress = Progress("flags")
    with client_from(kw) as client:
        emit(
            flags.iter_flags(client, search=search, active=active, limit=count, progress=progress),
            limit=count,
            output=output,
            noun="flags",
            columns=["key", "active", "rollout", "variants", "managed", "name"],
            row=lambda f: {
                **f.to_dict(),
                "variants": f.variants_text,
                "managed": yes_no(f.managed),
            },
            as_dict=flags.Flag.to_dict,
            progress=progress,
        )


@flags_group.command("get")
@click.argument("key")
@output_option(jsonl=False)
@connection
def flags_get(key: str, output: str, **kw: Any) -> None:
    """Show one flag by its KEY (or #ID): conditions in words, variants, payloads, and whether
    phsync manages it (the tag managed-by-phsync)."""
    with client_from(kw) as client:
        flag = flags.get_flag(client, key)
    if output == "json":
        render_json(flag.to_dict(), sys.stdout)
        return
    managed = (
        f"yes (tag {MARKER_TAG}: change it through its manifest)"
        if flag.managed
        else "no (phsync leaves it alone unless a manifest names it)"
    )
    fields: list[tuple[str, Any]] = [
        ("key", flag.key),
        ("id", flag.id),
        ("name", flag.name),
        ("active", yes_no(flag.active)),
        ("managed by phsync", managed),
        ("tags", ", ".join(t for t in flag.tags if t != MARKER_TAG) or None),
        ("rollout", flag.rollout),
    ]
    if len(flag.conditions) > 1:
        fields += [(f"  condition {i}", c) for i, c in enumerate(flag.conditions, 1)]
    fields += [
        ("variants", flag.variants_text or "none (a boolean flag)"),
        ("payloads", ", ".join(flag.payloads) or None),
        ("persists across login", yes_no(flag.ensure_experience_continuity)),
        ("version", flag.version),
        ("scheduled in PostHog", "; ".join(flag.scheduled) or None),
        ("created by", flag.created_by),
        ("created at", flag.created_at),
        ("updated at", flag.updated_at),
    ]
    show_fields(fields)


# -- cohorts -----------------------------------------------------------------------------


@click.group("cohorts")
def cohorts_group() -> None:
    """Read cohorts and their members (change cohorts with manifests)."""


@cohorts_group.command("list")
@click.option("--search", metavar="TEXT", help="Only cohorts whose name contains TEXT.")
@listing_options
@connection
def cohorts_list(search: str | None, output: str, limit: int, everything: bool, **kw: Any) -> None:
    """List cohorts, newest first, with their criteria in words."""
    count = limit_of(limit, everything)
    progress = Progress("cohorts")
    with client_from(kw) as client:
        emit(
            cohorts.iter_cohorts(client, search=search, limit=count, progress=progress),
            limit=count,
            output=output,
            noun="cohorts",
            columns=["id", "name", "type", "count", "managed", "criteria"],
            row=lambda c: {**c.to_dict(), "managed": yes_no(c.managed)},
            as_dict=cohorts.Cohort.to_dict,
            progress=progress,
        )


@cohorts_group.command("get")
@click.argument("name")
@output_option(jsonl=False)
@connection
def cohorts_get(name: str, output: str, **kw: Any) -> None:
    """Show one cohort by NAME (or #ID when several share a name)."""
    with client_from(kw) as client:
        cohort = cohorts.get_cohort(client, name)
    if output == "json":
        render_json(cohort.to_dict(), sys.stdout)
        return
    show_fields(
        [
            ("name", cohort.name),
            ("id", cohort.id),
            ("type", cohort.type),
            ("persons", "calculating…" if cohort.calculating else cohort.count),
            ("criteria", cohort.criteria),
            ("description", cohort.description),
            ("managed by phsync", yes_no(cohort.managed)),
            ("deleted", "yes" if cohort.deleted else None),
            ("created by", cohort.created_by),
            ("created at", cohort.created_at),
        ]
    )


@cohorts_group.command("persons")
@click.argument("name")
@listing_options
@connection
def cohorts_persons(name: str, output: str, limit: int, everything: bool, **kw: Any) -> None:
    """List the persons in the cohort NAME (or #ID).

    Needs the key scopes cohort:read and person:read.
    """
    count = limit_of(limit, everything)
    progress = Progress("persons")
    with client_from(kw) as client:
        members = cohorts.cohort_persons(client, name, limit=count, progress=progress)
        people.emit_persons(
            members.persons,
            limit=count,
            output=output,
            progress=progress,
            columns=people.MEMBER_COLUMNS,
        )


# -- dashboards --------------------------------------------------------------------------


@click.group("dashboards")
def dashboards_group() -> None:
    """Read dashboards and their tiles (create and change them with manifests)."""


@dashboards_group.command("list")
@listing_options
@connection
def dashboards_list(output: str, limit: int, everything: bool, **kw: Any) -> None:
    """List dashboards, pinned first, then by name."""
    count = limit_of(limit, everything)
    progress = Progress("dashboards")
    with client_from(kw) as client:
        emit(
            dashboards.iter_dashboards(client, limit=count, progress=progress),
            limit=count,
            output=output,
            noun="dashboards",
            columns=["id", "name", "pinned", "managed", "tags", "description"],
            row=lambda d: {
                **d.to_dict(),
                "pinned": yes_no(d.pinned),
                "managed": yes_no(d.managed),
                "tags": ", ".join(t for t in d.tags if t != MARKER_TAG),
            },
            as_dict=dashboards.Dashboard.to_dict,
            progress=progress,
        )


@dashboards_group.command("get")
@click.argument("name")
@output_option(jsonl=False)
@connection
def dashboards_get(name: str, output: str, **kw: Any) -> None:
    """Show one dashboard by NAME (or #ID), with its tiles: insights by name, text tiles' text."""
    with client_from(kw) as client:
        board = dashboards.get_dashboard(client, name)
    if output == "json":
        render_json(board.to_dict(), sys.stdout)
        return
    show_fields(
        [
            ("name", board.name),
            ("id", board.id),
            ("description", board.description),
            ("pinned", yes_no(board.pinned)),
            ("tags", ", ".join(t for t in board.tags if t != MARKER_TAG) or None),
            ("managed by phsync", yes_no(board.managed)),
            ("created by", board.created_by),
            ("tiles", len(board.tiles or ())),
        ]
    )
    if board.tiles:
        sys.stdout.write("\n")
        render_table(
            [
                {"n": i, "kind": t.kind, "title": t.text if t.kind == "text" else t.title}
                for i, t in enumerate(board.tiles, 1)
            ],
            ["n", "kind", "title"],
            sys.stdout,
            headers={"n": "#", "title": "INSIGHT OR TEXT"},
            max_width=100,
        )


# -- endpoints ---------------------------------------------------------------------------


@click.group("endpoints")
def endpoints_group() -> None:
    """List and run saved endpoints (PostHog's saved queries exposed as APIs)."""


@endpoints_group.command("list")
@listing_options
@connection
def endpoints_list(output: str, limit: int, everything: bool, **kw: Any) -> None:
    """List the project's saved endpoints."""
    count = limit_of(limit, everything)
    with client_from(kw) as client:
        emit(
            endpoints.iter_endpoints(client, limit=count),
            limit=count,
            output=output,
            noun="endpoints",
            columns=["name", "active", "query_kind", "version", "description"],
            row=lambda e: {**e.to_dict(), "active": yes_no(e.active)},
            as_dict=endpoints.Endpoint.to_dict,
        )


@endpoints_group.command("run")
@click.argument("name")
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="KEY=VALUE",
    help="A variable of the endpoint's query (repeatable); VALUE is read as JSON when it "
    "parses (42, true), else as text.",
)
@output_option()
@connection
def endpoints_run(name: str, variables: tuple[str, ...], output: str, **kw: Any) -> None:
    """Run the saved endpoint NAME and show its rows under their columns.

    Runs count against PostHog's analytics rate limits; phsync waits when PostHog asks it to.
    """
    values = {k: parse_value(v) for k, v in parse_assignments(variables, option="--var").items()}
    with client_from(kw) as client:
        result = endpoints.run_endpoint(client, name, variables=values)
    if output == "json":
        render_json(result.to_dict(), sys.stdout)
    elif output == "jsonl":
        render_jsonl(result.records(), sys.stdout)
    elif not result.rows:
        click.echo(f"The endpoint {name!r} returned no rows.", err=True)
    else:
        render_table(
            result.records(),
            list(result.columns),
            sys.stdout,
            headers={c: c for c in result.columns},
        )
    if result.has_more and output == "table":
        click.echo("PostHog has more rows than it returned in one run.", err=True)


COMMANDS: list[click.Command] = [
    flags_group,
    cohorts_group,
    people.persons_group,
    people.recordings_group,
    dashboards_group,
    endpoints_group,
    doctor.doctor_command,
]
