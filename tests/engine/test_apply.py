"""Apply against an in-memory fake of PostHog's API: ordering, ambiguity, half-way failures."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from reconciler.apply import Applier, waves
from reconciler.errors import ApplyError, BadRequestError, TransportError
from reconciler.model import Action, ResourceKey
from reconciler.plan import Change, build_plan
from reconciler.resources.base import MARKER_TAG

from .helpers import live_state, manifest


class FakePostHog:
    """Just enough of PostHog: lists, POST, PATCH; optional faults per call."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[int, dict[str, Any]]] = {}
        self.ids = itertools.count(100)
        self.calls: list[tuple[str, str]] = []
        self.drop_after: set[int] = set()  # call numbers answered by a dropped connection
        self.refuse: set[str] = set()  # keys/names whose create is refused with a 400
        self.lock = threading.Lock()

    def project_path(self, suffix: str) -> str:
        return f"/api/projects/1/{suffix}"

    def _collection(self, path: str) -> tuple[str, int | None]:
        parts = path.strip("/").split("/")[3:]
        return parts[0], int(parts[1]) if len(parts) > 1 else None

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        collection, _ = self._collection(path)
        yield from [dict(o) for o in self.objects.get(collection, {}).values() if not o.get("deleted")]

    def request(self, method: str, path: str, *, json: Any = None) -> Any:
        with self.lock:
            self.calls.append((method, path))
            number = len(self.calls)
        collection, object_id = self._collection(path)
        store = self.objects.setdefault(collection, {})
        if method == "POST":
            if (json.get("key") or json.get("name")) in self.refuse:
                raise BadRequestError("PostHog refused it", status=400, method="POST", url=path)
            new = {**json, "id": next(self.ids), "version": 1}
            store[new["id"]] = new
            result = dict(new)
        else:
            assert object_id is not None
            store[object_id].update(json)
            result = dict(store[object_id])
        if number in self.drop_after:
            raise TransportError("connection dropped", ambiguous=True)
        return result


def _flag(key: str, deps: tuple[str, ...] = (), cohort: str | None = None) -> dict[str, Any]:
    props: list[dict[str, Any]] = [{"type": "flag", "key": d, "value": True} for d in deps]
    if cohort:
        props.append({"type": "cohort", "value": cohort})
    return {"key": key, "filters": {"groups": [{"properties": props, "rollout_percentage": 100}]}}


def _plan_for(specs: list[tuple[str, dict[str, Any]]], fake: FakePostHog) -> Any:
    from reconciler.assembly import build_directory

    ms = [manifest(kind, spec) for kind, spec in specs]
    refs = {
        m.key: tuple(
            ResourceKey("FeatureFlag", p["key"]) if p["type"] == "flag" else ResourceKey("Cohort", p["value"])
            for g in m.spec.get("filters", {}).get("groups", []) for p in g.get("properties", [])
        )
        for m in ms if m.kind == "FeatureFlag"
    }
    live = live_state(flags=[], cohorts=[])
    return build_plan(ms, live, references=refs), live, build_directory({})


def test_waves_put_references_first() -> None:
    a = Change(Action.CREATE, ResourceKey("Cohort", "a"))
    b = Change(Action.CREATE, ResourceKey("FeatureFlag", "b"), depends_on=(a.key,))
    c = Change(Action.CREATE, ResourceKey("FeatureFlag", "c"), depends_on=(b.key,))
    d = Change(Action.CREATE, ResourceKey("FeatureFlag", "d"))
    assert waves([c, b, a, d]) == [[a, d], [b], [c]]


def test_creates_in_dependency_order_with_ids_resolved() -> None:
    fake = FakePostHog()
    plan, live, directory = _plan_for(
        [("FeatureFlag", _flag("child", deps=("parent",), cohort="Beta")),
         ("FeatureFlag", _flag("parent")),
         ("Cohort", {"name": "Beta", "filters": {"properties": {"type": "AND", "values": []}}})],
        fake,
    )
    Applier(fake, live, directory, parallelism=4).apply(plan)
    flags = {f["key"]: f for f in fake.objects["feature_flags"].values()}
    cohort_id = next(iter(fake.objects["cohorts"]))
    child_props = flags["child"]["filters"]["groups"][0]["properties"]
    assert child_props[0]["key"] == str(flags["parent"]["id"])
    assert child_props[1]["value"] == cohort_id


def test_ambiguous_create_is_looked_up_not_repeated() -> None:
    fake = FakePostHog()
    fake.drop_after = {1}
    plan, live, directory = _plan_for([("FeatureFlag", _flag("only"))], fake)
    Applier(fake, live, directory).apply(plan)
    assert [c[0] for c in fake.calls] == ["POST"]
    assert len(fake.objects["feature_flags"]) == 1


def test_failure_half_way_reports_done_and_not_done() -> None:
    fake = FakePostHog()
    fake.refuse = {"b"}
    plan, live, directory = _plan_for(
        [("FeatureFlag", _flag("a")), ("FeatureFlag", _flag("b", deps=("a",))), ("FeatureFlag", _flag("c", deps=("b",)))],
        fake,
    )
    with pytest.raises(ApplyError) as caught:
        Applier(fake, live, directory).apply(plan)
    assert caught.value.done == ("created FeatureFlag/a (id 100)",)
    assert caught.value.not_done == ("FeatureFlag/b", "FeatureFlag/c")
    assert "PostHog refused it" in str(caught.value)


def test_deletes_are_soft_and_dependents_go_first() -> None:
    fake = FakePostHog()
    fake.objects["feature_flags"] = {
        1: {"id": 1, "key": "base", "tags": [MARKER_TAG], "version": 1, "filters": {"groups": []}},
        2: {"id": 2, "key": "uses-base", "tags": [MARKER_TAG], "version": 1,
            "filters": {"groups": [{"properties": [{"type": "flag", "key": "1", "value": True}]}]}},
    }
    from reconciler.assembly import build_directory

    live = live_state(flags=list(fake.objects["feature_flags"].values()))
    plan = build_plan([], live, prune=True)
    Applier(fake, live, build_directory({"FeatureFlag": list(fake.objects["feature_flags"].values())})).apply(plan)
    assert fake.calls == [("PATCH", "/api/projects/1/feature_flags/2/"), ("PATCH", "/api/projects/1/feature_flags/1/")]
    assert all(o["deleted"] for o in fake.objects["feature_flags"].values())
