"""What every request looks like on the wire, and what comes back to the caller."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from reconciler import __version__
from reconciler.client import PostHogClient
from reconciler.errors import ApiError, ConfigError
from reconciler.settings import Settings

from .conftest import CANARY, HOST, FakeClock, make_client

FLAGS = f"{HOST}/api/projects/1/feature_flags/"


def test_headers_carry_bearer_key_user_agent_and_json(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    call = api.post(
        FLAGS,
        json={"id": 7},
        status=201,
        match=[
            matchers.header_matcher(
                {
                    "Authorization": f"Bearer {CANARY}",
                    "User-Agent": f"phsync/{__version__}",
                    "Accept": "application/json",
                    "Content-Type": "application/json",
                }
            ),
            matchers.json_params_matcher({"key": "beta"}),
        ],
    )
    assert client.post("/api/projects/1/feature_flags/", {"key": "beta"}) == {"id": 7}
    assert call.call_count == 1


def test_timeout_comes_from_settings(client: PostHogClient, api: responses.RequestsMock) -> None:
    api.get(FLAGS, json={}, match=[matchers.request_kwargs_matcher({"timeout": 7.0})])
    client.get("/api/projects/1/feature_flags/")


def test_query_parameters_are_sent(client: PostHogClient, api: responses.RequestsMock) -> None:
    api.get(FLAGS, json=[], match=[matchers.query_param_matcher({"search": "a b", "limit": "5"})])
    assert client.get("api/projects/1/feature_flags/", params={"search": "a b", "limit": 5}) == []


@pytest.mark.parametrize("status", [202, 204])
def test_empty_body_is_none(
    client: PostHogClient, api: responses.RequestsMock, status: int
) -> None:
    api.patch(f"{HOST}/api/projects/1/persons/5/", body="", status=status)
    assert client.patch("/api/projects/1/persons/5/", {"properties": {"a": 1}}) is None


def test_delete_returns_none_on_204(client: PostHogClient, api: responses.RequestsMock) -> None:
    api.delete(f"{HOST}/api/projects/1/endpoints/x/", status=204)
    assert client.delete("/api/projects/1/endpoints/x/") is None


def test_redirects_are_not_followed(client: PostHogClient, api: responses.RequestsMock) -> None:
    api.get(FLAGS, status=301, headers={"Location": "https://eu.posthog.com/api/x/"})
    with pytest.raises(ApiError) as caught:
        client.get("/api/projects/1/feature_flags/")
    assert "redirected" in str(caught.value)
    assert "--host https://eu.posthog.com" in str(caught.value)
    assert len(api.calls) == 1


def test_a_web_page_instead_of_json_says_so(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.get(FLAGS, body="<html><body>Welcome</body></html>", content_type="text/html")
    with pytest.raises(ApiError, match="with a web page, not PostHog's API"):
        client.get("/api/projects/1/feature_flags/")


def test_absolute_url_on_the_configured_origin_is_used(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.get(FLAGS, json={"ok": True})
    assert client.get(FLAGS) == {"ok": True}


def test_absolute_url_on_another_host_is_refused_before_sending(client: PostHogClient) -> None:
    with responses.RequestsMock() as mock, pytest.raises(ConfigError, match="evil.example"):
        client.get("https://evil.example/api/projects/1/feature_flags/")
    assert len(mock.calls) == 0


def test_client_without_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no PostHog personal API key"):
        PostHogClient(Settings(host=HOST))


def test_repr_names_host_and_project_only(fake: FakeClock) -> None:
    client = make_client(fake)
    text = repr(client)
    assert text == "PostHogClient(host='https://us.posthog.com', project='1')"
    assert CANARY not in text
    assert CANARY not in repr(client.__dict__)


def test_project_path(client: PostHogClient) -> None:
    assert client.project_path("feature_flags/") == "/api/projects/1/feature_flags/"
    assert client.project_path("/cohorts/3/") == "/api/projects/1/cohorts/3/"


def test_query_values_are_encoded_as_posthog_reads_them(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.get(
        HOST + "/api/projects/1/session_recordings/",
        json={"results": [], "has_next": False},
        match=[
            matchers.query_param_matcher(
                {
                    "distinct_ids": '["a","b"]',
                    "properties": '[{"key":"plan","value":"pro"}]',
                    "filter_test_accounts": "true",
                    "limit": "500",
                }
            )
        ],
    )
    params = {
        "distinct_ids": ["a", "b"],
        "properties": [{"key": "plan", "value": "pro"}],
        "filter_test_accounts": True,
        "person_uuid": None,
    }
    assert list(client.paginate("/api/projects/1/session_recordings/", params)) == []
