"""Feature flags, read-only: `phsync flags list` and `phsync flags get KEY`.

Flags change through manifests (`plan`/`apply`); these functions only read them, and say in
words who a flag is served to: ``2 conditions: 100% of cohort Internal users; 10% of everyone``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from reconciler import schedules
from reconciler.client import PostHogClient, ProgressCallback
from reconciler.errors import NotFoundError, PermissionDeniedError
from reconciler.queries.common import (
    ambiguous,
    exact_matches,
    id_ref,
    not_found,
    page_size_for,
    percent,
    suggestion,
    text,
)
from reconciler.queries.names import LiveNames
from reconciler.queries.words import Names, describe_property
from reconciler.resources.base import MARKER_TAG


@dataclass(frozen=True)
class Variant:
    """One variant of a multivariate flag and its share of the flag's rollout."""

    key: str
    name: str | None
    rollout_percentage: float

    def __str__(self) -> str:
        return f"{self.key} {percent(self.rollout_percentage)}"


@dataclass(frozen=True)
class Flag:
    """A feature flag as phsync shows it; ``rollout`` and ``conditions`` are in words."""

    id: int
    key: str
    name: str | None
    active: bool
    managed: bool
    tags: tuple[str, ...]
    rollout: str
    conditions: tuple[str, ...]
    variants: tuple[Variant, ...]
    payloads: tuple[str, ...]
    version: int | None
    ensure_experience_continuity: bool
    created_by: str | None
    created_at: str | None
    updated_at: str | None
    filters: dict[str, Any]
    scheduled: tuple[str, ...] = ()  # PostHog's pending schedules for it, in words

    @property
    def variants_text(self) -> str:
        return ", ".join(str(v) for v in self.variants)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        data["conditions"] = list(self.conditions)
        data["payloads"] = list(self.payloads)
        data["variants"] = [asdict(v) for v in self.variants]
        data["scheduled"] = list(self.scheduled)
        return data


def describe_condition(group: Mapping[str, Any], names: Names) -> str:
    """One release condition in words: ``10% of everyone``, ``100% of cohort Beta``,
    ``50% of persons where email contains '@acme.com' and plan is 'pro' (variant test)``."""
    share = percent(group.get("rollout_percentage"))
    props = [p for p in group.get("properties") or [] if isinstance(p, Mapping)]
    by_group = group.get("aggregation_group_type_index")
    subjects = "persons" if by_group is None else f"groups (type {by_group})"
    if not props:
        who = "everyone" if by_group is None else f"all {subjects}"
    elif (
        len(props) == 1
        and props[0].get("type") == "cohort"
        and props[0].get("operator") != "not_in"
        and not props[0].get("negation")
    ):
        who = describe_property(props[0], names).removeprefix("in ")
    else:
        who = f"{subjects} where " + " and ".join(describe_property(p, names) for p in props)
    variant = f" (variant {group['variant']})" if group.get("variant") else ""
    return f"{share} of {who}{variant}"


def conditions(filters: Mapping[str, Any], names: Names) -> tuple[str, ...]:
    groups = [g for g in filters.get("groups") or [] if isinstance(g, Mapping)]
    return tuple(describe_condition(group, names) for group in groups)


def rollout_summary(filters: Mapping[str, Any], names: Names) -> str:
    """Every release condition in one line, as a table cell or a summary shows it."""
    described = conditions(filters, names)
    if not described:
        return "no conditions: served to nobody"
    if len(described) == 1:
        return described[0]
    return f"{len(described)} conditions: " + "; ".join(described)


def variants(filters: Mapping[str, Any]) -> tuple[Variant, ...]:
    multivariate = filters.get("multivariate") or {}
    found = multivariate.get("variants") if isinstance(multivariate, Mapping) else None
    return tuple(
        Variant(
            key=str(v.get("key")),
            name=text(v.get("name")),
            rollout_percentage=float(v.get("rollout_percentage") or 0),
        )
        for v in found or []
        if isinstance(v, Mapping)
    )


