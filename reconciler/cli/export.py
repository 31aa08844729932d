"""`phsync export`: the live project's objects as manifests, one file each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reconciler import engine
from reconciler.cli.options import connection_options, env_option
from reconciler.cli.planning import client_for, stderr_progress
from reconciler.config import ALL_ENVIRONMENTS, find_config, select_environments
from reconciler.errors import ConfigError
from reconciler.export import export_objects
from reconciler.manifests import dump_manifest, kind_named
from reconciler.model import KINDS


def _kinds(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    """Kind names as `schema` reads them: any case, with or without hyphens (feature-flag)."""
    found = []
    for text in value:
        kind = kind_named(text)
        if kind is None:
            raise click.BadParameter(f"unknown kind {text!r}; use one of {', '.join(KINDS)}")
        found.append(kind)
    return found


@click.command()
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="KIND",
    callback=_kinds,
    help="Export only these kinds (repeatable): " + ", ".join(KINDS)
    + " in any case, or feature-flag... [default: all].",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="phsync-export",
    show_default=True,
    help="Directory to write manifests into (one file per object).",
)
@click.option("--force", is_flag=True, help="Overwrite manifests that already exist in --out.")
@env_option
@connection_options
def export(
    kinds: list[str], out: str, force: bool, env_name: str | None, **kwargs: Any
) -> int:
    """Write the live project's objects as manifests, one file each.

    Adopting phsync on an existing project starts here: `phsync plan DIR` then shows only
    adoptions (no field changes), and `phsync apply DIR` marks every object as phsync's.

    Reads dashboards in full, a few at once (their text tiles are not in PostHog's list),
    except PostHog's generated usage dashboards, which are skipped unread.
    """
    wanted = [k for k in KINDS if not kinds or k in kinds]
    if env_name == ALL_ENVIRONMENTS:
        raise ConfigError("export reads one environment at a time", hint="give --env NAME")
    [environment] = select_environments(find_config([]), env_name)
    client, _ = client_for(kwargs, environment)
    with client:
        live = engine.read_for_export(client, wanted, progress=stderr_progress)
    manifests, skipped = export_objects(live)
    root = Path(out)
    clashes = [m.relative_path for m in manifests if (root / m.relative_path).exists()]
    if clashes and not force:
        raise ConfigError(
            f"{len(clashes)} manifest(s) already exist in {out}, e.g. {clashes[0]}",
            hint="export into an empty directory, or pass --force to overwrite",
        )
    for item in manifests:
        path = root / item.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_manifest(item.document), encoding="utf-8")
    for note in skipped:
        click.echo(f"Skipped {note}", err=True)
    click.echo(f"Exported {len(manifests)} object(s) to {out.rstrip('/') or '/'}/.")
    return 0


COMMANDS: list[click.Command] = [export]
