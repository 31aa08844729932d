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
from reconciler.cli.options import connection_options, env_option, settings_from
from reconciler.cli.planfiles import out_path, render_plans, save_plan
from reconciler.client import PostHogClient
from reconciler.coderefs import CodeRef
from reconciler.config import (
    ALL_ENVIRONMENTS,
    Environment,
    ProjectConfig,
    find_config,
    select_environments,
)
from reconciler.errors import ConfigError, PermissionDeniedError, PhsyncError, UnsafePlanError
from reconciler.hygiene import scan_configured
from reconciler.lock import DEFAULT_TIMEOUT, ApplyLock
from reconciler.model import Manifest
from reconciler.plan import Plan, parse_targets
from reconciler.render import RENDERERS

EXIT_CHANGES = 2
EXIT_DECLINED = 1  # "no" at apply's question: nothing was applied
ACTIVITY_LOOKUPS = 50


def _interactive() -> bool:
    """Whether phsync can ask: standard input is a terminal (the output may go to a pipe, as in
    `apply | tee log`; the question goes to standard error)."""
    return sys.stdin.isatty()


def _color() -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _stderr_progress(message: str) -> None:
    if sys.stderr.isatty():
        click.echo(f"… {message}", err=True)


def _deprecated(mark_unchanged: bool) -> None:
    if mark_unchanged:
        click.echo(
            "Note: --mark-unchanged is deprecated and does nothing: the plan always adopts "
            "the unmarked objects that manifests name.",
            err=True,
        )


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
    code_refs = scan_configured(code, config) if code else _configured_refs(config)
    options: dict[str, Any] = {
        "prune": prune, "targets": targets, "activity": activity, "code_refs": code_refs,
    }
    plans = _plans_reading_meanwhile(paths, config, environments, kwargs, options)
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


def _plans_reading_meanwhile(
    paths: tuple[str, ...],
    config: ProjectConfig | None,
    environments: list[Environment | None],
    kwargs: dict[str, Any],
    options: dict[str, Any],
) -> list[Plan]:
    """Each environment's plan, every project read on threads of its own while the manifests
    are parsed and validated (once for all). Invalid manifests stop the reading and are
    reported as before; so are they when the connection settings are wrong (manifests first,
    then the connection)."""
    with ExitStack() as stack:
        readings = []
        for environment in environments:
            try:
                client, project_id = _client(dict(kwargs), environment)
            except PhsyncError:
                stack.close()  # stop the readings already started
                engine.load_manifests(paths, prune=options["prune"])  # their errors first
                raise
            stack.enter_context(client)
            shown = _stderr_progress if len(environments) == 1 else _progress_of(environment)
            reading = stack.enter_context(engine.reading_live(client, shown))
            readings.append((environment, client, project_id, reading))
        base = engine.load_manifests(paths, prune=options["prune"])
        return [
            _make_plan(
                engine.effective_manifests(base, environment),
                client,
                project_id,
                config,
                environment,
                reading=reading,
                **options,
            ).plan
            for environment, client, project_id, reading in readings
        ]


def _progress_of(environment: Environment | None) -> engine.Progress:
    label = f"[env {environment.name}] " if environment is not None else ""
    return lambda message: _stderr_progress(label + message)


def _configured_refs(config: ProjectConfig | None) -> list[CodeRef] | None:
    """The flag reads in the trees of ``code_refs.paths`` (None when there are none)."""
    roots = config.code_paths() if config is not None else ()
    return scan_configured(roots, config) if roots else None


def _make_plan(
    found: list[Manifest],
    client: PostHogClient,
    project_id: int,
    config: ProjectConfig | None,
    environment: Environment | None,
    *,
    prune: bool,
    targets: tuple[str, ...],
    activity: bool,
    reading: engine.LiveReading | None = None,
    code_refs: list[CodeRef] | None = None,
) -> engine.Planned:
    try:
        return engine.make_plan(
            found,
            client,
            prune=prune,
            targets=parse_targets(targets),
            host=client.origin,
            project_id=project_id,
            policies=config.policies if config else None,
            environment=environment.name if environment else None,
            activity_lookups=ACTIVITY_LOOKUPS if activity else 0,
            progress=_stderr_progress,
            reading=reading,
            code_refs=code_refs,
        )
    except PermissionDeniedError as exc:
        if not exc.missing_scope:
            raise
        raise preflight.explain_read_refusal(client, exc) from None


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
    PostHog) before it reads the project and frees it at the end; another apply waits up to
    --lock-timeout. `phsync unlock` frees a lock whose holder died.
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
    found = None if plan_file else engine.effective_manifests(
        engine.load_manifests(paths, prune=prune), environment
    )
    client, project_id = _client(kwargs, environment)
    with client, ExitStack() as stack:
        if not no_lock:
            stack.enter_context(ApplyLock(client).held(lock_timeout, waiting_message(lock_timeout)))
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
                targets=targets,
                activity=(not yes) if activity is None else activity,
                code_refs=_configured_refs(config),
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
