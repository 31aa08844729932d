"""`phsync refs`: where the application's code reads the declared flags, which flags it no
longer reads, and which keys it reads that no manifest declares."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from reconciler import engine
from reconciler.cli.options import connection_options, settings_from
from reconciler.client import PostHogClient
from reconciler.coderefs import CodeRef, Findings, findings
from reconciler.config import ProjectConfig, find_config
from reconciler.errors import ConfigError, PhsyncError
from reconciler.hygiene import scan_configured
from reconciler.model import Manifest
from reconciler.render.refs import render_refs

EXIT_FINDINGS = 2


def code_roots(given: Sequence[str], config: ProjectConfig | None) -> tuple[str, ...]:
    """--code DIRs, else ``code_refs.paths`` of phsync.yaml."""
    if given:
        return tuple(given)
    return config.code_paths() if config is not None else ()


def _live_keys(kwargs: dict[str, Any]) -> list[str] | None:
    """The flag keys PostHog has, when an API key is available; None when there is none."""
    try:
        settings = settings_from(kwargs)
    except ConfigError:
        return None
    if settings.api_key is None:
        return None
    with PostHogClient(settings) as client:
        client.resolve_project()
        return [str(f.get("key")) for f in client.paginate(client.project_path("feature_flags/"))]


@click.command("refs")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--code",
    "code",
    multiple=True,
    type=click.Path(exists=True),
    metavar="DIR",
    help="A source tree (or file) to scan, repeatable [default: code_refs.paths of phsync.yaml].",
)
@click.option(
    "--format",
    "--output",
    "-o",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json for machines, markdown for a pull-request comment.",
)
@connection_options
def refs_command(paths: tuple[str, ...], code: tuple[str, ...], fmt: str, **kwargs: Any) -> None:
    """Find where source code reads the flags that manifests under PATHS declare.

    Scans the --code trees for PostHog SDK calls (JavaScript/TypeScript, React, Python, Go,
    Ruby, PHP, Java/Kotlin, Swift, Flutter) and the `code_refs.patterns` of phsync.yaml,
    honouring .gitignore and skipping binary files and vendored or build folders. Reports every
    reference with file:line, declared flags no code reads (candidates for removal) and keys
    code reads that no manifest declares (typos or unmanaged flags; looked up in PostHog when
    an API key is available). Exits 2 when there are such findings, 0 when clean.
    """
    config = find_config(list(paths))
    roots = code_roots(code, config)
    if not roots:
        raise PhsyncError(
            "no source tree to scan",
            hint="give --code DIR, or list the trees under `code_refs: {paths: [...]}` in "
            "phsync.yaml",
        )
    manifests = engine.load_manifests(paths)
    flags = [m for m in manifests if m.kind == "FeatureFlag"]
    found = scan_configured(roots, config)
    result: Findings = findings(
        [m.name for m in flags],
        found,
        live=_live_keys(dict(kwargs)) if _has_undeclared(flags, found) else None,
        sources={m.name: m.location.file for m in flags},
    )
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(render_refs(result, markdown=fmt == "markdown"), nl=False)
    if result.any:
        raise click.exceptions.Exit(EXIT_FINDINGS)


def _has_undeclared(flags: Sequence[Manifest], found: Sequence[CodeRef]) -> bool:
    names = {m.name for m in flags}
    return any(ref.key not in names for ref in found)


COMMANDS: list[click.Command] = [refs_command]
