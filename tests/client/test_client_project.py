"""The configured project, given as an id, @current or a UUID, becomes a numeric id."""

from __future__ import annotations

import pytest
import responses

from reconciler.errors import ConfigError, NotFoundError, PermissionDeniedError

from .conftest import HOST, FakeClock, make_client

UUID = "0189f0a3-7e2c-7b4c-9d7e-1234567890ab"
FORBIDDEN_USER = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "API key missing required scope 'user:read'",
    "attr": None,
}


def test_numeric_id_needs_no_request(fake: FakeClock) -> None:
    client = make_client(fake, project=" 42 ")
    with responses.RequestsMock() as mock:
        assert client.resolve_project() == 42
        assert client.project_path("cohorts/") == "/api/projects/42/cohorts/"
    assert len(mock.calls) == 0


def test_current_resolves_through_users_me_once(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = make_client(fake, project="@current")
    me = api.get(
        f"{HOST}/api/users/@me/",
        json={"email": "a@b.c", "team": {"id": 7, "project_id": 5, "name": "Prod"}},
    )
    assert client.resolve_project() == 5
    assert client.project_path("feature_flags/") == "/api/projects/5/feature_flags/"
    assert me.call_count == 1


def test_current_uses_team_id_when_there_is_no_project_id(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = make_client(fake, project="@current")
    api.get(f"{HOST}/api/users/@me/", json={"team": {"id": 7}})
    assert client.resolve_project() == 7


def test_current_falls_back_to_projects_current_without_user_scope(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = make_client(fake, project="@current")
    api.get(f"{HOST}/api/users/@me/", status=403, json=FORBIDDEN_USER)
    api.get(f"{HOST}/api/projects/@current/", json={"id": 9, "name": "Prod"})
    assert client.resolve_project() == 9


def test_current_without_either_scope_says_which_to_add(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = make_client(fake, project="@current")
    api.get(f"{HOST}/api/users/@me/", status=403, json=FORBIDDEN_USER)
    api.get(
        f"{HOST}/api/projects/@current/",
        status=403,
        json={**FORBIDDEN_USER, "detail": "API key missing required scope 'project:read'"},
    )
    with pytest.raises(PermissionDeniedError) as caught:
        client.resolve_project()
    assert "'user:read'" in str(caught.value)
    assert "--project ID" in str(caught.value)


def test_current_when_the_user_has_no_project(fake: FakeClock, api: responses.RequestsMock) -> None:
    client = make_client(fake, project="@current")
    api.get(f"{HOST}/api/users/@me/", json={"team": None})
    with pytest.raises(ConfigError, match="no current project"):
        client.resolve_project()


def test_uuid_resolves_through_the_projects_list(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = make_client(fake, project=UUID.upper())
    api.get(
        f"{HOST}/api/projects/",
        json={
            "count": 2,
            "next": None,
            "results": [
                {"id": 3, "uuid": "0189f0a3-0000-7b4c-9d7e-1234567890ab", "name": "Other"},
                {"id": 8, "uuid": UUID, "name": "Prod"},
            ],
        },
    )
    assert client.resolve_project() == 8


def test_unknown_uuid_is_not_found_naming_project_and_host(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = make_client(fake, project=UUID)
    api.get(f"{HOST}/api/projects/", json={"count": 0, "next": None, "results": []})
    with pytest.raises(NotFoundError) as caught:
        client.resolve_project()
    text = str(caught.value)
    assert f"project {UUID} not found on {HOST} (wrong id or wrong instance?)" in text
    assert "--host https://eu.posthog.com" in text


def test_unknown_numeric_project_is_reported_when_used(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = make_client(fake, project="999")
    api.get(
        f"{HOST}/api/projects/999/feature_flags/",
        status=404,
        json={"type": "invalid_request", "code": "not_found", "detail": "Project not found."},
    )
    with pytest.raises(NotFoundError, match=f"project 999 not found on {HOST}"):
        client.get(client.project_path("feature_flags/"))


NAMED = {
    "count": 4,
    "next": None,
    "results": [
        {"id": 3, "uuid": UUID, "name": "Production"},
        {"id": 4, "name": "Staging"},
        {"id": 5, "name": "Twin"},
        {"id": 6, "name": "Twin"},
    ],
}


@pytest.mark.parametrize(("ref", "expected"), [("Production", 3), ("staging", 4)])
def test_a_project_by_its_name(
    fake: FakeClock, api: responses.RequestsMock, ref: str, expected: int
) -> None:
    api.get(f"{HOST}/api/projects/", json=NAMED)
    assert make_client(fake, project=ref).resolve_project() == expected


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("Prodution", "no project the key can see is named 'Prodution'; did you mean 'Production'?"),
        ("12a", "no project the key can see is named '12a'\\n"),
        ("Twin", "2 projects are named 'Twin' \\(ids 5, 6\\)"),
    ],
)
def test_a_name_that_is_not_one_project_is_refused(
    fake: FakeClock, api: responses.RequestsMock, ref: str, message: str
) -> None:
    api.get(f"{HOST}/api/projects/", json=NAMED)
    with pytest.raises(ConfigError, match=message):
        make_client(fake, project=ref).resolve_project()
