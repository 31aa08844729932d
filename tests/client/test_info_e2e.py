"""`phsync whoami` and `phsync projects` against the emulator, over real loopback HTTP; and the
client reading, paging and pacing itself against it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reconciler.client import PostHogClient, RateBudget, RateLimit
from reconciler.emulator import Emulator, EmulatorConfig
from reconciler.errors import AuthenticationError
from reconciler.settings import Secret, Settings

Run = Callable[..., Any]
CANARY = "phx_CANARY_e2e_n3v3r_sh0w"


def client_for(emu: Any, **kwargs: Any) -> PostHogClient:
    settings = Settings(
        host=emu.url, project=str(emu.project_id), api_key=Secret(emu.api_key), timeout=10.0
    )
    return PostHogClient(settings, **kwargs)


def test_whoami_shows_user_project_organization_and_host(
    phsync: Run, emulator_env: dict[str, str], emulator: Any
) -> None:
    result = phsync("whoami", env=emulator_env)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(None, 1) for line in result.stdout.strip().splitlines())
    assert lines["email"] == "demo@example.com"
    assert lines["project"] == f"Demo project (id {emulator.project_id})"
    assert lines["organization"] == "Demo Org"
    assert lines["host"] == emulator.url


def test_whoami_json_at_current(phsync: Run, emulator_env: dict[str, str], emulator: Any) -> None:
    env = {**emulator_env, "POSTHOG_PROJECT_ID": "@current"}
    result = phsync("whoami", "--output", "json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["project_id"] == emulator.project_id
    assert data["email"] == "demo@example.com"
    assert data["host"] == emulator.url


def test_projects_list_table_and_json(phsync: Run, emulator_env: dict[str, str]) -> None:
    table = phsync("projects", "list", env=emulator_env)
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.strip().splitlines()
    assert header.split() == ["ID", "UUID", "NAME", "ORGANIZATION"]
    assert rows and all("Demo Org" in row for row in rows)
    listed = json.loads(phsync("projects", "list", "-o", "json", env=emulator_env).stdout)
    assert [row["id"] for row in listed] == sorted(row["id"] for row in listed)
    assert {"id", "uuid", "name", "organization_id", "organization_name"} <= set(listed[0])
    assert len(listed) == len(rows)


@pytest.mark.parametrize("how", ["id", "uuid", "@current"])
def test_projects_get_by_id_uuid_or_current(
    phsync: Run, emulator_env: dict[str, str], emulator: Any, how: str
) -> None:
    with client_for(emulator) as client:
        current = client.get(f"/api/projects/{emulator.project_id}/")
    ref = {"id": str(current["id"]), "uuid": current["uuid"], "@current": "@current"}[how]
    result = phsync("projects", "get", ref, "-o", "json", env=emulator_env)
    assert result.returncode == 0, result.stderr
    project = json.loads(result.stdout)
    assert (project["id"], project["uuid"]) == (current["id"], current["uuid"])
    text = phsync("projects", "get", ref, env=emulator_env).stdout
    assert f"name          {current['name']}" in text


def test_unknown_project_says_wrong_id_or_instance(
    phsync: Run, emulator_env: dict[str, str], emulator: Any
) -> None:
    result = phsync("projects", "get", "999999", env=emulator_env)
    assert result.returncode == 1
    assert f"project 999999 not found on {emulator.url}" in result.stderr
    assert "phsync projects list" in result.stderr


def test_wrong_key_is_refused_without_showing_it(
    phsync: Run, emulator_env: dict[str, str], emulator: Any
) -> None:
    env = {**emulator_env, "POSTHOG_PERSONAL_API_KEY": CANARY}
    result = phsync("--debug", "whoami", env=env)
    assert result.returncode == 1
    assert f"PostHog at {emulator.url} did not accept the API key" in result.stderr
    assert CANARY not in result.stdout + result.stderr


@pytest.fixture
def narrow_emulator() -> Iterator[Emulator]:
    """An emulator whose only key may read feature flags and nothing else."""
    emu = Emulator(EmulatorConfig(port=0, api_keys={"phx_flags_only": ["feature_flag:read"]}))
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


def test_missing_scope_is_named(phsync: Run, narrow_emulator: Emulator) -> None:
    env = {
        "POSTHOG_HOST": narrow_emulator.url,
        "POSTHOG_PERSONAL_API_KEY": "phx_flags_only",
        "POSTHOG_PROJECT_ID": str(narrow_emulator.project_id),
    }
    result = phsync("whoami", env=env)
    assert result.returncode == 1
    assert "the API key lacks the scope 'user:read'" in result.stderr
    assert "phx_flags_only" not in result.stderr


def test_client_paginates_a_list_from_the_emulator(emulator: Any) -> None:
    with client_for(emulator) as client:
        path = client.project_path("feature_flags/")
        for n in range(5):
            client.post(path, {"key": f"paged-{n}", "filters": {"groups": [{"properties": []}]}})
        everything = list(client.paginate(path))
        emulator.reset_stats()
        pages: list[Any] = []
        paged = list(client.paginate(path, page_size=2, progress=pages.append))
    assert [item["id"] for item in paged] == [item["id"] for item in everything]
    assert len(paged) >= 5
    assert len(pages) == -(-len(paged) // 2)
    assert pages[-1].total == len(paged)
    assert emulator.stats()["total"] == len(pages)


@pytest.mark.parametrize("collection", ["persons/", "session_recordings/"])
def test_client_reads_persons_and_recordings_to_the_end_in_small_pages(
    emulator: Any, collection: str
) -> None:
    with client_for(emulator) as client:
        path = client.project_path(collection)
        whole = [item["id"] for item in client.paginate(path)]
        pages: list[Any] = []
        small = [item["id"] for item in client.paginate(path, page_size=3, progress=pages.append)]
    assert len(whole) > 3
    assert small == whole
    assert len(set(small)) == len(small)
    assert len(pages) >= -(-len(whole) // 3)
    assert all(page.total is None for page in pages)


def test_client_pages_projects_one_at_a_time(emulator: Any) -> None:
    with client_for(emulator) as client:
        projects = list(client.paginate("/api/projects/", page_size=1))
        assert [p["id"] for p in projects] == [p["id"] for p in client.paginate("/api/projects/")]


@pytest.fixture
def throttled_emulator() -> Iterator[Emulator]:
    emu = Emulator(EmulatorConfig(port=0, rate_limits={"crud": "3/second"}))
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


def test_budget_paces_requests_so_that_posthog_never_refuses(throttled_emulator: Emulator) -> None:
    budget = RateBudget(
        {"crud": (RateLimit(3, 1.0),), "analytics": (RateLimit(3, 1.0),)}, margin=0.1
    )
    started = time.monotonic()
    with client_for(throttled_emulator, budget=budget) as client:
        for _ in range(7):
            client.get("/api/users/@me/")
    assert time.monotonic() - started >= 2.0
    assert "429" not in throttled_emulator.stats()["by_status"]


def test_client_waits_out_a_429_and_succeeds(throttled_emulator: Emulator) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with client_for(throttled_emulator, sleep=sleep) as client:
        for _ in range(4):
            assert client.get("/api/users/@me/")["email"] == "demo@example.com"
    assert throttled_emulator.stats()["by_status"].get("429") == 1
    assert len(waits) == 1 and waits[0] >= 1


def test_a_bad_key_raises_authentication_error(emulator: Any) -> None:
    settings = Settings(host=emulator.url, project="1", api_key=Secret(CANARY))
    with PostHogClient(settings) as client, pytest.raises(AuthenticationError) as caught:
        client.get("/api/users/@me/")
    assert CANARY not in repr(caught.value) + str(caught.value)
