#!/usr/bin/env python3
"""Derive phsync's API contract from PostHog's own OpenAPI files.

PostHog generates its OpenAPI document from its server code and serves it at
`GET /api/schema/`. This script reads that document (split per product, YAML), keeps in full
the operations phsync uses (and the emulator's tests check), lists every other route with its
personal-API-key scopes (`routes`, for the emulator's route table), and reduces every schema
to what a conformance check needs:
field names, types, useful formats, nullability, enums, required lists, read-only and
write-only marks, and length/range/pattern constraints. Descriptions, examples, titles and
defaults are dropped. Component schemas stay components, referenced by `$ref`.

The output is deterministic (sorted keys, fixed indentation), so re-running the script on
the same input gives no diff. Tests read only the committed output, never the YAML.

Usage:
    scripts/derive_contract.py [--source DIR] [--out tests/contract/posthog-contract.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "posthog-openapi" / "2026"
DEFAULT_OUT = ROOT / "tests" / "contract" / "posthog-contract.json"

# The operations phsync uses, by operationId, grouped by the file that defines them.
OPERATIONS: Mapping[str, tuple[str, ...]] = {
    "projects.yml": (
        "organizations_projects_list",
        "organizations_projects_retrieve",
    ),
    "users.yml": ("users_retrieve",),
    "feature-flags.yml": (
        "feature_flags_list",
        "feature_flags_create",
        "feature_flags_retrieve",
        "feature_flags_partial_update",
        "feature_flags_destroy",
        "feature_flags_activity_retrieve",
        "feature_flags_all_activity_retrieve",
    ),
    "cohorts.yml": (
        "cohorts_list",
        "cohorts_create",
        "cohorts_retrieve",
        "cohorts_partial_update",
        "cohorts_destroy",
        "cohorts_persons_retrieve",
        "cohorts_activity_retrieve",
        "cohorts_all_activity_retrieve",
    ),
    "dashboards.yml": (
        "dashboards_list",
        "dashboards_create",
        "dashboards_retrieve",
        "dashboards_partial_update",
        "dashboards_destroy",
    ),
    "actions.yml": (
        "actions_list",
        "actions_create",
        "actions_retrieve",
        "actions_partial_update",
        "actions_destroy",
    ),
    "insights.yml": (
        "insights_list",
        "insights_create",
        "insights_retrieve",
        "insights_partial_update",
        "insights_destroy",
    ),
    "annotations.yml": (
        "annotations_list",
        "annotations_create",
        "annotations_retrieve",
        "annotations_partial_update",
        "annotations_destroy",
    ),
    "persons.yml": (
        "persons_list",
        "persons_retrieve",
        "persons_partial_update",
        "persons_update_property_create",
        "persons_delete_property_create",
        "persons_activity_retrieve",
        "persons_all_activity_retrieve",
    ),
    "session-recordings.yml": (
        "session_recordings_list",
        "session_recordings_retrieve",
    ),
    "approval-policies.yml": ("approval_policies_list",),
    "change-requests.yml": ("change_requests_list",),
    "endpoints.yml": (
        "endpoints_list",
        "endpoints_create",
        "endpoints_retrieve",
        "endpoints_run_retrieve",
        "endpoints_run_create",
    ),
}

# libyaml's loader when present: same result, several times faster on these files.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
JSON_MEDIA_TYPE = "application/json"
SCHEMA_PREFIX = "#/components/schemas/"
PARAMETER_PREFIX = "#/components/parameters/"

# Schema keywords kept in the contract; everything else (description, title, example,
# default, discriminator, x-*) is dropped.
KEPT_KEYWORDS = frozenset(
    {
        "$ref",
        "additionalProperties",
        "allOf",
        "anyOf",
        "enum",
        "format",
        "items",
        "maxItems",
        "maxLength",
        "maximum",
        "minItems",
        "minLength",
        "minimum",
        "nullable",
        "oneOf",
        "pattern",
        "properties",
        "readOnly",
        "required",
        "type",
        "writeOnly",
    }
)
# Formats worth checking; numeric formats (double, int64, decimal) add nothing to `type`.
KEPT_FORMATS = frozenset({"date", "date-time", "email", "uri", "uuid"})


class ContractError(Exception):
    """The source files do not hold what the contract needs."""


def reduce_schema(schema: Any, rename: Mapping[str, str]) -> Any:
    """Return `schema` with only the kept keywords; `$ref`s are renamed through `rename`."""
    if not isinstance(schema, dict):
        return schema
    reduced: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword not in KEPT_KEYWORDS:
            continue
        if keyword == "$ref":
            reduced[keyword] = SCHEMA_PREFIX + rename[component_name(value)]
        elif keyword == "format":
            if value in KEPT_FORMATS:
                reduced[keyword] = value
        elif keyword == "properties":
            reduced[keyword] = {name: reduce_schema(sub, rename) for name, sub in value.items()}
        elif keyword in ("allOf", "anyOf", "oneOf"):
            reduced[keyword] = [reduce_schema(sub, rename) for sub in value]
        elif keyword in ("items", "additionalProperties"):
            reduced[keyword] = reduce_schema(value, rename)
        elif keyword == "required":
            reduced[keyword] = sorted(value)
        else:
            reduced[keyword] = value
    return reduced


def component_name(ref: str) -> str:
    if not ref.startswith(SCHEMA_PREFIX):
        raise ContractError(f"unsupported $ref {ref!r}")
    return ref[len(SCHEMA_PREFIX) :]


def refs_in(node: Any) -> Iterator[str]:
    """Every component name referenced anywhere inside `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_PREFIX):
                yield component_name(value)
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


def closure(roots: Iterable[str], schemas: Mapping[str, Any]) -> set[str]:
    """The component names reachable from `roots`."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in schemas:
            raise ContractError(f"missing component schema {name!r}")
        seen.add(name)
        todo.extend(refs_in(schemas[name]))
    return seen


def find_operations(document: Mapping[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (method, path template, operation object)."""
    found: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict) and "operationId" in operation:
                found[operation["operationId"]] = (method.upper(), path, operation)
    return found


def json_schema_of(content: Mapping[str, Any] | None) -> Any:
    if not content or JSON_MEDIA_TYPE not in content:
        return None
    return content[JSON_MEDIA_TYPE].get("schema")


def scopes_of(operation: Mapping[str, Any]) -> list[str]:
    scopes: set[str] = set()
    for requirement in operation.get("security") or []:
        scopes.update(requirement.get("PersonalAPIKeyAuth", []))
    return sorted(scopes)


def parameters_of(
    operation: Mapping[str, Any], document: Mapping[str, Any], rename: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    shared = document.get("components", {}).get("parameters", {})
    grouped: dict[str, dict[str, Any]] = {"path": {}, "query": {}}
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = shared[parameter["$ref"][len(PARAMETER_PREFIX) :]]
        location = parameter["in"]
        if location in grouped:
            grouped[location][parameter["name"]] = reduce_schema(
                parameter.get("schema", {}), rename
            )
    return grouped


def response_of(response: Mapping[str, Any], rename: Mapping[str, str]) -> dict[str, Any]:
    """`{"schema": ...}` for a JSON body, `{"empty": true}` for "no body", `{}` when unsaid."""
    schema = json_schema_of(response.get("content"))
    if schema is not None:
        return {"schema": reduce_schema(schema, rename)}
    if response.get("description") == "No response body":
        return {"empty": True}
    return {}


def request_of(operation: Mapping[str, Any], rename: Mapping[str, str]) -> dict[str, Any] | None:
    body = operation.get("requestBody")
    if not body:
        return None
    schema = json_schema_of(body.get("content"))
    if schema is None:
        return None
    return {"required": bool(body.get("required", False)), "schema": reduce_schema(schema, rename)}


def collect(source: Path) -> dict[str, Any]:
    """Build the contract document from the YAML files in `source`."""
    files: dict[str, str] = {}
    # component name -> {reduced-json: (file, reduced schema)}; reduced before renaming so
    # identical definitions from different files collapse into one.
    wanted: dict[str, dict[str, Any]] = {}  # file -> {"document", "operations", "closure"}
    for filename, operation_ids in OPERATIONS.items():
        raw = (source / filename).read_bytes()
        files[filename] = hashlib.sha256(raw).hexdigest()
        document = yaml.load(raw, Loader=SAFE_LOADER)
        available = find_operations(document)
        missing = [op for op in operation_ids if op not in available]
        if missing:
            raise ContractError(f"{filename}: no operation {', '.join(missing)}")
        chosen = {op: available[op] for op in operation_ids}
        schemas = document.get("components", {}).get("schemas", {})
        roots = {name for _, _, operation in chosen.values() for name in refs_in(operation)}
        roots |= {
            name
            for _, _, operation in chosen.values()
            for parameter in operation.get("parameters", [])
            for name in refs_in(parameter)
        }
        wanted[filename] = {
            "document": document,
            "operations": chosen,
            "closure": closure(roots, schemas),
        }

    rename_by_file = component_names(wanted)
    components: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for filename, entry in wanted.items():
        rename = rename_by_file[filename]
        schemas = entry["document"]["components"]["schemas"]
        for name in entry["closure"]:
            components[rename[name]] = reduce_schema(schemas[name], rename)
        for operation_id, (method, path, operation) in entry["operations"].items():
            if operation_id in operations:
                raise ContractError(f"operationId {operation_id} defined twice")
            operations[operation_id] = {
                "file": filename,
                "method": method,
                "path": path,
                "scopes": scopes_of(operation),
                "deprecated": bool(operation.get("deprecated", False)),
                "parameters": parameters_of(operation, entry["document"], rename),
                "request": request_of(operation, rename),
                "responses": {
                    str(status): response_of(response, rename)
                    for status, response in operation.get("responses", {}).items()
                },
            }
    routes: dict[str, dict[str, Any]] = {}
    for path in sorted(source.glob("*.yml")):
        raw = path.read_bytes()
        files[path.name] = hashlib.sha256(raw).hexdigest()
        document = yaml.load(raw, Loader=SAFE_LOADER)
        for method, template, operation in find_operations(document).values():
            routes[f"{method} {template}"] = {
                "scopes": scopes_of(operation),
                "deprecated": bool(operation.get("deprecated", False)),
            }
    return {
        "about": (
            "Derived by scripts/derive_contract.py from PostHog's OpenAPI document of 2026 "
            "(drf-spectacular output, split per product). Do not edit by hand; see "
            "docs/conformance.md."
        ),
        "openapi": "3.0.3",
        "source_files": files,
        "operations": operations,
        "routes": dict(sorted(routes.items())),
        "components": components,
    }


def component_names(wanted: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Per file, map each component name to its name in the contract.

    A name defined identically by every file that uses it keeps its name; a name whose
    definitions differ between files is qualified as `<file stem>.<name>` in each of them.
    """
    clashing: set[str] = set()
    while True:
        renames = {
            filename: {
                name: f"{filename.removesuffix('.yml')}.{name}" if name in clashing else name
                for name in entry["closure"]
            }
            for filename, entry in wanted.items()
        }
        variants: dict[str, set[str]] = {}
        for filename, entry in wanted.items():
            schemas = entry["document"]["components"]["schemas"]
            for name in entry["closure"]:
                reduced = reduce_schema(schemas[name], renames[filename])
                variants.setdefault(name, set()).add(json.dumps(reduced, sort_keys=True))
        # A schema that refers to a qualified name differs between files too, so repeat
        # until no new clash appears.
        found = {name for name, forms in variants.items() if len(forms) > 1}
        if found <= clashing:
            return renames
        clashing |= found


def render(contract: Mapping[str, Any]) -> str:
    return json.dumps(contract, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if --out differs from what the source gives, instead of writing it",
    )
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(
            f"derive_contract: no source folder {args.source}; give --source DIR, a folder of "
            "PostHog's OpenAPI files split per product (the committed contract needs none)",
            file=sys.stderr,
        )
        return 2
    try:
        text = render(collect(args.source))
    except (OSError, ContractError, yaml.YAMLError) as error:
        print(f"derive_contract: {error}", file=sys.stderr)
        return 2
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            print(f"derive_contract: {args.out} is out of date; re-run without --check")
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
