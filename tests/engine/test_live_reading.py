"""Reading PostHog's lists: every kind at once, user records shared, the first error stopping
the rest, and the reading beside the manifests cancelled when they fail."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

from reconciler import reading as overlap
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
    with pytest.raises(ValueError), overlap.reading_live(client):
        assert sys.getswitchinterval() == overlap.READING_SWITCH_INTERVAL
        raise ValueError("invalid manifests")
    assert sys.getswitchinterval() == before
    assert sum(client.served.values()) < 500 * len(KINDS)


class FakeLock:
    """An apply lock that was free with ``mark`` when the apply began and is found as
    ``taken`` when the apply takes it (None at first: held by another apply)."""

    def __init__(self, mark: Any, taken: Any) -> None:
        self.mark, self.taken, self.held = mark, taken, 0

    def free_mark(self) -> Any:
        return self.mark

    @contextmanager
    def held_for(self) -> Iterator[Any]:
        self.held += 1
        yield self.taken


def _under(lock: FakeLock | None, client: FakeLists, load: Any = list) -> Any:
    class Adapter:  # ApplyLock's two methods that reading_under_lock uses
        def free_mark(self) -> Any:
            assert lock is not None
            return lock.free_mark()

        def held(self, timeout: float, waiting: Any = None) -> Any:
            assert lock is not None
            return lock.held_for()

    return overlap.reading_under_lock(
        client, Adapter() if lock else None, load, timeout=1.0  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("mark", "taken", "kept"),
    [
        pytest.param((7, 3), (7, 3), True, id="lock-untouched-meanwhile"),
        pytest.param((7, 3), (7, 5), False, id="another-apply-held-it-meanwhile"),
        pytest.param((None, None), (None, None), True, id="no-lock-flag-yet-and-made-by-us"),
        pytest.param((None, None), (7, 1), False, id="another-apply-made-the-lock-flag"),
        pytest.param(None, (7, 5), False, id="held-by-another-apply-at-first"),
    ],
)
def test_apply_keeps_what_it_read_only_if_no_apply_held_the_lock_meanwhile(
    mark: Any, taken: Any, kept: bool
) -> None:
    lock = FakeLock(mark, taken)
    client = FakeLists(_pages(3))
    with _under(lock, client) as (_, reading):
        assert (reading is not None) is kept
        if reading is not None:
            assert [raw["id"] for raw in reading.assembly().lists()["Cohort"]] == [0, 1, 2]
    assert lock.held == 1
    if mark is None:
        assert client.served == {}  # nothing read before the lock


def test_invalid_manifests_stop_the_reading_and_never_take_the_lock() -> None:
    lock = FakeLock((7, 3), (7, 3))
    client = FakeLists(_pages(500), delay=0.002)

    def invalid() -> list[str]:
        raise ValueError("invalid manifests")

    with pytest.raises(ValueError), _under(lock, client, invalid):
        pass
    assert lock.held == 0
    assert sum(client.served.values()) < 500 * len(KINDS)


def test_without_a_lock_the_reading_is_kept() -> None:
    with _under(None, FakeLists(_pages(2))) as (loaded, reading):
        assert loaded == [] and reading is not None
