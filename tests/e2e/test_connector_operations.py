"""The 25 operations of PostHog's API that phsync covers, each through its phsync command,
against the emulator: reads as commands, flag/cohort/dashboard writes as manifests with
`plan`/`apply` (deletes with `--prune`), and the two imperative writes as commands."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.conftest import run_phsync

OPERATIONS = (
    "List Projects",
    "Get Project",
    "Get Current User",
    "List Feature Flags",
    "Get Feature Flag",
    "Create Feature Flag",
    "Update Feature Flag",
    "Delete Feature Flag",
    "List Cohorts",
    "Get Cohort",
    "Get Cohort Persons",
    "Create Cohort",
    "Update Cohort",
    "List Persons",
    "Get Person",
    "Update Person Property",
    "List Session Recordings",
    "Get Session Recording",
    "List Dashboards",
    "Get Dashboard",
    "Create Dashboard",
    "List Custom Endpoints",
    "Run Custom Endpoint",
    "List Annotations",
    "Create Annotation",
)

FLAG = """kind: FeatureFlag
key: ops-checkout
name: Checkout flag made by a manifest
filters:
  groups:
    - properties: []
      rollout_percentage: {rollout}
"""
COHORT = """kind: Cohort
name: Ops pro users
description: Made by a manifest.
filters:
  properties:
    type: OR
    values:
      - type: AND
        values:
          - {{key: plan, type: person, operator: exact, value: {plan}}}
"""
DASHBOARD = """kind: Dashboard
name: Ops overview
description: Made by a manifest.
tiles:
  - text: "## Ops notes"
