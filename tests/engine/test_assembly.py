"""Live objects made kind by kind as the lists arrive: the same objects and directory as
making them all at the end, whatever the order of arrival, and each kind as early as the
kinds it names allow."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from bench import generate
from reconciler.assembly import Assembly, build_directory, to_live_object
from reconciler.client import PostHogClient
from reconciler.emulator import Emulator, EmulatorConfig
from reconciler.engine import load_manifests
from reconciler.live import read_lists
from reconciler.manifests import dependency_order, references
from reconciler.matching import by_kind
from reconciler.model import KINDS, Manifest
from reconciler.plan import build_plan, desired_forms, share_of
from reconciler.resources import REGISTRY
from reconciler.resources.base import Directory
from reconciler.settings import Secret, Settings


@pytest.fixture(scope="module")
def project() -> generate.Project:
    """A generated project whose objects name each other (flags their cohorts and other
    flags, insights their actions, ...), a quarter of its manifests changed."""
    return generate.generate(generate.FULL.scaled(0.02), changed=0.25)


@pytest.fixture(scope="module")
def served(
    project: generate.Project, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[dict[str, Any]]]:
    """Every kind's list as the emulator answers it."""
    seed = tmp_path_factory.mktemp("seed") / "seed.json"
    generate.write_seed(project, seed)
    emu = Emulator(EmulatorConfig(port=0, seed=str(seed)))
    emu.start()
    try:
        settings = Settings(
            host=emu.url, project=str(emu.project_id), api_key=Secret(emu.api_key), timeout=10.0
        )
        with PostHogClient(settings) as client:
            found = read_lists(client)
            # Dashboards as read one by one (their tiles name insights), beside the list.
            found["full dashboards"] = [
                client.request("GET", client.project_path(f"dashboards/{raw['id']}/"))
                for raw in found["Dashboard"]
            ]
            return found
    finally:
        emu.stop()


