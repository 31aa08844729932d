"""Insights and actions, read-only: `phsync insights list|get NAME`, `phsync actions list`.

An insight is named by its name or by ``#ID`` (PostHog's insight names are not unique). Its
query is shown with actions and cohorts by name, as manifests write it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from reconciler.client import PostHogClient, ProgressCallback
from reconciler.errors import NotFoundError
from reconciler.queries.common import (
    ambiguous,
    exact_matches,
    id_ref,
    not_found,
    page_size_for,
    suggestion,
    text,
)
from reconciler.resources import query_refs
from reconciler.resources.base import MARKER_TAG, Directory
from reconciler.resources.labels import series_words, step_words


@dataclass(frozen=True)
class Insight:
    """An insight as phsync shows it; ``query`` (names for ids) only from `get`."""

    id: int
    short_id: str | None
    name: str | None
    kind: str
    series: str
    description: str | None
    tags: tuple[str, ...]
    managed: bool
    dashboards: tuple[int, ...]
    updated_at: str | None
    query: Any = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        data["dashboards"] = list(self.dashboards)
        return data


@dataclass(frozen=True)
class Action:
    id: int
    name: str | None
    steps: str
    tags: tuple[str, ...]
    managed: bool
    created_at: str | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data


def _kind(query: Any) -> str:
    if not isinstance(query, Mapping):
        return ""
    source = query.get("source")
    inner = source.get("kind") if isinstance(source, Mapping) else None
    return str(inner or query.get("kind") or "")


def _series(query: Any) -> str:
    source = query.get("source") if isinstance(query, Mapping) else None
    series = source.get("series") if isinstance(source, Mapping) else None
    if not isinstance(series, list):
        return ""
    return "; ".join(series_words(node) for node in series if isinstance(node, Mapping))


def summarise_insight(raw: Mapping[str, Any], query: Any = None) -> Insight:
    tags = tuple(str(t) for t in raw.get("tags") or [])
    shown = query if query is not None else raw.get("query")
    return Insight(
        id=int(raw["id"]),
        short_id=text(raw.get("short_id")),
        name=text(raw.get("name")) or text(raw.get("derived_name")),
        kind=_kind(raw.get("query")),
        series=_series(shown),
        description=text(raw.get("description")),
        tags=tags,
        managed=MARKER_TAG in tags,
        dashboards=tuple(int(d) for d in raw.get("dashboards") or []),
        updated_at=text(raw.get("updated_at")),
        query=query,
    )


def iter_insights(
    client: PostHogClient, *, limit: int | None = None, progress: ProgressCallback | None = None
) -> Iterator[Insight]:
    """The project's saved insights, most recently changed first."""
    path = client.project_path("insights/")
    params = {"saved": "true"}
    for raw in client.paginate(
        path, params, page_size=page_size_for(limit, path), progress=progress
    ):
        yield summarise_insight(raw)


def _names(client: PostHogClient) -> Directory:
    directory = Directory()
    for kind, collection in (("Action", "actions/"), ("Cohort", "cohorts/")):
        for raw in client.paginate(client.project_path(collection)):
            if raw.get("name"):
                directory.add(kind, str(raw["name"]), int(raw["id"]))
    return directory


def get_insight(client: PostHogClient, name: str) -> Insight:
    """One insight, its query with actions and cohorts by name."""
    number = id_ref(name)
    path = client.project_path("insights/")
    if number is None:
        found = list(client.paginate(path, {"saved": "true"}))
        matches = exact_matches(found, "name", name)
        if len(matches) > 1:
            ids = [int(m["id"]) for m in matches]
            raise ambiguous("insight", name, ids, command="insights get")
        if not matches:
            close = suggestion(name, [str(i.get("name")) for i in found if i.get("name")])
            raise not_found(
                f"no insight named {name!r}{close}",
                url=path,
                hint="`phsync insights list` shows every saved insight",
            )
        number = int(matches[0]["id"])
    try:
        raw = client.get(f"{path}{number}/")
    except NotFoundError:
        raise not_found(f"no insight #{number} (deleted?)", url=f"{path}{number}/") from None
    directory = _names(client)
    return summarise_insight(raw, query_refs.rewrite(raw.get("query"), directory.name_of))


def iter_actions(
    client: PostHogClient, *, limit: int | None = None, progress: ProgressCallback | None = None
) -> Iterator[Action]:
    path = client.project_path("actions/")
    for raw in client.paginate(path, page_size=page_size_for(limit, path), progress=progress):
        tags = tuple(str(t) for t in raw.get("tags") or [])
        steps = [
            {k: v for k, v in s.items() if v is not None}
            for s in raw.get("steps") or []
            if isinstance(s, Mapping)
        ]
        yield Action(
            id=int(raw["id"]),
            name=text(raw.get("name")),
            steps=" | ".join(step_words(step) for step in steps),
            tags=tags,
            managed=MARKER_TAG in tags,
            created_at=text(raw.get("created_at")),
        )
