"""The API key stays secret and goes only where it should; unmanaged objects are never touched.

- A canary key runs through every subcommand of `phsync` (the list is read from the CLI itself,
  so a new command fails this test until it is added), against an emulator that accepts it,
  refuses it (401), lacks scopes (403), misses the project (404), fails (500), answers too
  late (timeout), and a host that refuses connections, with and without --debug. The canary
  must not appear in stdout, stderr, log records, exception text, saved plans, exports or
  JSON output.
- The key is sent only to the configured host: not to a `next` link or a redirect on another
  origin, never over plain HTTP to a non-loopback host without --insecure (a loopback proxy
  stands in for the outside world, so nothing leaves the machine), and TLS certificates are
  verified.
- Unmanaged objects of every kind, some made to look like phsync's own, are identical before
  and after applies with --prune, --mark-unchanged, --target and a saved plan.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import ssl
import subprocess
import threading
import time
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click
import pytest

from reconciler.client.retry import RetryPolicy
from reconciler.emulator import FaultConfig, KeySpec
from reconciler.resources.base import MARKER_TAG
from tests.conftest import ROOT, run_phsync
from tests.reliability import inprocess
from tests.reliability.conftest import start_emulator
from tests.reliability.observe import Api, unmanaged
from tests.reliability.runs import popen_phsync

CANARY = "phx_canaryQ7xv2Lk9Zr4Tw8Ns3Hb6Jd1Mf5Pc0Yg"
SECRET_PART = CANARY[4:]
EXAMPLES = ROOT / "examples"


def leaks(text: str) -> list[str]:
    """Any 10-character piece of the canary's secret part found in ``text``."""
    return sorted({SECRET_PART[i : i + 10] for i in range(len(SECRET_PART) - 9)
                   if SECRET_PART[i : i + 10] in text})


def invocations(work: Path) -> dict[str, list[str]]:
    """One invocation per leaf command; every output format that exists is asked for."""
    return {
        "annotations create": ["annotations", "create", "canary deploy", "-o", "json"],
        "annotations list": ["annotations", "list", "-o", "json"],
        "apply": ["apply", "--yes", str(work / "manifests")],
        "cohorts get": ["cohorts", "get", "Legacy paying customers", "-o", "json"],
        "cohorts list": ["cohorts", "list", "-o", "json"],
        "cohorts persons": ["cohorts", "persons", "Legacy paying customers", "-o", "json"],
        "dashboards get": ["dashboards", "get", "Legacy product overview", "-o", "json"],
        "dashboards list": ["dashboards", "list", "-o", "json"],
        "insights list": ["insights", "list", "-o", "json"],
        "insights get": ["insights", "get", "Daily active users", "-o", "json"],
        "actions list": ["actions", "list", "-o", "json"],
        "doctor": ["doctor", "-o", "json"],
        "endpoints list": ["endpoints", "list", "-o", "json"],
        "endpoints run": ["endpoints", "run", "weekly_signups", "-o", "json"],
        "export": ["export", "--force", "--out", str(work / "exported")],
        "flags get": ["flags", "get", "legacy-dark-mode", "-o", "json"],
        "flags list": ["flags", "list", "-o", "json"],
        "persons delete-property": ["persons", "delete-property", "user_1001", "plan"],
        "persons get": ["persons", "get", "user_1001", "-o", "json"],
        "persons list": ["persons", "list", "-o", "json"],
        "persons set-property": ["persons", "set-property", "user_1001", "plan", "pro"],
        "plan": ["plan", "--format", "json", "--out", str(work / "plan.json"),
                 str(work / "manifests")],
        "projects get": ["projects", "get", "@current", "-o", "json"],
        "pull": ["pull", "--dry-run", "--new", str(work / "adopted"), str(work / "manifests")],
        # README's examples read keys no manifest declares: refs looks them up in PostHog.
        "refs": ["refs", "--code", str(ROOT / "README.md"), "--format", "json",
                 str(work / "manifests")],
        "flags stale": ["flags", "stale", "--days", "0", "-o", "json", str(work / "manifests")],
        "projects list": ["projects", "list", "-o", "json"],
        "recordings get": ["recordings", "get", "6513270e-269e-7d37-b2a7-4de452e6b438"],
        "recordings list": ["recordings", "list", "-o", "json"],
        "schema": ["schema", "--all", "--out", str(work / "schemas")],
        "unlock": ["unlock"],
        "validate": ["validate", "--format", "json", str(work / "manifests")],
        "whoami": ["whoami", "-o", "json"],
    }


