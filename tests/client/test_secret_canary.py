"""The API key never shows: not in exceptions, reprs, or logs at DEBUG level, on any path."""

from __future__ import annotations

import logging
import pickle
import traceback
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses

from reconciler.client import PostHogClient
from reconciler.errors import PhsyncError

from .conftest import CANARY, HOST, FakeClock, make_client

PATH = "/api/projects/1/feature_flags/"
URL = HOST + PATH
ECHO = {"detail": f"bad key {CANARY}", "code": CANARY, "attr": CANARY}


def scenario_bodies() -> dict[str, Callable[[responses.RequestsMock], None]]:
    def add(
        status: int, body: Any = None, **kwargs: Any
    ) -> Callable[[responses.RequestsMock], None]:
        def register(mock: responses.RequestsMock) -> None:
            if isinstance(body, BaseException):
                mock.add(responses.GET, URL, body=body)
            elif isinstance(body, str):
                mock.add(responses.GET, URL, status=status, body=body, **kwargs)
            else:
                mock.add(responses.GET, URL, status=status, json=body, **kwargs)

        return register

    return {
        "400-echo": add(400, ECHO),
        "401": add(
            401, {"detail": "Personal API key found in request Authorization header is invalid."}
        ),
        "401-echo": add(401, ECHO),
        "403-echo": add(403, {"detail": f"API key missing required scope '{CANARY}'"}),
        "404": add(404, {"detail": "Project not found."}),
        "405-empty": add(405, ""),
        "409-echo": add(409, ECHO),
        "429": add(429, ECHO, headers={"Retry-After": "9999"}),
        "500-text-echo": add(500, f"Traceback ... Authorization: Bearer {CANARY}"),
        "html-echo": add(200, f"<html>{CANARY}</html>"),
        "302-echo": add(302, "", headers={"Location": f"https://x.example/?k={CANARY}"}),
        "timeout": add(0, requests.exceptions.ReadTimeout(f"timed out {CANARY}")),
        "refused": add(0, requests.exceptions.ConnectionError(f"refused {CANARY}")),
        "tls": add(0, requests.exceptions.SSLError(f"[SSL: X] bad {CANARY}")),
        "next-elsewhere": add(
            200, {"count": 2, "next": f"https://x.example/?k={CANARY}", "results": [{}]}
        ),
    }


SCENARIOS = scenario_bodies()


def exception_texts(exc: BaseException) -> str:
    """Everything an exception shows, through its whole chain of causes and contexts."""
    parts = ["".join(traceback.format_exception(exc))]
    seen: BaseException | None = exc
    while seen is not None:
        assert not isinstance(seen, requests.RequestException), "requests' exception escaped"
        parts += [str(seen), repr(seen), repr(vars(seen))]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_canary_never_leaks(name: str, caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeClock()
    client = make_client(fake)
    caplog.set_level(logging.DEBUG)  # as `phsync --debug` does: every logger, urllib3 included
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        SCENARIOS[name](mock)
        with pytest.raises(PhsyncError) as caught:
            list(client.paginate(PATH))
    assert CANARY not in exception_texts(caught.value)
    assert CANARY not in caplog.text
    assert CANARY not in repr(client)
    assert CANARY not in pickle.dumps(caught.value).decode("latin-1")


def test_canary_not_in_debug_logs_of_a_successful_request(caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(FakeClock())
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock() as mock:
        mock.get(URL, json={"count": 0, "next": None, "results": []})
        assert list(client.paginate(PATH)) == []
    assert (
        "GET https://us.posthog.com/api/projects/1/feature_flags/?limit=1000 -> 200" in caplog.text
    )
    assert CANARY not in caplog.text


def test_canary_never_leaks_over_real_http(caplog: pytest.LogCaptureFixture) -> None:
    """Through urllib3's own debug logging too, against a real socket that refuses."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client: PostHogClient = make_client(FakeClock(), host=f"http://127.0.0.1:{port}")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PhsyncError) as caught:
        client.get(PATH)
    assert "cannot reach http://127.0.0.1" in str(caught.value)
    assert CANARY not in exception_texts(caught.value)
    assert CANARY not in caplog.text
