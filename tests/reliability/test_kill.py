"""`phsync apply` killed with SIGKILL at random points: the next apply converges, with nothing
lost and nothing twice.

One emulator, one evolving set of manifests: every trial changes, deletes and adds objects,
starts the real `phsync apply --yes --prune` as a subprocess and kills it, either right after
its k-th change is reported or after a random delay (reading the project, planning, or in the
middle of requests; the emulator adds a little latency so kills land while requests are in
flight). Then apply runs again and PostHog is compared with the manifests from outside.

Most kills land while the apply holds the project's lock, which then stays held: each such
trial checks that another apply is refused naming the dead holder, frees the lock as
`phsync unlock` does (the slow run calls the command itself), and goes on.

Default run: 20 trials, the apply after each kill run in-process. ``pytest -m slow`` runs more
trials (PHSYNC_KILL_TRIALS, default 60) with the apply after each kill as a subprocess too.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import FaultConfig
from reconciler.errors import LockHeldError
from reconciler.lock import ApplyLock
from tests.conftest import run_phsync
from tests.reliability import inprocess
from tests.reliability.observe import Api, compare, duplicates, unmanaged
from tests.reliability.runs import PROGRESS, converge, popen_phsync, record
from tests.reliability.world import World

PLANNED = re.compile(r"^Plan: (\d+) to create, (\d+) to update, (\d+) to delete", re.MULTILINE)


def killed_apply(env: dict[str, str], root: Path, rng: random.Random) -> dict[str, Any]:
    """Start an apply and SIGKILL it at a point drawn from ``rng``; what happened before."""
    parallelism = rng.choice([1, 2, 4, 8])
    by_count = rng.random() < 0.6
    after_changes = rng.randrange(0, 12)
    after_seconds = round(rng.uniform(0.0, 2.5), 2)
    proc = popen_phsync(
        "apply", "--yes", "--prune", "--parallelism", str(parallelism), str(root), env=env
    )
    stdout: list[str] = []
    drain = threading.Thread(target=lambda: stdout.extend(proc.stdout or []), daemon=True)
    drain.start()
    timer = None if by_count else threading.Timer(after_seconds, _kill, args=(proc,))
    if timer:
        timer.start()
    reported = 0
    assert proc.stderr is not None
    for line in proc.stderr:
        if PROGRESS.match(line):
            reported += 1
            if by_count and reported > after_changes:
                _kill(proc)
    code = proc.wait(timeout=120)
    if timer:
        timer.cancel()
    drain.join(timeout=10)
    for pipe in (proc.stdout, proc.stderr):
        if pipe:
            pipe.close()
    planned = PLANNED.search("".join(stdout))
    return {
        "parallelism": parallelism,
        "kill": f"after change {after_changes + 1}" if by_count else f"after {after_seconds}s",
        "killed": code == -signal.SIGKILL,
        "exit": code,
        "changes_planned": sum(int(n) for n in planned.groups()) if planned else None,
        "changes_before_kill": reported,
    }


def _kill(proc: Any) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)


def trials(
    count: int, seed: int, emulator: Any, env: dict[str, str], api: Api, tmp: Path, *, cli: bool
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    world = World(seed=seed, prefix=f"kill{seed}")
    world.populate(flags=24, cohorts=10, dashboards=8, annotations=8)
    root = tmp / "manifests"
    seeded = unmanaged(api.snapshot(full_dashboards=True))
    emulator.set_faults(FaultConfig(latency_ms=3, seed=seed))
    results = []
    for trial in range(count):
        if trial:
            world.change(0.3)
            world.delete(0.1)
            world.add(0.15)
        world.write(root)
        outcome = killed_apply(env, root, rng)
        outcome["held_lock"] = _free_a_dead_holders_lock(emulator, env, cli=cli)
        if cli:
            rerun = converge(env, "--prune", str(root), attempts=1)
            outcome["rerun_changes"] = rerun.changes
        else:
            with inprocess.client_for(emulator) as client:
                done = inprocess.apply(client, root, prune=True)
            outcome["rerun_changes"] = done.summary()
        snap = api.snapshot(full_dashboards=True)
        assert duplicates(snap) == {}, (trial, outcome)
        assert compare(world, snap) == [], (trial, outcome)
        assert unmanaged(snap) == seeded, (trial, outcome)
        with inprocess.client_for(emulator) as client:
            assert inprocess.plan(client, root, prune=True).plan.is_empty, (trial, outcome)
        results.append(outcome)
    emulator.set_faults(FaultConfig())
    return results


def _free_a_dead_holders_lock(emulator: Any, env: dict[str, str], *, cli: bool) -> bool:
    """Whether the killed apply left the lock held; if so, check that it stops the next apply
    with the holder's name, then free it."""
    with inprocess.client_for(emulator) as client:
        holder = ApplyLock(client).holder()
        if holder is None:
            return False
        with pytest.raises(LockHeldError, match=re.escape(holder.describe())):
            ApplyLock(client).acquire(0)
        if not cli:
            assert ApplyLock(client).force_release() == holder
            return True
    freed = run_phsync("unlock", env=env)
    assert freed.returncode == 0 and holder.describe() in freed.stdout, freed.stderr
    return True


def _summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    killed = [r for r in results if r["killed"]]
    return {
        "trials": len(results),
        "killed_mid_run": len(killed),
        "killed_holding_the_lock": sum(1 for r in killed if r["held_lock"]),
        "finished_before_the_kill": len(results) - len(killed),
        "killed_after_some_changes": sum(1 for r in killed if r["changes_before_kill"]),
        "killed_before_any_change": sum(1 for r in killed if not r["changes_before_kill"]),
    }


def test_a_request_cut_short_by_a_killed_client_does_nothing(quiet_emulator: Any, api: Api) -> None:
    """A client killed after its headers, before its body: the emulator must not act on it."""
    before = api.list("annotations")
    body = b'{"content": "half", "date_marker": "2026-01-01T00:00:00Z"}'
    with socket.create_connection(("127.0.0.1", quiet_emulator.port), timeout=5) as conn:
        conn.sendall(
            f"POST /api/projects/{quiet_emulator.project_id}/annotations/ HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: Bearer {quiet_emulator.api_key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[:0]
        )
    api.list("annotations")  # the server has finished with the cut connection by now
    assert api.list("annotations") == before


def test_sigkill_at_random_points_then_apply_converges(
    quiet_emulator: Any, env: dict[str, str], api: Api, tmp_path: Path
) -> None:
    results = trials(20, 5, quiet_emulator, env, api, tmp_path, cli=False)
    summary = _summary(results)
    record("kill", **summary, results=results)
    # The kills must land inside applies, most of them after some changes were made.
    assert summary["killed_mid_run"] >= 15, results
    assert summary["killed_after_some_changes"] >= 8, results
    assert summary["killed_holding_the_lock"] >= 10, results


@pytest.mark.slow
def test_many_sigkills_with_the_command_rerun(
    quiet_emulator: Any, env: dict[str, str], api: Api, tmp_path: Path
) -> None:
    count = int(os.environ.get("PHSYNC_KILL_TRIALS", "60"))
    results = trials(count, 17, quiet_emulator, env, api, tmp_path, cli=True)
    summary = _summary(results)
    record("kill-slow", **summary, results=results)
    assert summary["killed_mid_run"] >= count * 0.6, results
