"""Annotations: PostHog's products/annotations/backend/api/test/test_annotation.py.

Pinned to the current server: annotations scoped to a dashboard or insight go with it when it
is soft-deleted, project- and organization-wide ones stay (older servers kept them all).
Where PostHog's test counts every annotation of a fresh project, these cases count the
annotations the case made (the shared emulator holds others).
"""

from __future__ import annotations

from typing import Any

import pytest
from emulator.conftest import Client

from fidelity.conftest import restates, unique

AN = "products/annotations/backend/api/test/test_annotation.py::"
MARKER = "2020-01-01T00:00:00.000000Z"


def create(api: Client, **body: Any) -> Any:
    return api.post(api.p + "/annotations/", json=body)


def made(api: Client, **body: Any) -> dict[str, Any]:
    response = create(api, **body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def listed(api: Client, query: str = "") -> list[dict[str, Any]]:
    response = api.get(api.p + f"/annotations/{query}")
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def dashboard(api: Client, name: str = "Test Dashboard") -> dict[str, Any]:
    return dict(api.post(api.p + "/dashboards/", json={"name": name}).json())


@restates(AN + "test_retrieving_annotation")
def test_retrieving(api: Client) -> None:
    content = unique("hello world!")
    made(api, content=content, scope="project")
    assert content in [a["content"] for a in listed(api, "?limit=1000")]


@restates(AN + "test_creating_annotation")
def test_creating(api: Client) -> None:
    response = create(
        api, content="Marketing campaign", scope="organization", date_marker=MARKER, team=99999
    )
    assert response.status_code == 201
    stored = api.get(api.p + f"/annotations/{response.json()['id']}/").json()
    assert stored["content"] == "Marketing campaign"
    assert stored["scope"] == "organization"
    assert stored["date_marker"].startswith("2020-01-01T00:00:00")
    assert stored["creation_type"] == "USR"


@restates(AN + "test_can_create_annotations_as_a_bot")
def test_bot_creation_type(api: Client) -> None:
    created = made(api, content="Marketing campaign", scope="organization", creation_type="GIT")
    assert api.get(api.p + f"/annotations/{created['id']}/").json()["creation_type"] == "GIT"


@restates(AN + "test_updating_annotation")
def test_updating(api: Client) -> None:
    created = made(api, content="hello world!")
    response = api.patch(
        api.p + f"/annotations/{created['id']}/",
        json={"content": "Updated text", "scope": "organization"},
    )
    assert response.status_code == 200
    stored = response.json()
    assert (stored["content"], stored["scope"], stored["date_marker"]) == (
        "Updated text",
        "organization",
        None,
    )


@restates(AN + "test_creating_annotation_emoji")
@pytest.mark.parametrize(
    ("emoji", "expected"),
    [("🚀", "🚀"), ("👨👩👦", "👨👩👦"), ("🚀" * 16, "🚀" * 16), ("", None)],
    ids=["simple_emoji", "zwj_sequence", "max_length_boundary", "blank_normalised_to_null"],
)
def test_emoji(api: Client, emoji: str, expected: str | None) -> None:
    response = create(
        api, content="Release shipped", scope="project", date_marker=MARKER, emoji=emoji
    )
    assert response.status_code == 201
    assert response.json()["emoji"] == expected
    assert api.get(api.p + f"/annotations/{response.json()['id']}/").json()["emoji"] == expected


@restates(AN + "test_creating_annotation_with_too_long_emoji_is_rejected")
def test_emoji_too_long(api: Client) -> None:
    response = create(api, content="Release shipped", scope="project", emoji="🚀" * 17)
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == ("emoji", "max_length")


@restates(AN + "test_updating_and_clearing_annotation_emoji")
def test_set_and_clear_emoji(api: Client) -> None:
    url = api.p + f"/annotations/{made(api, content='hello world!')['id']}/"
    assert api.patch(url, json={"emoji": "🎉"}).status_code == 200
    assert api.get(url).json()["emoji"] == "🎉"
    assert api.patch(url, json={"emoji": None}).status_code == 200
    assert api.get(url).json()["emoji"] is None


@restates(AN + "test_creating_annotation_defaults_hidden_in_user_interface_to_null")
def test_hidden_defaults_to_null(api: Client) -> None:
    response = create(api, content="Release shipped", scope="project", date_marker=MARKER)
    assert response.status_code == 201
    assert response.json()["hidden_in_user_interface"] is None


@restates(AN + "test_creating_and_clearing_hidden_in_user_interface")
def test_hidden_set_and_cleared(api: Client) -> None:
    response = create(api, content="Deployment", scope="project", hidden_in_user_interface=True)
    assert response.status_code == 201
    assert response.json()["hidden_in_user_interface"] is True
    cleared = api.patch(
        api.p + f"/annotations/{response.json()['id']}/", json={"hidden_in_user_interface": None}
    )
    assert cleared.status_code == 200
    assert cleared.json()["hidden_in_user_interface"] is None


@restates(AN + "test_filter_annotations_by_hidden_in_user_interface")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (None, {"hidden", "visible", "unset"}),
        ("false", {"visible", "unset"}),
        ("0", {"visible", "unset"}),
        ("banana", {"visible", "unset"}),
        ("true", {"hidden"}),
        ("1", {"hidden"}),
    ],
)
def test_filter_by_hidden(api: Client, query: str | None, expected: set[str]) -> None:
    tag = unique("hidden-filter")
    for content, hidden in (("hidden", True), ("visible", False), ("unset", None)):
        made(api, content=f"{tag} {content}", scope="project", hidden_in_user_interface=hidden)
    suffix = f"&hidden_in_user_interface={query}" if query is not None else ""
    results = listed(api, f"?search={tag}{suffix}")
    assert {a["content"].removeprefix(f"{tag} ") for a in results} == expected


