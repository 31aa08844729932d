"""Several applies of the same manifests at once against one project.

With the apply lock (the default), applies run one after another: four at once make no
duplicate of anything, and the plan after them is empty.

Without it (``--no-lock``), PostHog refuses a second flag with a key in use (400 unique), so
flags are never doubled, but cohorts, dashboards and annotations have no unique name in
PostHog, so both applies can create one. The next plan then names every duplicate, and
`apply --prune` keeps the oldest, points references at it, and deletes the rest, after which
PostHog is exactly as declared.

Default run: one locked race of four applies and 2 unlocked races; ``pytest -m slow`` runs
more of each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import FaultConfig
from reconciler.resources.base import MARKER_TAG
from tests.conftest import run_phsync
from tests.reliability import inprocess
from tests.reliability.observe import Api, compare, duplicates
from tests.reliability.runs import popen_phsync, record
from tests.reliability.world import World

CLEAR_REASONS = ("There is already a feature flag with this key", "apply stopped at")


def race(
    env: dict[str, str], root: Path, *options: str, applies: int = 2
) -> list[tuple[int, str]]:
    procs = [popen_phsync("apply", "--yes", *options, str(root), env=env) for _ in range(applies)]
    results = []
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        results.append((proc.returncode, err))
    return results


@pytest.mark.parametrize(
    "seed", [3, 4, *(pytest.param(n, marks=pytest.mark.slow) for n in range(5, 15))]
)
def test_two_applies_at_once_then_duplicates_are_named_and_pruned(
    seed: int, quiet_emulator: Any, env: dict[str, str], api: Api, tmp_path: Path
) -> None:
    world = World(seed=seed, prefix=f"race{seed}")
    world.populate(flags=20, cohorts=10, dashboards=8, annotations=8)
    root = world.write(tmp_path / "m")
    quiet_emulator.set_faults(FaultConfig(latency_ms=4, seed=seed))
    results = race(env, root, "--no-lock")
    quiet_emulator.set_faults(FaultConfig())
    for code, err in results:
        assert code in (0, 1), err[-2000:]
        if code:
            assert any(reason in err for reason in CLEAR_REASONS), err[-2000:]
    snap = api.snapshot()
    doubled = duplicates(snap)
    assert "FeatureFlag" not in doubled
    count = sum(len(names) for names in doubled.values())

    plan = run_phsync("plan", str(root), env=env)
    assert plan.returncode == 0, plan.stderr
    for kind, names in doubled.items():
        for name in names:
            if kind != "Annotation":
                assert f"{kind} {name!r} exists" in plan.stdout, plan.stdout[-3000:]
    if count:
        assert "duplicate" in plan.stdout

    fixed = run_phsync("apply", "--yes", "--prune", str(root), env=env)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    after = api.snapshot(full_dashboards=True)
    assert duplicates(after) == {}
    assert compare(world, after) == []
    again = run_phsync("plan", "--prune", "--detailed-exitcode", str(root), env=env)
    assert again.returncode == 0, again.stdout[-3000:]
    record(
        "concurrent",
        seed=seed,
        exits=[code for code, _ in results],
        duplicates_after_race=doubled,
        duplicate_count=count,
    )


@pytest.mark.parametrize(
    "seed", [21, *(pytest.param(n, marks=pytest.mark.slow) for n in range(22, 27))]
)
def test_four_locked_applies_at_once_make_no_duplicate(
    seed: int, quiet_emulator: Any, env: dict[str, str], api: Api, tmp_path: Path
) -> None:
    world = World(seed=seed, prefix=f"locked{seed}")
    world.populate(flags=12, cohorts=8, dashboards=6, annotations=8)
    root = world.write(tmp_path / "m")
    quiet_emulator.set_faults(FaultConfig(latency_ms=4, seed=seed))
    results = race(env, root, "--lock-timeout", "120", applies=4)
    quiet_emulator.set_faults(FaultConfig())
    assert [code for code, _ in results] == [0, 0, 0, 0], [err[-1500:] for _, err in results]
    waited = sum(1 for _, err in results if "Waiting for this project's apply lock" in err)
    assert waited >= 1  # they did meet at the lock
    snap = api.snapshot(full_dashboards=True)
    assert duplicates(snap) == {}
    assert compare(world, snap) == []
    again = run_phsync("plan", "--prune", "--detailed-exitcode", str(root), env=env)
    assert again.returncode == 0, again.stdout[-3000:]
    record("concurrent-locked", seed=seed, applies=4, waited=waited, duplicates=0)


COHORT = "kind: Cohort\nname: Twins\nfilters:\n  properties:\n    type: AND\n    values:\n      - {type: person, key: plan, operator: exact, value: pro}\n"
FLAG = "kind: FeatureFlag\nkey: uses-twins\nfilters:\n  groups:\n    - properties:\n        - {type: cohort, value: Twins}\n"


def test_prune_points_references_at_the_duplicate_that_stays(
    quiet_emulator: Any, api: Api, tmp_path: Path
) -> None:
    """A flag made by the apply that lost the race refers to the newer twin, which --prune
    deletes: the same apply must point the flag at the twin that stays."""
    root = tmp_path / "m"
    root.mkdir()
    (root / "cohort.yaml").write_text(COHORT)
    (root / "flag.yaml").write_text(FLAG)
    with inprocess.client_for(quiet_emulator) as client:
        inprocess.apply(client, root)
    [first] = [c for c in api.list("cohorts") if c["name"] == "Twins"]
    second = api.post(
        "cohorts",
        {"name": "Twins", "description": first["description"], "filters": first["filters"]},
    )
    [flag] = [f for f in api.list("feature_flags") if f["key"] == "uses-twins"]
    groups = [{"properties": [{"type": "cohort", "key": "id", "value": second["id"]}],
               "rollout_percentage": 100}]
    api.patch("feature_flags", flag["id"], {"filters": {"groups": groups}})
    assert MARKER_TAG in flag["tags"]

    with inprocess.client_for(quiet_emulator) as client:
        planned = inprocess.plan(client, root, prune=True)
        assert any("Cohort 'Twins' exists 2 times" in note for note in planned.plan.notes)
        actions = sorted((c.action.value, c.key.name) for c in planned.plan.changes)
        assert actions == [("delete", "Twins"), ("update", "uses-twins")]
        inprocess.apply(client, root, prune=True)
    [kept] = [c for c in api.list("cohorts") if c["name"] == "Twins"]
    assert kept["id"] == first["id"]
    [flag] = [f for f in api.list("feature_flags") if f["key"] == "uses-twins"]
    assert flag["filters"]["groups"][0]["properties"][0]["value"] == first["id"]
    with inprocess.client_for(quiet_emulator) as client:
        assert inprocess.plan(client, root, prune=True).plan.is_empty
