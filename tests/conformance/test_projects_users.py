"""Projects and the current user, as phsync reads them to resolve `@current` and check access."""

from __future__ import annotations

import pytest

from conformance.harness import BAD_KEY, Api, Case, World, params, run

CASES = [
    Case("projects_list", 200, "GET", "/api/projects/"),
    Case("projects_retrieve", 200, "GET", "/api/projects/{pid}/"),
    Case("projects_retrieve", 200, "GET", "/api/projects/@current/", variant="current"),
    Case("projects_retrieve", 404, "GET", "/api/projects/987654321/", variant="unknown"),
    Case("organizations_projects_list", 200, "GET", "/api/organizations/{org}/projects/"),
    Case(
        "organizations_projects_list",
        200,
        "GET",
        "/api/organizations/@current/projects/?limit=1",
        variant="current-paged",
    ),
    Case("organizations_projects_retrieve", 200, "GET", "/api/organizations/{org}/projects/{pid}/"),
    Case("users_retrieve", 200, "GET", "/api/users/@me/"),
    Case("users_retrieve", 401, "GET", "/api/users/@me/", key=BAD_KEY, variant="bad-key"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_projects_and_users(api: Api, world: World, case: Case) -> None:
    run(api, world, case)
