"""Fixtures for the reliability suite: an emulator without rate limits (faults bring their own
429s), the raw API beside it, and slow tests that run only when asked for.

Slow tests carry ``@pytest.mark.slow`` and run with ``pytest -m slow`` or with
``PHSYNC_SLOW=1`` in the environment; the default run skips them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.reliability.observe import Api


def slow_enabled(config: pytest.Config) -> bool:
    expression = str(config.getoption("markexpr") or "")
    return os.environ.get("PHSYNC_SLOW") == "1" or (
        "slow" in expression and "not slow" not in expression
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if slow_enabled(config):
        return
    skip = pytest.mark.skip(reason="slow: run with `pytest -m slow` or PHSYNC_SLOW=1")
    for item in items:
        if "slow" in item.keywords and "reliability" in str(item.path):
            item.add_marker(skip)


def start_emulator(**config: Any) -> Any:
    from reconciler.emulator import Emulator, EmulatorConfig

    config.setdefault("rate_limits_enabled", False)
    return Emulator(EmulatorConfig(port=0, **config)).start()


@pytest.fixture
def quiet_emulator() -> Iterator[Any]:
    """The demo project (whose objects phsync does not manage), with no rate limits."""
    emu = start_emulator()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def env(quiet_emulator: Any) -> dict[str, str]:
    return {
        "POSTHOG_HOST": quiet_emulator.url,
        "POSTHOG_PERSONAL_API_KEY": quiet_emulator.api_key,
        "POSTHOG_PROJECT_ID": str(quiet_emulator.project_id),
    }


@pytest.fixture
def api(quiet_emulator: Any) -> Api:
    return Api(quiet_emulator)
