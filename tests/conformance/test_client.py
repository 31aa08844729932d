"""phsync's own client, driven against the emulator with every request and answer checked.

The plan/apply loop (create, no-op, update, prune) and the read-only queries run through a
`requests.Session` carrying the contract hook, so any body phsync sends that PostHog's
document would refuse shows up here, with the operation and field that is wrong.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from contract.checker import Contract, install_request_checker
from contract.exceptions import unpublished

from reconciler import engine
from reconciler.client import PostHogClient
from reconciler.client.account import get_project, list_projects, whoami
from reconciler.emulator import Emulator, EmulatorConfig
from reconciler.queries import cohorts, dashboards, endpoints, flags, persons, recordings
from reconciler.queries.annotations import create_annotation
from reconciler.settings import Secret, Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KINDS = ("cohorts", "flags", "insights", "dashboards", "annotations")


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(port=0, rate_limits_enabled=False, property_delay=0.0)) as emu:
        yield emu


Checked = tuple[PostHogClient, list[str], list[str]]


@pytest.fixture
def checked(server: Emulator, contract: Contract) -> Iterator[Checked]:
    """A client whose session checks every call; also yields the operations it made."""
    problems: list[str] = []
    operations: list[str] = []
    session = requests.Session()
    install_request_checker(session, contract, problems, check_responses=True)

    def note(response: requests.Response, *args: object, **kwargs: object) -> None:
        request = response.request
        if unpublished(request.url or ""):
            return
        operations.append(contract.match(request.method or "GET", request.url or "").operation_id)

    session.hooks["response"].append(note)
    settings = Settings(
        host=server.url, project=str(server.project_id), api_key=Secret(server.api_key)
    )
    with PostHogClient(settings, session=session) as client:
        yield client, problems, operations


def manifest_paths(root: Path) -> list[str]:
    return [str(root / kind) for kind in KINDS]


def apply(client: PostHogClient, root: Path, *, prune: bool = False) -> engine.Planned:
    planned = engine.make_plan(engine.load_manifests(manifest_paths(root)), client, prune=prune)
    engine.apply_planned(planned, client, parallelism=1)
    return planned


def test_plan_and_apply_send_what_posthog_accepts(checked: Checked, tmp_path: Path) -> None:
    client, problems, operations = checked
    repo = tmp_path / "manifests"
    shutil.copytree(EXAMPLES, repo)

    created = apply(client, repo)
    assert created.plan.changes, "the examples should create objects"
    again = engine.make_plan(engine.load_manifests(manifest_paths(repo)), client)
    assert again.plan.changes == () or all(c.action.value == "noop" for c in again.plan.changes)

    checkout = repo / "flags" / "checkout.yaml"
    checkout.write_text(
        checkout.read_text().replace("rollout_percentage: 25", "rollout_percentage: 60")
    )
    boards = repo / "dashboards" / "dashboards.yaml"
    boards.write_text(boards.read_text().replace("color: blue", "color: green"))
    apply(client, repo)

    (repo / "annotations" / "releases.yaml").unlink()
    (repo / "flags" / "onboarding.yaml").unlink()
    apply(client, repo, prune=True)

    assert problems == [], "\n".join(problems)
    for kind in ("feature_flags", "cohorts", "dashboards", "annotations", "insights", "actions"):
        assert f"{kind}_create" in operations
        assert f"{kind}_partial_update" in operations or kind in ("cohorts", "actions")


def test_queries_send_what_posthog_accepts(checked: Checked) -> None:
    client, problems, operations = checked
    whoami(client)
    rows = list_projects(client)
    get_project(client, str(rows[0].id))

    found = list(persons.iter_persons(client, properties={"plan": "pro"}, limit=5))
    assert found
    someone = found[0]
    ref = someone.uuid or str(someone.id)
    persons.get_person(client, ref)
    persons.set_property(client, ref, "conformance", "yes")
    persons.delete_property(client, ref, "conformance")

    listed = list(recordings.iter_recordings(client, person=ref, limit=3))
    for recording in list(recordings.iter_recordings(client, limit=2)) + listed:
        recordings.get_recording(client, recording.id)

    active = [e for e in endpoints.iter_endpoints(client, limit=10) if e.active]
    assert active
    for endpoint in active:
        endpoints.run_endpoint(client, endpoint.name)

    for cohort in list(cohorts.iter_cohorts(client, limit=2)):
        list(cohorts.cohort_persons(client, cohort.name, limit=5).persons)
    for flag in list(flags.iter_flags(client, limit=2)):
        flags.get_flag(client, flag.key)
    for board in list(dashboards.iter_dashboards(client, limit=2)):
        dashboards.get_dashboard(client, board.name)
    create_annotation(client, "Conformance check", date_marker="2026-01-02T03:04:05Z")

    assert problems == [], "\n".join(problems)
    assert {
        "persons_update_property_create",
        "persons_delete_property_create",
        "endpoints_run_create",
        "cohorts_persons_retrieve",
        "session_recordings_retrieve",
        "annotations_create",
    } <= set(operations)
