"""`phsync persons` and `phsync recordings`: who the users are and what they did."""

from __future__ import annotations

import sys
from collections.abc import Iterator
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
    show_fields,
)
from reconciler.queries import persons, recordings
from reconciler.queries.common import duration, parse_assignments, parse_moment, parse_value
from reconciler.render.table import render_json, render_table

PERSON_COLUMNS = ["id", "name", "email", "distinct_ids", "created_at"]
MEMBER_COLUMNS = ["uuid", "name", "email", "distinct_ids"]
ASYNC_NOTE = (
    "PostHog applies property changes asynchronously: the change shows within seconds to a "
    "few minutes."
)


def emit_persons(
    items: Iterator[persons.Person],
    *,
    limit: int | None,
    output: str,
    progress: Progress | None = None,
    columns: list[str] = PERSON_COLUMNS,
) -> None:
    emit(
        items,
        limit=limit,
        output=output,
        noun="persons",
        columns=columns,
        row=lambda p: {**p.to_dict(), "distinct_ids": p.distinct_ids_text},
        as_dict=persons.Person.to_dict,
        progress=progress,
    )


@click.group("persons")
def persons_group() -> None:
    """Look up persons; set or remove one person's property."""


@persons_group.command("list")
@click.option("--search", metavar="TEXT", help="Persons whose email, name or distinct id match.")
@click.option("--distinct-id", metavar="ID", help="The person with this distinct id.")
@click.option(
    "--property",
    "properties",
    multiple=True,
    metavar="KEY=VALUE",
    help="Only persons whose property KEY is exactly VALUE (repeatable; all must match).",
)
@listing_options
@connection
def persons_list(
    search: str | None,
    distinct_id: str | None,
    properties: tuple[str, ...],
    output: str,
    limit: int,
    everything: bool,
    **kw: Any,
) -> None:
    """List persons (newest first), filtered as PostHog filters them."""
    count = limit_of(limit, everything)
    wanted = parse_assignments(properties, option="--property")
    progress = Progress("persons")
    with client_from(kw) as client:
        found = persons.iter_persons(
            client,
            search=search,
            distinct_id=distinct_id,
            properties=wanted,
            limit=count,
            progress=progress,
        )
        emit_persons(found, limit=count, output=output, progress=progress)


@persons_group.command("get")
@click.argument("person_ref", metavar="ID")
@output_option(jsonl=False)
@connection
def persons_get(person_ref: str, output: str, **kw: Any) -> None:
    """Show one person and its properties; ID is the numeric id, the UUID or a distinct id."""
    with client_from(kw) as client:
        person = persons.get_person(client, person_ref)
    if output == "json":
        render_json(person.to_dict(), sys.stdout)
        return
    show_fields(
        [
            ("name", person.name),
            ("id", person.id),
            ("uuid", person.uuid),
            ("email", person.email),
            ("distinct ids", ", ".join(person.distinct_ids)),
            ("created at", person.created_at),
        ]
    )
    if person.properties:
        sys.stdout.write("\n")
        rows = [{"key": k, "value": v} for k, v in sorted(person.properties.items())]
        render_table(rows, ["key", "value"], sys.stdout, headers={"key": "PROPERTY"})


def _report(write: persons.PropertyWrite, output: str) -> None:
    if output == "json":
        render_json(write.to_dict(), sys.stdout)
        return
    who = write.person.name or write.person.uuid
    if write.deleted:
        click.echo(f"Removed the property {write.key!r} from {who} ({write.person.uuid}).")
    else:
        click.echo(f"Set {write.key} = {write.value!r} on {who} ({write.person.uuid}).")
    click.echo(ASYNC_NOTE)


@persons_group.command("set-property")
@click.argument("person_ref", metavar="ID")
@click.argument("key")
@click.argument("value")
@output_option(jsonl=False)
@connection
def persons_set_property(person_ref: str, key: str, value: str, output: str, **kw: Any) -> None:
    """Set the property KEY of the person ID to VALUE.

    ID is the numeric id, the UUID or a distinct id. VALUE is read as JSON when it parses
    (42, true, ["a","b"]), else as text ("pro"). PostHog applies the change asynchronously.
    """
    with client_from(kw) as client:
        write = persons.set_property(client, person_ref, key, parse_value(value))
    _report(write, output)


@persons_group.command("delete-property")
@click.argument("person_ref", metavar="ID")
@click.argument("key")
@output_option(jsonl=False)
@connection
def persons_delete_property(person_ref: str, key: str, output: str, **kw: Any) -> None:
    """Remove the property KEY from the person ID (numeric id, UUID or distinct id)."""
    with client_from(kw) as client:
        write = persons.delete_property(client, person_ref, key)
    _report(write, output)


@click.group("recordings")
def recordings_group() -> None:
    """Find session recordings and their playback links."""


@recordings_group.command("list")
@click.option("--person", metavar="ID", help="Only this person's (id, UUID or distinct id).")
@click.option(
    "--since",
    metavar="DATE",
    default=recordings.DEFAULT_SINCE,
    show_default=True,
    help="Only recordings from DATE on: ISO (2024-05-01) or relative (-7d, -12h).",
)
@listing_options
@connection
def recordings_list(
    person: str | None, since: str, output: str, limit: int, everything: bool, **kw: Any
) -> None:
    """List session recordings, newest first."""
    count = limit_of(limit, everything)
    date_from = parse_moment(since)
    progress = Progress("recordings")
    with client_from(kw) as client:
        emit(
            recordings.iter_recordings(
                client, person=person, since=date_from, limit=count, progress=progress
            ),
            limit=count,
            output=output,
            noun="recordings",
            columns=["id", "start_time", "duration", "person", "click_count", "start_url"],
            row=lambda r: {**r.to_dict(), "duration": duration(r.duration)},
            as_dict=recordings.Recording.to_dict,
            progress=progress,
        )


@recordings_group.command("get")
@click.argument("session_id", metavar="ID")
@output_option(jsonl=False)
@connection
def recordings_get(session_id: str, output: str, **kw: Any) -> None:
    """Show one recording: start, duration, person, and where to watch it."""
    with client_from(kw) as client:
        recording = recordings.get_recording(client, session_id)
    if output == "json":
        render_json(recording.to_dict(), sys.stdout)
        return
    show_fields(
        [
            ("id", recording.id),
            ("start", recording.start_time),
            ("end", recording.end_time),
            ("duration", duration(recording.duration)),
            ("active", duration(recording.active_seconds)),
            ("person", recording.person),
            ("distinct id", recording.distinct_id),
            ("start url", recording.start_url),
            ("clicks", recording.click_count),
            ("console errors", recording.console_error_count),
            ("watch", recording.url),
        ]
    )
