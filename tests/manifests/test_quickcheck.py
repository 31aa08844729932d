"""The quick schema check agrees with jsonschema: on real manifests and thousands of mutants
of them, it says "valid" exactly when jsonschema finds no error."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reconciler.manifests import load_paths, schema_for
from reconciler.manifests.quickcheck import Unsupported, compile_schema, equal
from reconciler.manifests.schema import document_of
from reconciler.model import KINDS

from .helpers import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
ODD_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1.5, 50.0, 101, 10**6, "", " ", "x" * 500, "bad key!", "exact",
    "2026-11-01T10:00:00Z", [], ["a", "a"], ["a", "b"], [1], {}, {"type": "AND"},
)  # fmt: skip


def _corpus() -> dict[str, list[dict[str, Any]]]:
    examples = [ROOT / "examples" / name for name in ("annotations", "cohorts", "dashboards", "flags", "insights")]
    manifests, issues = load_paths([FIXTURES / "valid", *examples])
    assert not issues
    corpus: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for manifest in manifests:
        corpus[manifest.kind].append(document_of(manifest))
    return corpus


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*path, index)
            yield from _paths(value, (*path, index))


def _mutants(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The document with one place changed: removed, replaced by an odd value, or given an
    unknown key."""
    for path in list(_paths(document)):
        for replacement in ("<delete>", *ODD_VALUES):
            mutant = copy.deepcopy(document)
            parent = mutant
            for step in path[:-1]:
                parent = parent[step]
            if replacement == "<delete>":
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(replacement)
            yield mutant
        mutant = copy.deepcopy(document)
        target = mutant
        for step in path:
            target = target[step]
        if isinstance(target, dict):
            target["unknown_field"] = 1
            yield mutant
        elif isinstance(target, list):
            target.append(copy.deepcopy(target[0]) if target else "extra")
            yield mutant


@pytest.mark.parametrize("kind", KINDS)
def test_quick_check_agrees_with_jsonschema_on_real_manifests_and_their_mutants(
    kind: str,
) -> None:
    schema = schema_for(kind)
    quick = compile_schema(schema)
    oracle = Draft202012Validator(schema)
    documents = _corpus()[kind]
    assert documents, f"no {kind} in the corpus"
    mutants = [m for document in documents for m in _mutants(document)]
    sample = random.Random(kind).sample(mutants, min(len(mutants), 1000))
    valid = invalid = 0
    for document in [*documents, *sample]:
        expected = oracle.is_valid(document)
        assert quick(document) is expected, document
        valid += expected
        invalid += not expected
    assert valid > len(documents) and invalid > 100  # both answers were exercised


@pytest.mark.parametrize(
    ("schema", "good", "bad"),
    [
        ({"type": "integer"}, [1, 2.0, -3], [1.5, True, "1", None]),
        ({"type": "number"}, [1, 2.5], [True, "2"]),
        ({"type": ["string", "null"]}, ["a", None], [1, []]),
        ({"const": 1}, [1, 1.0], [True, "1"]),
        ({"enum": [True, "a"]}, [True, "a"], [1, "b"]),
        ({"minLength": 2}, ["ab", 5], ["a"]),
        ({"maxLength": 2}, ["ab", [1, 2, 3]], ["abc"]),
        ({"pattern": "^a"}, ["ab", 3], ["ba"]),
        ({"pattern": "b"}, ["abc"], ["a"]),  # search, not match
        ({"minimum": 0, "maximum": 100}, [0, 100, "x", True], [-1, 100.5]),
        ({"minItems": 1, "uniqueItems": True}, [[1], [1, True], "x"], [[], [1, 1.0], ["a", "a"]]),
        ({"items": {"type": "string"}}, [[], ["a"], {}], [["a", 1]]),
        ({"required": ["a"], "properties": {"a": {"type": "integer"}}}, [{"a": 1}, 3],
         [{}, {"a": "1"}]),
        ({"properties": {"a": {}}, "additionalProperties": False}, [{"a": 1}, {}], [{"b": 1}]),
        ({"additionalProperties": {"type": "integer"}}, [{"b": 1}], [{"b": "x"}]),
        ({"propertyNames": {"pattern": "^[a-z]+$"}}, [{"ab": 1}], [{"A": 1}]),
        ({"allOf": [{"minimum": 1}, {"maximum": 2}]}, [1, 2], [0, 3]),
        ({"anyOf": [{"type": "string"}, {"minimum": 5}]}, ["a", 5, 6.5, True], [4, 4.5]),
        ({"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}, [{"a": 1}, {"b": 2}], [{}]),
        ({"if": {"properties": {"t": {"const": "a"}}}, "then": {"required": ["x"]},
          "else": {"required": ["y"]}}, [{"t": "a", "x": 1}, {"t": "b", "y": 1}],
         [{"t": "a"}, {"t": "b"}]),
        ({"$defs": {"n": {"type": "object", "properties": {"c": {"$ref": "#/$defs/n"}}}},
          "$ref": "#/$defs/n"}, [{}, {"c": {"c": {}}}], [{"c": {"c": 1}}]),
        ({"not": {}}, [], []),
    ],
)  # fmt: skip
def test_each_keyword_follows_draft_2020_12(schema: Any, good: list[Any], bad: list[Any]) -> None:
    oracle = Draft202012Validator(schema)
    try:
        quick = compile_schema(schema)
    except Unsupported:
        assert "not" in schema  # a keyword this check leaves to jsonschema
        return
    for value in good:
        assert oracle.is_valid(value) and quick(value), value
    for value in bad:
        assert not oracle.is_valid(value) and not quick(value), value


def test_unknown_keywords_and_remote_references_are_refused() -> None:
    for schema in ({"oneOf": [{}]}, {"$ref": "other.json"}, {"$ref": "#/$defs/missing"}):
        with pytest.raises(Unsupported):
            compile_schema(schema)


def test_equality_tells_booleans_from_numbers() -> None:
    assert equal(1, 1.0) and equal([1, {"a": 2}], [1.0, {"a": 2.0}])
    assert not equal(True, 1) and not equal([False], [0]) and not equal({"a": 1}, {"b": 1})


def test_quick_check_agrees_with_jsonschema_on_insight_queries_and_their_mutants() -> None:
    """PostHog's query schema (anyOf, allOf, if/then, references all the way down): the quick
    check lets jsonschema alone judge only the queries it rejects."""
    from reconciler.manifests.query_schema import _quick, _schema

    queries = [document["query"] for document in _corpus()["Insight"] if "query" in document]
    assert queries
    checked = {True: 0, False: 0}
    for kind in {query["kind"] for query in queries}:
        quick, oracle = _quick(kind), Draft202012Validator(_schema(kind))
        assert quick is not None
        mine = [{"query": query} for query in queries if query["kind"] == kind]
        mutants = [m for document in mine for m in _mutants(document)]
        sample = random.Random(kind).sample(mutants, min(len(mutants), 1500))
        for document in [*mine, *sample]:
            expected = oracle.is_valid(document)
            assert quick(document) is expected, document
            checked[expected] += 1
    assert checked[True] > len(queries) and checked[False] > 100
