"""A loopback host without a scheme: phsync guesses https, says so, and suggests http://; the
emulator meets a TLS handshake with one line of log, never a traceback."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from reconciler.client import PostHogClient
from reconciler.emulator import Emulator, EmulatorConfig
from reconciler.errors import TransportError
from reconciler.settings import load_settings, normalise_host


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator(EmulatorConfig(port=0)).start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.mark.parametrize(
    ("raw", "suggested"),
    [
        ("127.0.0.1:18901", "did you mean http://127.0.0.1:18901?"),
        ("localhost:8010", "did you mean http://localhost:8010?"),
        ("eu.posthog.com", None),
        ("http://127.0.0.1:8010", None),
        ("https://127.0.0.1:8443", None),
    ],
)
def test_schemeless_loopback_hosts_get_a_hint(raw: str, suggested: str | None) -> None:
    warnings = " ".join(normalise_host(raw).warnings)
    if suggested is None:
        assert "did you mean" not in warnings
    else:
        assert suggested in warnings and "no scheme" in warnings


def test_https_to_the_emulator_fails_with_a_did_you_mean_and_one_log_line(
    emulator: Emulator, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    netloc = emulator.url.removeprefix("http://")
    settings = load_settings(host=netloc, project="1", timeout=5,
                             environ={"POSTHOG_PERSONAL_API_KEY": emulator.api_key})
    with (
        caplog.at_level(logging.DEBUG),
        PostHogClient(settings) as client,
        pytest.raises(TransportError) as raised,
    ):
        client.request("GET", "/api/users/@me/")
    assert raised.value.hint and f"did you mean http://{netloc}?" in raised.value.hint
    server_lines = [r for r in caplog.records if r.name == "reconciler.emulator.server"]
    assert server_lines and all(r.exc_info is None for r in server_lines)
    assert any("speaks plain HTTP" in r.getMessage() for r in server_lines)
    assert "Traceback" not in capsys.readouterr().err


def test_a_tls_hello_gets_the_connection_closed(emulator: Emulator) -> None:
    host, port = emulator.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"\x16\x03\x01\x00\x05hello")
        assert raw.recv(100) == b""  # closed, nothing sent back
