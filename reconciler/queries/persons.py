"""Persons: `phsync persons list|get`, and the one imperative write, a person's property.

A person is named by its numeric id, its UUID or one of its distinct ids. PostHog applies
property writes asynchronously (through its ingestion pipeline): a write is accepted at once
and shows up seconds later, which :class:`PropertyWrite` says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.client import PostHogClient, ProgressCallback
from reconciler.client.projects import UUID_PATTERN
from reconciler.errors import ConfigError, NotFoundError
from reconciler.queries.common import not_found, page_size_for, text

EMAIL_PROPERTIES = ("email", "Email", "$email")
MAX_DISTINCT_IDS = 3


@dataclass(frozen=True)
class Person:
    """A person as phsync shows it."""

    id: int | None
    uuid: str | None
    name: str | None
    email: str | None
    distinct_ids: tuple[str, ...]
    created_at: str | None
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def distinct_ids_text(self) -> str:
        """The first few distinct ids, and how many more there are."""
        shown = ", ".join(self.distinct_ids[:MAX_DISTINCT_IDS])
        rest = len(self.distinct_ids) - MAX_DISTINCT_IDS
        return f"{shown} (+{rest})" if rest > 0 else shown

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uuid": self.uuid,
            "name": self.name,
            "email": self.email,
            "distinct_ids": list(self.distinct_ids),
            "created_at": self.created_at,
            "properties": self.properties,
        }


@dataclass(frozen=True)
class PropertyWrite:
    """A property write PostHog accepted; it applies it asynchronously."""

    person: Person
    key: str
    value: Any
    deleted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person.id,
            "person_uuid": self.person.uuid,
            "key": self.key,
            "value": None if self.deleted else self.value,
            "action": "delete" if self.deleted else "set",
            "applied": "asynchronously",
        }


def summarise_person(raw: Mapping[str, Any]) -> Person:
    properties = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
    assert isinstance(properties, dict)
    email = next((properties[k] for k in EMAIL_PROPERTIES if properties.get(k)), None)
    raw_id = raw.get("id")
    return Person(
        id=int(str(raw_id)) if str(raw_id or "").isdigit() else None,
        uuid=text(raw.get("uuid")) or (text(raw_id) if UUID_PATTERN.match(str(raw_id)) else None),
        name=text(raw.get("name")),
        email=text(email),
        distinct_ids=tuple(str(d) for d in raw.get("distinct_ids") or []),
        created_at=text(raw.get("created_at")),
        properties=properties,
    )


def property_filters(pairs: Mapping[str, Any]) -> str:
    """``--property k=v`` options as PostHog's JSON list of exact person-property filters."""
    return json.dumps(
        [
            {"key": key, "value": value, "operator": "exact", "type": "person"}
            for key, value in pairs.items()
        ],
        separators=(",", ":"),
    )


def iter_persons(
    client: PostHogClient,
    *,
    search: str | None = None,
    distinct_id: str | None = None,
    properties: Mapping[str, Any] | None = None,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[Person]:
    """Persons of the project, lazily, filtered as PostHog filters them."""
    path = client.project_path("persons/")
    params: dict[str, Any] = {}
    if search:
        params["search"] = search
    if distinct_id:
        params["distinct_id"] = distinct_id
    if properties:
        params["properties"] = property_filters(properties)
    pages = client.paginate(path, params, page_size=page_size_for(limit, path), progress=progress)
    for raw in pages:
        yield summarise_person(raw)


def find_person(client: PostHogClient, ref: str) -> dict[str, Any]:
    """The person named by a numeric id, a UUID or a distinct id, in PostHog's JSON.

    A number is tried as the id first, then as a distinct id (distinct ids may be numbers).
    """
    value = ref.strip()
    if not value:
        raise ConfigError("a person id must not be empty")
    path = client.project_path("persons/")
    if value.isdigit() or UUID_PATTERN.match(value):
        try:
            raw = client.get(f"{path}{value}/")
        except NotFoundError:
            if not value.isdigit():
                raise not_found(f"no person with the UUID {value}", url=f"{path}{value}/") from None
        else:
            if isinstance(raw, dict):
                return raw
    page = client.get(path, params={"distinct_id": value, "limit": 1})
    results = page.get("results") if isinstance(page, dict) else page
    if isinstance(results, list) and results:
        first = results[0]
        if isinstance(first, dict):
            return first
    what = "id or distinct id" if value.isdigit() else "distinct id"
    raise not_found(
        f"no person with the {what} {value!r}",
        url=path,
        hint="`phsync persons list --search TEXT` finds persons by email, name or distinct id",
    )


def get_person(client: PostHogClient, ref: str) -> Person:
    return summarise_person(find_person(client, ref))


def set_property(client: PostHogClient, ref: str, key: str, value: Any) -> PropertyWrite:
    """Set one property on a person (POST update_property); PostHog applies it asynchronously.

    A JSON ``null`` is refused here: PostHog reads it as a missing value.
    """
    _check_key(key)
    if value is None:
        raise ConfigError(
            "PostHog cannot set a property to null",
            hint=f"to remove the property, use `phsync persons delete-property {ref} {key}`",
        )
    person = summarise_person(find_person(client, ref))
    client.post(
        _person_path(client, person, "update_property"),
        {"key": key, "value": value},
        idempotent=True,
    )
    return PropertyWrite(person=person, key=key, value=value)


def delete_property(client: PostHogClient, ref: str, key: str) -> PropertyWrite:
    """Remove one property from a person (POST delete_property, an ``$unset``)."""
    _check_key(key)
    person = summarise_person(find_person(client, ref))
    client.post(_person_path(client, person, "delete_property"), {"$unset": key}, idempotent=True)
    return PropertyWrite(person=person, key=key, value=None, deleted=True)


def _person_path(client: PostHogClient, person: Person, action: str) -> str:
    ident = person.uuid or (str(person.id) if person.id is not None else None)
    if ident is None:
        raise ConfigError("PostHog returned a person without an id or a UUID")
    return client.project_path(f"persons/{ident}/{action}/")


def _check_key(key: str) -> None:
    if not key.strip():
        raise ConfigError("a property key must not be empty")