@pytest.fixture
def lists(served: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {kind: served[kind] for kind in KINDS}


@pytest.fixture
def full_dashboards(served: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return served["full dashboards"]


def _all_at_the_end(lists: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    directory = build_directory(lists)
    return {
        kind: [to_live_object(kind, raw, directory) for raw in raws] for kind, raws in lists.items()
    }


class Recording(Directory):
    """A directory that notes which kinds' names were asked for."""

    def __init__(self, inner: Directory) -> None:
        super().__init__(ids=inner.ids, names=inner.names)
        self.asked: set[str] = set()

    def name_of(self, kind: str, object_id: Any) -> str:
        self.asked.add(kind)
        return super().name_of(kind, object_id)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_names_exactly_the_kinds_it_declares(
    kind: str, lists: dict[str, Any], full_dashboards: list[dict[str, Any]]
) -> None:
    directory = Recording(build_directory(lists))
    for raw in full_dashboards if kind == "Dashboard" else lists[kind]:
        REGISTRY[kind].from_live(raw, directory)
    assert directory.asked == set(REGISTRY[kind].refers_to)


@pytest.mark.parametrize(
    "order", list(itertools.permutations(KINDS))[::97], ids=lambda order: ">".join(order)
)
def test_any_order_of_arrival_gives_what_making_everything_at_the_end_gives(
    order: tuple[str, ...], lists: dict[str, list[dict[str, Any]]]
) -> None:
    assembly = Assembly(KINDS)
    for kind in order:
        assembly.arrived(kind, lists[kind])
    live, directory = assembly.finished()
    assert live.objects == _all_at_the_end(lists)
    assert list(live.objects) == list(KINDS)
    assert directory == build_directory(lists)


@pytest.mark.parametrize("seed", range(6))
def test_lists_made_as_they_grow_give_what_making_everything_at_the_end_gives(
    seed: int, lists: dict[str, list[dict[str, Any]]]
) -> None:
    """Pages of the kinds interleaved at random, each list in pieces of random sizes."""
    rng = random.Random(seed)
    steps = []
    for kind, raws in lists.items():
        cuts = sorted(rng.sample(range(1, len(raws)), min(4, len(raws) - 1)))
        steps += [(kind, cut) for cut in cuts] + [(kind, len(raws))]
    rng.shuffle(steps)
    assembly = Assembly(KINDS)
    grown: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    done = set()
    for kind, upto in steps:
        if kind in done or upto <= len(grown[kind]):
            continue  # a list only grows; once whole, it is done
        grown[kind].extend(lists[kind][len(grown[kind]) : upto])
        if upto == len(lists[kind]):
            assembly.arrived(kind, grown[kind])
            done.add(kind)
        else:
            assembly.growing(kind, grown[kind])
    for kind in KINDS:
        if kind not in done:
            grown[kind].extend(lists[kind][len(grown[kind]) :])
            assembly.arrived(kind, grown[kind])
    live, _ = assembly.finished()
    assert live.objects == _all_at_the_end(lists)


def test_objects_are_made_while_their_list_grows_once_the_kinds_they_name_are_whole(
    lists: dict[str, list[dict[str, Any]]],
) -> None:
    assembly = Assembly(KINDS)
    flags = lists["FeatureFlag"]
    assembly.growing("FeatureFlag", flags[:10])
    assert assembly.made().get("FeatureFlag", 0) == 0  # the cohorts they name are not in
    assembly.arrived("Cohort", lists["Cohort"])
    assembly.growing("FeatureFlag", flags[:10])
    assert assembly.made()["FeatureFlag"] == 10


def test_a_flag_made_early_names_the_flag_it_depends_on_as_the_whole_list_does() -> None:
    """A flag that depends on flag 7 is made before flag 7 arrives, then a managed flag with
    the same key and an older id arrives: the name goes to the older one, and the reference
    to 7 reads as #7, as if every flag had been there from the start."""

    def flag(
        flag_id: int, key: str, depends_on: int | None = None, managed: bool = True
    ) -> dict[str, Any]:
        properties = (
            [
                {
                    "key": str(depends_on),
                    "type": "flag",
                    "value": True,
                    "operator": "flag_evaluates_to",
                }
            ]
            if depends_on is not None
            else []
        )
        return {
            "id": flag_id,
            "key": key,
            "name": "",
            "active": True,
            "tags": ["managed-by-phsync"] if managed else [],
            "filters": {"groups": [{"properties": properties, "rollout_percentage": 100}]},
        }

    first = [flag(10, "child", depends_on=7), flag(11, "other", depends_on=12)]
    rest = [flag(7, "parent"), flag(12, "later"), flag(3, "parent")]
    assembly = Assembly(["FeatureFlag"])
    assembly.growing("FeatureFlag", first)
    assert assembly.made()["FeatureFlag"] == 2
    assembly.arrived("FeatureFlag", first + rest)
    live, _ = assembly.finished()
    expected = _all_at_the_end({"FeatureFlag": first + rest})["FeatureFlag"]
    assert live.objects["FeatureFlag"] == expected
    named = [p["key"] for p in expected[0].spec["filters"]["groups"][0]["properties"]]
    assert named == ["#7"]  # the younger of two managed "parent" flags holds no name
    named = [p["key"] for p in expected[1].spec["filters"]["groups"][0]["properties"]]
    assert named == ["later"]


def test_a_kind_is_made_once_it_and_the_kinds_it_names_are_in(
    lists: dict[str, list[dict[str, Any]]],
) -> None:
    assembly = Assembly(KINDS)
    made = lambda: {kind for kind, count in assembly.made().items() if count}  # noqa: E731
    assembly.arrived("FeatureFlag", lists["FeatureFlag"])
    assert made() == set()  # its cohorts' names are not in yet
    assembly.arrived("Action", lists["Action"])
    assert made() == {"Action"}
    assembly.arrived("Cohort", lists["Cohort"])
    assert made() == {"Action", "Cohort", "FeatureFlag"}
    assembly.arrived("Dashboard", lists["Dashboard"])
    assert made() == {"Action", "Cohort", "FeatureFlag"}  # dashboards wait for insights
    assembly.arrived("Annotation", lists["Annotation"])
    assert made() == {"Action", "Cohort", "FeatureFlag", "Annotation"}
    assembly.arrived("Insight", lists["Insight"])
    assert made() == set(KINDS)


def test_kinds_outside_the_reading_are_not_waited_for(lists: dict[str, Any]) -> None:
    assembly = Assembly(["FeatureFlag"])
    assembly.arrived("FeatureFlag", lists["FeatureFlag"])
    live, _ = assembly.finished()
    cohort_names = {value for obj in live.objects["FeatureFlag"] for value in _cohorts_of(obj.spec)}
    assert cohort_names and all(name.startswith("#") for name in cohort_names)


def _cohorts_of(spec: Mapping[str, Any]) -> Iterator[Any]:
    for group in spec.get("filters", {}).get("groups", []):
        for prop in group.get("properties", []):
            if prop.get("type") == "cohort":
                yield prop["value"]


def test_finishing_before_every_list_arrived_is_a_bug_said_plainly(lists: dict[str, Any]) -> None:
    assembly = Assembly(KINDS)
    assembly.arrived("Cohort", lists["Cohort"])
    with pytest.raises(RuntimeError, match="Action, FeatureFlag, Insight, Dashboard, Annotation"):
        assembly.finished()


def test_dashboards_read_again_in_full_replace_their_listed_form(
    lists: dict[str, Any], full_dashboards: list[dict[str, Any]]
) -> None:
    assembly = Assembly.of({kind: list(raws) for kind, raws in lists.items()})
    listed, full = lists["Dashboard"][1], full_dashboards[1]
    live, _ = assembly.finished({1: full})
    board = live.objects["Dashboard"][1]
    assert board.raw is full and board.id == listed["id"]
    assert board.spec == REGISTRY["Dashboard"].from_live(full, build_directory(lists))
    assert board.spec != REGISTRY["Dashboard"].from_live(listed, build_directory(lists))
    assert assembly.lists()["Dashboard"][1] is full


class Lists:
    """A client serving ``lists``; the cohorts' list stops after ``cut`` objects when asked."""

    def __init__(self, lists: Mapping[str, list[dict[str, Any]]]) -> None:
        self.by_collection = {REGISTRY[kind].collection: raws for kind, raws in lists.items()}

    def project_path(self, suffix: str) -> str:
        return f"/api/projects/1/{suffix}"

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        yield from self.by_collection[path.rstrip("/").rsplit("/", 1)[-1]]

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        raise AssertionError("no single reads expected")


class Noting(Assembly):
    """An assembly that notes each whole list that arrives, and on which thread."""

    def __init__(self, seen: list[tuple[str, int, str]]) -> None:
        super().__init__()
        self.seen = seen

    def arrived(self, kind: str, objects: list[dict[str, Any]]) -> None:
        self.seen.append((kind, len(objects), threading.current_thread().name))
        super().arrived(kind, objects)


def test_each_whole_list_arrives_once_on_the_thread_that_read_it(lists: dict[str, Any]) -> None:
    seen: list[tuple[str, int, str]] = []
    read_lists(Lists(lists), into=Noting(seen))
    assert sorted(kind for kind, _, _ in seen) == sorted(KINDS)
    assert all(count == len(lists[kind]) for kind, count, _ in seen)
    assert threading.main_thread().name not in {thread for _, _, thread in seen}


def test_a_list_cut_short_never_arrives(lists: dict[str, Any]) -> None:
    seen: list[tuple[str, int, str]] = []
    read_lists(Lists(lists), kinds=["Cohort"], stop=lambda: True, into=Noting(seen))
    assert seen == []


@pytest.fixture(scope="module")
def manifests(
    project: generate.Project, tmp_path_factory: pytest.TempPathFactory
) -> list[Manifest]:
    root = tmp_path_factory.mktemp("manifests")
    generate.write_manifests(project, root)
    return dependency_order(load_manifests([str(root)], references=False))


@pytest.mark.parametrize("early", [(), ("Cohort",), ("FeatureFlag", "Insight"), KINDS])
def test_kinds_planned_as_they_are_read_give_the_plan_of_all_at_once(
    early: tuple[str, ...], lists: dict[str, Any], manifests: list[Manifest]
) -> None:
    live, _ = Assembly.of(lists).finished()
    manifests = [m for index, m in enumerate(manifests) if index % 9]  # some objects deleted
    wanted = desired_forms(manifests)
    refs = {m.key: tuple(ref.target for ref in references(m)) for m in manifests}
    grouped = by_kind(wanted)
    shares = {
        kind: share_of(kind, grouped.get(kind, []), live.objects[kind], refs) for kind in early
    }
    at_once = build_plan(manifests, live, references=refs, prune=True)
    assert at_once.changes and any(c.action.value == "delete" for c in at_once.changes)
    assert build_plan(manifests, live, shares=shares, references=refs, prune=True) == at_once


def test_kinds_come_as_they_are_made_and_the_wait_ends_with_the_reading(
    lists: dict[str, Any],
) -> None:
    assembly = Assembly(KINDS)
    seen: list[str] = []

    def read() -> None:
        for kind in ("Action", "Cohort", "FeatureFlag"):
            assembly.arrived(kind, lists[kind])
        assembly.end()  # the reading failed: the other kinds never come

    reader = threading.Thread(target=read)
    reader.start()
    for kind, objects in assembly.as_made():
        assert len(objects) == len(lists[kind])
        seen.append(kind)
    reader.join()
    assert sorted(seen) == ["Action", "Cohort", "FeatureFlag"]
