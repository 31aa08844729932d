"""`phsync plan`, `phsync apply` and `phsync export`: thin wrappers over reconciler.engine."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import click

from reconciler import engine
from reconciler.apply import Outcome
from reconciler.cli.options import connection_options, env_option, settings_from
from reconciler.client import PostHogClient
from reconciler.config import (
    ALL_ENVIRONMENTS,
    Environment,
    ProjectConfig,
    find_config,
    select_environments,
)
from reconciler.errors import ConfigError, PhsyncError, UnsafePlanError
from reconciler.export import export_objects
from reconciler.manifests import dump_manifest
from reconciler.model import KINDS, Manifest
from reconciler.plan import Plan, parse_targets
from reconciler.render import RENDERERS
from reconciler.render.values import summary_line

EXIT_CHANGES = 2
ACTIVITY_LOOKUPS = 50


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _stderr_progress(message: str) -> None:
    if sys.stderr.isatty():
        click.echo(f"… {message}", err=True)


def _client(
    kwargs: dict[str, Any], environment: Environment | None = None
) -> tuple[PostHogClient, int]:
    client = PostHogClient(settings_from(kwargs, environment))
    return client, client.resolve_project()


def _targets_option(func: Any) -> Any:
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="KIND/NAME",
        help="Limit the plan to these objects (repeatable), e.g. FeatureFlag/new-checkout.",
    )(func)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="text for people, json for machines (read back by `apply --plan`), "
    "markdown for a pull-request comment or a drift issue.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Also save the plan as JSON here (with --env all: one file per environment, "
    "FILE's name with .ENV before the suffix).",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@click.option("--prune", is_flag=True, help="Plan deletes of managed objects no manifest names.")
@click.option(
    "--mark-unchanged",
    is_flag=True,
    help="Adopt unmarked objects that already match their manifests (writes the marker).",
)
@click.option(
    "--activity/--no-activity",
    default=True,
    show_default=True,
    help=f"Look up who last changed each updated or deleted object in PostHog's activity log "
    f"(at most {ACTIVITY_LOOKUPS} lookups).",
)
@_targets_option
@env_option
@connection_options
def plan(
    paths: tuple[str, ...],
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    prune: bool,
    mark_unchanged: bool,
    activity: bool,
    targets: tuple[str, ...],
    env_name: str | None,
    **kwargs: Any,
) -> int:
    """Show what `apply` would change, comparing manifests under PATHS with PostHog.

    Reads each kind with one paginated list pass. Only managed objects (and the unmanaged
    objects a manifest names, shown as "adopt") ever appear; deletes only with --prune.
    The plan is checked against the policies of phsync.yaml: a violation fails the plan
    (exit 1) unless the rule is marked warn_only. `--env all` plans every environment.
    """
    config = find_config(paths)
    environments = select_environments(config, env_name)
    options: dict[str, Any] = {
        "prune": prune,
        "mark_unchanged": mark_unchanged,
        "targets": targets,
        "activity": activity,
    }
    if len(environments) == 1:
        plans = [_plan_reading_meanwhile(paths, config, environments[0], kwargs, options)]
    else:
        base = engine.load_manifests(paths, prune=prune)
        plans = []
        for environment in environments:
            found = engine.effective_manifests(base, environment)
            client, project_id = _client(dict(kwargs), environment)
            with client:
                planned = _make_plan(found, client, project_id, config, environment, **options)
            plans.append(planned.plan)
    _render_plans(plans, fmt)
    if out:
        for one in plans:
            _save(one, _out_path(out, one.environment if len(plans) > 1 else None))
    if any(one.blocked for one in plans):
        click.secho("Error: the plan breaks the policies of phsync.yaml.", fg="red", err=True)
        return 1
    if detailed_exitcode and any(not one.is_empty for one in plans):
        return EXIT_CHANGES
    return 0


def _plan_reading_meanwhile(
    paths: tuple[str, ...],
    config: ProjectConfig | None,
    environment: Environment | None,
    kwargs: dict[str, Any],
    options: dict[str, Any],
) -> Plan:
    """One environment's plan, PostHog read on a thread while the manifests are parsed and
    validated. Invalid manifests stop the reading and are reported as before; so are they
    when the connection settings are wrong (manifests first, then the connection)."""
    try:
        client, project_id = _client(dict(kwargs), environment)
    except PhsyncError:
        engine.load_manifests(paths, prune=options["prune"])  # their errors come first
        raise
    with client, engine.reading_live(client, _stderr_progress) as reading:
        base = engine.load_manifests(paths, prune=options["prune"])
        found = engine.effective_manifests(base, environment)
        planned = _make_plan(
            found, client, project_id, config, environment, reading=reading, **options
        )
    return planned.plan


def _make_plan(
    found: list[Manifest],
    client: PostHogClient,
    project_id: int,
    config: ProjectConfig | None,
    environment: Environment | None,
    *,
    prune: bool,
    mark_unchanged: bool,
    targets: tuple[str, ...],
    activity: bool,
    reading: engine.LiveReading | None = None,
) -> engine.Planned:
    return engine.make_plan(
        found,
        client,
        prune=prune,
        mark_unchanged=mark_unchanged,
        targets=parse_targets(targets),
        host=client.origin,
        project_id=project_id,
        policies=config.policies if config else None,
        environment=environment.name if environment else None,
        activity_lookups=ACTIVITY_LOOKUPS if activity else 0,
        progress=_stderr_progress,
        reading=reading,
    )


def _render_plans(plans: list[Plan], fmt: str) -> None:
    color = fmt == "text" and sys.stdout.isatty()
    if len(plans) == 1:
        RENDERERS[fmt](plans[0], sys.stdout, color=color)
    elif fmt == "json":
        click.echo(json.dumps({"environments": {p.environment: p.to_dict() for p in plans}},
                              indent=2, ensure_ascii=False, default=str))
    else:
        for index, one in enumerate(plans):
            if index:
                click.echo("\n---\n" if fmt == "markdown" else "")
            if fmt == "text":
                click.secho(f"== environment {one.environment}", bold=True, color=color)
            RENDERERS[fmt](one, sys.stdout, color=color)


def _out_path(out: str, environment: str | None) -> str:
    if environment is None:
        return out
    path = Path(out)
    return str(path.with_name(f"{path.stem}.{environment}{path.suffix or '.json'}"))


def _save(the_plan: Plan, out: str) -> None:
    buffer = io.StringIO()
    RENDERERS["json"](the_plan, buffer)
    target = Path(out)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(buffer.getvalue(), encoding="utf-8")
    partial.replace(target)
    click.echo(f"Saved the plan to {out}; apply exactly it with `phsync apply --plan {out}`.",
               err=True)


def _report(outcome: Outcome, done: int, total: int) -> None:
    click.echo(f"[{done}/{total}] {outcome.describe()}", err=True)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Apply exactly this saved plan (from `plan --out`); refused if anything it touches "
    "changed in PostHog since.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--prune", is_flag=True, help="Also delete managed objects no manifest names.")
@click.option("--mark-unchanged", is_flag=True, help="Adopt unmarked objects that already match.")
@click.option(
    "--parallelism",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Changes in flight at once (always within PostHog's rate limits).",
)
@_targets_option
@env_option
@connection_options
def apply(
    paths: tuple[str, ...],
    plan_file: str | None,
    yes: bool,
    prune: bool,
    mark_unchanged: bool,
    parallelism: int,
    targets: tuple[str, ...],
    env_name: str | None,
    **kwargs: Any,
) -> int:
    """Make PostHog match the manifests under PATHS (or a saved --plan).

    Shows the plan, then asks for confirmation on a terminal; elsewhere it needs --yes.
    Creates and updates run in dependency order, deletes in reverse. If it stops half-way, it
    says what was done; running it again converges. A plan that breaks the policies of
    phsync.yaml is refused. --env NAME applies one environment of phsync.yaml.
    """
    if env_name == ALL_ENVIRONMENTS:
        raise ConfigError("apply works on one environment at a time", hint="give --env NAME")
    config = find_config(paths)
    [environment] = select_environments(config, env_name)
    if plan_file and (paths or prune or targets or mark_unchanged):
        raise ConfigError("--plan applies a saved plan as it is; give no paths or plan options")
    if not yes and not _interactive():
        raise ConfigError(
            "refusing to apply without --yes: not on a terminal, so phsync cannot ask",
            hint="review `phsync plan` first, then run `phsync apply --yes`",
        )
    found = None if plan_file else engine.effective_manifests(
        engine.load_manifests(paths, prune=prune), environment
    )
    client, project_id = _client(kwargs, environment)
    with client:
        if plan_file:
            saved = engine.read_plan(plan_file)
            made_for = (saved.host, str(saved.project_id))
            if saved.host and made_for != (client.origin, str(project_id)):
                raise PhsyncError(
                    f"the plan was made for project {saved.project_id} at {saved.host}, "
                    f"not project {project_id} at {client.origin}"
                )
            planned = engine.recheck_saved_plan(saved, client, progress=_stderr_progress)
        else:
            assert found is not None
            planned = _make_plan(
                found,
                client,
                project_id,
                config,
                environment,
                prune=prune,
                mark_unchanged=mark_unchanged,
                targets=targets,
                activity=False,
            )
        RENDERERS["text"](planned.plan, sys.stdout, color=sys.stdout.isatty())
        if planned.plan.blocked:
            raise UnsafePlanError(
                "refusing to apply: the plan breaks the policies of phsync.yaml (listed above)",
                hint="change the manifests as each violation says, then plan again",
            )
        if planned.plan.is_empty:
            return 0
        if not yes and not click.confirm("Apply these changes?", default=False):
            click.echo("Nothing applied.", err=True)
            return 1
        outcomes = engine.apply_planned(
            planned,
            client,
            parallelism=parallelism,
            progress=_report,
            usage_dashboards=config.usage_dashboards if config else None,
        )
    counts = {action: 0 for action in ("create", "adopt", "update", "delete")}
    for outcome in outcomes:
        counts[outcome.change.action.value] += 1
    click.echo(f"Apply complete: {summary_line(counts).replace('to ', '')}.")
    return 0


@click.command()
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS, case_sensitive=False),
    help="Export only these kinds (repeatable) [default: all].",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="phsync-export",
    show_default=True,
    help="Directory to write manifests into (one file per object).",
)
@click.option("--force", is_flag=True, help="Overwrite manifests that already exist in --out.")
@connection_options
def export(kinds: tuple[str, ...], out: str, force: bool, **kwargs: Any) -> int:
    """Write the live project's objects as manifests, one file each.

    Adopting phsync on an existing project starts here: `phsync export --out DIR` followed by
    `phsync plan DIR` shows no changes.

    Reads dashboards in full, a few at once (their text tiles are not in PostHog's list),
    except PostHog's generated usage dashboards, which are skipped unread.
    """
    wanted = [k for k in KINDS if not kinds or k.lower() in {x.lower() for x in kinds}]
    client, _ = _client(kwargs)
    with client:
        live = engine.read_for_export(client, wanted, progress=_stderr_progress)
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
    click.echo(f"Exported {len(manifests)} object(s) to {out}/.")
    return 0


COMMANDS: list[click.Command] = [plan, apply, export]
