"""One emulator for the conformance package, driven over loopback HTTP with checked requests."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pytest
import requests
from contract.checker import Contract

from conformance.harness import Api, World
from reconciler.emulator import Emulator, EmulatorConfig

FULL_KEY = "phx_conformance_all"
FLAGS_READ_KEY = "phx_conformance_flags_read"


@pytest.fixture(scope="package")
def contract() -> Contract:
    return Contract.load()


def scoped_keys(contract: Contract) -> dict[str, list[str]]:
    """For every operation and each scope it needs: a key holding exactly the operation's
    scopes, and a key holding every other scope object's write scope but not that one."""
    objects = sorted({s.split(":")[0] for op in contract.operations.values() for s in op.scopes})
    keys: dict[str, list[str]] = {}
    for operation in contract.operations.values():
        keys[key_name(operation.scopes)] = list(operation.scopes)
        for scope in operation.scopes:
            lacking = scope.split(":")[0]
            others = [s for s in operation.scopes if s != scope]
            held = sorted({*others, *(f"{o}:write" for o in objects if o != lacking)})
            keys[key_name(held)] = held
    return keys


def key_name(scopes: Iterable[str]) -> str:
    return "phx_" + "_".join(sorted(s.replace(":", "-") for s in scopes))


@pytest.fixture(scope="package")
def key_with(contract: Contract) -> Callable[[Iterable[str]], str]:
    """The API key the emulator was given for exactly these scopes."""
    known = scoped_keys(contract)

    def find(scopes: Iterable[str]) -> str:
        name = key_name(scopes)
        assert name in known, f"no key configured for {sorted(scopes)}"
        return name

    return find


@pytest.fixture(scope="package")
def emulator_server(contract: Contract) -> Iterator[Emulator]:
    config = EmulatorConfig(
        port=0,
        api_keys={
            FULL_KEY: ["*"],
            FLAGS_READ_KEY: ["feature_flag:read"],
            **scoped_keys(contract),
        },
        rate_limits_enabled=False,
        property_delay=0.0,
    )
    server = Emulator(config).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def api(emulator_server: Emulator, contract: Contract) -> Iterator[Api]:
    with requests.Session() as session:
        yield Api(
            base=emulator_server.url,
            project_id=emulator_server.project_id,
            key=FULL_KEY,
            session=session,
            contract=contract,
        )


@pytest.fixture(scope="package")
def world(api: Api) -> World:
    """Objects cases refer to, built on first use through the API or found in the seed."""
    return World(api)
