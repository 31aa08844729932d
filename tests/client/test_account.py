"""whoami and the projects list/get, from mocked PostHog answers."""

from __future__ import annotations

import responses

from reconciler.client.account import Identity, ProjectRow, get_project, list_projects, whoami

from .conftest import HOST, FakeClock, make_client

ORG = "0189aaaa-0000-7000-8000-000000000001"
ME = {
    "email": "ann@example.com",
    "first_name": "Ann",
    "last_name": "Lee",
    "team": {"id": 7, "project_id": 7, "uuid": "u-7", "name": "Prod", "organization": ORG},
    "organization": {"id": ORG, "name": "Acme"},
    "organizations": [{"id": ORG, "name": "Acme"}, {"id": "other", "name": "Side"}],
}
DENIED = {"type": "authentication_error", "detail": "API key missing required scope 'user:read'"}


def test_whoami_at_current_needs_one_request(fake: FakeClock, api: responses.RequestsMock) -> None:
    client = make_client(fake, project="@current")
    api.get(f"{HOST}/api/users/@me/", json=ME)
    assert whoami(client) == Identity(
        host=HOST,
        email="ann@example.com",
        name="Ann Lee",
        project_id=7,
        project_name="Prod",
        project_uuid="u-7",
        organization_id=ORG,
        organization_name="Acme",
    )
    assert len(api.calls) == 1


def test_whoami_with_a_configured_project_reads_it(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = make_client(fake, project="9")
    api.get(f"{HOST}/api/users/@me/", json={**ME, "first_name": "", "last_name": ""})
    api.get(
        f"{HOST}/api/projects/9/",
        json={"id": 9, "uuid": "u-9", "name": "Side project", "organization": "other"},
    )
    identity = whoami(client)
    assert (identity.project_id, identity.project_name, identity.organization_name) == (
        9,
        "Side project",
        "Side",
    )
    assert identity.name is None


def test_list_projects_sorted_with_organization_names(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = make_client(fake)
    api.get(
        f"{HOST}/api/projects/",
        json={
            "count": 2,
            "next": None,
            "results": [
                {"id": 9, "uuid": "u-9", "name": "B", "organization": "other"},
                {"id": 7, "uuid": "u-7", "name": "A", "organization": ORG},
            ],
        },
    )
    api.get(f"{HOST}/api/users/@me/", json=ME)
    assert list_projects(client) == [
        ProjectRow(7, "u-7", "A", ORG, "Acme"),
        ProjectRow(9, "u-9", "B", "other", "Side"),
    ]


def test_list_projects_without_user_scope_shows_organization_ids(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = make_client(fake)
    api.get(
        f"{HOST}/api/projects/",
        json={"count": 1, "next": None, "results": [{"id": 7, "organization": ORG}]},
    )
    api.get(f"{HOST}/api/users/@me/", status=403, json=DENIED)
    assert list_projects(client) == [ProjectRow(7, None, None, ORG, None)]


def test_get_project_masks_secret_tokens(fake: FakeClock, api: responses.RequestsMock) -> None:
    client = make_client(fake)
    api.get(
        f"{HOST}/api/projects/3/",
        json={
            "id": 3,
            "api_token": "phc_public",
            "secret_api_token": "phs_secret",
            "secret_api_token_backup": None,
        },
    )
    assert get_project(client, "3") == {
        "id": 3,
        "api_token": "phc_public",
        "secret_api_token": "***",
        "secret_api_token_backup": None,
    }
