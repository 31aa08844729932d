"""A client on a mocked PostHog (project 1) for the query library tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import responses

from reconciler.client import PostHogClient, RetryPolicy
from reconciler.settings import Secret, Settings

HOST = "https://us.posthog.com"
KEY = "phx_queries_test_key_0123456789"
BASE = f"{HOST}/api/projects/1"


def make_client(
    host: str = HOST,
    project: str = "1",
    key: str = KEY,
    *,
    sleep: Callable[[float], None] = lambda seconds: None,
    max_rate_wait: float = 0.0,
) -> PostHogClient:
    settings = Settings(host=host, project=project, api_key=Secret(key), timeout=5.0)
    return PostHogClient(
        settings,
        sleep=sleep,
        rand=lambda: 0.5,
        retry=RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0, max_rate_wait=max_rate_wait),
    )


@pytest.fixture
def client() -> Iterator[PostHogClient]:
    with make_client() as made:
        yield made


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def page(results: list[dict[str, object]], next_url: str | None = None) -> dict[str, object]:
    """A DRF limit/offset page."""
    return {"count": len(results), "next": next_url, "previous": None, "results": results}
