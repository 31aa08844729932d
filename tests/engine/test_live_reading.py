"""Reading PostHog's lists: every kind at once, user records shared, the first error stopping
the rest, and the reading beside the manifests cancelled when they fail."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from reconciler import engine
from reconciler.live import LOCK_FLAG_KEY, read_lists
from reconciler.model import KINDS
from reconciler.resources import REGISTRY

USER = {"id": 1, "uuid": "u-1", "email": "ann@example.com", "hedgehog_config": None}


class FakeLists:
    """A client whose list pages come from ``pages`` (collection -> objects), each object
    after ``delay`` seconds; a collection in ``broken`` fails after its first object."""

    def __init__(
        self,
        pages: Mapping[str, list[dict[str, Any]]],
        *,
        delay: float = 0.0,
        broken: str | None = None,
    ) -> None:
        self.pages = pages
        self.delay = delay
        self.broken = broken
        self.served: dict[str, int] = {}
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def project_path(self, suffix: str) -> str:
        return f"/api/projects/1/{suffix}"

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        collection = path.rstrip("/").rsplit("/", 1)[-1]
        with self.lock:
            self.threads.add(threading.current_thread().name)
        for index, raw in enumerate(self.pages.get(collection, [])):
            if collection == self.broken and index == 1:
                raise RuntimeError(f"{collection} failed")
            time.sleep(self.delay)
            with self.lock:
                self.served[collection] = self.served.get(collection, 0) + 1
            yield raw

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        raise AssertionError("no single reads expected")


def _pages(count: int) -> dict[str, list[dict[str, Any]]]:
    return {
        REGISTRY[kind].collection: [
            {"id": i, "name": f"{kind}-{i}", "created_by": dict(USER)} for i in range(count)
        ]
        for kind in KINDS
    }


def test_every_kind_is_read_whole_in_its_order_on_several_threads() -> None:
    pages = _pages(5)
    pages["feature_flags"].insert(2, {"id": 99, "key": LOCK_FLAG_KEY, "created_by": None})
    client = FakeLists(pages, delay=0.002)
    lists = read_lists(client)
    assert list(lists) == list(KINDS)
    for kind in KINDS:
        assert [raw["id"] for raw in lists[kind]] == list(range(5))  # the lock flag left out
    assert len(client.threads) > 1


def test_identical_user_records_become_one() -> None:
    lists = read_lists(FakeLists(_pages(3)))
    users = [raw["created_by"] for raws in lists.values() for raw in raws]
    assert all(user == USER for user in users)
    assert len({id(user) for user in users}) == 1


def test_a_user_record_that_cannot_be_hashed_is_kept_as_it_is() -> None:
    odd = {"id": 2, "hedgehog_config": {"color": "blue"}}
    pages = {"cohorts": [{"id": 1, "name": "a", "created_by": odd}]}
    lists = read_lists(FakeLists(pages), kinds=["Cohort"])
    assert lists["Cohort"][0]["created_by"] is odd


def test_the_first_error_stops_the_other_readers() -> None:
    pages = _pages(200)
    client = FakeLists(pages, delay=0.002, broken="feature_flags")
    with pytest.raises(RuntimeError, match="feature_flags failed"):
        read_lists(client)
    assert all(client.served.get(REGISTRY[kind].collection, 0) < 200 for kind in KINDS)


def test_a_failing_block_cancels_the_reading_and_restores_the_switch_interval() -> None:
    before = sys.getswitchinterval()
    client = FakeLists(_pages(500), delay=0.002)
    with pytest.raises(ValueError), engine.reading_live(client) as reading:
        assert sys.getswitchinterval() == engine.READING_SWITCH_INTERVAL
        raise ValueError("invalid manifests")
    assert sys.getswitchinterval() == before
    assert sum(client.served.values()) < 500 * len(KINDS)
    assert reading is not None