@restates(AN + "test_deleting_annotation")
def test_delete_is_not_allowed(api: Client) -> None:
    created = made(api, content="stays")
    assert api.delete(api.p + f"/annotations/{created['id']}/").status_code == 405
    assert api.get(api.p + f"/annotations/{created['id']}/").status_code == 200


@restates(AN + "test_annotation_can_be_filtered_by_scope")
@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("organization", {"organization scoped"}),
        ("project", {"project scoped"}),
        ("insight", {"insight scoped"}),
        ("dashboard_item", {"insight scoped"}),
        ("dashboard", {"dashboard scoped"}),
        (None, {"organization scoped", "project scoped", "insight scoped", "dashboard scoped"}),
    ],
)
def test_filter_by_scope(api: Client, scope: str | None, expected: set[str]) -> None:
    tag = unique("scoped")
    for stored, content in (
        ("organization", "organization scoped"),
        ("project", "project scoped"),
        ("dashboard_item", "insight scoped"),
        ("dashboard", "dashboard scoped"),
    ):
        made(api, content=f"{tag} {content}", scope=stored)
    suffix = f"&scope={scope}" if scope else ""
    results = listed(api, f"?search={tag}{suffix}")
    assert {a["content"].removeprefix(f"{tag} ") for a in results} == expected


@restates(AN + "test_filter_annotations_by_date_range_and_scope")
@pytest.mark.parametrize(
    ("scope", "in_range"),
    [("project", True), ("organization", True), ("project", False), ("organization", False)],
)
def test_filter_by_date_range_and_scope(api: Client, scope: str, in_range: bool) -> None:
    tag = unique("ranged")
    marker = "2023-01-01T10:30:00Z" if in_range else "2023-01-01T09:00:00Z"
    made(api, content=f"{tag} Test annotation", scope=scope, date_marker=marker)
    results = listed(
        api,
        f"?search={tag}&scope={scope}"
        "&date_from=2023-01-01T10:00:00%2B00:00&date_to=2023-01-01T11:00:00%2B00:00",
    )
    assert len(results) == (1 if in_range else 0)
    if in_range:
        assert results[0]["scope"] == scope


