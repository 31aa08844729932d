"""Annotations: ownership marked by ``creation_type: GIT`` and an invisible last character;
identity is the annotation's place.

PostHog annotations have no name and no tags, so a manifest's ``name`` is phsync's own handle
and a live annotation is matched to its manifest by where it sits: its ``date_marker``, its
``scope`` and, for dashboard annotations, its dashboard. Editing the content is an update;
moving the date makes a new annotation (the old one is removed with ``--prune``).
phsync creates its annotations with ``creation_type: GIT`` (PostHog's mark for annotations
made by tools) and ends their content with U+2063 (INVISIBLE SEPARATOR), which charts do not
show; it treats as its own only annotations with both, so a deploy bot's GIT annotations are
never touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from reconciler import paths
from reconciler.items import no_lists
from reconciler.resources.base import (
    Directory,
    Json,
    LiveObject,
    content_hash,
    keep_live,
    no_followup,
)

kind = "Annotation"
collection = "annotations"
MANAGED_CREATION_TYPE = "GIT"
MARKER = "\u2063"
_FIELDS = ("content", "date_marker", "scope", "dashboard")


def normalise_date(value: Json) -> Json:
    """Any ISO 8601 date-time (or a YAML timestamp) -> ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    else:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return moment.strftime(fmt)


def identity(spec: Mapping[str, Json]) -> str:
    place = f"{spec.get('date_marker')} {spec.get('scope', 'project')}"
    return f"{place} {spec['dashboard']}" if spec.get("dashboard") else place


def display_name(spec: Mapping[str, Json]) -> str:
    date = str(spec.get("date_marker") or "")[:10]
    slug = re.sub(r"[^a-z0-9]+", "-", str(spec.get("content") or "").lower()).strip("-")[:40]
    return "-".join(part for part in (date, slug) if part) or "annotation"


align = keep_live
list_rule = no_lists
create_followup = no_followup


def is_managed(raw: Mapping[str, Json]) -> bool:
    content = raw.get("content")
    return (
        raw.get("creation_type") == MANAGED_CREATION_TYPE
        and isinstance(content, str)
        and content.endswith(MARKER)
    )


def user_content(content: Json) -> str:
    return str(content or "").rstrip(MARKER)


def version(raw: Mapping[str, Json], spec: Mapping[str, Json]) -> str:
    return content_hash([spec, is_managed(raw)])


def canonical(spec: Mapping[str, Json]) -> dict[str, Json]:
    out: dict[str, Json] = {field: spec[field] for field in _FIELDS if field in spec}
    if isinstance(out.get("content"), str):
        out["content"] = out["content"].strip()  # PostHog strips it on save
    out["scope"] = spec.get("scope") or "project"
    if "date_marker" in out:
        out["date_marker"] = normalise_date(out["date_marker"])
    if out.get("dashboard") is None:
        out.pop("dashboard", None)
    return out


def from_live(raw: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    spec: dict[str, Json] = {
        "content": user_content(raw.get("content")),
        "date_marker": raw.get("date_marker"),
        "scope": raw.get("scope") or "dashboard_item",
    }
    if raw.get("dashboard_id") is not None:
        spec["dashboard"] = directory.name_of("Dashboard", raw["dashboard_id"])
    return canonical(spec)


def _body(
    spec: Mapping[str, Json], fields: frozenset[str], directory: Directory
) -> dict[str, Json]:
    body: dict[str, Json] = {}
    for field in ("date_marker", "scope"):
        if field in fields and field in spec:
            body[field] = spec[field]
    if "content" in fields and "content" in spec:
        body["content"] = user_content(spec["content"]) + MARKER
    if "dashboard" in fields or "scope" in fields:
        name = spec.get("dashboard")
        body["dashboard_id"] = directory.id_of("Dashboard", name) if name else None
    return body


def create_body(spec: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    body = _body(spec, frozenset(_FIELDS), directory)
    body["creation_type"] = MANAGED_CREATION_TYPE
    return body


def update_body(
    spec: Mapping[str, Json],
    fields: frozenset[str],
    live: LiveObject,
    directory: Directory,
    ignore: tuple[paths.Path, ...] = (),
) -> dict[str, Json]:
    body = _body(spec, fields | ({"content"} if not live.managed else set()), directory)
    if not live.managed:
        body["creation_type"] = MANAGED_CREATION_TYPE
    return body
