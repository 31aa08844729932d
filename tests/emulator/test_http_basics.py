"""Routing, authentication, scopes and error envelopes (posthog-api.md 1.1-1.4, 13)."""

from __future__ import annotations

import pytest

from emulator.conftest import Client, MakeEmulator, envelope
from reconciler.emulator import KeySpec

NOT_PROVIDED = envelope(
    "authentication_error", "not_authenticated", "Authentication credentials were not provided."
)


@pytest.mark.parametrize("path", ["/feature_flags/", "/feature_flags"])
def test_trailing_slash_is_optional(api: Client, path: str) -> None:
    response = api.get(api.p + path)
    assert response.status_code == 200
    assert "results" in response.json()


def test_current_project_alias_resolves_to_the_users_current_project(api: Client) -> None:
    by_alias = api.get("/api/projects/@current/feature_flags/").json()
    by_id = api.get(api.p + "/feature_flags/").json()
    assert by_alias["count"] == by_id["count"] > 0
    assert api.get("/api/projects/@current/").json()["id"] == api.pid


def test_environments_root_serves_the_same_dashboards(api: Client) -> None:
    projects = api.get(api.p + "/dashboards/").json()
    environments = api.get(f"/api/environments/{api.pid}/dashboards/").json()
    assert projects == environments


def test_flags_are_not_registered_under_environments(api: Client) -> None:
    response = api.get(f"/api/environments/{api.pid}/feature_flags/")
    assert response.status_code == 404
    assert response.json() == envelope("invalid_request", "not_found", "Endpoint not found.")


def test_unknown_api_path_is_404_endpoint_not_found(api: Client) -> None:
    for response in (api.get("/api/nothing-here/"), api.get("/api/nothing", auth=False)):
        assert response.status_code == 404
        assert response.json() == envelope("invalid_request", "not_found", "Endpoint not found.")


@pytest.mark.parametrize("project", ["abc", "999999"])
def test_unknown_or_non_integer_project_is_404(api: Client, project: str) -> None:
    response = api.get(f"/api/projects/{project}/feature_flags/")
    assert response.status_code == 404
    assert response.json() == envelope("invalid_request", "not_found", "Project not found.")


def test_project_of_another_organization_is_403(api: Client) -> None:
    response = api.get("/api/projects/3/feature_flags/")
    assert response.status_code == 403
    assert response.json() == envelope(
        "authentication_error", "permission_denied", "You don't have access to the project."
    )


def test_missing_credentials_is_401_with_www_authenticate(api: Client) -> None:
    response = api.get(api.p + "/feature_flags/", auth=False)
    assert response.status_code == 401
    assert response.json() == NOT_PROVIDED
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("where", "source"),
    [("header", "Authorization header"), ("body", "body"), ("query", "query string")],
)
def test_invalid_key_is_401_naming_where_it_was_found(api: Client, where: str, source: str) -> None:
    url = api.p + "/feature_flags/"
    if where == "header":
        response = api.get(url, key="phx_wrong")
    elif where == "body":
        response = api.call("POST", url, auth=False, json={"personal_api_key": "phx_wrong"})
    else:
        response = api.get(url + "?personal_api_key=phx_wrong", auth=False)
    assert response.status_code == 401
    assert response.json() == envelope(
        "authentication_error",
        "authentication_failed",
        f"Personal API key found in request {source} is invalid.",
    )
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_key_in_body_and_query_string_authenticate(api: Client) -> None:
    url = api.p + "/feature_flags/"
    assert api.get(url + f"?personal_api_key={api.key}", auth=False).status_code == 200
    created = api.call(
        "POST",
        url,
        auth=False,
        json={
            "personal_api_key": api.key,
            "key": "body-auth",
            "_should_create_usage_dashboard": False,
        },
    )
    assert created.status_code == 201


def test_header_key_wins_over_a_bad_query_key(api: Client) -> None:
    response = api.get(api.p + "/feature_flags/?personal_api_key=phx_wrong")
    assert response.status_code == 200


def test_missing_scope_is_403_naming_the_scope(make_emulator: MakeEmulator) -> None:
    client = Client(make_emulator(api_keys={"phx_ro": ["feature_flag:read"]}))
    assert client.get(client.p + "/feature_flags/").status_code == 200
    response = client.post(client.p + "/feature_flags/", json={"key": "x"})
    assert response.status_code == 403
    assert response.json() == envelope(
        "authentication_error",
        "permission_denied",
        "API key missing required scope 'feature_flag:write'",
    )
    other = client.get(client.p + "/cohorts/")
    assert other.json()["detail"] == "API key missing required scope 'cohort:read'"


