"""Endpoints (posthog-api.md section 8): list, get by name, run with seeded rows."""

from __future__ import annotations

from emulator.conftest import Client, MakeEmulator


def test_list_is_paginated_and_filterable(api: Client) -> None:
    page = api.get(api.p + "/endpoints/").json()
    assert page["count"] == 4 and page["next"] is None
    active = api.get(api.p + "/endpoints/?is_active=true").json()["results"]
    assert "legacy_retired_report" not in [e["name"] for e in active]


def test_get_by_name(api: Client) -> None:
    body = api.get(api.p + "/endpoints/weekly_signups/").json()
    assert body["name"] == "weekly_signups" and body["current_version"] == 1
    assert body["endpoint_path"] == f"/api/environments/{api.pid}/endpoints/weekly_signups/run"
    assert body["query"]["kind"] == "HogQLQuery"
    assert api.get(api.p + "/endpoints/nope/").status_code == 404


def test_run_applies_variables_to_seeded_rows(api: Client) -> None:
    url = api.p + "/endpoints/active_users_by_country/run/"
    everything = api.post(url, json={}).json()
    assert everything["columns"] == ["country", "plan", "users"]
    assert everything["endpoint_version"] == 1 and everything["hasMore"] is False
    germany = api.post(url, json={"variables": {"country": "DE"}}).json()
    assert germany["results"] and {row[0] for row in germany["results"]} == {"DE"}
    assert len(germany["results"]) < len(everything["results"])
    assert list(germany)[0] == "results"


def test_run_uses_the_declared_default(api: Client) -> None:
    rows = api.get(api.p + "/endpoints/top_pages/run/").json()["results"]
    assert rows and {row[1] for row in rows} == {"pro"}


def test_run_errors(api: Client) -> None:
    url = api.p + "/endpoints/active_users_by_country/run/"
    unknown = api.post(url, json={"variables": {"a": 1, "b": 2}})
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "Unknown variable(s): a, b"
    version = api.post(url, json={"version": 9})
    assert version.status_code == 404
    assert version.json() == {
        "error": "Version 9 not found for endpoint 'active_users_by_country'",
        "current_version": 1,
    }
    bad = api.get(url + "?version=x")
    assert bad.status_code == 400 and bad.json() == {"error": "Invalid version parameter: x"}
    inactive = api.post(api.p + "/endpoints/legacy_retired_report/run/", json={})
    assert inactive.status_code == 404
    override = api.post(url, json={"query_override": {"kind": "HogQLQuery"}})
    assert override.json()["detail"] == "query_override is not allowed. Use variables instead."


def test_run_needs_only_endpoint_read(make_emulator: MakeEmulator) -> None:
    client = Client(make_emulator(api_keys={"phx_e": ["endpoint:read"]}))
    assert client.post(client.p + "/endpoints/weekly_signups/run/", json={}).status_code == 200
    denied = client.post(client.p + "/endpoints/", json={"name": "x"})
    assert denied.json()["detail"] == "API key missing required scope 'endpoint:write'"


def test_create_update_versions_delete(api: Client) -> None:
    created = api.post(
        api.p + "/endpoints/",
        json={"name": "my_query", "query": {"kind": "HogQLQuery", "query": "select 1"}},
    )
    assert created.status_code == 201 and created.json()["current_version"] == 1
    bad = api.post(api.p + "/endpoints/", json={"name": "1bad", "query": {}})
    assert bad.json()["detail"].startswith("Endpoint name must start with a letter")
    changed = api.patch(
        api.p + "/endpoints/my_query/", json={"query": {"kind": "HogQLQuery", "query": "select 2"}}
    ).json()
    assert changed["current_version"] == 2 and changed["versions_count"] == 2
    assert api.delete(api.p + "/endpoints/my_query/").status_code == 204
    assert api.get(api.p + "/endpoints/my_query/").status_code == 404
