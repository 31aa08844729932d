"""Rate limits per key and class, with DRF's 429 body and Retry-After (posthog-api.md 1.6)."""

from __future__ import annotations

import time

from emulator.conftest import Client, MakeEmulator


def test_crud_class_throttles_with_retry_after(make_emulator: MakeEmulator) -> None:
    client = Client(make_emulator(rate_limits={"crud": "3/minute"}))
    for _ in range(3):
        assert client.get(client.p + "/feature_flags/").status_code == 200
    response = client.get(client.p + "/cohorts/")
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert response.json() == {
        "type": "throttled_error",
        "code": "throttled",
        "detail": f"Request was throttled. Expected available in {wait} seconds.",
        "attr": None,
    }


def test_classes_and_keys_have_separate_budgets(make_emulator: MakeEmulator) -> None:
    client = Client(
        make_emulator(
            api_keys={"phx_a": ["*"], "phx_b": ["*"]},
            rate_limits={"crud": "2/minute", "analytics": "1/minute"},
        )
    )
    for _ in range(2):
        assert client.get(client.p + "/dashboards/", key="phx_a").status_code == 200
    assert client.get(client.p + "/dashboards/", key="phx_a").status_code == 429
    assert client.get(client.p + "/dashboards/", key="phx_b").status_code == 200
    assert client.get(client.p + "/persons/", key="phx_a").status_code == 200
    assert client.get(client.p + "/session_recordings/", key="phx_a").status_code == 429


def test_sliding_window_frees_up_and_singular_wording(make_emulator: MakeEmulator) -> None:
    client = Client(make_emulator(rate_limits={"crud": "2/second"}))
    client.get(client.p + "/feature_flags/")
    client.get(client.p + "/feature_flags/")
    refused = client.get(client.p + "/feature_flags/")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json()["detail"] == "Request was throttled. Expected available in 1 second."
    time.sleep(1.05)
    assert client.get(client.p + "/feature_flags/").status_code == 200


def test_refused_requests_do_not_spend_the_budget(make_emulator: MakeEmulator) -> None:
    client = Client(
        make_emulator(api_keys={"phx_ro": ["feature_flag:read"]}, rate_limits={"crud": "1/minute"})
    )
    for _ in range(3):
        assert client.get(client.p + "/cohorts/").status_code == 403
    assert client.get(client.p + "/feature_flags/").status_code == 200


def test_defaults_are_posthogs_and_can_be_switched_off(make_emulator: MakeEmulator) -> None:
    emu = make_emulator()
    assert [str(r) for r in emu.app.throttle.rates["crud"]] == ["480/minute", "4800/hour"]
    assert [str(r) for r in emu.app.throttle.rates["analytics"]] == ["240/minute", "1200/hour"]
    off = Client(make_emulator(rate_limits_enabled=False, rate_limits={"crud": "1/minute"}))
    for _ in range(5):
        assert off.get(off.p + "/feature_flags/").status_code == 200
