"""Live objects made kind by kind as the lists arrive: the same objects and directory as
making them all at the end, whatever the order of arrival, and each kind as early as the
kinds it names allow."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from bench import generate
from reconciler.assembly import Assembly, build_directory, to_live_object
from reconciler.client import PostHogClient
from reconciler.emulator import Emulator, EmulatorConfig
from reconciler.live import read_lists
from reconciler.model import KINDS
from reconciler.resources import REGISTRY
from reconciler.resources.base import Directory
from reconciler.settings import Secret, Settings


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Every kind's list as the emulator answers it, for a generated project whose objects
    name each other (flags their cohorts and other flags, insights their actions, ...)."""
    seed = tmp_path_factory.mktemp("seed") / "seed.json"
    generate.write_seed(generate.generate(generate.FULL.scaled(0.02), changed=0), seed)
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
    return {kind: [to_live_object(kind, raw, directory) for raw in raws] for kind, raws in lists.items()}


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


def test_a_kind_is_made_once_it_and_the_kinds_it_names_are_in(
    lists: dict[str, list[dict[str, Any]]],
) -> None:
    assembly = Assembly(KINDS)
    made = lambda: set(assembly._objects)  # noqa: E731
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


def test_each_whole_list_arrives_once_on_the_thread_that_read_it(lists: dict[str, Any]) -> None:
    seen: list[tuple[str, int, str]] = []
    read_lists(
        Lists(lists),
        arrived=lambda kind, objects: seen.append(
            (kind, len(objects), threading.current_thread().name)
        ),
    )
    assert sorted(kind for kind, _, _ in seen) == sorted(KINDS)
    assert all(count == len(lists[kind]) for kind, count, _ in seen)
    assert threading.main_thread().name not in {thread for _, _, thread in seen}


def test_a_list_cut_short_never_arrives(lists: dict[str, Any]) -> None:
    seen: list[str] = []
    read_lists(Lists(lists), kinds=["Cohort"], stop=lambda: True, arrived=lambda k, o: seen.append(k))
    assert seen == []
