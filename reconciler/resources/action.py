"""Actions: identity ``name``; ownership marked by the tag ``managed-by-phsync``.

An action is a named set of steps, each matching events (by event name, page URL, element
text, link, CSS selector, properties). Insights count actions by name in manifests and by id
in PostHog. PostHog stores every step field, null where unset, and fills ``url_matching``
with ``contains`` where a step has a URL; the canonical form does the same, so that a
manifest that leaves those out compares equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler import paths
from reconciler.resources.base import (
    Directory,
    Json,
    LiveObject,
    content_hash,
    drop_none,
    keep_live,
    mark_tags,
    no_followup,
    number,
    tagged_managed,
    user_tags,
    with_marker,
)
from reconciler.resources.labels import action_lists

kind = "Action"
collection = "actions"
# The kinds whose ids a live object holds and its canonical form names.
refers_to: tuple[str, ...] = ()
STEP_FIELDS = (
    "event",
    "url",
    "url_matching",
    "text",
    "text_matching",
    "href",
    "href_matching",
    "selector",
    "tag_name",
    "properties",
)
_MATCHING = {"url": "url_matching", "text": "text_matching", "href": "href_matching"}


def identity(spec: Mapping[str, Json]) -> str:
    return str(spec["name"])


display_name = identity
align = keep_live
list_rule = action_lists
create_followup = no_followup


is_managed = tagged_managed


def version(raw: Mapping[str, Json], spec: Mapping[str, Json]) -> str:
    return content_hash([spec, is_managed(raw)])


def _property(prop: Mapping[str, Json]) -> dict[str, Json]:
    out = drop_none({key: number(value) for key, value in prop.items()})
    out.setdefault("type", "event")
    if out.get("type") not in ("cohort",):
        out.setdefault("operator", "exact")
    if isinstance(out.get("value"), list):
        out["value"] = [number(v) for v in out["value"]]
    return out


def _step(step: Mapping[str, Json]) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for field in STEP_FIELDS:
        value = step.get(field)
        if value in (None, "", []):
            continue
        out[field] = [_property(p) for p in value] if field == "properties" else value
    for field, matching in _MATCHING.items():
        if field in out and matching not in out:
            out[matching] = "contains" if field == "url" else "exact"
        if field not in out:
            out.pop(matching, None)
    return out


def _canonical(spec: Mapping[str, Json]) -> dict[str, Json]:
    out: dict[str, Json] = {"name": str(spec["name"]).strip()}
    if "description" in spec:
        out["description"] = str(spec["description"] or "").strip()
    if "tags" in spec:
        out["tags"] = user_tags(spec["tags"])
    if "steps" in spec:
        out["steps"] = [_step(step) for step in spec["steps"] or []]
    return out


canonical = _canonical


def from_live(raw: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    return _canonical(
        {
            "name": raw.get("name") or "",
            "description": raw.get("description"),
            "tags": raw.get("tags") or [],
            "steps": raw.get("steps") or [],
        }
    )


def _body(spec: Mapping[str, Json], fields: frozenset[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field in ("name", "description"):
        if field in fields and field in spec:
            body[field] = spec[field]
    if "steps" in fields and "steps" in spec:
        body["steps"] = [dict(step) for step in spec["steps"]]
    return body


def create_body(spec: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    body = _body(spec, frozenset(spec))
    body["tags"] = with_marker(spec.get("tags"))
    return body


def update_body(
    spec: Mapping[str, Json],
    fields: frozenset[str],
    live: LiveObject,
    directory: Directory,
    ignore: tuple[paths.Path, ...] = (),
) -> dict[str, Json]:
    body = _body(spec, fields)
    mark_tags(body, spec, fields, live)
    return body
