"""`phsync whoami` and `phsync projects list|get`: who the key is, which projects it sees."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from reconciler.cli.listing import client_from, connection
from reconciler.client import PostHogClient
from reconciler.client.account import get_project, list_projects, organization_names, whoami
from reconciler.render.table import render_fields, render_json, render_table

F = TypeVar("F", bound=Callable[..., Any])

PROJECT_COLUMNS = ["id", "uuid", "name", "organization"]
PROJECT_FIELDS = ["id", "uuid", "name", "organization", "timezone", "created_at", "api_token"]


def output_option(func: F) -> F:
    """``--output table|json``: a table for people (the default), JSON for scripts."""
    return click.option(
        "--output",
        "-o",
        "--format",
        "output",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="table for people, json for scripts.",
    )(func)


def _client(kwargs: dict[str, Any]) -> PostHogClient:
    return client_from(kwargs)


@click.command("whoami")
@output_option
@connection
def whoami_command(output: str, **kwargs: Any) -> None:
    """Show the user behind the API key, the project phsync works on, and the host."""
    with _client(kwargs) as client:
        identity = whoami(client)
    stream = sys.stdout
    if output == "json":
        render_json(identity.to_dict(), stream)
        return
    organization = identity.organization_name or identity.organization_id
    render_fields(
        [
            ("email", identity.email),
            ("name", identity.name),
            ("project", f"{identity.project_name or '(unnamed)'} (id {identity.project_id})"),
            ("organization", organization),
            ("host", identity.host),
        ],
        stream,
    )


@click.group("projects")
def projects_group() -> None:
    """List the projects the API key can see, or show one."""


@projects_group.command("list")
@output_option
@connection
def projects_list(output: str, **kwargs: Any) -> None:
    """List the projects the API key can see (id, UUID, name, organization)."""
    with _client(kwargs) as client:
        rows = list_projects(client)
    stream = sys.stdout
    if output == "json":
        render_json([row.to_dict() for row in rows], stream)
        return
    if not rows:
        click.echo("No projects visible to this key.", err=True)
        return
    render_table(
        [
            {**row.to_dict(), "organization": row.organization_name or row.organization_id}
            for row in rows
        ],
        PROJECT_COLUMNS,
        stream,
        max_width=None,
    )


@projects_group.command("get")
@click.argument("project_ref", metavar="ID")
@output_option
@connection
def projects_get(project_ref: str, output: str, **kwargs: Any) -> None:
    """Show one project; ID is its numeric id, its UUID or @current."""
    with _client(kwargs) as client:
        project = get_project(client, project_ref)
        organization = str(project.get("organization") or "")
        name = organization_names(client).get(organization) if organization else None
    stream = sys.stdout
    if output == "json":
        render_json({**project, "organization_name": name}, stream)
        return
    shown = {**project, "organization": f"{name} ({organization})" if name else organization}
    render_fields([(field, shown.get(field)) for field in PROJECT_FIELDS], stream)


COMMANDS: list[click.Command] = [whoami_command, projects_group]
