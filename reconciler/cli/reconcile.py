"""`phsync plan` and `phsync apply`: thin wrappers over reconciler.engine."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from typing import Any

import click

from reconciler import engine, preflight
from reconciler.cli.apply_output import finished, notice, recap, report
from reconciler.cli.lock import waiting_message
from reconciler.cli.options import connection_options, env_option
from reconciler.cli.planfiles import out_path, render_plans, save_plan
from reconciler.cli.planning import (
    ACTIVITY_LOOKUPS,
    client_for,
    configured_refs,
    make_plan,
    plans_reading_meanwhile,
    stderr_progress,
)
from reconciler.config import (
    ALL_ENVIRONMENTS,
    find_config,
    select_environments,
)
from reconciler.errors import ConfigError, PhsyncError, UnsafePlanError
from reconciler.hygiene import scan_configured
from reconciler.lock import DEFAULT_TIMEOUT, ApplyLock
from reconciler.model import Manifest
from reconciler.reading import reading_under_lock
from reconciler.render import RENDERERS

EXIT_CHANGES = 2
EXIT_DECLINED = 1  # "no" at apply's question: nothing was applied


def _interactive() -> bool:
    """Whether phsync can ask: standard input is a terminal (the output may go to a pipe, as in
    `apply | tee log`; the question goes to standard error)."""
    return sys.stdin.isatty()


def _color() -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _deprecated(mark_unchanged: bool) -> None:
    if mark_unchanged:
        click.echo(
            "Note: --mark-unchanged is deprecated and does nothing: the plan always adopts "
            "the unmarked objects that manifests name.",
            err=True,
        )


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
    "--output",
    "-o",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="text for people, json for machines (read back by `apply --plan`), "
    "markdown for a pull-request comment or a drift issue.",
)
@click.option(
    "--out",
    type=click.Path(),
    metavar="PATH",
    help="Also save the plan as JSON: in this file, or as plan.json in this folder (an "
    "existing one, or a name ending in /). With --env all: one file per environment, the "
    "name with .ENV before the suffix.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are (adoptions too), 1 on error.",
)
@click.option("--prune", is_flag=True, help="Plan deletes of managed objects no manifest names.")
@click.option(
    "--mark-unchanged",
    is_flag=True,
    help="Deprecated, does nothing: the plan always adopts the unmarked objects manifests name.",
)
@click.option(
    "--activity/--no-activity",
    default=True,
    show_default=True,
    help=f"Look up who last changed each adopted, updated or deleted object in PostHog's "
    "activity log "
    f"(at most {ACTIVITY_LOOKUPS} lookups).",
)
@click.option(
    "--code",
    "code",
    multiple=True,
    type=click.Path(exists=True),
    metavar="DIR",
    help="Source tree to scan for flag reads (repeatable) [default: code_refs.paths of "
    "phsync.yaml]: deletes and turn-offs of flags still read are marked.",
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
    code: tuple[str, ...],
    **kwargs: Any,
) -> int:
    """Show what `apply` would change, comparing manifests under PATHS with PostHog.

    Reads each kind with one paginated list pass. Only managed objects (and the unmanaged
    objects a manifest names, shown as "adopt") ever appear; deletes only with --prune.
    The plan is checked against the policies of phsync.yaml: a violation fails the plan
    (exit 1) unless the rule is marked warn_only. `--env all` plans every environment.
    """
    _deprecated(mark_unchanged)
    config = find_config(paths)
    environments = select_environments(config, env_name)
    code_refs = scan_configured(code, config) if code else configured_refs(config)
    options: dict[str, Any] = {
        "prune": prune, "targets": targets, "activity": activity, "code_refs": code_refs,
    }
    plans = plans_reading_meanwhile(paths, config, environments, kwargs, options)
    render_plans(plans, fmt, color=fmt == "text" and _color())
    if out:
        for one in plans:
            save_plan(one, out_path(out, one.environment if len(plans) > 1 else None))
    if any(one.blocked for one in plans):
        click.secho("Error: the plan breaks the policies of phsync.yaml.", fg="red", err=True)
        return 1
    if detailed_exitcode and any(not one.is_empty for one in plans):
        return EXIT_CHANGES
    return 0


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
@click.option(
    "--mark-unchanged",
    is_flag=True,
    help="Deprecated, does nothing: the plan always adopts the unmarked objects manifests name.",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait while another apply holds this project's lock.",
)
@click.option(
    "--no-lock",
    is_flag=True,
    help="Do not take the project's apply lock (two applies at once can then duplicate "
    "cohorts, dashboards and annotations).",
)
@click.option(
    "--parallelism",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Changes in flight at once (always within PostHog's rate limits).",
)
@click.option(
    "--activity/--no-activity",
    default=None,
    help="Show who last changed each updated or deleted object, as plan does "
    "[default: only when asking for confirmation].",
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
    lock_timeout: float,
    no_lock: bool,
    parallelism: int,
    activity: bool | None,
    targets: tuple[str, ...],
    env_name: str | None,
    **kwargs: Any,
) -> int:
    """Make PostHog match the manifests under PATHS (or a saved --plan).

    Shows the plan, then asks for confirmation on a terminal; elsewhere it needs --yes.
    Creates and updates run in dependency order, deletes in reverse. If it stops half-way, it
    says what was done; running it again converges. A plan that breaks the policies of
    phsync.yaml is refused. --env NAME applies one environment of phsync.yaml.

    One apply at a time: apply takes the project's lock (a reserved, inactive flag in
    PostHog) once the manifests are valid and frees it at the end; another apply waits up to
    --lock-timeout. It reads the project while the manifests are parsed, and reads it again
    under the lock if another apply held the lock meanwhile. `phsync unlock` frees a lock
    whose holder died.
    """
    if env_name == ALL_ENVIRONMENTS:
        raise ConfigError("apply works on one environment at a time", hint="give --env NAME")
    config = find_config(paths)
    [environment] = select_environments(config, env_name)
    _deprecated(mark_unchanged)
    if plan_file and (paths or prune or targets):
        raise ConfigError("--plan applies a saved plan as it is; give no paths or plan options")
    if not yes and not _interactive():
        raise ConfigError(
            "refusing to apply without --yes: not on a terminal, so phsync cannot ask",
            hint="review `phsync plan` first, then run `phsync apply --yes`",
        )

    def manifests() -> list[Manifest]:
        found = engine.load_manifests(paths, prune=prune, references=False)
        return engine.effective_manifests(found, environment)

    try:
        client, project_id = client_for(kwargs, environment)
    except PhsyncError:
        if not plan_file:
            engine.load_manifests(paths, prune=prune)  # their errors come first
        raise
    with client, ExitStack() as stack:
        lock = None if no_lock else ApplyLock(client)
        waiting = waiting_message(lock_timeout)
        if plan_file:
            if lock is not None:
                stack.enter_context(lock.held(lock_timeout, waiting))
            saved = engine.read_plan(plan_file)
            made_for = (saved.host, str(saved.project_id))
            if saved.host and made_for != (client.origin, str(project_id)):
                raise PhsyncError(
                    f"the plan was made for project {saved.project_id} at {saved.host}, "
                    f"not project {project_id} at {client.origin}"
                )
            planned = engine.recheck_saved_plan(saved, client, progress=stderr_progress)
        else:
            found, reading = stack.enter_context(
                reading_under_lock(
                    client,
                    lock,
                    manifests,
                    timeout=lock_timeout,
                    waiting=waiting,
                    progress=stderr_progress,
                )
            )
            planned = make_plan(
                found,
                client,
                project_id,
                config,
                environment,
                prune=prune,
                targets=targets,
                activity=(not yes) if activity is None else activity,
                reading=reading,
                code_refs=configured_refs(config),
            )
        RENDERERS["text"](planned.plan, sys.stdout, color=_color())
        if planned.plan.blocked:
            raise UnsafePlanError(
                "refusing to apply: the plan breaks the policies of phsync.yaml (listed above)",
                hint="change the manifests as each violation says, then plan again",
            )
        if planned.plan.is_empty:
            return 0
        preflight.check_apply(client, planned.plan)
        if not yes:
            click.echo(recap(planned.plan, client.origin, project_id), err=True)
            if not click.confirm("Apply these changes?", default=False, err=True):
                click.echo("Nothing applied.", err=True)
                return EXIT_DECLINED
        outcomes = engine.apply_planned(
            planned,
            client,
            parallelism=parallelism,
            progress=report,
            notice=notice,
            usage_dashboards=config.usage_dashboards if config else None,
        )
    return finished(outcomes)


COMMANDS: list[click.Command] = [plan, apply]
