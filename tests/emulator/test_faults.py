"""Fault injection and the control API (latency, 5xx, drops, 429 bursts, stats)."""

from __future__ import annotations

import time

import pytest
import requests

from emulator.conftest import Client, MakeEmulator
from reconciler.emulator import FaultConfig


def statuses(client: Client, count: int) -> list[int | str]:
    seen: list[int | str] = []
    for _ in range(count):
        try:
            seen.append(client.get(client.p + "/feature_flags/?limit=1").status_code)
        except requests.ConnectionError:
            seen.append("dropped")
    return seen


def test_faults_repeat_with_the_same_seed(make_emulator: MakeEmulator) -> None:
    faults = FaultConfig(error_rate=0.25, throttle_rate=0.2, drop_before_rate=0.1, seed=7)
    runs = [
        statuses(Client(make_emulator(faults=faults, rate_limits_enabled=False)), 40)
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    kinds = set(runs[0])
    assert 200 in kinds and 429 in kinds and "dropped" in kinds
    assert kinds & {500, 502, 503}


def test_injected_server_error_body(make_emulator: MakeEmulator) -> None:
    client = Client(make_emulator(faults=FaultConfig(error_rate=1.0, seed=1)))
    response = client.get(client.p + "/feature_flags/")
    assert response.status_code in (500, 502, 503)
    assert response.json() == {
        "type": "server_error",
        "code": "error",
        "detail": "A server error occurred.",
        "attr": None,
    }


def test_injected_429_has_retry_after(make_emulator: MakeEmulator) -> None:
    client = Client(make_emulator(faults=FaultConfig(throttle_rate=1.0, retry_after=3)))
    response = client.get(client.p + "/feature_flags/")
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert response.json()["detail"] == "Request was throttled. Expected available in 3 seconds."


def test_drop_before_does_not_act(make_emulator: MakeEmulator) -> None:
    emu = make_emulator(faults=FaultConfig(drop_before_rate=1.0))
    client = Client(emu)
    with pytest.raises(requests.ConnectionError):
        client.post(client.p + "/feature_flags/", json={"key": "never-made"})
    emu.set_faults(FaultConfig())
    keys = [f["key"] for f in client.get(client.p + "/feature_flags/").json()["results"]]
    assert "never-made" not in keys


def test_drop_after_acted(make_emulator: MakeEmulator) -> None:
    emu = make_emulator(faults=FaultConfig(drop_after_rate=1.0))
    client = Client(emu)
    with pytest.raises(requests.ConnectionError):
        client.post(
            client.p + "/feature_flags/",
            json={"key": "made-anyway", "_should_create_usage_dashboard": False},
        )
    emu.set_faults(FaultConfig())
    keys = [f["key"] for f in client.get(client.p + "/feature_flags/").json()["results"]]
    assert "made-anyway" in keys


def test_latency(make_emulator: MakeEmulator) -> None:
    client = Client(make_emulator(faults=FaultConfig(latency_ms=150)))
    started = time.monotonic()
    assert client.get(client.p + "/feature_flags/").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_control_api_changes_faults_at_runtime(make_emulator: MakeEmulator) -> None:
    emu = make_emulator()
    client = Client(emu)
    put = client.call("PUT", "/_emulator/faults/", auth=False, json={"error_rate": 1.0, "seed": 3})
    assert put.status_code == 200 and put.json()["error_rate"] == 1.0
    assert client.call("GET", "/_emulator/faults/", auth=False).json()["seed"] == 3
    assert client.get(client.p + "/feature_flags/").status_code >= 500
    assert client.call("GET", "/_emulator/health/", auth=False).status_code == 200
    bad = client.call("PUT", "/_emulator/faults/", auth=False, json={"error_rate": 2})
    assert bad.status_code == 400
    client.call("PUT", "/_emulator/faults/", auth=False, json={})
    assert client.get(client.p + "/feature_flags/").status_code == 200


def test_stats_count_every_api_request_by_route_template(make_emulator: MakeEmulator) -> None:
    emu = make_emulator(api_keys={"phx_ro": ["feature_flag:read"]})
    client = Client(emu)
    client.get(client.p + "/feature_flags/")
    client.get("/api/projects/@current/feature_flags/?limit=1")
    client.get(client.p + "/feature_flags/301/")
    client.get(client.p + "/cohorts/")  # refused: counted too
    client.get("/api/unknown/")
    stats = client.call("GET", "/_emulator/stats/", auth=False).json()
    assert stats == emu.stats()
    assert stats["total"] == 5
    assert stats["by_route"] == {
        "GET /api/projects/{project_id}/feature_flags/": 2,
        "GET /api/projects/{project_id}/feature_flags/{id}/": 1,
        "GET /api/projects/{project_id}/cohorts/": 1,
        "GET (no route)": 1,
    }
    assert stats["by_status"] == {"200": 3, "403": 1, "404": 1}
    assert stats["by_class"] == {"crud": 4, "none": 1}
    client.call("POST", "/_emulator/stats/reset/", auth=False)
    assert emu.stats()["total"] == 0
