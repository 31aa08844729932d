"""Who the key belongs to and which projects it can see: the data behind `phsync whoami` and
`phsync projects`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from reconciler.client.http import PostHogClient
from reconciler.client.projects import CURRENT
from reconciler.errors import PermissionDeniedError

SECRET_PROJECT_FIELDS = ("secret_api_token", "secret_api_token_backup")
HIDDEN = "***"


@dataclass(frozen=True)
class Identity:
    """The user behind the key, and the project phsync works on."""

    host: str
    email: str | None
    name: str | None
    project_id: int
    project_name: str | None
    project_uuid: str | None
    organization_id: str | None
    organization_name: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ProjectRow:
    """One project as `phsync projects list` shows it."""

    id: int
    uuid: str | None
    name: str | None
    organization_id: str | None
    organization_name: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def whoami(client: PostHogClient) -> Identity:
    """The key's user (GET /api/users/@me/) and the configured project.

    With ``@current`` the project comes from the same answer; otherwise one more GET reads the
    configured project, which also proves the key can reach it.
    """
    me = client.get("/api/users/@me/") or {}
    organizations = _organization_names(me)
    if client.settings.project.strip() == CURRENT and isinstance(me.get("team"), dict):
        project = me["team"]
        project_id = int(project.get("project_id") or project["id"])
    else:
        project_id = client.resolve_project()
        project = client.get(f"/api/projects/{project_id}/") or {}
    organization_id = _text(project.get("organization")) or _text(
        (me.get("organization") or {}).get("id")
    )
    return Identity(
        host=client.origin,
        email=_text(me.get("email")),
        name=_full_name(me),
        project_id=project_id,
        project_name=_text(project.get("name")),
        project_uuid=_text(project.get("uuid")),
        organization_id=organization_id,
        organization_name=organizations.get(organization_id or ""),
    )


def list_projects(client: PostHogClient) -> list[ProjectRow]:
    """Every project the key can see (GET /api/projects/), with organization names when the
    key may read the user (one more request; without ``user:read`` only ids are shown)."""
    projects = list(client.paginate("/api/projects/"))
    organizations = organization_names(client)
    rows = [
        ProjectRow(
            id=int(project["id"]),
            uuid=_text(project.get("uuid")),
            name=_text(project.get("name")),
            organization_id=_text(project.get("organization")),
            organization_name=organizations.get(_text(project.get("organization")) or ""),
        )
        for project in projects
    ]
    return sorted(rows, key=lambda row: row.id)


def get_project(client: PostHogClient, ref: str) -> dict[str, Any]:
    """One project in full (GET /api/projects/{id}/); ``ref`` is an id, a UUID or @current.

    The project's secret API tokens are masked: they are not phsync's to show.
    """
    project_id = client.resolve_project(ref)
    project = client.get(f"/api/projects/{project_id}/") or {}
    return {
        name: (HIDDEN if name in SECRET_PROJECT_FIELDS and value else value)
        for name, value in project.items()
    }


def organization_names(client: PostHogClient) -> dict[str, str]:
    """Organization names by id, from the user behind the key; empty without ``user:read``."""
    try:
        return _organization_names(client.get("/api/users/@me/") or {})
    except PermissionDeniedError:
        return {}


def _organization_names(me: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    candidates = [me.get("organization"), *(me.get("organizations") or [])]
    for org in candidates:
        if isinstance(org, dict) and org.get("id") and org.get("name"):
            names[str(org["id"])] = str(org["name"])
    return names


def _full_name(me: dict[str, Any]) -> str | None:
    parts = [str(me.get(key) or "").strip() for key in ("first_name", "last_name")]
    return " ".join(part for part in parts if part) or None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
