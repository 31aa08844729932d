"""Cross-cutting error answers: throttling and unknown paths carry PostHog's error envelope."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from contract import exceptions
from contract.checker import decode_body, to_json_schema
from jsonschema import Draft202012Validator

from conformance.harness import Api, World
from reconciler.emulator import Emulator, FaultConfig

ENVELOPE = Draft202012Validator(to_json_schema(exceptions.ERROR_ENVELOPE, "response"))


@pytest.fixture
def throttled(emulator_server: Emulator) -> Iterator[None]:
    emulator_server.set_faults(FaultConfig(throttle_rate=1.0, retry_after=7, seed=1))
    try:
        yield
    finally:
        emulator_server.set_faults(FaultConfig())


@pytest.mark.usefixtures("throttled")
def test_a_throttled_call_answers_429_with_the_envelope_and_retry_after(
    api: Api, world: World
) -> None:
    path = world.format("/api/projects/{pid}/feature_flags/")
    response = api.call("GET", path)
    assert response.status_code == 429
    assert response.headers["Retry-After"].isdigit()
    body = decode_body(response.content)
    assert api.contract.check_response("GET", path, 429, body) == []
    assert body["type"] == "throttled_error" and body["code"] == "throttled"


@pytest.mark.parametrize(
    "path",
    ["/api/projects/{pid}/no_such_resource/", "/api/no_such_root/"],
    ids=["unknown-resource", "unknown-root"],
)
def test_an_unknown_path_answers_404_with_the_envelope(api: Api, world: World, path: str) -> None:
    response = api.call("GET", world.format(path))
    assert response.status_code == 404
    body = decode_body(response.content)
    assert [error.message for error in ENVELOPE.iter_errors(body)] == []
    assert body["code"] == "not_found"
