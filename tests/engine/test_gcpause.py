"""Pausing the cyclic garbage collector: off inside, restored after, whatever happens."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.gcpause import paused_gc
from reconciler.manifests import load_paths


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_collector_is_off_inside_and_on_again_after() -> None:
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause leaves the outer one alone
    assert gc.isenabled()


def test_collector_is_restored_after_an_exception() -> None:
    with pytest.raises(ValueError), paused_gc():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_as_a_decorator_each_call_pauses() -> None:
    seen = []

    @paused_gc()
    def work() -> None:
        seen.append(gc.isenabled())

    work()
    work()
    assert seen == [False, False] and gc.isenabled()


def test_loading_manifests_leaves_the_collector_on(tmp_path: Path) -> None:
    (tmp_path / "f.yaml").write_text("kind: Cohort\nname: A\n", encoding="utf-8")
    manifests, issues = load_paths([tmp_path])
    assert len(manifests) == 1 and not issues
    assert gc.isenabled()


def test_what_a_pause_built_is_not_walked_by_the_next_collection() -> None:
    with paused_gc():
        built = [[n] for n in range(10_000)]
        assert gc.get_count()[0] >= 10_000  # each list is counted towards a collection
    assert gc.get_count()[0] < 100  # ... which no longer starts at the next allocation
    assert gc.get_freeze_count() >= len(built)


def test_a_cycle_made_after_a_pause_is_still_collected() -> None:
    with paused_gc():
        pass

    class Node:
        other: object = None

    first, second = Node(), Node()
    first.other, second.other = second, first
    del first, second
    assert gc.collect() >= 2
