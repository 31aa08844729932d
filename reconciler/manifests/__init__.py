"""Manifests: reading YAML files into :class:`~reconciler.model.Manifest` values, and checking
them offline against the JSON Schemas, PostHog's rules, identities and references.

The public API::

    load_paths(paths) -> (manifests, issues)          read files; no validation beyond YAML
    parse_text(text, filename) -> (manifests, issues) the same for one text; pure
    validate(manifests, *, known=(), check_refs=True) -> issues
    load_and_validate(paths, *, known=(), check_refs=True) -> manifests, or ManifestError
    references(manifest) -> [Reference]
    check_references(manifests, *, known=(), dangling=True) -> issues
    dependency_order(manifests) -> manifests, referenced objects first
    dump_manifest(doc) -> str
    schema_for(kind) -> dict
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence

from reconciler.errors import Issue, ManifestError
from reconciler.expiry import date_issues
from reconciler.gcpause import paused_gc
from reconciler.manifests.loader import discover, load_paths, parse_text
from reconciler.manifests.references import check_references, dependency_order, references
from reconciler.manifests.rules import check, duplicates
from reconciler.manifests.schema import kind_named, schema_filename, schema_for, validate_schema
from reconciler.manifests.yamlwrite import dump_manifest, dump_manifests
from reconciler.model import Manifest, ResourceKey

__all__ = [
    "check_references",
    "discover",
    "dependency_order",
    "dump_manifest",
    "dump_manifests",
    "kind_named",
    "load_and_validate",
    "load_paths",
    "parse_text",
    "references",
    "schema_filename",
    "schema_for",
    "sort_issues",
    "validate",
]


@paused_gc()
def validate(
    manifests: Sequence[Manifest],
    *,
    known: Collection[ResourceKey] = (),
    check_refs: bool = True,
    references: bool = True,
) -> list[Issue]:
    """Every problem in ``manifests``: schema, PostHog's rules, duplicate identities, references.

    ``known`` holds objects that exist outside the manifests (live objects), so references to
    them are not dangling. ``check_refs=False`` skips the dangling-reference check only; cycles
    are errors. ``references=False`` leaves every reference check to the caller (a plan checks
    them all against PostHog's objects). The result is sorted by file, line and column.
    """
    issues: list[Issue] = []
    for manifest in manifests:
        issues.extend(validate_schema(manifest))
        issues.extend(check(manifest))
    issues.extend(duplicates(manifests))
    issues.extend(date_issues(manifests))
    if references:
        issues.extend(check_references(manifests, known=known, dangling=check_refs))
    return sort_issues(issues)


def load_and_validate(
    paths: Iterable[str | os.PathLike[str]],
    *,
    known: Collection[ResourceKey] = (),
    check_refs: bool = True,
    references: bool = True,
    only_declared: bool = False,
) -> list[Manifest]:
    """The manifests under ``paths``, valid; otherwise ManifestError with every issue found."""
    manifests, issues = load_paths(paths, only_declared=only_declared)
    issues = [
        *issues,
        *validate(manifests, known=known, check_refs=check_refs, references=references),
    ]
    if issues:
        raise ManifestError(sort_issues(issues))
    return manifests


def sort_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Issues without repeats, by file, line, column, then field path."""
    unique = dict.fromkeys(issues)
    return sorted(unique, key=lambda i: (i.file, i.line, i.column, i.path, i.message))