@restates(AN + "test_filter_annotations_400_for_invalid_scope")
def test_invalid_scope_filter(api: Client) -> None:
    response = api.get(api.p + "/annotations/?scope=invalid_scope")
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid scope: invalid_scope"


@restates(AN + "test_create_annotations_400_for_recording_scope")
def test_recording_scope_refused(api: Client) -> None:
    response = create(api, scope="recording")
    assert response.status_code == 400
    assert response.json()["detail"] == "Recording scope is deprecated"


@restates(AN + "test_filter_annotations_400_for_invalid_date_range")
@pytest.mark.parametrize(
    ("date_from", "date_to", "message"),
    [
        ("invalid_date", "2024-01-01T11:00:00Z", "date_from must be a valid ISO 8601 date"),
        ("2024-01-01T11:00:00Z", "invalid_date", "date_to must be a valid ISO 8601 date"),
        ("2024-01-01T11:00:00Z", "2024-01-01T10:00:00Z", "date_from must be before date_to"),
    ],
)
def test_invalid_date_range(api: Client, date_from: str, date_to: str, message: str) -> None:
    response = api.get(api.p + f"/annotations/?date_from={date_from}&date_to={date_to}")
    assert response.status_code == 400
    assert response.json()["detail"] == f"Invalid date range: {message}"


@restates(AN + "test_creating_annotation_with_dashboard_from_same_team")
def test_dashboard_of_the_project(api: Client) -> None:
    board = dashboard(api)
    response = create(
        api, content="Dashboard annotation", scope="dashboard", dashboard_id=board["id"]
    )
    assert response.status_code == 201
    assert response.json()["dashboard_id"] == board["id"]
    assert response.json()["dashboard_name"] == "Test Dashboard"


@restates(AN + "test_creating_annotation_with_nonexistent_dashboard_returns_400")
def test_missing_dashboard(api: Client) -> None:
    response = create(api, content="Dashboard annotation", scope="dashboard", dashboard_id=999999)
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "Dashboard not found.",
        "attr": "dashboard_id",
    }


@restates(AN + "test_annotations_attached_to_soft_deleted_parent_are_hidden")
def test_dashboard_annotation_goes_with_its_dashboard(api: Client) -> None:
    board = dashboard(api, "My Dashboard")
    annotation = made(
        api, content="Dashboard annotation", scope="dashboard", dashboard_id=board["id"]
    )
    url = api.p + f"/annotations/{annotation['id']}/"
    board_url = api.p + f"/dashboards/{board['id']}/"
    assert annotation["id"] in {a["id"] for a in listed(api, "?limit=1000")}
    api.patch(board_url, json={"deleted": True})
    assert annotation["id"] not in {a["id"] for a in listed(api, "?limit=1000")}
    assert api.get(url).status_code == 404
    assert api.patch(url, json={"content": "edited"}).status_code == 404
    api.patch(board_url, json={"deleted": False})
    assert annotation["id"] in {a["id"] for a in listed(api, "?limit=1000")}


@restates(AN + "test_project_wide_annotations_survive_a_soft_deleted_parent")
@pytest.mark.parametrize("scope", ["project", "organization"])
def test_project_wide_annotation_survives_its_dashboard(api: Client, scope: str) -> None:
    board = dashboard(api, "My Dashboard")
    annotation = made(
        api, content="Rolled out the new checkout", scope=scope, dashboard_id=board["id"]
    )
    api.patch(api.p + f"/dashboards/{board['id']}/", json={"deleted": True})
    assert annotation["id"] in {a["id"] for a in listed(api, "?limit=1000")}
    assert api.get(api.p + f"/annotations/{annotation['id']}/").status_code == 200


@restates(AN + "test_creating_annotation_with_nonexistent_insight_returns_400")
def test_missing_insight(api: Client) -> None:
    response = create(
        api, content="Insight annotation", scope="dashboard_item", dashboard_item=999999
    )
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == (
        "dashboard_item",
        "does_not_exist",
    )
