"""The route table and the response bodies against PostHog's 2026 OpenAPI files.

Both read the one contract derived from those files, ``tests/contract/posthog-contract.json``
(``scripts/derive_contract.py``): its ``routes`` give every operation's scopes, and its
checker validates bodies with the documented differences of ``tests/contract/exceptions.py``.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from contract.checker import CONTRACT_FILE, Contract

from emulator.conftest import Client
from reconciler.emulator.routes import all_routes

# Routes PostHog serves that its public OpenAPI document leaves out (posthog-api.md 9, 1.8, 6).
NOT_IN_SPEC = {
    "GET /api/projects/",
    "GET /api/projects/{id}/",
    "GET /api/personal_api_keys/{id}/",
    "GET /api/projects/{project_id}/activity_log/",
    "POST /api/projects/{project_id}/persons/",
    "DELETE /api/projects/{project_id}/persons/{id}/",
    "GET /api/projects/{project_id}/endpoints/{name}/versions/",
    "GET /api/organizations/",
    "GET /api/organizations/{organization_id}/",
    *(
        f"{method} /api/projects/{{project_id}}/scheduled_changes/{tail}"
        for method, tail in (
            ("GET", ""),
            ("POST", ""),
            ("GET", "{id}/"),
            ("PUT", "{id}/"),
            ("PATCH", "{id}/"),
            ("DELETE", "{id}/"),
        )
    ),
}
# In PostHog's 2026 OpenAPI files but not in openapi_contract.json: the scopes below are the
# files' (approval-policies.yml, change-requests.yml).
APPROVALS = {"approval_policies", "change_requests"}


@cache
def contract() -> dict[str, Any]:
    return {"operations": dict(json.loads(CONTRACT_FILE.read_text())["routes"])}


def _spec_key(route_name: str) -> str:
    method, template = route_name.split(" ", 1)
    if template.startswith("/api/environments/"):
        template = template.replace("{project_id}", "{environment_id}", 1)
    return f"{method} {template}"


def api_routes() -> list[str]:
    return [r.name for r in all_routes() if r.template.startswith("/api/")]


@pytest.mark.parametrize("name", api_routes())
def test_route_scopes_match_the_openapi_security(name: str) -> None:
    route = next(r for r in all_routes() if r.name == name)
    operation = contract()["operations"].get(_spec_key(name))
    if operation is None and any(f"/{a}/" in name for a in APPROVALS):
        assert {s.split(":")[0] for s in route.scopes} == {"approvals"}
        return
    if operation is None:
        listed = name.replace("/api/environments/", "/api/projects/")
        assert listed in NOT_IN_SPEC, f"{name} is neither in the spec nor listed as missing"
        return
    if operation["scopes"]:
        assert list(route.scopes) == operation["scopes"]
    else:  # an action the spec marks as not allowed for personal API keys
        assert not route.scopes


# -- response bodies --------------------------------------------------------------------------


@cache
def checked() -> Contract:
    """The contract with its documented differences applied (tests/contract/exceptions.py)."""
    return Contract.load()


def problems(method: str, path: str, status: int, body: Any) -> list[str]:
    return checked().check_response(method, path, status, body)


P = "/api/projects/{project_id}"
READS = [
    (P + "/feature_flags/", "/feature_flags/"),
    (P + "/feature_flags/{id}/", "/feature_flags/303/"),
    (P + "/feature_flags/{id}/activity/", "/feature_flags/301/activity/"),
    (P + "/cohorts/", "/cohorts/"),
    (P + "/cohorts/{id}/", "/cohorts/201/"),
    (P + "/cohorts/{id}/persons/", "/cohorts/201/persons/"),
    (P + "/dashboards/", "/dashboards/"),
    (P + "/dashboards/{id}/", "/dashboards/401/"),
    (P + "/annotations/", "/annotations/"),
    (P + "/persons/", "/persons/"),
    (P + "/persons/{id}/", "/persons/1001/"),
    (P + "/endpoints/", "/endpoints/"),
    (P + "/endpoints/{name}/", "/endpoints/weekly_signups/"),
    (P + "/endpoints/{name}/run/", "/endpoints/active_users_by_country/run/"),
    ("/api/organizations/{organization_id}/projects/", None),
    ("/api/organizations/{organization_id}/projects/{id}/", None),
    ("/api/users/{uuid}/", None),
]


@pytest.mark.parametrize(("template", "path"), READS, ids=[t for t, _ in READS])
def test_read_responses_validate(api: Client, template: str, path: str | None) -> None:
    if path is None:
        path = (
            template.replace("{organization_id}", "@current")
            .replace("{id}", "1")
            .replace("{uuid}", "@me")
        )
    else:
        path = api.p + path
    response = api.get(path)
    assert response.status_code == 200
    assert problems("GET", path, 200, response.json()) == []


def test_recordings_validate_item_by_item(api: Client) -> None:
    """The list envelope differs from the spec (posthog-api.md 7, 11); the items do not."""
    listed = api.p + "/session_recordings/"
    body = api.get(listed).json()
    assert problems("GET", listed, 200, body) == []
    one = listed + f"{body['results'][0]['id']}/"
    assert problems("GET", one, 200, api.get(one).json()) == []


def test_write_responses_validate(api: Client) -> None:
    writes = [
        ("/feature_flags/", {"key": "schema-check"}),
        ("/cohorts/", {"name": "c", "is_static": True}),
        ("/dashboards/", {"name": "d"}),
        ("/annotations/", {"content": "n"}),
        (
            "/endpoints/",
            {"name": "schema_check", "query": {"kind": "HogQLQuery", "query": "select 1"}},
        ),
    ]
    for tail, body in writes:
        response = api.post(api.p + tail, json=body)
        assert response.status_code == 201, response.text
        assert problems("POST", api.p + tail, 201, response.json()) == []


def test_the_checker_can_fail(api: Client) -> None:
    path = api.p + "/feature_flags/301/"
    flag = api.get(path).json()
    del flag["key"]
    assert problems("GET", path, 200, flag)
    cohort_path = api.p + "/cohorts/201/"
    cohort = {**api.get(cohort_path).json(), "count": "many"}
    assert problems("GET", cohort_path, 200, cohort)
