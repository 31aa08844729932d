"""`phsync pull`: record in the manifests what was changed in PostHog."""

from __future__ import annotations

from typing import Any

import click

from reconciler import engine
from reconciler.cli.options import connection_options, env_option
from reconciler.cli.planning import client_for, make_plan, stderr_progress
from reconciler.cli.reconcile import EXIT_CHANGES
from reconciler.config import (
    ALL_ENVIRONMENTS,
    Environment,
    ProjectConfig,
    find_config,
    select_environments,
)
from reconciler.errors import ConfigError
from reconciler.manifests import yamlio
from reconciler.model import SourceLocation
from reconciler.pull import Site, plan_pull, sites
from reconciler.pull.files import new_manifests, read_text, rewritten, write_all
from reconciler.pull.overrides import might_be
from reconciler.pull.report import FileText, diffs, summary
from reconciler.reading import reading_live
from reconciler.targets import parse_targets


def _sites(
    config: ProjectConfig | None, chosen: Environment | None, origin: str, project_id: int
) -> tuple[list[Site], str | None]:
    """The overrides that hold for the PostHog project read, with their lines in phsync.yaml:
    the chosen environment's, or without one, those of every environment that could be it."""
    if config is None or not config.environments:
        return [], None
    source = str(config.source)
    documents, _ = yamlio.parse_documents(read_text(source), source)
    positions = documents[0].positions if documents else {}
    candidates = (
        [chosen]
        if chosen is not None
        else [e for e in config.environments.values() if might_be(e, origin, project_id)]
    )
    found = sites(candidates, positions, SourceLocation(source, 1, 1))
    return found, source


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="KIND/NAME",
    help="Pull only these objects (repeatable), e.g. FeatureFlag/new-checkout.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the unified diff of the files pull would change, and write nothing.",
)
@click.option(
    "--new",
    "new_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Also write manifests (as export does) for the objects in PostHog that no manifest "
    "declares, one file each under DIR.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when PostHog differed from the manifests (values pulled, or reported), "
    "0 when it did not, 1 on error.",
)
@click.option(
    "--activity/--no-activity",
    default=True,
    show_default=True,
    help="Say who last changed each pulled object, from PostHog's activity log.",
)
@env_option
@connection_options
def pull(
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    dry_run: bool,
    new_dir: str | None,
    detailed_exitcode: bool,
    activity: bool,
    env_name: str | None,
    **kwargs: Any,
) -> int:
    """Rewrite the manifests under PATHS to say what PostHog has now.

    For each object changed in PostHog since its manifest was applied, pull changes only
    the drifted values in the manifest's file: comments, key order, quoting and the other
    documents stay as they are, and files without drift are not touched. Values are written
    as a person writes them (cohorts by name, payloads as YAML, defaults left out). Paths
    under a manifest's `ignore:` are left alone. Afterwards `phsync plan` is empty for the
    pulled objects.

    A field that an environment's override in phsync.yaml sets is not the base manifest's
    to record. With --env NAME, pull reads that environment and writes NAME's overrides in
    phsync.yaml. Without --env, it writes no field that the override of an environment that
    could be this PostHog sets (same host, and the same project or one given by name), and
    names the override to change.

    Objects deleted in PostHog, and objects made there that no manifest declares, are
    reported, not written (--new DIR writes manifests for the latter).

    Every file's new text is made and checked first; if any file cannot be rewritten
    faithfully, nothing is written. Each file is written atomically.
    """
    if env_name == ALL_ENVIRONMENTS:
        raise ConfigError("pull works on one environment at a time", hint="give --env NAME")
    config = find_config(paths)
    [environment] = select_environments(config, env_name)
    wanted = parse_targets(targets)
    client, project_id = client_for(kwargs, environment)
    all_sites, config_file = _sites(config, environment, client.origin, project_id)
    with client, reading_live(client, stderr_progress) as reading:
        base = engine.load_manifests(paths, references=False)
        found = engine.effective_manifests(base, environment)
        planned = make_plan(
            found,
            client,
            project_id,
            config,
            environment,
            prune=False,
            targets=targets,
            activity=activity,
            reading=reading,
        )
        pulled = plan_pull(
            planned.plan,
            planned.live,
            base,
            sites=all_sites,
            environment=environment.name if environment else None,
            config_file=config_file,
            targets=wanted,
        )
        changed = rewritten(pulled, stderr_progress)
        created: list[FileText] = []
        if new_dir and pulled.new:
            objects = list(pulled.new)
            if any(obj.kind == "Dashboard" for obj in objects):  # their tiles: read in full
                full = {
                    (o.kind, o.id): o
                    for o in engine.read_for_export(client, ["Dashboard"], stderr_progress)
                }
                objects = [full.get((o.kind, o.id), o) for o in objects]
            created, skipped = new_manifests(objects, new_dir)
            for note in skipped:
                click.echo(f"Skipped {note}", err=True)
    if dry_run:
        click.echo(diffs([*changed, *created]), nl=False)
    else:
        write_all([*changed, *created])
    for line in summary(pulled, dry_run=dry_run, new_dir=new_dir):
        click.echo(line)
    drifted = bool(pulled.edits or pulled.findings)
    return EXIT_CHANGES if detailed_exitcode and drifted else 0


COMMANDS: list[click.Command] = [pull]
