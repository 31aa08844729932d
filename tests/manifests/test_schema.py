"""The packaged JSON Schemas, and schema errors turned into readable, positioned issues."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reconciler.manifests import kind_named, schema_filename, schema_for
from reconciler.manifests.schema import packaged_schema_files
from reconciler.model import IDENTITY_FIELD, KINDS

from .helpers import described, flag, one, problems

ROOT = Path(__file__).resolve().parents[2]


def test_every_kind_has_exactly_one_schema_and_every_schema_a_kind() -> None:
    assert sorted(schema_filename(kind) for kind in KINDS) == packaged_schema_files()
    on_disk = sorted(path.name for path in (ROOT / "schemas").glob("*.schema.json"))
    assert on_disk == packaged_schema_files()


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12(kind: str) -> None:
    schema = schema_for(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"] and schema["description"]
    assert schema["properties"]["kind"]["const"] == kind
    assert set(schema["required"]) >= {"kind", IDENTITY_FIELD[kind]}


def _subschemas(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema inside ``node`` (itself included), following the schema keywords."""
    if not isinstance(node, dict):
        return
    yield where, node
    for keyword in ("items", "additionalProperties", "propertyNames", "if", "then", "else"):
        yield from _subschemas(node.get(keyword), f"{where}/{keyword}")
    for keyword in ("properties", "$defs"):
        for name, sub in (node.get(keyword) or {}).items():
            yield from _subschemas(sub, f"{where}/{keyword}/{name}")
    for index, sub in enumerate(node.get("allOf") or []):
        yield from _subschemas(sub, f"{where}/allOf/{index}")


def _property_schemas(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for where, node in _subschemas(schema):
        if "/if" in where:
            continue  # conditions that pick a shape, not fields
        for name, sub in (node.get("properties") or {}).items():
            yield f"{where}.{name}", sub


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node and "description" not in node:
        target: Any = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _resolve(schema, target)
    return node


@pytest.mark.parametrize("kind", KINDS)
def test_every_property_has_a_description(kind: str) -> None:
    schema = schema_for(kind)
    missing = [
        where
        for where, sub in _property_schemas(schema)
        if not _resolve(schema, sub).get("description")
    ]
    assert missing == []


@pytest.mark.parametrize("kind", KINDS)
def test_objects_with_known_shape_are_closed(kind: str) -> None:
    open_objects = [
        where
        for where, node in _subschemas(schema_for(kind))
        if node.get("properties")
        and "additionalProperties" not in node
        and "allOf" not in node  # a discriminated union: each branch is closed
        and "/if" not in where
    ]
    assert open_objects == []


def test_shared_definitions_agree_between_flags_and_cohorts() -> None:
    flag_defs = schema_for("FeatureFlag")["$defs"]
    cohort_defs = schema_for("Cohort")["$defs"]
    for name in ("person_operator", "property_value"):
        assert flag_defs[name] == cohort_defs[name], name
    flag_person = dict(flag_defs["person_property"], required=None)
    cohort_person = dict(cohort_defs["person_property"], required=None)
    assert flag_person["properties"].keys() == cohort_person["properties"].keys()


def test_schema_files_are_formatted_json() -> None:
    for name in packaged_schema_files():
        text = (ROOT / "schemas" / name).read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n", name


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("FeatureFlag", "FeatureFlag"),
        ("featureflag", "FeatureFlag"),
        ("feature-flag", "FeatureFlag"),
        ("feature_flag", "FeatureFlag"),
        ("COHORT", "Cohort"),
        ("annotation", "Annotation"),
        ("dashboards", None),
        ("flag", None),
    ],
)
def test_kind_named(text: str, kind: str | None) -> None:
    assert kind_named(text) == kind


# -- messages -----------------------------------------------------------------------------------


def test_unknown_field_suggests_the_closest() -> None:
    issue = one("kind: FeatureFlag\nkey: f\nactiv: true\nfilters: {groups: [{}]}\n")
    assert (issue.line, issue.column, issue.path) == (3, 1, "activ")
    assert issue.message == "unknown field 'activ'; did you mean 'active'?"


