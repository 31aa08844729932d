"""Derive the emulator's OpenAPI contract file from PostHog's 2026 OpenAPI files.

Usage: python scripts/derive_emulator_contract.py DIR_WITH_2026_YML [OUT_JSON]

Keeps what tests need (paths, methods, the personal-API-key scope of each operation, response
schema names, and the component schemas with descriptions and examples stripped) so that the
test suite never reads the original files at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

KEEP = {
    "type",
    "format",
    "nullable",
    "enum",
    "required",
    "properties",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "$ref",
    "additionalProperties",
    "readOnly",
    "writeOnly",
    "maxLength",
    "minLength",
    "minimum",
    "maximum",
    "pattern",
    "default",
}
METHODS = ("get", "post", "put", "patch", "delete")


def strip(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "properties":
                out[key] = {name: strip(sub) for name, sub in value.items()}
            elif key in KEEP:
                out[key] = strip(value)
        return out
    if isinstance(node, list):
        return [strip(item) for item in node]
    return node


def ref_name(schema: dict[str, Any] | None) -> str | None:
    if not schema:
        return None
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
        return "[]" + str(schema["items"]["$ref"]).rsplit("/", 1)[-1]
    return None


def derive(folder: Path) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for path in sorted(folder.glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        for template, ops in doc["paths"].items():
            for method, op in ops.items():
                if method not in METHODS:
                    continue
                scopes: list[str] = []
                for requirement in op.get("security", []):
                    scopes.extend(requirement.get("PersonalAPIKeyAuth", []))
                responses = {}
                for status, response in op.get("responses", {}).items():
                    content = response.get("content", {}).get("application/json", {})
                    responses[str(status)] = ref_name(content.get("schema"))
                operations[f"{method.upper()} {template}"] = {
                    "file": path.name,
                    "scopes": scopes,
                    "deprecated": bool(op.get("deprecated")),
                    "responses": responses,
                }
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            stripped = strip(schema)
            if name in schemas and schemas[name] != stripped:
                name = f"{path.stem}:{name}"
            schemas[name] = stripped
    return {
        "source": "PostHog OpenAPI 2026 (api-evangelist/posthog openapi/, split per product)",
        "operations": dict(sorted(operations.items())),
        "schemas": dict(sorted(schemas.items())),
    }


def main() -> None:
    folder = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("tests/emulator/openapi_contract.json")
    out.write_text(json.dumps(derive(folder), indent=1, sort_keys=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