def leaf_commands() -> list[str]:
    from reconciler.cli import _register, cli

    _register()

    def walk(command: click.Command, prefix: list[str]) -> Iterator[str]:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk(sub, [*prefix, name])
        else:
            yield " ".join(prefix)

    return sorted(walk(cli, []))


def test_every_command_is_covered(tmp_path: Path) -> None:
    # `emulator` runs a server: it has its own test below.
    assert set(leaf_commands()) - {"emulator"} == set(invocations(tmp_path))


def files_text(root: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*") if p.is_file()
    )


def run_in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from reconciler.cli import main

    text = ""
    try:
        main(argv)
        code = 0
    except SystemExit as ended:
        code = int(ended.code or 0)
    except Exception as exc:  # --debug lets a bug's traceback through: read it too
        code, text = 3, "".join(traceback.format_exception(exc))
    out, err = capsys.readouterr()
    return code, out + err + text


SCENARIOS = ("ok", "unknown key 401", "no scopes 403", "no project 404", "server 500",
             "too slow", "connection refused")
# The commands whose failures take retries (500, timeouts): a sample keeps the run short.
SLOW_SAMPLE = ("flags list", "plan", "apply", "annotations create", "persons set-property")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    return tmp_path


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_canary_key_never_shows(
    scenario: str,
    work: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys: dict[str, Any] = {CANARY: KeySpec(CANARY)}
    if scenario == "unknown key 401":
        keys = {"phx_someone_else": KeySpec("phx_someone_else")}
    elif scenario == "no scopes 403":
        keys = {CANARY: KeySpec(CANARY, ("user:read",))}
    emulator = start_emulator(api_keys=keys)
    if scenario == "server 500":
        emulator.set_faults(FaultConfig(error_rate=1.0))
    elif scenario == "too slow":
        emulator.set_faults(FaultConfig(latency_ms=400))
    host = emulator.url
    if scenario == "connection refused":
        emulator.stop()
    monkeypatch.setenv("POSTHOG_HOST", host)
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", CANARY)
    monkeypatch.setenv("POSTHOG_PROJECT_ID", "424242" if "404" in scenario else "1")
    monkeypatch.setenv("NO_COLOR", "1")
    # Retries as usual, without the waits.
    monkeypatch.setattr("reconciler.client.http.RetryPolicy", lambda: RetryPolicy(base_delay=0.01))
    caplog.set_level(logging.DEBUG)
    codes: dict[str, int] = {}
    try:
        for name, argv in invocations(work).items():
            if scenario in ("server 500", "too slow") and name not in SLOW_SAMPLE:
                continue
            if scenario == "too slow" and name == "persons set-property":
                continue
            extra = ["--timeout", "0.2"] if scenario == "too slow" and name not in (
                "validate", "schema") else []
            for debug in ([], ["--debug"]):
                code, text = run_in_process([*debug, *argv, *extra], capsys)
                assert code in (0, 1, 2), f"{name} {debug}: exit {code}\n{text[-2000:]}"
                assert not leaks(text), f"{name} {debug} shows the key:\n{text[-2000:]}"
                codes[" ".join([*debug, name])] = code
        assert not leaks(caplog.text), caplog.text[-3000:]
        assert not leaks(files_text(work))
    finally:
        emulator.stop()
    if scenario == "ok":
        # The commands really ran (refs exits 2: it has findings to report).
        failed = {name for name, code in codes.items()
                  if code != (2 if name.removeprefix("--debug ") == "refs" else 0)}
        assert not failed, failed
    elif scenario in ("unknown key 401", "connection refused", "no project 404"):
        # The failures were real: only offline commands (and, for a missing project, those
        # that do not use it) succeeded.
        fine = {"validate", "schema"}
        if scenario == "no project 404":
            fine |= {"projects list", "projects get", "whoami", "doctor"}
        succeeded = {name.removeprefix("--debug ") for name, code in codes.items() if code == 0}
        assert succeeded <= fine, codes


def test_the_real_command_with_debug_shows_no_key(work: Path) -> None:
    """A few commands as real processes with --debug, their stderr read whole."""
    emulator = start_emulator(api_keys={CANARY: KeySpec(CANARY)})
    env = {"POSTHOG_HOST": emulator.url, "POSTHOG_PERSONAL_API_KEY": CANARY,
           "POSTHOG_PROJECT_ID": "1"}
    try:
        for argv in (["apply", "--yes", str(work / "manifests")], ["doctor"]):
            result = run_phsync("--debug", *argv, env=env)
            assert result.returncode in (0, 1, 2), result.stderr[-2000:]
            assert "DEBUG" in result.stderr
            assert not leaks(result.stdout + result.stderr), result.stderr[-2000:]
        emulator.set_faults(FaultConfig(error_rate=1.0))
        result = run_phsync("--debug", "flags", "list", env=env)
        assert result.returncode == 1 and not leaks(result.stdout + result.stderr)
    finally:
        emulator.stop()


def test_the_emulator_command_does_not_print_keys() -> None:
    proc = popen_phsync("emulator", "--port", "0", "--no-seed", "--api-key", CANARY,
                        env={"POSTHOG_PERSONAL_API_KEY": CANARY})
    try:
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert "listening on" in out + err
    assert not leaks(out + err), out + err


# -- where the key goes --------------------------------------------------------------------


class Recorder(ThreadingHTTPServer):
    """A loopback HTTP server that records every request and answers from ``pages``."""

    daemon_threads = True

    def __init__(self, pages: dict[str, tuple[int, dict[str, str], Any]] | None = None) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.pages = pages or {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                recorder.requests.append((self.command, self.path, dict(self.headers.items())))
                status, headers, body = recorder.pages.get(
                    self.path.split("?")[0], (502, {}, {"detail": "no"}))
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _answer

            def do_CONNECT(self) -> None:  # noqa: N802 - http.server's name
                recorder.requests.append((self.command, self.path, dict(self.headers.items())))
                self.send_response(502)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def saw_key(self) -> bool:
        return any(CANARY in json.dumps(headers) or CANARY in path
                   for _, path, headers in self.requests)


def test_the_key_never_follows_a_next_link_or_a_redirect_to_another_host() -> None:
    elsewhere = Recorder()
    flags_path = "/api/projects/1/feature_flags/"
    posthog = Recorder({
        flags_path: (200, {}, {"count": 2, "next": f"{elsewhere.url}{flags_path}?offset=1",
                               "previous": None, "results": [{"id": 1, "key": "a"}]}),
        "/api/projects/1/cohorts/": (302, {"Location": f"{elsewhere.url}/api/projects/1/cohorts/"},
                                     {}),
    })
    env = {"POSTHOG_HOST": posthog.url, "POSTHOG_PERSONAL_API_KEY": CANARY,
           "POSTHOG_PROJECT_ID": "1"}
    try:
        listed = run_phsync("flags", "list", env=env)
        assert listed.returncode == 1
        assert "another host" in listed.stderr
        redirected = run_phsync("cohorts", "list", env=env)
        assert redirected.returncode == 1
        assert posthog.saw_key()  # the configured host did get it
        assert elsewhere.requests == []
    finally:
        posthog.stop()
        elsewhere.stop()


def test_plain_http_to_another_host_needs_insecure() -> None:
    """Everything goes through a loopback proxy that records it: nothing leaves the machine."""
    proxy = Recorder()
    env = {"POSTHOG_HOST": "http://phsync-canary.invalid", "POSTHOG_PERSONAL_API_KEY": CANARY,
           "POSTHOG_PROJECT_ID": "1", "HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url,
           "ALL_PROXY": proxy.url, "NO_PROXY": "", "http_proxy": proxy.url,
           "https_proxy": proxy.url, "no_proxy": ""}
    try:
        for argv in (["plan", str(EXAMPLES)], ["doctor"]):
            refused = run_phsync(*argv, env=env)
            assert refused.returncode == 1, refused.stdout + refused.stderr
            said = refused.stdout + refused.stderr
            assert "plain HTTP" in said or "--insecure" in said, said
        assert proxy.requests == []
        allowed = run_phsync("flags", "list", "--insecure", env=env)
        assert allowed.returncode == 1  # the "proxy" answers 502
        assert proxy.saw_key()  # with --insecure the key does go, as asked
    finally:
        proxy.stop()


def test_no_code_turns_tls_verification_off() -> None:
    needles = ("verify=False", "verify = False", "CERT_NONE", "check_hostname = False",
               "disable_warnings", "_create_unverified_context")
    found = [f"{path}: {needle}" for path in (ROOT / "reconciler").rglob("*.py")
             for needle in needles if needle in path.read_text(encoding="utf-8")]
    assert found == []


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Recorder, Path]]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    flags = {"count": 0, "next": None, "previous": None, "results": []}
    server = Recorder({"/api/projects/1/feature_flags/": (200, {}, flags)})
    server.shutdown()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.thread = threading.Thread(target=server.serve_forever, daemon=True)
    server.thread.start()
    try:
        yield server, cert
    finally:
        server.stop()


