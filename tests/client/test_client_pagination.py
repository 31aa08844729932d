"""All of PostHog's list envelopes are read to the end, lazily, and only from the configured host."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from reconciler.client import PageProgress, PostHogClient, default_page_size
from reconciler.client.pagination import NextPage, next_page, same_origin_url
from reconciler.errors import ApiError

from .conftest import HOST

FLAGS = "/api/projects/1/feature_flags/"
PERSONS = "/api/projects/1/persons/"
RECORDINGS = "/api/projects/1/session_recordings/"
ACTIVITY = "/api/projects/1/feature_flags/activity/"


def items(start: int, stop: int) -> list[dict[str, int]]:
    return [{"id": n} for n in range(start, stop)]


def test_count_next_previous_follows_next_urls(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    first = api.get(
        HOST + FLAGS,
        match=[matchers.query_param_matcher({"limit": "2"})],
        json={
            "count": 5,
            "next": f"{HOST}{FLAGS}?limit=2&offset=2",
            "previous": None,
            "results": items(0, 2),
        },
    )
    api.get(
        HOST + FLAGS,
        match=[matchers.query_param_matcher({"limit": "2", "offset": "2"})],
        json={
            "count": 5,
            "next": f"{HOST}{FLAGS}?limit=2&offset=4",
            "previous": f"{HOST}{FLAGS}?limit=2",
            "results": items(2, 4),
        },
    )
    api.get(
        HOST + FLAGS,
        match=[matchers.query_param_matcher({"limit": "2", "offset": "4"})],
        json={"count": 5, "next": None, "previous": "x", "results": items(4, 5)},
    )
    seen: list[PageProgress] = []
    got = list(client.paginate(FLAGS, page_size=2, progress=seen.append))
    assert got == items(0, 5)
    assert first.call_count == 1
    assert seen == [PageProgress(1, 2, 5), PageProgress(2, 4, 5), PageProgress(3, 5, 5)]


def test_pagination_is_lazy(client: PostHogClient, api: responses.RequestsMock) -> None:
    api.get(
        HOST + FLAGS, json={"count": 9, "next": f"{HOST}{FLAGS}?offset=2", "results": items(0, 2)}
    )
    iterator = client.paginate(FLAGS)
    assert next(iterator) == {"id": 0}
    assert len(api.calls) == 1


def test_default_page_size_is_sent_and_params_kept(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.get(
        HOST + FLAGS,
        match=[matchers.query_param_matcher({"limit": "1000", "search": "beta"})],
        json={"count": 0, "next": None, "previous": None, "results": []},
    )
    assert list(client.paginate(FLAGS, {"search": "beta"})) == []


def test_a_limit_in_params_wins(client: PostHogClient, api: responses.RequestsMock) -> None:
    api.get(
        HOST + FLAGS,
        match=[matchers.query_param_matcher({"limit": "3"})],
        json={"count": 0, "next": None, "results": []},
    )
    list(client.paginate(FLAGS, {"limit": 3}, page_size=50))


def test_persons_exactly_full_last_page_ends_on_the_empty_page(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.get(
        HOST + PERSONS,
        match=[matchers.query_param_matcher({"limit": "2"})],
        json={
            "results": items(0, 2),
            "next": f"{HOST}{PERSONS}?limit=2&offset=2",
            "previous": None,
        },
    )
    api.get(
        HOST + PERSONS,
        match=[matchers.query_param_matcher({"limit": "2", "offset": "2"})],
        json={"results": items(2, 4), "next": f"{HOST}{PERSONS}?limit=2&offset=4", "previous": "p"},
    )
    last = api.get(
        HOST + PERSONS,
        match=[matchers.query_param_matcher({"limit": "2", "offset": "4"})],
        json={"results": [], "next": None, "previous": "p"},
    )
    seen: list[PageProgress] = []
    assert list(client.paginate(PERSONS, page_size=2, progress=seen.append)) == items(0, 4)
    assert last.call_count == 1
    assert seen[-1] == PageProgress(3, 4, None)


def test_persons_empty_page_with_a_next_link_still_ends(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.get(HOST + PERSONS, json={"results": [], "next": f"{HOST}{PERSONS}?offset=100"})
    assert list(client.paginate(PERSONS)) == []


def test_recordings_has_next_pages_by_offset(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.get(
        HOST + RECORDINGS,
        match=[matchers.query_param_matcher({"limit": "3", "person_uuid": "u"})],
        json={"results": items(0, 3), "has_next": True, "version": 4},
    )
    api.get(
        HOST + RECORDINGS,
        match=[matchers.query_param_matcher({"limit": "3", "person_uuid": "u", "offset": "3"})],
        json={"results": items(3, 5), "has_next": True, "version": 4},  # a capped page
    )
    api.get(
        HOST + RECORDINGS,
        match=[matchers.query_param_matcher({"limit": "3", "person_uuid": "u", "offset": "5"})],
        json={"results": items(5, 6), "has_next": False, "version": 4},
    )
    got = list(client.paginate(RECORDINGS, {"person_uuid": "u"}, page_size=3))
    assert got == items(0, 6)


def test_activity_log_pages_by_number(client: PostHogClient, api: responses.RequestsMock) -> None:
    api.get(
        HOST + ACTIVITY,
        match=[matchers.query_param_matcher({"limit": "100"})],
        json={
            "results": items(0, 1),
            "next": f"{HOST}{ACTIVITY}?limit=100&page=2",
            "previous": None,
            "total_count": 2,
        },
    )
    api.get(
        HOST + ACTIVITY,
        match=[matchers.query_param_matcher({"limit": "100", "page": "2"})],
        json={"results": items(1, 2), "next": None, "previous": "x", "total_count": 2},
    )
    seen: list[PageProgress] = []
    assert list(client.paginate(ACTIVITY, progress=seen.append)) == items(0, 2)
    assert seen[-1] == PageProgress(2, 2, 2)


@pytest.mark.parametrize(
    "body",
    [[{"id": 1}, {"id": 2}], {"results": [{"id": 1}, {"id": 2}]}],
    ids=["list", "results-only"],
)
def test_unpaginated_lists_are_one_page(
    client: PostHogClient, api: responses.RequestsMock, body: object
) -> None:
    api.get(HOST + "/api/projects/1/endpoints/", json=body)
    assert list(client.paginate("/api/projects/1/endpoints/")) == [{"id": 1}, {"id": 2}]


def test_next_on_another_host_is_refused(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.get(
        HOST + FLAGS,
        json={
            "count": 4,
            "next": "https://collector.example/steal?offset=2",
            "results": items(0, 2),
        },
    )
    iterator = client.paginate(FLAGS)
    assert [next(iterator), next(iterator)] == items(0, 2)
    with pytest.raises(ApiError) as caught:
        next(iterator)
    assert "another host (https://collector.example)" in str(caught.value)
    assert "only to the configured host" in str(caught.value)
    assert len(api.calls) == 1


def test_next_that_downgrades_to_http_is_moved_back_to_https(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.get(
        HOST + FLAGS,
        match=[matchers.query_param_matcher({"limit": "1000"})],
        json={"count": 2, "next": f"http://us.posthog.com{FLAGS}?offset=1", "results": items(0, 1)},
    )
    api.get(
        HOST + FLAGS,
        match=[matchers.query_param_matcher({"offset": "1"})],
        json={"count": 2, "next": None, "results": items(1, 2)},
    )
    assert list(client.paginate(FLAGS)) == items(0, 2)
    assert all(call.request.url.startswith("https://") for call in api.calls)


def test_a_next_link_that_loops_is_an_error(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    loop = f"{HOST}{FLAGS}?offset=1"
    api.get(HOST + FLAGS, json={"count": 9, "next": loop, "results": items(0, 1)})
    with pytest.raises(ApiError, match="already returned"):
        list(client.paginate(FLAGS))


def test_a_body_that_is_not_a_list(client: PostHogClient, api: responses.RequestsMock) -> None:
    api.get(HOST + FLAGS, json={"detail": "odd"})
    with pytest.raises(ApiError, match="did not answer with a list"):
        list(client.paginate(FLAGS))


@pytest.mark.parametrize(
    ("path", "size"),
    [
        (FLAGS, 1000),
        ("/api/projects/1/annotations/", 1000),
        ("/api/projects/", 1000),
        (PERSONS, 500),
        ("/api/projects/1/cohorts/4/persons/", 500),
        (RECORDINGS, 500),
        (ACTIVITY, 100),
    ],
)
def test_default_page_sizes(path: str, size: int) -> None:
    assert default_page_size(path) == size


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://us.posthog.com/api/x/?offset=2", "https://us.posthog.com/api/x/?offset=2"),
        ("https://US.posthog.com:443/api/x/", "https://us.posthog.com/api/x/"),
        ("/api/x/?offset=2", "https://us.posthog.com/api/x/?offset=2"),
        ("http://us.posthog.com/api/x/", "https://us.posthog.com/api/x/"),
        ("https://eu.posthog.com/api/x/", None),
        ("https://us.posthog.com:8443/api/x/", None),
        ("http://us.posthog.com:8000/api/x/", None),
        ("https://us.posthog.com.evil.example/api/x/", None),
        ("ftp://us.posthog.com/api/x/", None),
    ],
)
def test_same_origin_url(link: str, expected: str | None) -> None:
    assert same_origin_url(link, HOST) == expected


@pytest.mark.parametrize(
    ("page", "params", "expected"),
    [
        ({"results": [1], "next": "u"}, {}, NextPage(url="u")),
        ({"results": [1], "next": None}, {}, None),
        ({"results": [], "next": "u"}, {}, None),
        (
            {"results": [1, 2], "has_next": True},
            {"limit": 2},
            NextPage(params={"limit": 2, "offset": 2}),
        ),
        ({"results": [1], "has_next": True}, {"offset": 4}, NextPage(params={"offset": 5})),
        ({"results": [1], "has_next": False}, {}, None),
        ({"results": [1]}, {}, None),
        ([1, 2], {}, None),
    ],
)
def test_next_page(page: object, params: dict[str, object], expected: NextPage | None) -> None:
    assert next_page(page, params) == expected
