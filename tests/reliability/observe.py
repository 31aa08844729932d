"""Looking at the emulator from outside phsync: raw snapshots, duplicates, and a check of
PostHog against a :class:`~tests.reliability.world.World` that does not use phsync's diff."""

from __future__ import annotations

from collections import Counter
from typing import Any

import requests

from reconciler.live import LOCK_FLAG_KEY
from reconciler.resources import REGISTRY
from reconciler.resources.annotation import normalise_date, user_content
from tests.reliability.world import World

COLLECTIONS = {
    "FeatureFlag": "feature_flags",
    "Cohort": "cohorts",
    "Dashboard": "dashboards",
    "Annotation": "annotations",
}
WRITES = ("POST", "PATCH", "PUT", "DELETE")


class Api:
    """Plain HTTP calls to the emulator, as PostHog's UI or another tool would make them.

    Call it with the emulator's faults off: it does not retry.
    """

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.base = f"{emulator.url}/api/projects/{emulator.project_id}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {emulator.api_key}"

    def list(self, collection: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        url: str | None = f"{self.base}/{collection}/?limit=1000"
        while url:
            answer = self.session.get(url, timeout=30)
            assert answer.status_code == 200, answer.text
            page = answer.json()
            out.extend(page["results"])
            url = page.get("next")
        return out

    def get(self, collection: str, object_id: int) -> dict[str, Any]:
        answer = self.session.get(f"{self.base}/{collection}/{object_id}/", timeout=30)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def patch(self, collection: str, object_id: int, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.session.patch(f"{self.base}/{collection}/{object_id}/", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def post(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.session.post(f"{self.base}/{collection}/", json=body, timeout=30)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def snapshot(self, *, full_dashboards: bool = False) -> dict[str, list[dict[str, Any]]]:
        """Every live object by kind; dashboards read one by one when asked (for tiles)."""
        snap = {kind: self.list(collection) for kind, collection in COLLECTIONS.items()}
        if full_dashboards:
            snap["Dashboard"] = [self.get("dashboards", d["id"]) for d in snap["Dashboard"]]
        return snap


def managed(kind: str, raw: dict[str, Any]) -> bool:
    return REGISTRY[kind].is_managed(raw)


def raw_identity(kind: str, raw: dict[str, Any]) -> str:
    if kind == "FeatureFlag":
        return str(raw["key"])
    if kind == "Annotation":
        place = f"{normalise_date(raw.get('date_marker'))} {raw.get('scope')}"
        return f"{place} {raw['dashboard_id']}" if raw.get("dashboard_id") else place
    return str(raw.get("name"))


def duplicates(snap: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Identities held by more than one managed object, by kind."""
    out: dict[str, list[str]] = {}
    for kind, objects in snap.items():
        seen = Counter(raw_identity(kind, o) for o in objects if managed(kind, o))
        repeated = sorted(name for name, n in seen.items() if n > 1)
        if repeated:
            out[kind] = repeated
    return out


# Fields PostHog itself changes when an object is only read or recalculated.
READ_SIDE = frozenset({"last_accessed_at", "last_calculation", "is_calculating", "count"})


def without_read_side(snap: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The snapshot without read-side fields, nor the apply lock's flag (every apply writes it)."""
    return {
        kind: [
            {k: v for k, v in o.items() if k not in READ_SIDE}
            for o in objects
            if not (kind == "FeatureFlag" and o["key"] == LOCK_FLAG_KEY)
        ]
        for kind, objects in snap.items()
    }


def unmanaged(snap: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, int], dict[str, Any]]:
    """Objects phsync does not manage, without the fields that change on reads alone (and
    without the flag that holds phsync's apply lock, which every apply writes)."""
    return {
        (kind, int(o["id"])): {k: v for k, v in o.items() if k not in READ_SIDE}
        for kind, objects in snap.items()
        for o in objects
        if not managed(kind, o) and not (kind == "FeatureFlag" and o["key"] == LOCK_FLAG_KEY)
    }


def writes(stats: dict[str, Any]) -> dict[str, int]:
    """Requests that could change something, by route, from ``Emulator.stats()``."""
    return {
        route: n for route, n in stats["by_route"].items() if route.split(" ", 1)[0] in WRITES
    }


def compare(world: World, snap: dict[str, list[dict[str, Any]]]) -> list[str]:
    """What differs between PostHog and the world, in words; [] when PostHog is as declared.

    Checks, per kind: the managed objects are exactly the declared ones (nothing lost, nothing
    extra, no duplicates), and the fields the world changes hold the declared values, with
    references pointing at the live object of the right name.
    """
    problems: list[str] = []
    names: dict[str, dict[int, str]] = {}
    by_identity: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, objects in snap.items():
        mine = [o for o in objects if managed(kind, o)]
        names[kind] = {int(o["id"]): raw_identity(kind, o) for o in mine}
        by_identity[kind] = {raw_identity(kind, o): o for o in mine}
    for kind in ("FeatureFlag", "Cohort", "Dashboard"):
        declared = set(world.objects[kind])
        live = Counter(names[kind].values())
        lost = declared - set(live)
        extra = set(live) - declared
        doubled = {n for n, c in live.items() if c > 1}
        for label, items in (("lost", lost), ("extra", extra), ("duplicated", doubled)):
            if items:
                problems.append(f"{kind} {label}: {sorted(items)[:10]} ({len(items)})")
    dashboards = {name: i for i, name in names["Dashboard"].items()}
    declared_places = {}
    for name, doc in world.objects["Annotation"].items():
        place = f"{normalise_date(doc['date_marker'])} {doc['scope']}"
        if doc.get("dashboard"):
            place = f"{place} {dashboards.get(doc['dashboard'])}"
        declared_places[place] = name
    live_places = Counter(names["Annotation"].values())
    for label, items in (
        ("lost", set(declared_places) - set(live_places)),
        ("extra", set(live_places) - set(declared_places)),
        ("duplicated", {p for p, c in live_places.items() if c > 1}),
    ):
        if items:
            problems.append(f"Annotation {label}: {sorted(items)[:10]} ({len(items)})")
    for key, doc in world.objects["FeatureFlag"].items():
        problems += _flag(doc, by_identity["FeatureFlag"].get(key), names)
    for name, doc in world.objects["Cohort"].items():
        live = by_identity["Cohort"].get(name)
        if live and REGISTRY["Cohort"].from_live(live, _NoNames())["description"] != doc.get(
            "description", ""
        ):
            problems.append(f"Cohort {name}: description {live.get('description')!r}")
    for name, doc in world.objects["Dashboard"].items():
        live = by_identity["Dashboard"].get(name)
        if live is None:
            continue
        if (live.get("description"), live.get("pinned")) != (doc["description"], doc["pinned"]):
            problems.append(f"Dashboard {name}: {live.get('description')!r} {live.get('pinned')}")
        if "tiles" in doc and "tiles" in live:
            texts = [t["text"]["body"] for t in live["tiles"] if t.get("text")]
            if texts != [t["text"] for t in doc["tiles"]]:
                problems.append(f"Dashboard {name}: tiles {texts}")
    for place, name in declared_places.items():
        live = by_identity["Annotation"].get(place)
        if live and user_content(live["content"]) != world.objects["Annotation"][name][
            "content"
        ]:
            problems.append(f"Annotation {name}: content {live['content']!r}")
    return problems


class _NoNames:
    def name_of(self, kind: str, object_id: Any) -> str:
        return f"#{object_id}"


def _flag(
    doc: dict[str, Any], live: dict[str, Any] | None, names: dict[str, dict[int, str]]
) -> list[str]:
    if live is None:
        return []
    key = doc["key"]
    problems = []
    if live.get("name") != doc["name"] or live.get("active") != doc["active"]:
        problems.append(f"FeatureFlag {key}: name/active {live.get('name')!r} {live.get('active')}")
    want_groups = doc["filters"]["groups"]
    have_groups = live["filters"]["groups"]
    if len(want_groups) != len(have_groups):
        return [*problems, f"FeatureFlag {key}: {len(have_groups)} groups"]
    for want, have in zip(want_groups, have_groups, strict=True):
        if want.get("rollout_percentage", 100) != have.get("rollout_percentage", 100):
            problems.append(f"FeatureFlag {key}: rollout {have.get('rollout_percentage')}")
        for wprop, hprop in zip(want["properties"], have["properties"], strict=True):
            if wprop["type"] == "cohort":
                target = names["Cohort"].get(int(hprop["value"]))
                if target != wprop["value"]:
                    problems.append(f"FeatureFlag {key}: cohort #{hprop['value']} is {target!r}")
            elif wprop["type"] == "flag":
                target = names["FeatureFlag"].get(int(hprop["key"]))
                if target != wprop["key"]:
                    problems.append(f"FeatureFlag {key}: depends on #{hprop['key']} = {target!r}")
    variants = (doc["filters"].get("multivariate") or {}).get("variants")
    live_variants = (live["filters"].get("multivariate") or {}).get("variants")
    if variants and [v["rollout_percentage"] for v in variants] != [
        v["rollout_percentage"] for v in live_variants or []
    ]:
        problems.append(f"FeatureFlag {key}: variants {live_variants}")
    return problems