def test_tls_certificates_are_verified(tls_server: tuple[Recorder, Path]) -> None:
    server, cert = tls_server
    host = server.url.replace("http://", "https://")
    env = {"POSTHOG_HOST": host, "POSTHOG_PERSONAL_API_KEY": CANARY, "POSTHOG_PROJECT_ID": "1"}
    refused = run_phsync("flags", "list", env={**env, "REQUESTS_CA_BUNDLE": "",
                                               "CURL_CA_BUNDLE": ""})
    assert refused.returncode == 1
    assert "TLS" in refused.stderr or "certificate" in refused.stderr
    assert server.requests == []
    trusted = run_phsync("flags", "list", env={**env, "REQUESTS_CA_BUNDLE": str(cert)})
    assert trusted.returncode == 0, trusted.stderr
    assert server.saw_key()


# -- unmanaged objects ---------------------------------------------------------------------


def seed_unmanaged(api: Api) -> None:
    """Objects phsync must not touch, several made to look almost like phsync's own."""
    rollout = {"groups": [{"properties": [], "rollout_percentage": 30}]}
    for n, tags in enumerate([[], ["managed-by-phsync-old"], ["managed", "phsync"], ["ops"]]):
        api.post("feature_flags", {"key": f"hand-made-{n}", "name": "by hand", "tags": tags,
                                   "filters": rollout, "_should_create_usage_dashboard": False})
    for n, description in enumerate(["", "[managed by phsync] was here once\nnot any more",
                                      "managed by phsync", "plain"]):
        api.post("cohorts", {"name": f"Hand cohort {n}", "description": description,
                             "is_static": True})
    for n, tags in enumerate([[], ["managed-by-phsync-no"], ["phsync"]]):
        api.post("dashboards", {"name": f"Hand board {n}", "tags": tags})
    for n, (content, creation) in enumerate([
        ("deploy bot note", "GIT"), ("looks marked\u2063", "USR"), ("plain", "USR"),
        ("release-2-3-0 by hand", "GIT"),
    ]):
        api.post("annotations", {"content": content, "creation_type": creation,
                                 "date_marker": f"2026-11-02T09:3{n}:00Z", "scope": "project"})


