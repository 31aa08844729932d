"""The rate budget paces requests like PostHog's sliding windows count them, across threads."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest
import responses

from reconciler.client import (
    ANALYTICS,
    CRUD,
    POSTHOG_LIMITS,
    PostHogClient,
    RateBudget,
    RateLimit,
    rate_class_for,
)

from .conftest import HOST, FakeClock, make_settings


def budget(fake: FakeClock, *rules: RateLimit) -> RateBudget:
    return RateBudget({"crud": rules}, clock=fake.clock, sleep=fake.sleep, margin=0.0)


def grants(fake: FakeClock, b: RateBudget, count: int) -> list[float]:
    times = []
    for _ in range(count):
        b.acquire("crud")
        times.append(fake.now)
    return times


def test_posthog_limits() -> None:
    assert POSTHOG_LIMITS[CRUD] == (RateLimit(480, 60.0), RateLimit(4800, 3600.0))
    assert POSTHOG_LIMITS[ANALYTICS] == (RateLimit(240, 60.0), RateLimit(1200, 3600.0))


def test_a_burst_up_to_the_limit_does_not_wait(fake: FakeClock) -> None:
    b = budget(fake, RateLimit(3, 10.0))
    assert grants(fake, b, 3) == [1000.0, 1000.0, 1000.0]
    assert fake.sleeps == []


def test_the_next_request_waits_until_the_oldest_leaves_the_window(fake: FakeClock) -> None:
    b = budget(fake, RateLimit(3, 10.0))
    grants(fake, b, 3)
    fake.now += 4.0
    assert b.delay("crud") == 6.0
    assert b.acquire("crud") == 6.0
    assert fake.now == 1010.0
    assert fake.sleeps == [6.0]


def test_a_sliding_window_not_a_refilling_bucket(fake: FakeClock) -> None:
    b = budget(fake, RateLimit(4, 60.0))
    times = grants(fake, b, 12)
    for index, start in enumerate(times):
        in_window = [t for t in times[index:] if t < start + 60.0]
        assert len(in_window) <= 4
    assert times[4] == 1060.0 and times[8] == 1120.0


def test_every_window_of_a_class_applies(fake: FakeClock) -> None:
    b = budget(fake, RateLimit(2, 1.0), RateLimit(3, 100.0))
    times = grants(fake, b, 4)
    assert times == [1000.0, 1000.0, 1001.0, 1100.0]


def test_margin_widens_the_window(fake: FakeClock) -> None:
    b = RateBudget({"crud": (RateLimit(1, 10.0),)}, clock=fake.clock, sleep=fake.sleep, margin=0.5)
    b.acquire("crud")
    assert b.acquire("crud") == 10.5


def test_classes_are_separate(fake: FakeClock) -> None:
    b = RateBudget(
        {CRUD: (RateLimit(1, 60.0),), ANALYTICS: (RateLimit(1, 60.0),)},
        clock=fake.clock,
        sleep=fake.sleep,
        margin=0,
    )
    b.acquire(CRUD)
    b.acquire(ANALYTICS)
    assert fake.sleeps == []


def test_unknown_class_is_a_programming_error(fake: FakeClock) -> None:
    with pytest.raises(ValueError, match="unknown rate class 'bulk'"):
        budget(fake, RateLimit(1, 1.0)).acquire("bulk")


def test_limits_must_allow_something() -> None:
    with pytest.raises(ValueError):
        RateBudget({"crud": (RateLimit(0, 1.0),)})


class YieldingClock(FakeClock):
    """A fake clock that hands the processor to other threads whenever it is read."""

    def clock(self) -> float:
        value = super().clock()
        time.sleep(0)
        return value


def run_threads(b: RateBudget, granted: list[float], threads: int, each: int) -> None:
    original = b._delay  # noqa: SLF001
    lock = threading.Lock()

    def delay_and_record(rate_class: str, now: float) -> float:
        # Runs where the budget takes a slot: record the time of every grant.
        wait = original(rate_class, now)
        if wait <= 0:
            with lock:
                granted.append(now)
        return wait

    b._delay = delay_and_record  # type: ignore[method-assign]  # noqa: SLF001

    def worker() -> None:
        for _ in range(each):
            b.acquire("crud")

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=30)


def max_in_any_window(granted: list[float], period: float) -> int:
    ordered = sorted(granted)
    return max(
        len([t for t in ordered[index:] if t < start + period])
        for index, start in enumerate(ordered)
    )


def test_threads_sharing_a_budget_never_exceed_it() -> None:
    fake = YieldingClock()
    limit = RateLimit(5, 10.0)
    b = RateBudget({"crud": (limit,)}, clock=fake.clock, sleep=fake.sleep, margin=0.0)
    granted: list[float] = []
    run_threads(b, granted, threads=8, each=25)
    assert len(granted) == 200
    assert max_in_any_window(granted, limit.period) == limit.requests


def test_client_takes_a_slot_for_every_attempt_and_paces(fake: FakeClock) -> None:
    shared = RateBudget(
        {CRUD: (RateLimit(2, 60.0),), ANALYTICS: (RateLimit(1, 60.0),)},
        clock=fake.clock,
        sleep=fake.sleep,
        margin=0.0,
    )
    client = PostHogClient(make_settings(), budget=shared, sleep=fake.sleep, clock=fake.clock)
    with responses.RequestsMock() as mock:
        mock.get(f"{HOST}/api/projects/1/cohorts/", json=[])
        mock.get(f"{HOST}/api/projects/1/persons/", json={"results": [], "next": None})
        for _ in range(3):
            client.get("/api/projects/1/cohorts/")
        assert fake.sleeps == [60.0]
        client.get("/api/projects/1/persons/")  # analytics: its own budget, still free
        assert fake.sleeps == [60.0]
        client.get("/api/projects/1/persons/")
        assert fake.sleeps == [60.0, 60.0]


def test_a_long_pause_is_logged_as_a_warning(
    fake: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    b = budget(fake, RateLimit(1, 60.0))
    b.acquire("crud")
    with caplog.at_level("WARNING", logger="reconciler.client"):
        b.acquire("crud")
    assert "pausing 60.0 s to stay within PostHog's rate limit for crud requests (1/min)" in (
        caplog.text
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/projects/1/feature_flags/", CRUD),
        ("/api/projects/1/cohorts/3/", CRUD),
        ("/api/projects/1/persons/", ANALYTICS),
        ("/api/projects/1/persons/018f/", ANALYTICS),
        ("/api/projects/1/cohorts/3/persons/", ANALYTICS),
        ("/api/projects/1/session_recordings/?limit=5", ANALYTICS),
        ("/api/projects/1/query/", ANALYTICS),
        ("/api/projects/1/endpoints/daily/run/", ANALYTICS),
        ("/api/projects/1/endpoints/running_total/", CRUD),
        ("/api/users/@me/", CRUD),
    ],
)
def test_rate_class_for(path: str, expected: str) -> None:
    assert rate_class_for(path) == expected


def test_grants_by_class_with_defaults() -> None:
    counts: dict[str, int] = defaultdict(int)
    b = RateBudget()
    for _ in range(480):
        b.acquire(CRUD)
        counts[CRUD] += 1
    assert b.delay(CRUD) > 0
    assert b.delay(ANALYTICS) == 0
