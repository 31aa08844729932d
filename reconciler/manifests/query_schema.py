"""An insight's query checked offline against PostHog's query schema (the vendored part).

``posthog-query.json`` is derived from PostHog's 2026 insights API schema, which PostHog
generates from its query JSON Schema, by ``scripts/derive_query_schema.py``. Names that
manifests write where PostHog stores ids (actions, cohorts) stand in as ids while checking.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from reconciler.errors import Issue
from reconciler.manifests.hints import did_you_mean
from reconciler.manifests.quickcheck import Check, Unsupported, compile_schema
from reconciler.manifests.schema import translate
from reconciler.model import Manifest
from reconciler.resources import query_refs

_SELECTORS = ("kind", "type")


@functools.cache
def query_schema() -> dict[str, Any]:
    text = resources.files("reconciler.schemas").joinpath("posthog-query.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def top_kinds() -> list[str]:
    return list(query_schema()["x-top"])


def source_kinds(top: str) -> list[str]:
    return list(query_schema()["x-sources"][top])


def _schema(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"query": {"$ref": f"#/$defs/{kind}"}},
        "$defs": query_schema()["$defs"],
    }


@functools.cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(_schema(kind))


@functools.cache
def _quick(kind: str) -> Check | None:
    """A yes/no check of a query of ``kind`` (jsonschema runs only where it says no, for its
    messages): PostHog's query schema is large, and most queries are valid."""
    try:
        return compile_schema(_schema(kind))
    except Unsupported:
        return None


def query_shape(manifest: Manifest) -> list[Issue]:
    """Where an Insight's ``query`` breaks PostHog's query schema, each at its line."""
    query = manifest.spec.get("query")
    if not isinstance(query, dict):
        return []  # the manifest schema says what a query must be
    kind = query.get("kind")
    if kind not in top_kinds():
        where = manifest.where(("query", "kind"))
        return [
            Issue(
                where.file,
                where.line,
                where.column,
                f"query kind {json.dumps(kind)} is not one phsync checks"
                + did_you_mean(str(kind), top_kinds()),
                "query.kind",
                "use one of: " + ", ".join(top_kinds()),
            )
        ]
    stand_in = query_refs.rewrite(query, lambda _k, value: 1 if isinstance(value, str) else value)
    quick = _quick(kind)
    if quick is not None and quick({"query": stand_in}):
        return []
    issues: list[Issue] = []
    for error in _validator(kind).iter_errors({"query": stand_in}):
        for part in _narrowed(error):
            issues.extend(translate(part, manifest))
    return list(dict.fromkeys(issues))


def _narrowed(error: ValidationError) -> Iterator[ValidationError]:
    """For "none of these shapes", the errors of the shape the value says it is (its ``kind``
    or ``type``), so that the message names the field that is wrong."""
    if error.validator != "anyOf" or not error.context:
        yield error
        return
    if isinstance(error.instance, str):
        options = _enum_options(error)
        if options:
            yield ValidationError(
                error.message,
                validator="enum",
                validator_value=[o for o in dict.fromkeys(options) if o is not None],
                instance=error.instance,
                path=error.absolute_path,
                schema={},
            )
            return
    if not isinstance(error.instance, dict):
        yield error
        return
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0], []).append(sub)
    chosen = [
        subs
        for subs in branches.values()
        if not any(tuple(sub.relative_path)[:1] in [(s,) for s in _SELECTORS] for sub in subs)
        and not any(sub.validator == "type" and not sub.relative_path for sub in subs)
    ]
    if len(chosen) == 1:
        for sub in chosen[0]:
            yield from _narrowed(sub)
        return
    yield error


def _enum_options(error: ValidationError) -> list[Any]:
    """The values every enum under this "none of these" error allows."""
    if error.validator == "enum" and isinstance(error.validator_value, list):
        return list(error.validator_value)
    return [option for sub in error.context or () for option in _enum_options(sub)]
