"""Annotations through a mocked PostHog: listing filters, and create for deploy pipelines."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from reconciler.client import PostHogClient
from reconciler.errors import ConfigError
from reconciler.queries.annotations import create_annotation, iter_annotations
from tests.queries.conftest import BASE, page

ANNOTATIONS = f"{BASE}/annotations/"


def made(**extra: object) -> dict[str, object]:
    return {
        "id": 42,
        "content": "v2.3.0 deployed",
        "date_marker": "2024-05-01T10:00:00Z",
        "scope": "project",
        "creation_type": "USR",
        **extra,
    }


def test_list_passes_since_and_scope(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(
        ANNOTATIONS,
        json=page([
            made(),
            made(id=43, creation_type="GIT", content="v2.3.0 deployed\u2063"),  # phsync's
            made(id=44, creation_type="GIT"),  # a deploy bot's: GIT, but no marker
        ]),
        match=[
            matchers.query_param_matcher(
                {"date_from": "2024-04-01T00:00:00Z", "scope": "project", "limit": "1000"}
            )
        ],
    )
    rows = list(iter_annotations(client, since="2024-04-01T00:00:00Z", scope="project"))
    assert [(a.id, a.managed) for a in rows] == [(42, False), (43, True), (44, False)]
    assert {a.content for a in rows} == {"v2.3.0 deployed"}  # never the invisible marker


def test_create_is_a_user_annotation_that_phsync_never_owns(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.post(
        ANNOTATIONS,
        status=201,
        json=made(),
        match=[
            matchers.json_params_matcher(
                {
                    "content": "v2.3.0 deployed",
                    "date_marker": "2024-05-01T10:00:00Z",
                    "scope": "project",
                    "creation_type": "USR",
                }
            )
        ],
    )
    annotation = create_annotation(client, "v2.3.0 deployed", date_marker="2024-05-01T10:00:00Z")
    assert (annotation.id, annotation.managed) == (42, False)


def test_create_on_a_dashboard_by_name(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(f"{BASE}/dashboards/", json=page([{"id": 7, "name": "KPIs"}]))
    api.post(
        ANNOTATIONS,
        status=201,
        json=made(scope="dashboard", dashboard_id=7, dashboard_name="KPIs"),
        match=[
            matchers.json_params_matcher(
                {
                    "content": "x",
                    "date_marker": "2024-05-01T10:00:00Z",
                    "scope": "dashboard",
                    "creation_type": "USR",
                    "dashboard_id": 7,
                }
            )
        ],
    )
    annotation = create_annotation(
        client, "x", date_marker="2024-05-01T10:00:00Z", dashboard="KPIs"
    )
    assert (annotation.dashboard, annotation.dashboard_id) == ("KPIs", 7)


def test_create_defaults_to_now(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.post(ANNOTATIONS, status=201, json=made())
    create_annotation(client, "x")
    body = api.calls[0].request.body
    assert body is not None and b'"date_marker": "20' in body


@pytest.mark.parametrize(
    ("content", "scope", "dashboard", "message"),
    [
        ("", None, None, "needs some text"),
        ("x" * 401, None, None, "401 characters"),
        ("x", "dashboard", None, "needs its dashboard"),
        ("x", "project", "KPIs", "--dashboard goes with --scope dashboard"),
        ("x", "insight", None, "unknown annotation scope"),
    ],
)
def test_create_refuses_bad_input_before_any_request(
    client: PostHogClient, content: str, scope: str | None, dashboard: str | None, message: str
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        with pytest.raises(ConfigError, match=message):
            create_annotation(client, content, scope=scope, dashboard=dashboard)
        assert not mock.calls
