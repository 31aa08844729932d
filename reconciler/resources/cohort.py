"""Cohorts: identity ``name``; ownership marked by a last line of the description.

Cohorts carry no tags, so phsync appends ``[managed by phsync]`` as the description's last line
and strips it again before comparing or exporting. A cohort includes another cohort by name in
manifests (``{type: cohort, value: NAME}``) and by numeric id in PostHog.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reconciler import paths
from reconciler.resources.base import (
    Directory,
    Json,
    LiveObject,
    content_hash,
    drop_none,
    keep_live,
    no_followup,
    number,
)
from reconciler.resources.labels import cohort_lists

kind = "Cohort"
collection = "cohorts"
# The kinds whose ids a live object holds and its canonical form names.
refers_to: tuple[str, ...] = ("Cohort",)
MARKER = "[managed by phsync]"


def identity(spec: Mapping[str, Json]) -> str:
    return str(spec["name"])


display_name = identity


align = keep_live
list_rule = cohort_lists
create_followup = no_followup


def is_managed(raw: Mapping[str, Json]) -> bool:
    return str(raw.get("description") or "").rstrip().endswith(MARKER)


def user_description(text: Json) -> str:
    """The description without phsync's marker, stripped as PostHog stores it."""
    body = str(text or "").strip()
    if body.endswith(MARKER):
        body = body[: -len(MARKER)].rstrip()
    return body


def marked_description(text: Json) -> str:
    body = user_description(text)
    return f"{body}\n\n{MARKER}" if body else MARKER


def version(raw: Mapping[str, Json], spec: Mapping[str, Json]) -> str:
    return content_hash([spec, is_managed(raw)])


def _node(node: Mapping[str, Json], cohort: Callable[[Any], Any]) -> dict[str, Json]:
    if node.get("type") in ("AND", "OR") and "values" in node:
        return {"type": node["type"], "values": [_node(v, cohort) for v in node["values"] or []]}
    ntype = node.get("type")
    if ntype == "cohort":
        return {
            "key": "id",
            "type": "cohort",
            "value": cohort(node.get("value")),
            "negation": bool(node.get("negation") or False),
        }
    out = drop_none({k: number(v) for k, v in node.items() if k not in ("negation",)})
    if isinstance(out.get("value"), list):
        out["value"] = [number(v) for v in out["value"]]
    out["negation"] = bool(node.get("negation") or False)
    return out


def _canonical(spec: Mapping[str, Json], cohort: Callable[[Any], Any]) -> dict[str, Json]:
    out: dict[str, Json] = {"name": spec["name"]}
    if "description" in spec:
        out["description"] = user_description(spec["description"])
    if "is_static" in spec:
        out["is_static"] = bool(spec["is_static"])
    elif spec.get("filters") is not None:
        out["is_static"] = False  # conditions make it dynamic, even if it was static before
    filters = spec.get("filters")
    if "filters" in spec and filters is not None and not spec.get("is_static"):
        props = filters.get("properties") if isinstance(filters, Mapping) else None
        out["filters"] = {"properties": _node(props, cohort) if props else None}
    return out


def canonical(spec: Mapping[str, Json]) -> dict[str, Json]:
    return _canonical(spec, lambda value: value)


def from_live(raw: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    spec = {
        "name": raw.get("name") or "",
        "description": raw.get("description"),
        "is_static": bool(raw.get("is_static")),
    }
    if not raw.get("is_static"):
        spec["filters"] = raw.get("filters") or {"properties": None}
    return _canonical(spec, lambda value: directory.name_of("Cohort", value))


def _api_node(node: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    if node.get("type") in ("AND", "OR") and "values" in node:
        return {"type": node["type"], "values": [_api_node(v, directory) for v in node["values"]]}
    if node.get("type") == "cohort":
        return {**node, "value": directory.id_of("Cohort", node["value"])}
    return dict(node)


def _body(
    spec: Mapping[str, Json], fields: frozenset[str], directory: Directory
) -> dict[str, Json]:
    body: dict[str, Json] = {}
    if "name" in fields:
        body["name"] = spec["name"]
    if "is_static" in fields and "is_static" in spec:
        body["is_static"] = spec["is_static"]
    if "filters" in fields and spec.get("filters"):
        props = spec["filters"].get("properties")
        body["filters"] = {"properties": _api_node(props, directory) if props else None}
    return body


def create_body(spec: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    body = _body(spec, frozenset(spec), directory)
    body["description"] = marked_description(spec.get("description"))
    return body


def update_body(
    spec: Mapping[str, Json],
    fields: frozenset[str],
    live: LiveObject,
    directory: Directory,
    ignore: tuple[paths.Path, ...] = (),
) -> dict[str, Json]:
    body = _body(spec, fields, directory)
    if "description" in fields or not live.managed:
        body["description"] = marked_description(
            spec["description"] if "description" in spec else live.raw.get("description")
        )
    return body
