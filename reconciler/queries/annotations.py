"""Annotations: `phsync annotations list`, and `annotations create` for deploy pipelines.

An annotation made with `annotations create` has ``creation_type: USR``, like one made in
PostHog's UI, so phsync's declarative side (which owns only ``GIT`` annotations) never treats
it as its own and never prunes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.client import PostHogClient, ProgressCallback
from reconciler.errors import ConfigError
from reconciler.queries.common import iso, page_size_for, text
from reconciler.queries.dashboards import find_dashboard_id
from reconciler.resources.annotation import MARKER, is_managed, user_content

USER_CREATION_TYPE = "USR"
MAX_CONTENT = 400
SCOPES = ("project", "organization", "dashboard", "insight")
CREATE_SCOPES = ("project", "organization", "dashboard")


@dataclass(frozen=True)
class Annotation:
    id: int
    date_marker: str | None
    content: str | None
    scope: str | None
    dashboard: str | None
    dashboard_id: int | None
    insight: str | None
    creation_type: str | None
    managed: bool
    created_by: str | None
    created_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _visible(content: Any) -> str | None:
    """The content as people read it: without phsync's invisible marker (U+2063)."""
    found = text(content)
    return found.replace(MARKER, "") or None if found is not None else None


def summarise_annotation(raw: Mapping[str, Any]) -> Annotation:
    created_by = raw.get("created_by") if isinstance(raw.get("created_by"), dict) else {}
    dashboard_id = raw.get("dashboard_id")
    return Annotation(
        id=int(raw["id"]),
        date_marker=text(raw.get("date_marker")),
        # phsync's own annotations end with invisible characters (marker and handle): not text.
        content=_visible(user_content(raw.get("content"))),
        scope=text(raw.get("scope")),
        dashboard=text(raw.get("dashboard_name")),
        dashboard_id=dashboard_id if isinstance(dashboard_id, int) else None,
        insight=text(raw.get("insight_name")) or text(raw.get("insight_short_id")),
        creation_type=text(raw.get("creation_type")),
        managed=is_managed(raw),
        created_by=text((created_by or {}).get("email")),
        created_at=text(raw.get("created_at")),
    )


def iter_annotations(
    client: PostHogClient,
    *,
    since: str | None = None,
    scope: str | None = None,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[Annotation]:
    """Annotations, latest date first; ``since`` is an ISO timestamp (``date_from``)."""
    path = client.project_path("annotations/")
    params: dict[str, Any] = {}
    if since:
        params["date_from"] = since
    if scope:
        params["scope"] = scope
    for raw in client.paginate(
        path, params, page_size=page_size_for(limit, path), progress=progress
    ):
        yield summarise_annotation(raw)


EMOJI_MAX = 16  # PostHog's limit on an annotation's emoji


def check_annotation(
    content: str, *, scope: str, dashboard: str | None, emoji: str | None = None
) -> None:
    """Refuse what PostHog would refuse, before anything is sent."""
    if emoji is not None and len(emoji) > EMOJI_MAX:
        raise ConfigError(
            f"--emoji has {len(emoji)} characters; PostHog takes at most {EMOJI_MAX}",
            hint="give one emoji, e.g. --emoji 🚀",
        )
    if not content.strip():
        raise ConfigError("an annotation needs some text")
    if len(content) > MAX_CONTENT:
        raise ConfigError(
            f"the annotation text has {len(content)} characters; PostHog takes at most "
            f"{MAX_CONTENT}"
        )
    if scope not in CREATE_SCOPES:
        raise ConfigError(
            f"unknown annotation scope {scope!r}", hint=f"use one of {', '.join(CREATE_SCOPES)}"
        )
    if scope == "dashboard" and not dashboard:
        raise ConfigError(
            "a dashboard annotation needs its dashboard", hint="name it with --dashboard NAME"
        )
    if scope != "dashboard" and dashboard:
        raise ConfigError(
            f"--dashboard goes with --scope dashboard, not --scope {scope}",
            hint="drop --scope, or use --scope dashboard",
        )


def annotation_body(
    content: str, *, date_marker: str, scope: str, dashboard_id: int | None
) -> dict[str, Any]:
    """The POST body of a new annotation; pure."""
    body: dict[str, Any] = {
        "content": content,
        "date_marker": date_marker,
        "scope": scope,
        "creation_type": USER_CREATION_TYPE,
    }
    if dashboard_id is not None:
        body["dashboard_id"] = dashboard_id
    return body


def create_annotation(
    client: PostHogClient,
    content: str,
    *,
    date_marker: str | None = None,
    scope: str | None = None,
    dashboard: str | None = None,
    emoji: str | None = None,
    hidden: bool = False,
) -> Annotation:
    """Create one annotation at ``date_marker`` (an ISO timestamp; default now).

    ``dashboard`` (a name or ``#ID``) implies the dashboard scope. A single POST, never
    repeated after an ambiguous failure, which could make a second annotation.
    """
    chosen = scope or ("dashboard" if dashboard else "project")
    check_annotation(content, scope=chosen, dashboard=dashboard, emoji=emoji)
    dashboard_id = (
        find_dashboard_id(client, dashboard, command="dashboards get") if dashboard else None
    )
    body = annotation_body(
        content,
        date_marker=date_marker or iso(datetime.now(UTC)),
        scope=chosen,
        dashboard_id=dashboard_id,
    )
    if emoji:
        body["emoji"] = emoji
    if hidden:
        body["hidden_in_user_interface"] = True
    created = client.post(client.project_path("annotations/"), body)
    return summarise_annotation(created)