"""

Result = subprocess.CompletedProcess[str]


def test_every_operation_through_phsync(
    emulator: Any, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    done: list[str] = []

    def run(*commands: tuple[str, ...]) -> list[Result]:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda args: run_phsync(*args, env=emulator_env), commands))
        for args, result in zip(commands, results, strict=True):
            assert result.returncode in (0, 2), (
                f"phsync {' '.join(args)}\n{result.stdout}\n{result.stderr}"
            )
        return results

    def data(result: Result) -> Any:
        return json.loads(result.stdout)

    def mark(*operations: str) -> None:
        done.extend(operations)

    # Projects and the current user
    projects, project, me = run(
        ("projects", "list", "-o", "json"),
        ("projects", "get", str(emulator.project_id), "-o", "json"),
        ("whoami", "-o", "json"),
    )
    assert emulator.project_id in [p["id"] for p in data(projects)]
    assert data(project)["id"] == emulator.project_id
    assert data(me)["email"] and data(me)["project_id"] == emulator.project_id
    mark("List Projects", "Get Project", "Get Current User")

    # Reads of the seeded project
    (
        flags,
        flag,
        cohorts,
        cohort,
        members,
        persons,
        recordings,
        dashboards,
        dashboard,
        endpoints,
        ran,
        notes,
    ) = run(
        ("flags", "list", "-o", "json"),
        ("flags", "get", "legacy-dark-mode", "-o", "json"),
        ("cohorts", "list", "-o", "json"),
        ("cohorts", "get", "Legacy paying customers", "-o", "json"),
        ("cohorts", "persons", "Legacy paying customers", "-o", "json"),
        ("persons", "list", "-o", "json"),
        ("recordings", "list", "-o", "json"),
        ("dashboards", "list", "-o", "json"),
        ("dashboards", "get", "Legacy product overview", "-o", "json"),
        ("endpoints", "list", "-o", "json"),
        ("endpoints", "run", "weekly_signups", "-o", "json"),
        ("annotations", "list", "-o", "json"),
    )
    assert "legacy-dark-mode" in {f["key"] for f in data(flags)}
    assert data(flag)["key"] == "legacy-dark-mode"
    assert "Legacy paying customers" in {c["name"] for c in data(cohorts)}
    assert data(cohort)["name"] == "Legacy paying customers"
    assert data(members) and all(p["uuid"] for p in data(members))
    assert data(persons)
    assert data(recordings)
    assert "Legacy product overview" in {d["name"] for d in data(dashboards)}
    assert data(dashboard)["tiles"]
    assert "weekly_signups" in {e["name"] for e in data(endpoints)}
    assert data(ran)["columns"] == ["week", "signups"] and data(ran)["results"]
    assert data(notes)
    mark(
        "List Feature Flags",
        "Get Feature Flag",
        "List Cohorts",
        "Get Cohort",
        "Get Cohort Persons",
        "List Persons",
        "List Session Recordings",
        "List Dashboards",
        "Get Dashboard",
        "List Custom Endpoints",
        "Run Custom Endpoint",
        "List Annotations",
    )

    # One person and one recording by id; a property write; an annotation for a deploy
    someone = data(persons)[0]
    session = data(recordings)[0]["id"]
    person, recording, written, annotated = run(
        ("persons", "get", someone["uuid"], "-o", "json"),
        ("recordings", "get", session, "-o", "json"),
        ("persons", "set-property", someone["uuid"], "ops_checked", "true", "-o", "json"),
        ("annotations", "create", "ops: v9.9.9 deployed", "-o", "json"),
    )
    assert data(person)["uuid"] == someone["uuid"]
    assert data(recording)["url"].endswith(f"/replay/{session}")
    assert data(written) == {
        "person_id": data(person)["id"],  # the list names persons by UUID only
        "person_uuid": someone["uuid"],
        "key": "ops_checked",
        "value": True,
        "action": "set",
        "applied": "asynchronously",
    }
    assert data(annotated)["creation_type"] == "USR"
    mark("Get Person", "Get Session Recording", "Update Person Property", "Create Annotation")

    # Creates through manifests
    repo = tmp_path / "manifests"
    repo.mkdir()
    write(repo, rollout=10, plan="pro")
    [plan] = run(("plan", "--detailed-exitcode", str(repo)))
    assert plan.returncode == 2 and "3 to create" in plan.stdout, plan.stdout
    run(("apply", "--yes", str(repo)))
    made_flag, made_cohort, made_board = run(
        ("flags", "get", "ops-checkout", "-o", "json"),
        ("cohorts", "get", "Ops pro users", "-o", "json"),
        ("dashboards", "get", "Ops overview", "-o", "json"),
    )
    assert (data(made_flag)["rollout"], data(made_flag)["managed"]) == ("10% of everyone", True)
    assert (data(made_cohort)["criteria"], data(made_cohort)["managed"]) == ("plan is 'pro'", True)
    assert [t["title"] for t in data(made_board)["tiles"]] == ["## Ops notes"]
    mark("Create Feature Flag", "Create Cohort", "Create Dashboard")

    # Updates through manifests
    write(repo, rollout=50, plan="enterprise")
    run(("apply", "--yes", str(repo)))
    changed_flag, changed_cohort = run(
        ("flags", "get", "ops-checkout", "-o", "json"),
        ("cohorts", "get", "Ops pro users", "-o", "json"),
    )
    assert data(changed_flag)["rollout"] == "50% of everyone"
    assert data(changed_cohort)["criteria"] == "plan is 'enterprise'"
    mark("Update Feature Flag", "Update Cohort")

    # A delete: the flag's manifest goes, and apply --prune removes the flag
    (repo / "flag.yaml").unlink()
    run(("apply", "--yes", "--prune", str(repo)))
    gone = run_phsync("flags", "get", "ops-checkout", env=emulator_env)
    assert gone.returncode == 1 and "no feature flag with the key 'ops-checkout'" in gone.stderr
    mark("Delete Feature Flag")

    assert sorted(done) == sorted(OPERATIONS) and len(set(done)) == 25


def write(repo: Path, *, rollout: int, plan: str) -> None:
    (repo / "flag.yaml").write_text(FLAG.format(rollout=rollout))
    (repo / "cohort.yaml").write_text(COHORT.format(plan=plan))
    (repo / "dashboard.yaml").write_text(DASHBOARD)
