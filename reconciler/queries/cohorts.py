"""Cohorts, read-only: `phsync cohorts list|get NAME|persons NAME`.

A cohort is named by its name (names are not unique in PostHog: a name that several cohorts
share is an error that lists their ids) or by ``#ID``. Its criteria are shown in words.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from reconciler.client import PostHogClient, ProgressCallback
from reconciler.queries.common import (
    ambiguous,
    exact_matches,
    id_ref,
    not_found,
    page_size_for,
    suggestion,
    text,
)
from reconciler.queries.names import LiveNames
from reconciler.queries.persons import Person, summarise_person
from reconciler.queries.words import Names, describe_group, describe_property
from reconciler.resources.cohort import is_managed, user_description


@dataclass(frozen=True)
class Cohort:
    """A cohort as phsync shows it; ``criteria`` says in words who belongs to it."""

    id: int
    name: str | None
    description: str | None
    type: str
    count: int | None
    calculating: bool
    managed: bool
    deleted: bool
    criteria: str
    created_by: str | None
    created_at: str | None
    filters: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def cohort_type(raw: Mapping[str, Any]) -> str:
    if raw.get("is_static"):
        return "static"
    return str(raw.get("cohort_type") or "dynamic")


def criteria(raw: Mapping[str, Any], names: Names) -> str:
    """Who belongs to the cohort, in words."""
    if raw.get("is_static"):
        return "a static list of persons"
    filters = raw.get("filters")
    if isinstance(filters, Mapping) and isinstance(filters.get("properties"), Mapping):
        described = describe_group(filters["properties"], names)
        if described:
            return described
    groups = [g for g in raw.get("groups") or [] if isinstance(g, Mapping)]
    legacy = [
        " and ".join(describe_property(p, names) for p in g.get("properties") or []) for g in groups
    ]
    legacy = [part for part in legacy if part]
    if legacy:
        return " or ".join(f"({part})" if len(legacy) > 1 else part for part in legacy)
    return "no criteria"


def summarise_cohort(raw: Mapping[str, Any], names: Names) -> Cohort:
    created_by = raw.get("created_by") if isinstance(raw.get("created_by"), dict) else {}
    count = raw.get("count")
    filters = raw.get("filters")
    return Cohort(
        id=int(raw["id"]),
        name=text(raw.get("name")),
        description=text(user_description(raw.get("description"))),
        type=cohort_type(raw),
        count=count if isinstance(count, int) else None,
        calculating=bool(raw.get("is_calculating")),
        managed=is_managed(raw),
        deleted=bool(raw.get("deleted")),
        criteria=criteria(raw, names),
        created_by=text((created_by or {}).get("email")),
        created_at=text(raw.get("created_at")),
        filters=filters if isinstance(filters, dict) else None,
    )


class _KnownCohorts:
    """Names of the cohorts seen so far in a listing, then PostHog for the rest."""

    def __init__(self, client: PostHogClient) -> None:
        self.seen: dict[int, str] = {}
        self._live = LiveNames(client)

    def cohort(self, cohort_id: int) -> str | None:
        return self.seen.get(cohort_id) or self._live.cohort(cohort_id)

    def flag(self, flag_id: int) -> str | None:
        return self._live.flag(flag_id)


def iter_cohorts(
    client: PostHogClient,
    *,
    search: str | None = None,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[Cohort]:
    """The project's cohorts, newest first, lazily."""
    path = client.project_path("cohorts/")
    params = {"search": search} if search else {}
    names = _KnownCohorts(client)
    for raw in client.paginate(
        path, params, page_size=page_size_for(limit, path), progress=progress
    ):
        if raw.get("name"):
            names.seen[int(raw["id"])] = str(raw["name"])
        yield summarise_cohort(raw, names)


def find_cohort(
    client: PostHogClient, name: str, *, command: str = "cohorts get"
) -> dict[str, Any]:
    """The cohort named ``name`` (or ``#ID``), in PostHog's JSON.

    NotFoundError when none has the name; ConfigError naming the ids when several do.
    """
    path = client.project_path("cohorts/")
    number = id_ref(name)
    if number is not None:
        raw = client.get(f"{path}{number}/")
        if not isinstance(raw, dict) or raw.get("deleted"):
            raise not_found(f"cohort #{number} was deleted", url=f"{path}{number}/")
        return raw
    found = list(client.paginate(path, {"search": name}))
    matches = exact_matches(found, "name", name)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ambiguous("cohort", name, [int(m["id"]) for m in matches], command=command)
    everything = found or list(client.paginate(path))
    close = suggestion(name, [str(c.get("name")) for c in everything if c.get("name")])
    raise not_found(
        f"no cohort named {name!r}{close}",
        url=path,
        hint="`phsync cohorts list` shows every cohort",
    )


def get_cohort(client: PostHogClient, name: str) -> Cohort:
    return summarise_cohort(find_cohort(client, name), LiveNames(client))


@dataclass(frozen=True)
class Membership:
    """A cohort and a lazy iterator over its persons."""

    cohort: Cohort
    persons: Iterator[Person]


def cohort_persons(
    client: PostHogClient,
    name: str,
    *,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> Membership:
    """The persons in a cohort (GET cohorts/{id}/persons/, page by page).

    PostHog asks for both ``cohort:read`` and ``person:read`` here.
    """
    raw = find_cohort(client, name, command="cohorts persons")
    cohort = summarise_cohort(raw, LiveNames(client))
    path = client.project_path(f"cohorts/{cohort.id}/persons/")
    pages = client.paginate(path, page_size=page_size_for(limit, path), progress=progress)
    return Membership(cohort=cohort, persons=(summarise_person(p) for p in pages))