def test_write_scope_implies_read(make_emulator: MakeEmulator) -> None:
    client = Client(make_emulator(api_keys={"phx_rw": ["cohort:write"]}))
    assert client.get(client.p + "/cohorts/").status_code == 200


@pytest.mark.parametrize("kind", ["feature_flags", "cohorts", "dashboards", "annotations"])
def test_scope_check_runs_before_the_405_on_delete(make_emulator: MakeEmulator, kind: str) -> None:
    client = Client(
        make_emulator(
            api_keys={
                "phx_ro": ["*"],
                "phx_read": [
                    "feature_flag:read",
                    "cohort:read",
                    "dashboard:read",
                    "annotation:read",
                ],
            }
        )
    )
    item = client.get(client.p + f"/{kind}/").json()["results"][0]["id"]
    refused = client.delete(client.p + f"/{kind}/{item}/", key="phx_read")
    assert refused.status_code == 403
    assert "missing required scope" in refused.json()["detail"]
    allowed = client.delete(client.p + f"/{kind}/{item}/", key="phx_ro")
    assert allowed.status_code == 405
    assert allowed.content == b""


def test_unmapped_method_with_a_scoped_key_is_refused_before_405(api: Client) -> None:
    response = api.delete(api.p + "/feature_flags/")
    assert response.status_code == 403
    assert response.json()["detail"] == "This action does not support Personal API Key access"


def test_key_limited_to_projects(make_emulator: MakeEmulator) -> None:
    client = Client(make_emulator(api_keys={"phx_p2": KeySpec("phx_p2", ("*",), (2,))}))
    assert client.get("/api/projects/2/feature_flags/").status_code == 200
    response = client.get("/api/projects/1/feature_flags/")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "API key does not have access to the requested project: ID 1."
    )
    assert client.get("/api/users/@me/").status_code == 200


def test_users_me_and_other_uuids(api: Client) -> None:
    me = api.get("/api/users/@me/").json()
    assert me["email"] == "demo@example.com"
    assert me["team"]["id"] == api.pid
    assert api.get(f"/api/users/{me['uuid']}/").status_code == 200
    other = api.get("/api/users/01900000-0000-7000-8000-000000000000/")
    assert other.status_code == 403
    assert other.json()["detail"] == (
        "As a non-staff user you're only allowed to access the `@me` user instance."
    )


def test_current_personal_api_key_reports_scopes_not_the_value(
    make_emulator: MakeEmulator,
) -> None:
    client = Client(make_emulator(api_keys={"phx_secret_value_123456": ["person:read"]}))
    body = client.get("/api/personal_api_keys/@current/").json()
    assert body["scopes"] == ["person:read"]
    assert "phx_secret_value_123456" not in str(body)


def test_projects_list_and_search(api: Client) -> None:
    listing = api.get("/api/projects/").json()
    assert [p["id"] for p in listing["results"]] == [1, 2]
    assert all(p["uuid"] and p["organization"] for p in listing["results"])
    assert [p["id"] for p in api.get("/api/projects/?search=staging").json()["results"]] == [2]
    org = listing["results"][0]["organization"]
    by_org = api.get(f"/api/organizations/{org}/projects/").json()
    assert by_org["count"] == 2
    assert api.get("/api/organizations/@current/projects/2/").json()["name"] == "Demo staging"


def test_malformed_json_is_a_parse_error(api: Client) -> None:
    response = api.call(
        "POST",
        api.p + "/feature_flags/",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_request"
    assert response.json()["code"] == "parse_error"


def test_organizations_list_and_read(api: Client) -> None:
    listed = api.get("/api/organizations/")
    assert listed.status_code == 200
    orgs = listed.json()["results"]
    assert [p["id"] for p in orgs[0]["projects"]] == [1, 2]
    one = api.get(f"/api/organizations/{orgs[0]['id']}/")
    assert one.status_code == 200 and one.json()["id"] == orgs[0]["id"]
    assert api.get("/api/organizations/@current/").json()["id"] == orgs[0]["id"]
