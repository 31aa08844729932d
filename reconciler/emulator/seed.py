"""Loading a seed file (the built-in demo or a user's JSON) into a new store.

Seed format (documented in docs/emulator.md): a JSON object with ``organizations``, ``user``,
``projects`` and optional lists of ``persons``, ``cohorts``, ``feature_flags``,
``dashboards``, ``annotations``, ``session_recordings`` and ``endpoints``. Objects name their
project with ``"project": ID`` (default: the first project). Any string of the form
``now``, ``now-3d``, ``now-2h30m`` is replaced by that moment, so recent data stays recent.
A flag with ``"usage_dashboard": true`` gets the usage dashboard PostHog generates for flags
made in its UI.
"""

from __future__ import annotations

import copy
import json
import re
import sqlite3
import uuid
from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from reconciler.emulator import clock
from reconciler.emulator.store import JSON, Store

_RELATIVE = re.compile(r"^now((?:[-+]\d+[smhdw])*)$")
_PART = re.compile(r"([-+])(\d+)([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

EMPTY_SEED: JSON = {
    "organizations": [
        {"id": "0190f1a0-0000-7000-8000-000000000001", "name": "Emulator", "slug": "emulator"}
    ],
    "user": {"email": "demo@example.com", "first_name": "Demo"},
    "projects": [{"id": 1, "name": "Default project"}],
}

Seeder = Callable[[Store, JSON, int], None]
KIND_ORDER = (
    "persons",
    "cohorts",
    "actions",
    "feature_flags",
    "insights",
    "dashboards",
    "annotations",
    "session_recordings",
    "endpoints",
)


def _seeders() -> dict[str, Seeder]:
    from reconciler.emulator import (
        chart_annotations,
        cohorts,
        dashboards,
        endpoints,
        flag_docs,
        insights,
        persons,
        recordings,
    )

    return {
        "persons": persons.seed_person,
        "cohorts": cohorts.seed_cohort,
        "actions": insights.seed_action,
        "feature_flags": flag_docs.seed_flag,
        "insights": insights.seed_insight,
        "dashboards": dashboards.seed_dashboard,
        "annotations": chart_annotations.seed_annotation,
        "session_recordings": recordings.seed_recording,
        "endpoints": endpoints.seed_endpoint,
    }


def read_seed(source: str | Path | None) -> JSON:
    """The seed document: ``"demo"``, a path to a JSON file, or None (empty)."""
    if source is None:
        return copy.deepcopy(EMPTY_SEED)
    if str(source) == "demo":
        text = resources.files("reconciler.emulator").joinpath("demo_seed.json").read_text()
    else:
        text = Path(source).read_text()
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("a seed file must hold a JSON object")
    return data


def resolve_times(node: Any) -> Any:
    """Replace ``now-…`` strings by ISO timestamps, everywhere in the document."""
    if isinstance(node, dict):
        return {key: resolve_times(value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_times(item) for item in node]
    if isinstance(node, str):
        match = _RELATIVE.match(node)
        if match:
            moment = clock.now()
            for sign, amount, unit in _PART.findall(match.group(1)):
                delta = timedelta(**{_UNITS[unit]: int(amount)})
                moment = moment - delta if sign == "-" else moment + delta
            return clock.iso(moment)
    return node


def load(store: Store, source: str | Path | None) -> None:
    """Fill a new store from a seed (the caller holds a transaction).

    A seed that does not have the documented shape raises ValueError naming what is wrong.
    """
    data = resolve_times(read_seed(source))
    try:
        _load(store, data, source)
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ValueError(f"seed {source}: unexpected shape ({type(exc).__name__}: {exc})") from exc
    except sqlite3.IntegrityError as exc:
        raise ValueError(f"seed {source}: two objects share an id ({exc})") from exc


def _load(store: Store, data: JSON, source: str | Path | None) -> None:
    orgs = data.get("organizations") or EMPTY_SEED["organizations"]
    for org in orgs:
        org.setdefault("id", str(uuid.uuid4()))
        org.setdefault("slug", re.sub(r"[^a-z0-9]+", "-", str(org.get("name", "org")).lower()))
        org.setdefault("created_at", clock.now_iso())
        store.insert("organization", org)
    projects = data.get("projects") or EMPTY_SEED["projects"]
    for project in projects:
        project.setdefault("organization", orgs[0]["id"])
        project_defaults(project)
        store.insert("project", project)
    first = int(projects[0]["id"])
    user = dict(data.get("user") or EMPTY_SEED["user"])
    user.setdefault("id", 1)
    user.setdefault("uuid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{user['email']}")))
    user.setdefault("distinct_id", f"user-{user['uuid'][:8]}")
    user.setdefault("first_name", "")
    user.setdefault("last_name", "")
    user.setdefault("current_project", first)
    user.setdefault("organizations", [o["id"] for o in orgs if o.get("member", True)])
    user.setdefault("date_joined", clock.now_iso())
    store.insert("user", user)
    seeders = _seeders()
    for kind in KIND_ORDER:
        for raw in data.get(kind, []):
            if kind in seeders:
                seeders[kind](store, raw, int(raw.pop("project", first)))
    _generate_usage_dashboards(store)
    store.set_meta("initialised", clock.now_iso())
    store.set_meta("seed", str(source))


def _generate_usage_dashboards(store: Store) -> None:
    """A seeded flag with ``"usage_dashboard": true`` was made in PostHog's UI: it gets the
    usage dashboard PostHog generates, after the seed's own dashboards (which keep their ids)."""
    from reconciler.emulator import dashboard_docs

    user = store.all("user")[0]
    for flag in store.all("feature_flag"):
        if flag.get("usage_dashboard") is True:
            board = dashboard_docs.create_usage_dashboard(
                store, int(flag["project_id"]), user, str(flag["key"])
            )
            flag["usage_dashboard"] = board["id"]
            store.put("feature_flag", flag)


def project_defaults(project: JSON) -> None:
    pid = int(project["id"])
    project.setdefault("uuid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"project:{pid}")))
    project.setdefault("name", f"Project {pid}")
    project.setdefault("api_token", f"phc_emulator{pid:04d}{'x' * 20}")
    project.setdefault("timezone", "UTC")
    project.setdefault("created_at", clock.now_iso())
    project.setdefault("updated_at", project["created_at"])
    project.setdefault("is_demo", False)
    project.setdefault("ingested_event", True)
    project.setdefault("completed_snippet_onboarding", True)
