"""How `phsync plan` and `phsync apply` connect and make a plan: the client of an environment,
PostHog read while the manifests are parsed, the engine's plan with phsync.yaml's settings."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import Any

import click

from reconciler import engine, preflight
from reconciler.cli.options import settings_from
from reconciler.client import PostHogClient
from reconciler.coderefs import CodeRef
from reconciler.config import Environment, ProjectConfig
from reconciler.errors import PermissionDeniedError, PhsyncError
from reconciler.hygiene import scan_configured
from reconciler.model import Manifest
from reconciler.plan import Plan
from reconciler.reading import LiveReading, reading_live
from reconciler.targets import parse_targets

ACTIVITY_LOOKUPS = 50


def stderr_progress(message: str) -> None:
    if sys.stderr.isatty():
        click.echo(f"… {message}", err=True)


def client_for(
    kwargs: dict[str, Any], environment: Environment | None = None
) -> tuple[PostHogClient, int]:
    client = PostHogClient(settings_from(kwargs, environment))
    return client, client.resolve_project()


def plans_reading_meanwhile(
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
                client, project_id = client_for(dict(kwargs), environment)
            except PhsyncError:
                stack.close()  # stop the readings already started
                engine.load_manifests(paths, prune=options["prune"])  # their errors first
                raise
            stack.enter_context(client)
            shown = stderr_progress if len(environments) == 1 else progress_of(environment)
            reading = stack.enter_context(reading_live(client, shown))
            readings.append((environment, client, project_id, reading))
        base = engine.load_manifests(paths, prune=options["prune"], references=False)
        return [
            make_plan(
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


def progress_of(environment: Environment | None) -> engine.Progress:
    label = f"[env {environment.name}] " if environment is not None else ""
    return lambda message: stderr_progress(label + message)


def configured_refs(config: ProjectConfig | None) -> list[CodeRef] | None:
    """The flag reads in the trees of ``code_refs.paths`` (None when there are none)."""
    roots = config.code_paths() if config is not None else ()
    return scan_configured(roots, config) if roots else None


def make_plan(
    found: list[Manifest],
    client: PostHogClient,
    project_id: int,
    config: ProjectConfig | None,
    environment: Environment | None,
    *,
    prune: bool,
    targets: tuple[str, ...],
    activity: bool,
    reading: LiveReading | None = None,
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
            progress=stderr_progress,
            reading=reading,
            code_refs=code_refs,
        )
    except PermissionDeniedError as exc:
        if not exc.missing_scope:
            raise
        raise preflight.explain_read_refusal(client, exc) from None
