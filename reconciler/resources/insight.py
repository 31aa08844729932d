"""Insights: identity ``name``; ownership marked by the tag ``managed-by-phsync``.

An insight is a saved query (PostHog's own query schema: ``InsightVizNode`` around a trends,
funnels, retention, stickiness, lifecycle or paths query; ``DataVisualizationNode`` or
``DataTableNode`` around SQL). Manifests name actions and cohorts inside the query where
PostHog stores ids (see :mod:`reconciler.resources.query_refs`).

PostHog adds to a stored query: ``version`` keys on its nodes, nulls, and defaults that its
editor fills in (``filterTestAccounts``, ``trendsFilter.display``...). The canonical form drops
``version`` keys and nulls; ``align`` keeps of the live query only the keys the manifest
gives, at every depth, so that what PostHog adds by itself is never drift. Export writes the
whole stored query, so an exported insight compares equal too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler import paths
from reconciler.resources import query_refs
from reconciler.resources.base import (
    Directory,
    Json,
    LiveObject,
    content_hash,
    mark_tags,
    no_followup,
    number,
    tagged_managed,
    user_tags,
    with_marker,
)
from reconciler.resources.labels import insight_lists

kind = "Insight"
collection = "insights"
# The kinds whose ids a live object holds and its canonical form names.
refers_to: tuple[str, ...] = ("Action", "Cohort")
create_followup = no_followup
list_rule = insight_lists


def identity(spec: Mapping[str, Json]) -> str:
    return str(spec["name"])


display_name = identity


is_managed = tagged_managed


def version(raw: Mapping[str, Json], spec: Mapping[str, Json]) -> str:
    return content_hash([spec, is_managed(raw)])


def canonical_query(node: Any) -> Any:
    """A query without nulls and without the ``version`` keys of its nodes; 5.0 is 5."""
    if isinstance(node, list):
        return [canonical_query(item) for item in node]
    if isinstance(node, dict):
        return {
            key: canonical_query(value)
            for key, value in node.items()
            if value is not None and not (key == "version" and "kind" in node)
        }
    return number(node)


def _canonical(spec: Mapping[str, Json]) -> dict[str, Json]:
    out: dict[str, Json] = {"name": str(spec["name"]).strip()}
    if "description" in spec:
        out["description"] = str(spec["description"] or "").strip()
    if "tags" in spec:
        out["tags"] = user_tags(spec["tags"])
    if "query" in spec:
        out["query"] = canonical_query(spec["query"])
    return out


canonical = _canonical


def from_live(raw: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    query = query_refs.rewrite(raw.get("query"), directory.name_of)
    return _canonical(
        {
            "name": raw.get("name") or raw.get("derived_name") or "",
            "description": raw.get("description"),
            "tags": raw.get("tags") or [],
            "query": query,
        }
    )


def _prune(want: Any, have: Any) -> Any:
    """``have`` with only the mapping keys that ``want`` gives, at every depth."""
    if isinstance(want, dict) and isinstance(have, dict):
        return {key: _prune(want[key], value) for key, value in have.items() if key in want}
    if isinstance(want, list) and isinstance(have, list):
        return [
            _prune(want[index], item) if index < len(want) else item
            for index, item in enumerate(have)
        ]
    return have


def align(desired: Mapping[str, Json], live: dict[str, Json]) -> dict[str, Json]:
    if "query" in desired and "query" in live:
        return {**live, "query": _prune(desired["query"], live["query"])}
    return live


def _ids(query: Any, directory: Directory) -> Any:
    return query_refs.rewrite(query, lambda target, name: directory.id_of(target, str(name)))


def _body(spec: Mapping[str, Json], fields: frozenset[str], directory: Directory) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field in ("name", "description"):
        if field in fields and field in spec:
            body[field] = spec[field]
    if "query" in fields and "query" in spec:
        body["query"] = _ids(spec["query"], directory)
    return body


def create_body(spec: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    body = _body(spec, frozenset(spec), directory)
    body["tags"] = with_marker(spec.get("tags"))
    return body


def update_body(
    spec: Mapping[str, Json],
    fields: frozenset[str],
    live: LiveObject,
    directory: Directory,
    ignore: tuple[paths.Path, ...] = (),
) -> dict[str, Json]:
    body = _body(spec, fields, directory)
    mark_tags(body, spec, fields, live)
    return body
