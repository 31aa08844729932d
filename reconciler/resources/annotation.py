"""Annotations: ownership marked by ``creation_type: GIT`` and invisible last characters;
identity is the annotation's place, and among annotations at one place its handle or content.

PostHog annotations have no name and no tags, so a manifest's ``name`` is phsync's own handle.
A live annotation is matched to its manifest by where it sits (its ``date_marker``, its
``scope`` and, for dashboard annotations, its dashboard), then, since several annotations may
share one place, by the handle phsync wrote into it, by its content, or by its place alone
where only one manifest and one annotation are left there (see :mod:`reconciler.matching`).
Editing the content is an update; moving the date makes a new annotation (the old one is
removed with ``--prune``).

phsync creates its annotations with ``creation_type: GIT`` (PostHog's mark for annotations
made by tools) and ends their content with U+2063 (INVISIBLE SEPARATOR), which charts do not
show; it treats as its own only annotations with both, so a deploy bot's GIT annotations are
never touched. Just before that last character it writes the manifest's handle: 16 bits of a
hash of the manifest's name as 8 zero-width characters, which survive PostHog's stripping and
edits of the visible text. It is left out when the content leaves no room for it (PostHog
keeps at most 400 characters), and such an annotation is matched by content or place.
"""

from __future__ import annotations

import hashlib
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
# The kinds whose ids a live object holds and its canonical form names.
refers_to: tuple[str, ...] = ("Dashboard",)
MANAGED_CREATION_TYPE = "GIT"
MARKER = "\u2063"
# Zero-width characters that carry a handle, two bits each; none of them is whitespace to
# Python's (and so PostHog's) strip().
HANDLE_DIGITS = "\u200b\u200c\u200d\u2060"
HANDLE_LENGTH = 8
CONTENT_LIMIT = 400  # PostHog's max_length for an annotation's content
_HANDLE_AT_END = re.compile(f"[{HANDLE_DIGITS}]{{{HANDLE_LENGTH}}}{MARKER}$")
_FIELDS = ("content", "date_marker", "scope", "dashboard", "emoji", "hidden_in_user_interface")
EMOJI_MAX = 16  # PostHog's limit on an annotation's emoji (a short text, often one emoji)


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
    text = str(content or "")
    found = _HANDLE_AT_END.search(text)
    return text[: found.start()] if found else text.rstrip(MARKER)


def handle(name: str) -> str:
    """The invisible handle of the manifest called ``name``: 16 bits of its SHA-256."""
    bits = int.from_bytes(hashlib.sha256(name.encode()).digest()[:2], "big")
    return "".join(
        HANDLE_DIGITS[(bits >> (2 * place)) & 3] for place in range(HANDLE_LENGTH)
    )


def handle_of(raw: Mapping[str, Json]) -> str | None:
    """The handle phsync wrote into a managed annotation, or None (none written, or unmanaged)."""
    if not is_managed(raw):
        return None
    found = _HANDLE_AT_END.search(str(raw.get("content")))
    return found.group(0)[:HANDLE_LENGTH] if found else None


def stamp(body: Mapping[str, Json], name: str) -> dict[str, Json]:
    """``body`` with the handle of manifest ``name`` in its content, when the content is sent
    and leaves room for it."""
    out = dict(body)
    content = out.get("content")
    if isinstance(content, str) and content.endswith(MARKER):
        text = user_content(content)
        if len(text) + HANDLE_LENGTH + 1 <= CONTENT_LIMIT:
            out["content"] = text + handle(name) + MARKER
    return out


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
    if "emoji" in out:
        out["emoji"] = out["emoji"] or None  # PostHog stores a blank emoji as none
    if "hidden_in_user_interface" in out:
        out["hidden_in_user_interface"] = bool(out["hidden_in_user_interface"])
    return out


def from_live(raw: Mapping[str, Json], directory: Directory) -> dict[str, Json]:
    spec: dict[str, Json] = {
        "content": user_content(raw.get("content")),
        "date_marker": raw.get("date_marker"),
        "scope": raw.get("scope") or "dashboard_item",
        "emoji": raw.get("emoji"),
        "hidden_in_user_interface": raw.get("hidden_in_user_interface") or False,
    }
    if raw.get("dashboard_id") is not None:
        spec["dashboard"] = directory.name_of("Dashboard", raw["dashboard_id"])
    return canonical(spec)


def _body(
    spec: Mapping[str, Json], fields: frozenset[str], directory: Directory
) -> dict[str, Json]:
    body: dict[str, Json] = {}
    for field in ("date_marker", "scope", "emoji", "hidden_in_user_interface"):
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
