"""Emulators for the emulator's own tests, each on a free loopback port, with a session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from reconciler.emulator import Emulator, EmulatorConfig


class Client:
    """A requests session bound to one emulator and one key."""

    def __init__(self, emu: Emulator, key: str | None = None) -> None:
        self.emu = emu
        self.session = requests.Session()
        self.key = key or emu.api_key
        self.pid = emu.project_id

    @property
    def p(self) -> str:
        return f"/api/projects/{self.pid}"

    def call(
        self, method: str, path: str, *, key: str | None = None, auth: bool = True, **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if auth:
            headers["Authorization"] = f"Bearer {key or self.key}"
        return self.session.request(
            method, self.emu.url + path, headers=headers, timeout=10, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, **kwargs)


MakeEmulator = Callable[..., Emulator]


@pytest.fixture
def make_emulator() -> Iterator[MakeEmulator]:
    """Start emulators with any config; all are stopped at the end of the test."""
    started: list[Emulator] = []

    def make(**config: Any) -> Emulator:
        config.setdefault("port", 0)
        config.setdefault("property_delay", 0.2)
        emu = Emulator(EmulatorConfig(**config)).start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


@pytest.fixture
def api(make_emulator: MakeEmulator) -> Client:
    """The demo seed, rate limits off, the default key."""
    return Client(make_emulator(rate_limits_enabled=False))


def envelope(type_: str, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    return {"type": type_, "code": code, "detail": detail, "attr": attr}