def summarise_flag(raw: Mapping[str, Any], names: Names) -> Flag:
    """A flag from PostHog's JSON; pure but for ``names``."""
    filters = raw.get("filters") if isinstance(raw.get("filters"), dict) else {}
    assert isinstance(filters, dict)
    tags = tuple(str(t) for t in raw.get("tags") or [])
    payloads = filters.get("payloads") if isinstance(filters.get("payloads"), dict) else {}
    created_by = raw.get("created_by") if isinstance(raw.get("created_by"), dict) else {}
    return Flag(
        id=int(raw["id"]),
        key=str(raw.get("key")),
        name=text(raw.get("name")),
        active=bool(raw.get("active", True)),
        managed=MARKER_TAG in tags,
        tags=tags,
        rollout=rollout_summary(filters, names),
        conditions=conditions(filters, names),
        variants=variants(filters),
        payloads=tuple(sorted(str(k) for k in payloads or {})),
        version=raw.get("version") if isinstance(raw.get("version"), int) else None,
        ensure_experience_continuity=bool(raw.get("ensure_experience_continuity")),
        created_by=text((created_by or {}).get("email")),
        created_at=text(raw.get("created_at")),
        updated_at=text(raw.get("updated_at")),
        filters=filters,
    )


def iter_flags(
    client: PostHogClient,
    *,
    search: str | None = None,
    active: bool | None = None,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[Flag]:
    """The project's flags, newest first, lazily; ``limit`` only sizes the pages."""
    path = client.project_path("feature_flags/")
    params: dict[str, Any] = {}
    if search:
        params["search"] = search
    if active is not None:
        params["active"] = "true" if active else "false"
    names = LiveNames(client)
    pages = client.paginate(path, params, page_size=page_size_for(limit, path), progress=progress)
    for raw in pages:
        if active is not None and bool(raw.get("active", True)) != active:
            continue
        names.remember_flag(int(raw["id"]), str(raw.get("key")))
        yield summarise_flag(raw, names)


def find_flag(client: PostHogClient, key: str) -> dict[str, Any]:
    """The flag whose key is ``key`` (or ``#ID``), in PostHog's JSON; NotFoundError if none."""
    path = client.project_path("feature_flags/")
    number = id_ref(key)
    if number is not None:
        raw = client.get(f"{path}{number}/")
        if not isinstance(raw, dict) or raw.get("deleted"):
            raise not_found(f"feature flag #{number} was deleted", url=f"{path}{number}/")
        return raw
    found = list(client.paginate(path, {"search": key}))
    matches = exact_matches(found, "key", key)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ambiguous("feature flag", key, [int(m["id"]) for m in matches], command="flags get")
    hint = "`phsync flags list --search TEXT` finds flags by part of their key or name"
    close = suggestion(key, [str(f.get("key")) for f in found])
    raise not_found(
        f"no feature flag with the key {key!r}{close}",
        url=path,
        hint=hint,
    )


def get_flag(client: PostHogClient, key: str) -> Flag:
    """One flag by key (or ``#ID``), with cohort and flag names read for its conditions."""
    raw = find_flag(client, key)
    names = LiveNames(client, flags={int(raw["id"]): str(raw.get("key"))})
    flag = summarise_flag(raw, names)
    return replace(flag, scheduled=tuple(_schedules(client, flag.id)))


def _schedules(client: PostHogClient, flag_id: int) -> Iterator[str]:
    """What PostHog is scheduled to do to the flag, soonest first (nothing when PostHog does
    not let the key read schedules)."""
    params = {"model_name": "FeatureFlag", "record_id": str(flag_id)}
    try:
        raws = list(client.paginate(client.project_path("scheduled_changes/"), params))
    except (NotFoundError, PermissionDeniedError):
        return
    found = [s for s in map(schedules.from_api, raws) if s is not None]
    for schedule in sorted(found, key=lambda s: s.scheduled_at):
        yield schedule.describe("it").removeprefix("PostHog will ")
