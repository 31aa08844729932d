"""The committed contract file: complete, self-consistent, valid, and in step with its source."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from contract import exceptions
from contract.checker import CONTRACT_FILE, Contract, to_json_schema

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "posthog-openapi" / "2026"


def raw_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(CONTRACT_FILE.read_text())
    return document


def derive_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "derive_contract", ROOT / "scripts" / "derive_contract.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SOURCE.is_dir(), reason="PostHog's OpenAPI files are not beside the repo")
def test_committed_contract_matches_a_fresh_derivation() -> None:
    script = derive_script()
    fresh = script.render(script.collect(SOURCE))
    assert fresh == CONTRACT_FILE.read_text(), (
        "tests/contract/posthog-contract.json is stale: run scripts/derive_contract.py"
    )


def test_every_operation_phsync_uses_is_in_the_contract() -> None:
    script = derive_script()
    wanted = {op for ops in script.OPERATIONS.values() for op in ops}
    assert wanted == set(raw_document()["operations"])


def test_every_operation_names_its_scopes_and_responses() -> None:
    for operation_id, operation in raw_document()["operations"].items():
        assert operation["scopes"], operation_id
        assert all(":" in scope for scope in operation["scopes"]), operation_id
        assert operation["responses"], operation_id


def test_every_reference_resolves() -> None:
    document = raw_document()
    text = json.dumps(document)
    prefix = '"#/components/schemas/'
    names = {part.split('"', 1)[0] for part in text.split(prefix)[1:]}
    assert names <= set(document["components"])


def keywords(node: Any) -> set[str]:
    """Every schema keyword used in `node` (field names under `properties` excluded)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            children = value.values() if key == "properties" else [value]
            for child in children:
                found |= keywords(child)
    elif isinstance(node, list):
        for child in node:
            found |= keywords(child)
    return found


def test_no_prose_is_kept() -> None:
    document = raw_document()
    used = keywords(document["components"])
    for operation in document["operations"].values():
        used |= keywords(operation["request"]) | keywords(operation["responses"])
    assert not used & {"description", "example", "examples", "title", "default", "discriminator"}


def test_converted_schemas_are_valid_json_schema() -> None:
    document = exceptions.apply_all(raw_document())
    for schema in document["components"].values():
        as_response = to_json_schema(schema, "response")
        Draft202012Validator.check_schema(as_response)
        as_request = to_json_schema(schema, "request")
        if as_request != as_response:  # only the required lists and write-only marks differ
            Draft202012Validator.check_schema(as_request)


def test_scopes_agree_with_the_api_notes() -> None:
    # posthog-api.md §1.3: cohort members need both cohort:read and person:read; Endpoint
    # runs need only endpoint:read; activity logs need activity_log:read.
    operations = Contract.load().operations
    assert operations["cohorts_persons_retrieve"].scopes == ("cohort:read", "person:read")
    assert operations["endpoints_run_create"].scopes == ("endpoint:read",)
    assert operations["feature_flags_activity_retrieve"].scopes == ("activity_log:read",)
    assert operations["persons_update_property_create"].scopes == ("person:write",)


def test_every_difference_says_why_and_applies() -> None:
    for difference in exceptions.DIFFERENCES:
        # The authority is the API notes or a named PostHog server test (file::test).
        assert "posthog-api.md §" in difference.reason or ".py::test_" in difference.reason, (
            difference
        )
        assert difference.what, difference
    # Applying them to a fresh copy must not fail (a renamed field or operation would).
    exceptions.apply_all(raw_document())


def test_differences_name_real_operations_and_components() -> None:
    document = exceptions.apply_all(raw_document())
    for difference in exceptions.DIFFERENCES:
        if difference.where.startswith("component "):
            assert difference.where.removeprefix("component ") in document["components"]
        elif "," not in difference.where and " " not in difference.where:
            assert difference.where in document["operations"], difference.where
