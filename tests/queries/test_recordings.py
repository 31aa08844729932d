"""Recordings through a mocked PostHog: person filter, since, has_next paging, playback URL."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from reconciler.client import PostHogClient
from reconciler.errors import NotFoundError
from reconciler.queries.common import take
from reconciler.queries.recordings import get_recording, iter_recordings, playback_url
from tests.queries.conftest import BASE, HOST

RECORDINGS = f"{BASE}/session_recordings/"
UUID = "0190f1a0-1111-7000-8000-0000000000aa"


def recording(session_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": session_id,
        "distinct_id": "user_17",
        "recording_duration": 192,
        "start_time": "2024-05-01T10:00:00Z",
        "person": {
            "id": 17,
            "uuid": UUID,
            "name": "ada@example.com",
            "distinct_ids": ["user_17"],
            "properties": {},
        },
        **extra,
    }


def test_person_becomes_a_person_uuid_filter(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(
        f"{BASE}/persons/",
        json={"results": [{"id": 17, "uuid": UUID, "distinct_ids": ["user_17"]}], "next": None},
        match=[matchers.query_param_matcher({"distinct_id": "user_17", "limit": "1"})],
    )
    api.get(
        RECORDINGS,
        json={"results": [recording("s1")], "has_next": False, "version": 4},
        match=[
            matchers.query_param_matcher(
                {"person_uuid": UUID, "date_from": "2024-04-01T00:00:00Z", "limit": "51"}
            )
        ],
    )
    rows = list(iter_recordings(client, person="user_17", since="2024-04-01T00:00:00Z", limit=50))
    assert [(r.id, r.person, r.duration) for r in rows] == [("s1", "ada@example.com", 192.0)]
    assert rows[0].url == f"{HOST}/project/1/replay/s1"


def test_has_next_pages_advance_the_offset(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(
        RECORDINGS,
        json={"results": [recording("s1"), recording("s2")], "has_next": True},
        match=[matchers.query_param_matcher({"date_from": "-30d", "limit": "500"})],
    )
    api.get(
        RECORDINGS,
        json={"results": [recording("s3")], "has_next": False},
        match=[matchers.query_param_matcher({"date_from": "-30d", "limit": "500", "offset": "2"})],
    )
    assert [r.id for r in iter_recordings(client)] == ["s1", "s2", "s3"]


def test_limit_reads_one_page(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(RECORDINGS, json={"results": [recording("s1"), recording("s2")], "has_next": True})
    taken = take(iter_recordings(client, limit=1), 1)
    assert ([r.id for r in taken.items], taken.more) == (["s1"], True)


def test_get_shows_the_playback_url(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(f"{RECORDINGS}s1/", json=recording("s1", person=None, end_time="2024-05-01T10:03:12Z"))
    found = get_recording(client, "s1")
    assert (found.person, found.end_time) == ("user_17", "2024-05-01T10:03:12Z")
    assert found.url == "https://us.posthog.com/project/1/replay/s1"


def test_unknown_recording(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(
        f"{RECORDINGS}nope/",
        status=404,
        json={
            "type": "invalid_request",
            "code": "not_found",
            "detail": "Recording not found",
            "attr": None,
        },
    )
    with pytest.raises(NotFoundError, match="no session recording with the id 'nope'"):
        get_recording(client, "nope")


def test_playback_url() -> None:
    assert (
        playback_url("https://eu.posthog.com/", 7, "abc")
        == "https://eu.posthog.com/project/7/replay/abc"
    )
