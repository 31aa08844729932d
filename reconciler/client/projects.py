"""Which project a key means: a numeric id, ``@current`` (the key's user's current project), a
UUID or a name, found among the projects the key can see."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from reconciler.client.errors import project_not_found
from reconciler.errors import ConfigError, PermissionDeniedError

if TYPE_CHECKING:
    from reconciler.client.http import PostHogClient

CURRENT = "@current"
UUID_PATTERN = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE
)


def resolve(client: PostHogClient, ref: str) -> int:
    """The numeric id of a project given as an id, ``@current``, a UUID or a name."""
    text = ref.strip()
    if text.isdigit():
        return int(text)
    if text == CURRENT:
        return _current(client)
    if UUID_PATTERN.match(text):
        for project in client.paginate("/api/projects/"):
            if str(project.get("uuid", "")).lower() == text.lower():
                return int(project["id"])
        ctx = client.context("GET", client.origin + "/api/projects/")
        raise project_not_found(replace(ctx, project=text))
    return _named(client, text)


def _named(client: PostHogClient, name: str) -> int:
    """A project by its name, among the projects the key sees; a name two share is refused."""
    projects = list(client.paginate("/api/projects/"))
    named = [p for p in projects if str(p.get("name") or "") == name]
    if not named:
        named = [p for p in projects if str(p.get("name") or "").casefold() == name.casefold()]
    if len(named) == 1:
        return int(named[0]["id"])
    if named:
        ids = ", ".join(str(p["id"]) for p in named)
        raise ConfigError(
            f"{len(named)} projects are named {name!r} (ids {ids})",
            hint="give the project's numeric id or UUID (`phsync projects list` shows both)",
        )
    names = sorted(str(p.get("name") or "") for p in projects)
    close = difflib.get_close_matches(name, names, n=1)
    raise ConfigError(
        f"no project the key can see is named {name!r}"
        + (f"; did you mean {close[0]!r}?" if close else ""),
        hint="give the project's numeric id, UUID or name (`phsync projects list` shows "
        "them)",
    )


def _current(client: PostHogClient) -> int:
    try:
        me = client.get("/api/users/@me/")
    except PermissionDeniedError as first:
        try:
            current = client.get("/api/projects/@current/")
        except PermissionDeniedError:
            raise PermissionDeniedError(
                f"cannot find out the current project on {client.origin}: {first.detail}",
                hint="give the key the scope 'user:read' (or 'project:read'), or name the "
                "project with --project ID",
                status=first.status,
                method=first.method,
                url=first.url,
                code=first.code,
                attr=first.attr,
                detail=first.detail,
                body=first.body,
            ) from None
        return int(current["id"])
    team = me.get("team") if isinstance(me, dict) else None
    if not isinstance(team, dict) or team.get("id") is None:
        raise ConfigError(
            f"the user of this key has no current project on {client.origin}",
            hint="name the project with --project ID",
        )
    return int(team.get("project_id") or team["id"])
