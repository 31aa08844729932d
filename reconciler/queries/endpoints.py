"""Saved endpoints (PostHog's "Endpoints": saved queries exposed as APIs): list and run.

An endpoint is named by its name, which is also its path segment. Runs count against
PostHog's analytics rate limits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from reconciler.client import ANALYTICS, PostHogClient, ProgressCallback
from reconciler.errors import NotFoundError
from reconciler.queries.common import not_found, page_size_for, text


@dataclass(frozen=True)
class Endpoint:
    name: str
    description: str | None
    active: bool
    query_kind: str | None
    version: int | None
    materialized: bool
    last_executed_at: str | None
    url: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EndpointResult:
    """What a run returned, as rows under named columns."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    has_more: bool
    version: int | None

    def records(self) -> list[dict[str, Any]]:
        """Each row as ``{column: value}``."""
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "results": [list(row) for row in self.rows],
            "has_more": self.has_more,
            "endpoint_version": self.version,
        }


def summarise_endpoint(raw: Mapping[str, Any]) -> Endpoint:
    query = raw.get("query") if isinstance(raw.get("query"), Mapping) else {}
    version = raw.get("current_version")
    return Endpoint(
        name=str(raw.get("name")),
        description=text(raw.get("description")),
        active=bool(raw.get("is_active", True)),
        query_kind=text((query or {}).get("kind")),
        version=version if isinstance(version, int) else None,
        materialized=bool(raw.get("is_materialized")),
        last_executed_at=text(raw.get("last_executed_at")),
        url=text(raw.get("url")) or text(raw.get("endpoint_path")),
    )


def iter_endpoints(
    client: PostHogClient,
    *,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[Endpoint]:
    path = client.project_path("endpoints/")
    for raw in client.paginate(path, page_size=page_size_for(limit, path), progress=progress):
        yield summarise_endpoint(raw)


def result_table(name: str, answer: Mapping[str, Any]) -> EndpointResult:
    """A run's answer as columns and rows, whatever the query kind returned.

    HogQL answers carry ``columns`` and list rows; insight queries return objects, whose keys
    become the columns (in the order first seen).
    """
    results = answer.get("results")
    rows_in = results if isinstance(results, list) else []
    columns = [str(c) for c in answer.get("columns") or []]
    rows: list[tuple[Any, ...]] = []
    if rows_in and all(isinstance(row, Mapping) for row in rows_in):
        if not columns:
            for row in rows_in:
                columns.extend(str(k) for k in row if str(k) not in columns)
        rows = [tuple(row.get(c) for c in columns) for row in rows_in]
    else:
        for row in rows_in:
            rows.append(tuple(row) if isinstance(row, list | tuple) else (row,))
        width = max((len(r) for r in rows), default=len(columns))
        columns.extend(f"column_{i + 1}" for i in range(len(columns), width))
    version = answer.get("endpoint_version")
    return EndpointResult(
        name=name,
        columns=tuple(columns),
        rows=tuple(rows),
        has_more=bool(answer.get("hasMore")),
        version=version if isinstance(version, int) else None,
    )


def run_endpoint(
    client: PostHogClient, name: str, *, variables: Mapping[str, Any] | None = None
) -> EndpointResult:
    """Run a saved endpoint (POST endpoints/{name}/run/) with ``variables``."""
    path = client.project_path(f"endpoints/{quote(name, safe='')}/run/")
    body: dict[str, Any] = {}
    if variables:
        body["variables"] = dict(variables)
    try:
        answer = client.post(path, body, rate_class=ANALYTICS, idempotent=True)
    except NotFoundError:
        raise not_found(
            f"no active endpoint named {name!r}",
            url=path,
            hint="`phsync endpoints list` shows the project's endpoints",
        ) from None
    return result_table(name, answer if isinstance(answer, Mapping) else {"results": answer})