def test_unknown_nested_field_without_close_match_lists_allowed_fields() -> None:
    issue = one(flag("groups:\n  - rollout_percentage: 5\n    zzz: 1\n"))
    assert issue.path == "filters.groups[0].zzz"
    assert issue.message == "unknown field 'zzz'"
    assert issue.hint is not None and "rollout_percentage" in issue.hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "kind: FeatureFlag\nkey: f\nactive: 'yes'\nfilters: {groups: [{}]}\n",
            "3:1 active: must be true or false, got a string",
        ),
        (
            "kind: FeatureFlag\nkey: f\ntags: checkout\nfilters: {groups: [{}]}\n",
            "3:1 tags: must be a list, got a string",
        ),
        (
            "kind: FeatureFlag\nkey: f\nname: [a]\nfilters: {groups: [{}]}\n",
            "3:1 name: must be a string, got a list",
        ),
        (
            "kind: FeatureFlag\nkey: f\nevaluation_runtime: servr\nfilters: {groups: [{}]}\n",
            "3:1 evaluation_runtime: must be one of: all, server, client (got 'servr'); "
            "did you mean 'server'?",
        ),
        (
            "kind: FeatureFlag\nkey: new checkout\nfilters: {groups: [{}]}\n",
            "2:1 key: 'new checkout' is not allowed: only letters, numbers, hyphens (-) and "
            "underscores (_) are allowed",
        ),
        (
            "kind: FeatureFlag\nkey: f\nfilters: {groups: []}\n",
            "3:11 filters.groups: must have at least one item",
        ),
        (
            "kind: FeatureFlag\nkey: f\n",
            "1:1 : missing required field 'filters'",
        ),
        (
            "kind: FeatureFlag\nkey: f\ntags: [a, a]\nfilters: {groups: [{}]}\n",
            "3:1 tags: lists 'a' more than once",
        ),
        (
            "kind: FeatureFlag\nkey: f\nfilters: {groups: [{rollout_percentage: -1}]}\n",
            "3:21 filters.groups[0].rollout_percentage: must be at least 0, got -1",
        ),
        (
            "kind: Cohort\nname: ''\nis_static: true\n",
            "2:1 name: must not be empty",
        ),
        (
            "kind: Cohort\nname: c\nis_static: true\ndescription: " + "x" * 951 + "\n",
            "4:1 description: is too long: 951 characters, at most 950",
        ),
        (
            "kind: Dashboard\nname: D\ntiles: [{text: a, layouts: {sm: {x: 0}}}]\n",
            "3:29 tiles[0].layouts.sm: missing required field 'y'",
        ),
        (
            "kind: Annotation\nname: a b\ncontent: c\ndate_marker: 2026-01-01T00:00:00Z\n",
            "2:1 name: 'a b' is not allowed: only letters, numbers and the characters _ . - are "
            "allowed",
        ),
        (
            "kind: Annotation\nname: a\ncontent: "
            + "x" * 400
            + "\ndate_marker: 2026-01-01T00:00Z\n",
            "3:1 content: is too long: 400 characters, at most 399",
        ),
    ],
    ids=[
        "boolean",
        "list",
        "string",
        "enum-did-you-mean",
        "flag-key-pattern",
        "min-items",
        "required-top-level",
        "unique-tags",
        "minimum",
        "empty-name",
        "cohort-description-length",
        "required-nested",
        "annotation-name-pattern",
        "annotation-content-length",
    ],
)
def test_schema_messages(text: str, expected: str) -> None:
    found = described(problems(text))
    assert expected in found, found


def test_property_type_selects_the_right_shape() -> None:
    found = described(
        problems(
            flag(
                """\
                groups:
                  - properties:
                      - {type: persn, key: email, value: a}
                      - {type: cohort, value: 12}
                      - {type: flag, key: other, value: true, operator: exact}
                      - {type: person, key: email, value: a, group_type_index: 0}
                """
            ),
            check_refs=False,
        )
    )
    assert found == [
        "6:12 filters.groups[0].properties[0].type: must be one of: person, cohort, flag, "
        "group (got 'persn'); did you mean 'person'?",
        "7:26 filters.groups[0].properties[1].value: must be a string, got a number",
        "8:49 filters.groups[0].properties[2].operator: must be 'flag_evaluates_to', got 'exact'",
        "9:48 filters.groups[0].properties[3].group_type_index: unknown field 'group_type_index'",
    ]


def test_every_schema_error_is_reported_not_only_the_first() -> None:
    text = (
        "kind: FeatureFlag\nkey: f\nactiv: true\nactive: 1\n"
        "filters: {groups: [{rollout_percentage: 101}, {rollout_percentage: x}]}\n"
    )
    assert len(problems(text)) == 4
