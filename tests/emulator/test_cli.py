"""`phsync emulator`: option parsing, the start-up message, and a clean Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from reconciler.cli.emulator import emulator
from reconciler.emulator import KeySpec, Rate, parse_key_spec, parse_rate_option, parse_rates
from reconciler.errors import ConfigError
from tests.conftest import run_phsync


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("phx_a", KeySpec("phx_a", ("*",), (), "emulator key")),
        (
            "phx_a=feature_flag:read,cohort:write",
            KeySpec("phx_a", ("feature_flag:read", "cohort:write"), (), "emulator key"),
        ),
        ("phx_a=*@1,2", KeySpec("phx_a", ("*",), (1, 2), "emulator key")),
    ],
    ids=["bare", "scopes", "projects"],
)
def test_parse_key_spec(text: str, expected: KeySpec) -> None:
    assert parse_key_spec(text) == expected


@pytest.mark.parametrize("text", ["=x", "phx_a=flags", "phx_a=*@one"])
def test_parse_key_spec_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_key_spec(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("480/minute,4800/hour", (Rate(480, 60), Rate(4800, 3600))),
        ("5/s", (Rate(5, 1),)),
        ("10/2minutes", (Rate(10, 120),)),
        ("off", ()),
    ],
)
def test_parse_rates(text: str, expected: tuple[Rate, ...]) -> None:
    assert parse_rates(text) == expected


@pytest.mark.parametrize("text", ["crud", "other=1/minute", "crud=x/minute", "crud=1/fortnight"])
def test_parse_rate_option_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rate_option(text)


def test_help_explains_keys_faults_and_that_hogql_is_not_executed() -> None:
    result = CliRunner().invoke(emulator, ["--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for needle in (
        "--api-key",
        "--data",
        "--rate-limit",
        "--drop-after-rate",
        "--fault-seed",
        "HogQL is not executed",
        "/_emulator/",
    ):
        assert needle in text


def test_bad_option_is_a_usage_error() -> None:
    result = CliRunner().invoke(emulator, ["--api-key", "phx_a=bogus"])
    assert result.exit_code == 2
    assert "bad scope" in result.output


def test_serves_until_interrupted() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler",
            "emulator",
            "--port",
            "0",
            "--no-seed",
            "--api-key",
            "phx_cli_key_0123456789=feature_flag:read",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        url = lines[0].rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "/_emulator/health/", timeout=5).json()["status"] == "ok"
        listed = requests.get(
            url + "/api/projects/1/feature_flags/",
            timeout=5,
            headers={"Authorization": "Bearer phx_cli_key_0123456789"},
        )
        assert listed.status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "phx_cli_key_0123456789" not in "".join(lines) + out + err
    assert "Stopped." in err


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a script's background jobs start


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_stops_cleanly_on_a_signal_even_when_started_with_ctrl_c_ignored(stop: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "--port", "0", "--no-seed"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_ignore_sigint,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().rsplit(" ", 1)[-1].strip()
        assert requests.get(url + "/_emulator/health/", timeout=5).json()["status"] == "ok"
        process.send_signal(stop)
        _, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "Stopped." in err


def test_default_key_is_announced() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        head = "".join(process.stdout.readline() for _ in range(5))
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert "phx_emulator: every scope" in head


def test_unusable_data_file_and_seed_are_reported(tmp_path: Path) -> None:
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("just some text, long enough to not be a database header\n" * 20)
    result = CliRunner().invoke(emulator, ["--port", "0", "--data", str(not_sqlite)])
    assert isinstance(result.exception, ConfigError)
    assert "cannot use" in str(result.exception) and "data file" in str(result.exception)
    seed = tmp_path / "seed.json"
    seed.write_text('{"projects": [{"name": "no id"}]}')
    result = CliRunner().invoke(emulator, ["--port", "0", "--seed", str(seed)])
    assert isinstance(result.exception, ConfigError)
    assert "cannot load the emulator seed" in str(result.exception)


def test_port_in_use_is_reported_through_the_error_boundary() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_phsync("emulator", "--port", str(port), "--no-seed")
    assert result.returncode == 1
    assert f"cannot start the emulator on 127.0.0.1:{port}" in result.stderr


def test_command_line_keys_are_told_apart_by_number_and_a_short_prefix() -> None:
    from reconciler.cli.emulator import _describe_key
    from reconciler.emulator import KeySpec

    first = _describe_key(KeySpec("phx_limited_key_for_ci_123", ("feature_flag:read",)), 1)
    second = _describe_key(KeySpec("phx_other_key_abcdefghijkl", ("*",)), 2)
    assert first == "  phx_limi… (--api-key number 1): feature_flag:read"
    assert second == "  phx_othe… (--api-key number 2): every scope"
    assert "phx_limited_key" not in first
