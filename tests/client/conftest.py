"""Fixtures for the client tests: a canary key, a fake clock, and a mocked PostHog."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import responses

from reconciler.client import PostHogClient, RetryPolicy
from reconciler.settings import Secret, Settings

HOST = "https://us.posthog.com"
CANARY = "phx_CANARY_d0n0tpr1ntm3_7e57k3y"


class FakeClock:
    """A clock that moves only when something sleeps on it; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


def make_settings(host: str = HOST, project: str = "1", key: str = CANARY) -> Settings:
    return Settings(host=host, project=project, api_key=Secret(key), timeout=7.0)


def make_client(fake: FakeClock, **settings_kwargs: str) -> PostHogClient:
    return PostHogClient(
        make_settings(**settings_kwargs),
        sleep=fake.sleep,
        clock=fake.clock,
        rand=lambda: 0.5,  # jitter factor exactly 1
        retry=RetryPolicy(attempts=4, base_delay=0.5, max_delay=8.0, max_rate_wait=300.0),
    )


@pytest.fixture
def fake() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(fake: FakeClock) -> PostHogClient:
    return make_client(fake)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
