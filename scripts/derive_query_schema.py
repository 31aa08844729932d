"""Derive phsync's query schema from PostHog's 2026 insights OpenAPI file.

Usage: python scripts/derive_query_schema.py [DIR_WITH_2026_YML] [OUT_JSON]

PostHog generates the component schemas of its insights API from its query JSON Schema
(``frontend/src/queries/schema.json``). This script keeps the part that the query kinds phsync
validates need: each kind in ``ROOTS`` and every schema it reaches, without result shapes
(``response``), descriptions, titles and examples, converted to JSON Schema (draft 2020-12).
tests/manifests/test_query_schema.py checks that the committed file matches a fresh run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOTS = (
    "InsightVizNode",
    "TrendsQuery",
    "FunnelsQuery",
    "RetentionQuery",
    "StickinessQuery",
    "LifecycleQuery",
    "PathsQuery",
    "DataVisualizationNode",
    "DataTableNode",
    "HogQLQuery",
)
# The kinds a manifest's top-level ``query`` may be, and what each may hold as ``source``.
TOP = ("InsightVizNode", "DataVisualizationNode", "DataTableNode")
SOURCES = {
    "InsightVizNode": (
        "TrendsQuery",
        "FunnelsQuery",
        "RetentionQuery",
        "StickinessQuery",
        "LifecycleQuery",
        "PathsQuery",
    ),
    "DataVisualizationNode": ("HogQLQuery",),
    "DataTableNode": ("HogQLQuery",),
}
DROP_PROPERTIES = {"response"}
KEEP = {
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "$ref",
    "additionalProperties",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
}
PREFIX = "#/components/schemas/"


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {
                name: _convert(sub) for name, sub in value.items() if name not in DROP_PROPERTIES
            }
        elif key == "$ref":
            out[key] = "#/$defs/" + str(value)[len(PREFIX) :]
        elif key in KEEP:
            out[key] = _convert(value)
    if "required" in out and "properties" in out:
        out["required"] = [name for name in out["required"] if name in out["properties"]]
        if not out["required"]:
            del out["required"]
    if node.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.rsplit("/", 1)[-1])
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def derive(folder: Path) -> dict[str, Any]:
    document = yaml.safe_load((folder / "insights.yml").read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    defs: dict[str, Any] = {}
    for kind, sources in SOURCES.items():
        defs[kind] = _convert(schemas[kind])
        defs[kind]["properties"]["source"] = {"$ref": f"#/$defs/{kind}Source"}
        defs[f"{kind}Source"] = {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"enum": list(sources)}},
            "allOf": [
                {
                    "if": {"properties": {"kind": {"const": source}}, "required": ["kind"]},
                    "then": {"$ref": f"#/$defs/{source}"},
                }
                for source in sources
            ],
        }
    todo = sorted(set(ROOTS) - set(defs)) + sorted(set().union(*map(_refs, defs.values())))
    while todo:
        name = todo.pop()
        if name in defs:
            continue
        defs[name] = _convert(schemas[name])
        todo.extend(sorted(_refs(defs[name]) - set(defs)))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:phsync:schema:v1:query",
        "title": "PostHog query kinds that Insight manifests may hold",
        "x-source": "PostHog OpenAPI 2026, insights (components derived from its query schema)",
        "x-top": list(TOP),
        "x-sources": SOURCES,
        "$defs": dict(sorted(defs.items())),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=1, sort_keys=False) + "\n"


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    folder = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared/posthog-openapi/2026"
    )
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "schemas" / "posthog-query.json"
    out.write_text(render(derive(folder)), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
