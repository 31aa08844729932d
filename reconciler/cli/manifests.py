"""phsync's manifest commands: `validate` (offline checks) and `schema` (the JSON Schemas)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import click

from reconciler.config import (
    Policies,
    ProjectConfig,
    apply_overrides,
    expand_paths,
    find_config,
    guessing_paths,
)
from reconciler.errors import ConfigError, Issue
from reconciler.expiry import expired_flags
from reconciler.manifests import (
    kind_named,
    load_paths,
    schema_filename,
    schema_for,
    sort_issues,
    validate,
)
from reconciler.model import KINDS, Manifest


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "--output",
    "-o",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report as lines of text or as one JSON object.",
)
@click.option(
    "--allow-external-refs",
    is_flag=True,
    help="Accept references to objects that no manifest declares (plan looks them up in PostHog).",
)
def validate_command(paths: tuple[str, ...], output_format: str, allow_external_refs: bool) -> None:
    """Check manifests offline and report every problem at once.

    PATHS are files or directories (default: the current directory); directories are searched
    recursively for *.yaml and *.yml, skipping hidden directories and phsync.yaml. With no
    PATHS and no phsync.yaml here, only files that declare a phsync `kind:` are read. A directory
    whose phsync.yaml lists `paths` stands for those paths, as in `plan`. Every environment's
    effective manifests (with its overrides from phsync.yaml) are validated too. Needs no
    network and no credentials. Flags past their `expires:` date are called out with their
    owner (an error under the policy fail_on_expired_flags). Exits 1 when there are problems,
    and when no manifest is found at all (a check pointed at the wrong folder must not pass).
    """
    guessing = guessing_paths(paths)
    manifests, issues = load_paths(expand_paths(list(paths)), only_declared=guessing)
    issues = sort_issues(
        [
            *issues,
            *validate(manifests, check_refs=not allow_external_refs),
            *_environment_issues(manifests, find_config(list(paths))),
        ]
    )
    counts = Counter(manifest.kind for manifest in manifests)
    config = find_config(list(paths))
    expired = expired_flags(manifests, datetime.now(UTC).date())
    policies = config.policies if config is not None else Policies()
    fails = bool(expired) and policies.fail_on_expired_flags and (
        "fail_on_expired_flags" not in policies.warn_only
    )
    if output_format == "json":
        report = _report(issues, counts)
        report["expired"] = [flag.to_dict() for flag in expired]
        report["ok"] = bool(report["ok"]) and not fails
        click.echo(json.dumps(report, indent=2))
    else:
        for issue in issues:
            click.echo(str(issue))
        for flag in expired:
            level = "error" if fails else "warning"
            owner = f" (owner {flag.owner})" if flag.owner else " (no owner)"
            click.echo(
                f"{flag.file}:{flag.line}: {level}: flag {flag.key.name} expired on "
                f"{flag.expires.isoformat()}{owner}"
            )
        click.echo(_summary(issues, counts))
    if issues or fails:
        raise click.exceptions.Exit(1)
    if not manifests:
        where = ", ".join(paths) or (
            "the current directory (no file here declares a phsync kind)"
            if guessing
            else "the current directory"
        )
        click.secho(
            f"Error: no manifests found in {where}\n"
            "  hint: give the manifests' directory, e.g. `phsync validate posthog/` (or list "
            "it under `paths:` in phsync.yaml)",
            fg="red",
            err=True,
        )
        raise click.exceptions.Exit(1)


def _environment_issues(manifests: list[Manifest], config: ProjectConfig | None) -> list[Issue]:
    """Problems that only an environment's overrides of phsync.yaml bring in."""
    if config is None or not manifests:
        return []
    base = {(i.file, i.line, i.column, i.message) for i in validate(manifests, check_refs=False)}
    found: list[Issue] = []
    for environment in config.environments.values():
        try:
            effective = apply_overrides(manifests, environment)
        except ConfigError as exc:
            found.append(Issue(str(config.source), 1, 1, exc.message, hint=exc.hint))
            continue
        for issue in validate(effective, check_refs=False):
            if (issue.file, issue.line, issue.column, issue.message) not in base:
                found.append(replace(issue, message=f"[env {environment.name}] {issue.message}"))
    return found


def _summary(issues: list[Issue], counts: Counter[str]) -> str:
    if issues:
        files = len({issue.file for issue in issues})
        return f"{_plural(len(issues), 'problem')} in {_plural(files, 'file')}"
    total = sum(counts.values())
    if not total:
        return "no manifests found"
    kinds = ", ".join(f"{counts[kind]} {kind}" for kind in KINDS if counts[kind])
    return f"{_plural(total, 'manifest')} OK: {kinds}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _report(issues: list[Issue], counts: Counter[str]) -> dict[str, object]:
    return {
        "ok": not issues and sum(counts.values()) > 0,
        "manifests": {kind: counts[kind] for kind in KINDS},
        "problems": [
            {
                "file": issue.file,
                "line": issue.line,
                "column": issue.column,
                "path": issue.path,
                "message": issue.message,
                "hint": issue.hint,
            }
            for issue in issues
        ],
    }


@click.command("schema")
@click.argument("kind", required=False)
@click.option("--all", "every", is_flag=True, help="All kinds (needs --out).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write <kind>.schema.json files into this directory instead of printing.",
)
def schema_command(kind: str | None, every: bool, out: Path | None) -> None:
    """Print the JSON Schema of one manifest KIND, or write them all with --all --out DIR.

    KIND is FeatureFlag, Cohort, Dashboard or Annotation, in any case (feature-flag works too).
    Editors use these schemas through a first line such as
    `# yaml-language-server: $schema=schemas/feature-flag.schema.json`.
    """
    if every == (kind is not None):
        raise click.UsageError("give either a KIND or --all")
    if every and out is None:
        raise click.UsageError("--all needs --out DIR")
    kinds = list(KINDS) if every else [_kind(kind or "")]
    if out is None:
        click.echo(json.dumps(schema_for(kinds[0]), indent=2, ensure_ascii=False))
        return
    out.mkdir(parents=True, exist_ok=True)
    for name in kinds:
        target = out / schema_filename(name)
        target.write_text(
            json.dumps(schema_for(name), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        click.echo(f"wrote {target}")


def _kind(text: str) -> str:
    kind = kind_named(text)
    if kind is None:
        raise click.BadParameter(
            f"unknown kind {text!r}; use one of {', '.join(KINDS)}", param_hint="KIND"
        )
    return kind


COMMANDS: list[click.Command] = [validate_command, schema_command]
