"""Ctrl-C during `apply`: a real SIGINT to the real command, against a slowed emulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from reconciler.emulator.config import FaultConfig

from .conftest import Api

FLAGS = 30


def _manifests(root: Path) -> Path:
    root.mkdir()
    docs = [f"kind: FeatureFlag\nkey: slow-{index:03d}\nname: Slow {index}\nfilters: {{groups: [{{rollout_percentage: 10}}]}}\n" for index in range(FLAGS)]
    (root / "flags.yaml").write_text("---\n".join(docs))
    return root


def _start_apply(env: dict[str, str], repo: Path) -> subprocess.Popen[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    full_env.update(env, NO_COLOR="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--yes", "--parallelism", "2", str(repo)],
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_until(process: subprocess.Popen[str], marker: str, seen: list[str]) -> None:
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            process.kill()
            raise AssertionError("phsync ended before " + repr(marker) + ":\n" + "".join(seen))
        seen.append(line)
        if marker in line:
            return
    process.kill()
    raise AssertionError(f"no {marker!r} within a minute:\n" + "".join(seen))


def _finish(process: subprocess.Popen[str], seen: list[str]) -> tuple[int, str, float]:
    assert process.stderr is not None
    start = time.monotonic()
    with process.stderr:  # (not communicate(): it would skip what readline buffered)
        rest = process.stderr.read()
    code = process.wait(timeout=30)
    return code, "".join(seen) + rest, time.monotonic() - start


def test_first_ctrl_c_stops_starting_changes_and_reports(
    emulator: Any, emulator_env: dict[str, str], tmp_path: Path, api: Api
) -> None:
    emulator.set_faults(FaultConfig(latency_ms=150))
    process = _start_apply(emulator_env, _manifests(tmp_path / "repo"))
    seen: list[str] = []
    _read_until(process, f"[3/{FLAGS}]", seen)
    process.send_signal(signal.SIGINT)
    code, err, _ = _finish(process, seen)
    emulator.set_faults(FaultConfig())

    assert code == 130, err
    assert "Interrupted: starting no new changes" in err
    assert "apply interrupted:" in err and "not done (" in err
    created = [f for f in api.list("feature_flags") if f["key"].startswith("slow-")]
    lines = err.splitlines()
    progress = [line for line in lines if line.startswith("[")]
    before = lines.index(next(line for line in lines if line.startswith("Interrupted:")))
    # Nothing starts after the Ctrl-C: only what was in flight (2 at most) finishes after it.
    assert len(created) == len(progress) <= before + 2 < FLAGS, err
    assert f"done ({len(created)})" in err
    assert f"not done ({FLAGS - len(created)})" in err


def test_second_ctrl_c_exits_at_once_with_what_is_known(
    emulator: Any, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    emulator.set_faults(FaultConfig(latency_ms=100))
    process = _start_apply(emulator_env, _manifests(tmp_path / "repo"))
    seen: list[str] = []
    _read_until(process, f"[1/{FLAGS}]", seen)
    emulator.set_faults(FaultConfig(latency_ms=3000))
    time.sleep(0.4)  # the creates now in flight are slowed to 3 s
    process.send_signal(signal.SIGINT)
    _read_until(process, "Interrupted: starting no new changes", seen)
    process.send_signal(signal.SIGINT)
    code, err, waited = _finish(process, seen)
    emulator.set_faults(FaultConfig())

    assert code == 130, err
    assert waited < 1.0, err  # did not wait for the slowed requests in flight
    assert "in flight (" in err and "unknown outcome" in err
    assert "not done (" in err
    assert "`phsync unlock` frees it" in err  # freeing the lock would have meant waiting
