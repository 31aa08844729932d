"""The packaged JSON Schemas (one per kind) and schema validation with readable messages."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from reconciler.errors import Issue
from reconciler.manifests.hints import closest, describe, did_you_mean
from reconciler.manifests.quickcheck import Check, Unsupported, compile_schema
from reconciler.model import KINDS, Manifest
from reconciler.paths import render

SCHEMA_NAMES: dict[str, str] = {
    "FeatureFlag": "feature-flag",
    "Cohort": "cohort",
    "Dashboard": "dashboard",
    "Annotation": "annotation",
    "Action": "action",
    "Insight": "insight",
}

_TYPE_NAMES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def schema_filename(kind: str) -> str:
    """``FeatureFlag`` -> ``feature-flag.schema.json``."""
    return f"{SCHEMA_NAMES[kind]}.schema.json"


def kind_named(text: str) -> str | None:
    """The kind a user means by ``text``: any case, with or without hyphens (feature-flag)."""
    wanted = re.sub(r"[-_\s]", "", text).casefold()
    return next((kind for kind in KINDS if kind.casefold() == wanted), None)


@functools.cache
def _schemas() -> dict[str, dict[str, Any]]:
    folder = resources.files("reconciler.schemas")
    loaded: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        text = folder.joinpath(schema_filename(kind)).read_text(encoding="utf-8")
        loaded[kind] = json.loads(text)
    return loaded


def packaged_schema_files() -> list[str]:
    """Names of every ``*.schema.json`` shipped in the package."""
    folder = resources.files("reconciler.schemas")
    return sorted(item.name for item in folder.iterdir() if item.name.endswith(".schema.json"))


def schema_for(kind: str) -> dict[str, Any]:
    """A copy of the JSON Schema of ``kind`` (as in ``model.KINDS``)."""
    return copy.deepcopy(_schemas()[kind])


def shared_schema(kind: str) -> Mapping[str, Any]:
    """The JSON Schema of ``kind`` itself, not a copy: for reading only."""
    return _schemas()[kind]


@functools.cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(_schemas()[kind])


@functools.cache
def _quick(kind: str) -> Check | None:
    try:
        return compile_schema(_schemas()[kind])
    except Unsupported:
        return None


def document_of(manifest: Manifest) -> dict[str, Any]:
    """The manifest as its YAML document: kind, the spec, and ignore when given."""
    document: dict[str, Any] = {"kind": manifest.kind, **manifest.spec}
    if manifest.ignore:
        document["ignore"] = list(manifest.ignore)
    document.update(manifest.meta)
    return document


def validate_schema(manifest: Manifest) -> list[Issue]:
    """Every schema violation of ``manifest``, each at its place in the file.

    A quick check answers for the valid majority; jsonschema explains the rest.
    """
    document = document_of(manifest)
    quick = _quick(manifest.kind)
    if quick is not None and quick(document):
        return []
    issues: list[Issue] = []
    for error in _validator(manifest.kind).iter_errors(document):
        issues.extend(translate(error, manifest))
    return list(dict.fromkeys(issues))


def _issue(
    manifest: Manifest, path: tuple[str | int, ...], message: str, hint: str | None = None
) -> Issue:
    where = manifest.where(path)
    return Issue(where.file, where.line, where.column, message, render(path), hint)


def translate(error: ValidationError, manifest: Manifest) -> Iterator[Issue]:
    """One jsonschema error as issues at their places in the manifest."""
    path = tuple(error.absolute_path)
    keyword, value = error.validator, error.instance
    expected: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "additionalProperties" and isinstance(value, dict):
        allowed = list(schema.get("properties", {}))
        for extra in (key for key in value if key not in allowed):
            suggestion = did_you_mean(str(extra), allowed)
            hint = None if suggestion else f"allowed here: {', '.join(allowed)}"
            yield _issue(manifest, (*path, extra), f"unknown field '{extra}'{suggestion}", hint)
        return
    if keyword == "required" and isinstance(value, dict):
        for name in (name for name in expected if name not in value):
            described = schema.get("properties", {}).get(name, {})
            yield _issue(
                manifest,
                path,
                f"missing required field '{name}'",
                _first_sentence(described.get("description")) or f"add '{name}:'",
            )
        return
    yield _issue(manifest, path, _message(keyword, expected, value, schema, error.message))


def _message(keyword: Any, expected: Any, value: Any, schema: dict[str, Any], raw: str) -> str:
    if keyword == "type":
        wanted = [expected] if isinstance(expected, str) else list(expected)
        names = [_TYPE_NAMES.get(name, name) for name in wanted]
        return f"must be {_either(names)}, got {describe(value)}"
    if keyword == "enum":
        shown = list(expected)
        if len(shown) > 12:
            shown = [*shown[:6], f"... ({len(expected)} in all)"]
        options = ", ".join(str(option) for option in shown)
        suggestion = ""
        if isinstance(value, str):
            match = closest(value, [str(option) for option in expected])
            suggestion = f"; did you mean '{match}'?" if match else ""
        return f"must be one of: {options} (got {_show(value)}){suggestion}"
    if keyword == "const":
        return f"must be {_show(expected)}, got {_show(value)}"
    if keyword == "minimum":
        return f"must be at least {expected}, got {_show(value)}"
    if keyword == "maximum":
        return f"must be at most {expected}, got {_show(value)}"
    if keyword == "minLength":
        if expected == 1:
            return "must not be empty"
        return f"must be at least {expected} characters long"
    if keyword == "maxLength":
        return f"is too long: {len(value)} characters, at most {expected}"
    if keyword == "pattern":
        reason = schema.get("patternErrorMessage") or f"it must match {expected}"
        return f"{_show(value)} is not allowed: {reason}"
    if keyword == "minItems":
        if expected == 1:
            return "must have at least one item"
        return f"must have at least {expected} items"
    if keyword == "uniqueItems":
        twice = next((item for index, item in enumerate(value) if item in value[:index]), None)
        return f"lists {_show(twice)} more than once"
    return raw


def _either(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    return json.dumps(value)


def _first_sentence(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    sentence = text.split(". ")[0].rstrip(".")
    return sentence or None
