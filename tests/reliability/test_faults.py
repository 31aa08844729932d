"""Hundreds of changes under injected faults: PostHog ends exactly as declared, nothing twice.

The real `phsync apply` runs as a subprocess against the emulator while it answers a share of
requests with 5xx, drops connections before and after acting, throttles with 429 and
Retry-After, and adds latency, all drawn from a seed. Per seed: about 230 creates across the
four kinds, then one apply with --prune that updates a quarter, deletes a sixth and adds a
fifth. A run that stops half-way is run again (and counted); the end state is checked from
outside phsync, and a plan with --prune must then be empty.

Default run: 2 seeds at --parallelism 8 (the sleeps of retries overlap more, so it is quicker).
``pytest -m slow`` (or PHSYNC_SLOW=1) adds more; PHSYNC_FAULT_SEEDS=N
sets how many the slow test runs, at the default --parallelism 4.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import FaultConfig
from tests.conftest import run_phsync
from tests.reliability.observe import Api, compare, duplicates, unmanaged
from tests.reliability.runs import converge, faults_injected, record
from tests.reliability.world import World

DEFAULT_SEEDS = (11, 23)


def faults(seed: int) -> FaultConfig:
    return FaultConfig(
        latency_ms=2,
        error_rate=0.05,
        drop_before_rate=0.03,
        drop_after_rate=0.04,
        throttle_rate=0.03,
        retry_after=1,
        seed=seed,
    )


def scenario(
    seed: int, emulator: Any, env: dict[str, str], api: Api, tmp: Path, parallelism: int = 4
) -> dict[str, Any]:
    world = World(seed=seed)
    root = tmp / "manifests"
    seeded = api.snapshot()
    figures: dict[str, Any] = {"seed": seed, "parallelism": parallelism, "phases": []}

    def phase(name: str, *options: str) -> None:
        world.write(root)
        emulator.reset_stats()
        emulator.set_faults(faults(seed * 100 + len(figures["phases"])))
        started = time.monotonic()
        result = converge(env, *options, "--parallelism", str(parallelism), str(root))
        seconds = round(time.monotonic() - started, 1)
        emulator.set_faults(FaultConfig())
        stats = emulator.stats()
        snap = api.snapshot(full_dashboards=True)
        assert duplicates(snap) == {}, f"{name}: duplicates"
        assert compare(world, snap) == [], f"{name}: PostHog differs from the manifests"
        figures["phases"].append(
            {
                "phase": name,
                "objects": world.count(),
                "changes": result.changes,
                "runs": len(result.runs),
                "first_run_ok": result.first_run_succeeded,
                "failures": result.failures,
                "requests": stats["total"],
                "seconds": seconds,
                "faults": faults_injected(stats),
            }
        )

    world.populate(flags=100, cohorts=50, dashboards=40, annotations=40)
    phase("create")
    changed = world.change(0.25)
    deleted = world.delete(0.15)
    added = world.add(0.2)
    figures["declared_edits"] = {"changed": changed, "deleted": deleted, "added": added}
    phase("change, delete with --prune, add", "--prune")

    again = run_phsync("plan", "--prune", "--detailed-exitcode", str(root), env=env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    after = api.snapshot()
    assert unmanaged(after) == unmanaged(seeded), "an unmanaged object changed"
    return figures


def _check(figures: dict[str, Any]) -> None:
    total = sum(sum(p["changes"].values()) for p in figures["phases"])
    assert total >= 300, figures
    for p in figures["phases"]:
        assert sum(p["faults"].values()) > 0, "no fault was injected"
    record("faults", **figures, total_changes=total)


@pytest.mark.parametrize("seed", DEFAULT_SEEDS)
def test_hundreds_of_changes_under_faults_converge_exactly(
    seed: int, quiet_emulator: Any, env: dict[str, str], api: Api, tmp_path: Path
) -> None:
    _check(scenario(seed, quiet_emulator, env, api, tmp_path, parallelism=8))


@pytest.mark.slow
@pytest.mark.parametrize(
    "seed", [101 + 7 * n for n in range(int(os.environ.get("PHSYNC_FAULT_SEEDS", "8")))]
)
def test_more_seeds_under_faults(
    seed: int, quiet_emulator: Any, env: dict[str, str], api: Api, tmp_path: Path
) -> None:
    _check(scenario(seed, quiet_emulator, env, api, tmp_path))
