"""Annotations (posthog-api.md section 5)."""

from __future__ import annotations

import json
from pathlib import Path

from emulator.conftest import Client, MakeEmulator, envelope


def test_default_limit_is_1000(make_emulator: MakeEmulator, tmp_path: Path) -> None:
    seed = {
        "projects": [{"id": 1, "name": "p"}],
        "annotations": [
            {"content": f"a{i}", "date_marker": f"now-{i}h", "scope": "project"}
            for i in range(1005)
        ],
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    client = Client(make_emulator(seed=path, rate_limits_enabled=False))
    page = client.get(client.p + "/annotations/").json()
    assert page["count"] == 1005 and len(page["results"]) == 1000
    assert page["next"].endswith("?limit=1000&offset=1000")
    assert [a["content"] for a in page["results"][:3]] == ["a0", "a1", "a2"]


def test_create_and_read_back(api: Client) -> None:
    created = api.post(
        api.p + "/annotations/",
        json={
            "content": "v2.3.0 deployed",
            "date_marker": "2026-01-02T03:04:05Z",
            "scope": "dashboard",
            "dashboard_id": 401,
            "creation_type": "GIT",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["dashboard_name"] == "Legacy product overview"
    assert body["date_marker"] == "2026-01-02T03:04:05.000000Z"
    assert body["creation_type"] == "GIT"
    assert api.get(api.p + f"/annotations/{body['id']}/").json() == body


def test_validation(api: Client) -> None:
    missing = api.post(api.p + "/annotations/", json={"content": "x", "dashboard_id": 9999})
    assert missing.json() == envelope(
        "validation_error", "invalid_input", "Dashboard not found.", "dashboard_id"
    )
    recording = api.post(api.p + "/annotations/", json={"content": "x", "scope": "recording"})
    assert recording.json() == envelope(
        "validation_error", "invalid_input", "Recording scope is deprecated"
    )
    bad_scope = api.post(api.p + "/annotations/", json={"content": "x", "scope": "nope"})
    assert bad_scope.json() == envelope(
        "validation_error", "invalid_choice", '"nope" is not a valid choice.', "scope"
    )
    bad_type = api.post(api.p + "/annotations/", json={"content": "x", "creation_type": "BOT"})
    assert bad_type.json()["attr"] == "creation_type"


def test_list_filters(api: Client) -> None:
    def contents(query: str) -> list[str]:
        return [a["content"] for a in api.get(api.p + "/annotations/" + query).json()["results"]]

    assert contents("?search=pricing") == ["Legacy: pricing change"]
    assert contents("?scope=organization") == ["Legacy: pricing change"]
    assert api.get(api.p + "/annotations/?scope=bogus").json()["detail"] == "Invalid scope: bogus"
    recent = contents("?date_from=" + "2000-01-01T00:00:00Z")
    assert len(recent) == 4


def test_organization_scope_is_visible_in_sibling_projects(api: Client) -> None:
    contents = [a["content"] for a in api.get("/api/projects/2/annotations/").json()["results"]]
    assert contents == ["Legacy: pricing change"]


def test_soft_delete_is_404_but_patch_restores(api: Client) -> None:
    created = api.post(api.p + "/annotations/", json={"content": "oops"}).json()
    url = api.p + f"/annotations/{created['id']}/"
    assert api.delete(url).status_code == 405 and api.delete(url).content == b""
    assert api.patch(url, json={"deleted": True}).status_code == 200
    assert api.get(url).status_code == 404
    assert api.patch(url, json={"deleted": False}).status_code == 200
    assert api.get(url).status_code == 200
