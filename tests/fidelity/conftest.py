"""Cases restating PostHog's own server tests, run against the emulator over HTTP.

Every case carries ``@restates("<file>::<test>")``, naming the PostHog test whose assertions it
repeats; it checks only what that test asserts (status, error type/code/attr/detail, stored
value). Each module starts one emulator (in this process, on a loopback port) and its cases
share it, so they create what they need under names of their own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from emulator.conftest import Client

from reconciler.emulator import Emulator, EmulatorConfig

_unique = itertools.count(1)


def restates(reference: str) -> pytest.MarkDecorator:
    """Mark a case with the PostHog server test (``file::test``) it restates."""
    assert "::test_" in reference, reference
    return pytest.mark.restates(reference)


def unique(prefix: str) -> str:
    """A name no other case in the module uses."""
    return f"{prefix}-{next(_unique)}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fidelity = "/fidelity/" in str(item.path).replace("\\", "/")
        if fidelity and item.get_closest_marker("restates") is None:
            raise pytest.UsageError(f"{item.nodeid} names no PostHog test (@restates)")


@pytest.fixture(scope="module")
def api() -> Iterator[Client]:
    emu = Emulator(EmulatorConfig(port=0, rate_limits_enabled=False, property_delay=0.05)).start()
    try:
        yield Client(emu)
    finally:
        emu.stop()


Body = dict[str, Any]
Make = Callable[..., Any]