def test_unmanaged_objects_are_never_written_whatever_the_options(
    quiet_emulator: Any, env: dict[str, str], api: Api, tmp_path: Path
) -> None:
    root = tmp_path / "manifests"
    shutil.copytree(EXAMPLES, root)
    assert run_phsync("apply", "--yes", str(root), env=env).returncode == 0
    seed_unmanaged(api)
    # A twin of a managed cohort, made by hand: unmanaged, so never pruned nor edited.
    api.post("cohorts", {"name": "Beta testers", "description": "the sales team's own",
                         "is_static": True})
    before = unmanaged(api.snapshot(full_dashboards=True))
    assert len(before) >= 30

    (root / "flags" / "platform.yaml").unlink()
    saved = tmp_path / "plan.json"
    with inprocess.client_for(quiet_emulator) as client:
        inprocess.save(inprocess.plan(client, root, prune=True).plan, saved)
    runs = [
        ["apply", "--yes", "--plan", str(saved)],
        ["apply", "--yes", "--prune", str(root)],
        ["apply", "--yes", "--prune", "--mark-unchanged", str(root)],
        ["apply", "--yes", "--prune", "--target", "Cohort/Beta testers", str(root)],
        ["apply", "--yes", "--prune", "--parallelism", "1", str(root / "cohorts")],
    ]
    for argv in runs:
        result = run_phsync(*argv, env=env)
        assert result.returncode == 0, (argv, result.stderr[-2000:])
        assert unmanaged(api.snapshot(full_dashboards=True)) == before, argv
    # the last run pruned everything but the cohorts: the managed objects went, the rest stayed
    left = [f for f in api.list("feature_flags") if MARKER_TAG in (f.get("tags") or [])]
    assert left == []
    assert os.environ.get("POSTHOG_PERSONAL_API_KEY") != CANARY
