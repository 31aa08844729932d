"""The read-only commands, `persons set-property`, `annotations create` and `doctor`, run as a
user runs them: the real `phsync` against the emulator over loopback HTTP.

Independent commands run concurrently (each is a subprocess) to keep the file fast.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.emulator import Emulator, EmulatorConfig, KeySpec
from tests.conftest import ROOT, run_phsync

Result = subprocess.CompletedProcess[str]


def env_for(emu: Emulator, key: str | None = None) -> dict[str, str]:
    return {
        "POSTHOG_HOST": emu.url,
        "POSTHOG_PERSONAL_API_KEY": key or emu.api_key,
        "POSTHOG_PROJECT_ID": str(emu.project_id),
    }


def run_all(env: dict[str, str], *commands: tuple[str, ...]) -> list[Result]:
    """Run several phsync commands at once; results in the same order."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda args: run_phsync(*args, env=env), commands))


def ok(result: Result) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def failed(result: Result) -> str:
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """One demo emulator for the whole module: the read-only tests share it."""
    server = Emulator(EmulatorConfig(port=0)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def env(emu: Emulator) -> dict[str, str]:
    return env_for(emu)


class Api:
    def __init__(self, emu: Emulator) -> None:
        self.base = f"{emu.url}/api/projects/{emu.project_id}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {emu.api_key}"

    def all(self, collection: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        url: str | None = f"{self.base}/{collection}/?limit=1000"
        while url:
            page = self.session.get(url, timeout=10).json()
            out.extend(page["results"])
            url = page.get("next")
        return out

    def get(self, path: str) -> Any:
        return self.session.get(f"{self.base}/{path}", timeout=10).json()

    def post(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.session.post(f"{self.base}/{collection}/", json=body, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def api(emu: Emulator) -> Api:
    return Api(emu)


def test_flags(env: dict[str, str]) -> None:
    search, inactive, pricing, banner = run_all(
        env,
        ("flags", "list", "--search", "pricing"),
        ("flags", "list", "--inactive", "-o", "jsonl"),
        ("flags", "get", "legacy-pricing-page-test"),
        ("flags", "get", "legacy-paying-banner", "-o", "json"),
    )
    assert "legacy-pricing-page-test" in ok(search) and "legacy-dark-mode" not in search.stdout
    rows = [json.loads(line) for line in ok(inactive).splitlines()]
    assert rows and not any(row["active"] for row in rows)
    assert "legacy-paying-banner" in {row["key"] for row in rows}
    shown = ok(pricing)
    assert "control 50%, test 50%" in shown
    assert "managed by phsync      no (phsync leaves it alone" in shown
    detail = json.loads(ok(banner))
    assert detail["rollout"] == "50% of cohort Legacy paying customers"
    assert detail["managed"] is False


def test_cohorts(env: dict[str, str], api: Api) -> None:
    listed, europe, members = run_all(
        env,
        ("cohorts", "list", "-o", "jsonl"),
        ("cohorts", "get", "Legacy enterprise in Europe"),
        ("cohorts", "persons", "Legacy paying customers", "--all", "-o", "json"),
    )
    names = {json.loads(line)["name"] for line in ok(listed).splitlines()}
    assert "Legacy checkout visitors" in names
    assert "plan is 'enterprise' and country is one of 'DE'" in ok(europe)
    [paying] = [c for c in api.all("cohorts") if c["name"] == "Legacy paying customers"]
    people = json.loads(ok(members))
    assert len(people) == paying["count"] > 2
    assert all(p["properties"]["plan"] in ("starter", "pro", "enterprise") for p in people)


def test_persons(env: dict[str, str], api: Api) -> None:
    total = len(api.all("persons"))
    ada = api.get("persons/?distinct_id=user_1001")["results"][0]
    first, everyone, by_id, enterprise, by_number, by_uuid = run_all(
        env,
        ("persons", "list", "--limit", "5"),
        ("persons", "list", "--all", "-o", "jsonl"),
        ("persons", "list", "--distinct-id", "user_1001", "-o", "json"),
        ("persons", "list", "--property", "plan=enterprise", "--all", "-o", "json"),
        ("persons", "get", str(ada["id"]), "-o", "json"),
        ("persons", "get", ada["uuid"]),
    )
    assert len(ok(first).splitlines()) == 6  # the header and five persons
    assert "Showed the first 5 persons; there are more" in first.stderr
    assert len(ok(everyone).splitlines()) == total
    [found] = json.loads(ok(by_id))
    assert found["uuid"] == ada["uuid"]
    rows = json.loads(ok(enterprise))
    assert rows and all(row["properties"]["plan"] == "enterprise" for row in rows)
    assert json.loads(ok(by_number))["uuid"] == ada["uuid"]
    assert "PROPERTY" in ok(by_uuid) and "user_1001" in by_uuid.stdout


def test_recordings(env: dict[str, str], api: Api, emu: Emulator) -> None:
    mine = run_phsync(
        "recordings", "list", "--person", "user_1001", "--since", "-30d", "-o", "json", env=env
    )
    ada = api.get("persons/?distinct_id=user_1001")["results"][0]
    rows = json.loads(ok(mine))
    assert rows and all(row["person_uuid"] == ada["uuid"] for row in rows)
    session = rows[0]["id"]
    shown = ok(run_phsync("recordings", "get", session, env=env))
    assert f"{emu.url}/project/{emu.project_id}/replay/{session}" in shown
    assert "duration" in shown


def test_dashboards_endpoints_annotations(env: dict[str, str]) -> None:
    board, endpoints, signups, pages, org = run_all(
        env,
        ("dashboards", "get", "Legacy product overview"),
        ("endpoints", "list", "-o", "json"),
        ("endpoints", "run", "weekly_signups"),
        ("endpoints", "run", "top_pages", "--var", "plan=pro", "-o", "json"),
        ("annotations", "list", "--scope", "organization", "--since", "-5y", "-o", "json"),
    )
    assert "Daily active users" in ok(board) and "text" in board.stdout
    assert "top_pages" in {e["name"] for e in json.loads(ok(endpoints))}
    table = ok(signups).splitlines()
    assert table[0].split() == ["week", "signups"] and len(table) > 2
    result = json.loads(ok(pages))
    assert result["columns"] and result["results"]
    notes = json.loads(ok(org))
    assert notes and all(a["scope"] == "organization" for a in notes)


def test_unknown_things_fail_with_a_clear_message(env: dict[str, str]) -> None:
    results = run_all(
        env,
        ("flags", "get", "legacy-dark-mod"),
        ("cohorts", "get", "No such cohort"),
        ("persons", "get", "ghost-user"),
        ("recordings", "get", "no-such-session"),
        ("dashboards", "get", "Nope"),
        ("endpoints", "run", "legacy_retired_report"),
        ("recordings", "list", "--since", "last tuesday"),
    )
    messages = [failed(result) for result in results]
    assert (
        "no feature flag with the key 'legacy-dark-mod' (did you mean 'legacy-dark-mode'?)"
        in messages[0]
    )
    assert "no cohort named 'No such cohort'" in messages[1]
    assert "no person with the distinct id 'ghost-user'" in messages[2]
    assert "no session recording with the id 'no-such-session'" in messages[3]
    assert "no dashboard named 'Nope'" in messages[4]
    assert "no active endpoint named 'legacy_retired_report'" in messages[5]
    assert "cannot read the date 'last tuesday'" in messages[6]


def test_a_shared_cohort_name_lists_the_ids(env: dict[str, str], api: Api) -> None:
    twin = api.post("cohorts", {"name": "Legacy checkout visitors", "is_static": True})
    [original] = [
        c
        for c in api.all("cohorts")
        if c["name"] == "Legacy checkout visitors" and c["id"] != twin["id"]
    ]
    shared, picked = run_all(
        env,
        ("cohorts", "get", "Legacy checkout visitors"),
        ("cohorts", "get", f"#{original['id']}", "-o", "json"),
    )
    message = failed(shared)
    assert (
        f"2 cohorts are named 'Legacy checkout visitors' (ids {min(original['id'], twin['id'])}, {max(original['id'], twin['id'])})"
        in message
    )
    assert json.loads(ok(picked))["id"] == original["id"]


def eventually(check: Any, timeout: float = 10.0) -> Any:
    """Poll ``check()`` until it returns something true (PostHog applies writes later)."""
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def test_set_and_delete_a_person_property(env: dict[str, str], api: Api) -> None:
    def properties() -> dict[str, Any]:
        return api.get("persons/?distinct_id=user_1002")["results"][0]["properties"]  # type: ignore[no-any-return]

    written = ok(run_phsync("persons", "set-property", "user_1002", "seats", "12", env=env))
    assert "asynchronously" in written
    assert eventually(lambda: properties().get("seats") == 12)  # a number: read as JSON
    ok(run_phsync("persons", "delete-property", "user_1002", "seats", env=env))
    assert eventually(lambda: "seats" not in properties())


def test_annotations_create_prints_the_id(env: dict[str, str], api: Api) -> None:
    plain, on_board = run_all(
        env,
        ("annotations", "create", "v2.3.0 deployed", "--date", "2024-05-01T10:00:00Z"),
        ("annotations", "create", "campaign", "--dashboard", "Legacy marketing KPIs", "-o", "json"),
    )
    made = api.get(f"annotations/{int(ok(plain).strip())}/")
    assert (made["content"], made["scope"], made["creation_type"]) == (
        "v2.3.0 deployed",
        "project",
        "USR",
    )
    assert made["date_marker"].startswith("2024-05-01T10:00:00")
    board = json.loads(ok(on_board))
    assert (board["scope"], board["dashboard"], board["creation_type"]) == (
        "dashboard",
        "Legacy marketing KPIs",
        "USR",
    )


def test_doctor_passes_on_a_good_setup(env: dict[str, str], tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "repo")
    result = run_phsync("doctor", env=env, cwd=tmp_path / "repo")
    lines = ok(result).splitlines()
    assert [line.split()[1] for line in lines[:4]] == ["ok", "ok", "ok", "ok"]
    assert "a PostHog on this machine" in lines[0]
    assert "All checks passed." in result.stdout


def test_doctor_names_what_is_wrong(env: dict[str, str], emu: Emulator, tmp_path: Path) -> None:
    wrong_key, wrong_project = run_all(
        {**env, "POSTHOG_PERSONAL_API_KEY": "phx_not_a_key"},
        ("doctor", "--path", str(tmp_path), "-o", "json"),
        (
            "doctor",
            "--path",
            str(tmp_path),
            "--project",
            "999",
            "--api-key-file",
            str(_key_file(tmp_path, emu.api_key)),
        ),
    )
    checks = {c["name"]: c for c in json.loads(wrong_key.stdout)}
    assert wrong_key.returncode == 1
    assert checks["key"]["status"] == "fail" and checks["project"]["status"] == "skip"
    assert "does not accept the key" in checks["key"]["summary"]
    assert wrong_project.returncode == 1
    assert "project 999 not found" in wrong_project.stdout and "fix:" in wrong_project.stdout


def _key_file(directory: Path, key: str) -> Path:
    path = directory / "key.txt"
    path.write_text(key + "\n")
    return path


def test_missing_scopes_are_named(tmp_path: Path) -> None:
    limited = {
        "phx_limited": KeySpec(
            "phx_limited", ("person:read", "user:read", "project:read", "feature_flag:read")
        )
    }
    with Emulator(EmulatorConfig(port=0, api_keys=limited)) as server:
        env = env_for(server, "phx_limited")
        shutil.copytree(ROOT / "examples", tmp_path / "repo")
        members, write, doctor = run_all(
            env,
            ("cohorts", "persons", "Legacy paying customers"),
            ("persons", "set-property", "user_1001", "plan", "pro"),
            ("doctor", "--path", str(tmp_path / "repo")),
        )
    assert "the API key lacks the scope 'cohort:read'" in failed(members)
    assert "the API key lacks the scope 'person:write'" in failed(write)
    assert doctor.returncode == 1
    assert "lacks 'cohort:read'" in doctor.stdout and "feature_flag:write" in doctor.stdout


def test_a_rate_limited_analytics_request_waits_and_succeeds() -> None:
    config = EmulatorConfig(port=0, rate_limits={"analytics": "1/2second"})
    with Emulator(config) as server:
        started = time.monotonic()
        # two analytics requests: the person lookup, then the recordings
        result = run_phsync(
            "recordings", "list", "--person", "user_1001", "-o", "json", env=env_for(server)
        )
        elapsed = time.monotonic() - started
    assert json.loads(ok(result))
    assert "rate-limited" in result.stderr and "waiting" in result.stderr
    assert elapsed >= 1.0


def test_env_picks_host_project_and_key_from_phsync_yaml(emu: Emulator, tmp_path: Path) -> None:
    (tmp_path / "phsync.yaml").write_text(
        "environments:\n"
        f"  staging:\n    host: {emu.url}\n    project: {emu.project_id}\n    api_key_env: STAGING_KEY\n"
        "  broken:\n    host: http://127.0.0.1:9\n    api_key_env: STAGING_KEY\n"
    )
    env = {"STAGING_KEY": emu.api_key}
    flags, doctor, every = (
        run_phsync("flags", "list", "--env", "staging", "-o", "json", env=env, cwd=tmp_path),
        run_phsync("doctor", "--env", "staging", env=env, cwd=tmp_path),
        run_phsync("doctor", "--env", "all", "-o", "json", env=env, cwd=tmp_path),
    )
    assert json.loads(ok(flags))
    assert "All checks passed." in ok(doctor)
    checks = json.loads(every.stdout)
    assert every.returncode == 1
    assert {c["environment"] for c in checks} == {"staging", "broken"}
    [unreachable] = [c for c in checks if c["environment"] == "broken" and c["name"] == "host"]
    assert (
        unreachable["status"] == "fail"
        and "cannot reach http://127.0.0.1:9" in unreachable["summary"]
    )
