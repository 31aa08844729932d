"""Pagination envelopes and absolute next/previous URLs, per endpoint (posthog-api.md 1.5)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from emulator.conftest import Client

LIMIT_OFFSET = [
    "/feature_flags/",
    "/cohorts/",
    "/dashboards/",
    "/annotations/",
    "/endpoints/",
    "/endpoints/weekly_signups/versions/",
]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("tail", [*LIMIT_OFFSET, "@projects"])
def test_limit_offset_envelope_and_links(api: Client, tail: str) -> None:
    path = "/api/projects/" if tail == "@projects" else api.p + tail
    first = api.get(path + "?limit=1&search_unused=keep").json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert len(first["results"]) == min(1, first["count"])
    if first["count"] < 2:
        assert first["next"] is None
        return
    assert first["previous"] is None
    assert first["next"].startswith(api.emu.url + path)
    assert query(first["next"]) == {"limit": ["1"], "offset": ["1"], "search_unused": ["keep"]}
    second = api.get(first["next"].replace(api.emu.url, "")).json()
    assert second["results"] != first["results"]
    assert query(second["previous"]) == {"limit": ["1"], "search_unused": ["keep"]}
    last = api.get(path + f"?limit=1&offset={first['count'] - 1}").json()
    assert last["next"] is None


def test_invalid_limit_falls_back_to_the_default(api: Client) -> None:
    for bad in ("0", "-3", "abc"):
        page = api.get(api.p + f"/persons/?limit={bad}").json()
        assert len(page["results"]) == 42  # default 100 covers the whole demo project


def test_activity_log_is_page_numbered(api: Client) -> None:
    for index in range(12):
        api.patch(api.p + "/feature_flags/301/", json={"name": f"n{index}"})
    first = api.get(api.p + "/feature_flags/301/activity/").json()
    assert set(first) == {"results", "next", "previous", "total_count"}
    assert first["total_count"] == 12 and len(first["results"]) == 10
    assert query(first["next"]) == {"limit": ["10"], "page": ["2"]}
    second = api.get(first["next"].replace(api.emu.url, "")).json()
    assert len(second["results"]) == 2 and second["next"] is None
    assert query(second["previous"]) == {"limit": ["10"], "page": ["1"]}


def test_next_urls_use_the_request_host(api: Client) -> None:
    page = api.get(api.p + "/feature_flags/?limit=1", headers={"Host": "posthog.example:8443"})
    assert page.json()["next"].startswith("http://posthog.example:8443/api/projects/")
