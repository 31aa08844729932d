"""Session recordings (posthog-api.md section 7)."""

from __future__ import annotations

import json

from emulator.conftest import Client, envelope


def test_list_envelope_and_default_window(api: Client) -> None:
    page = api.get(api.p + "/session_recordings/").json()
    assert set(page) == {"results", "has_next", "version"}
    assert page["version"] == 4 and page["has_next"] is False
    assert len(page["results"]) == 16  # the 10-day-old recording is outside -3d
    starts = [r["start_time"] for r in page["results"]]
    assert starts == sorted(starts, reverse=True)
    first = page["results"][0]
    assert first["person"]["distinct_ids"] and first["recording_duration"] > 0
    wide = api.get(api.p + "/session_recordings/?date_from=-30d").json()
    assert len(wide["results"]) == 17


def test_limit_offset_and_has_next(api: Client) -> None:
    first = api.get(api.p + "/session_recordings/?limit=10").json()
    assert len(first["results"]) == 10 and first["has_next"] is True
    rest = api.get(api.p + "/session_recordings/?limit=10&offset=10").json()
    assert len(rest["results"]) == 6 and rest["has_next"] is False


def test_filter_by_person_and_distinct_ids(api: Client) -> None:
    person = api.get(api.p + "/persons/1001/").json()
    mine = api.get(api.p + f"/session_recordings/?person_uuid={person['uuid']}").json()
    assert mine["results"] and all(r["person"]["id"] == 1001 for r in mine["results"])
    ids = json.dumps(["user_1001"])
    by_ids = api.get(api.p + f"/session_recordings/?distinct_ids={ids}").json()
    assert [r["id"] for r in by_ids["results"]] == [r["id"] for r in mine["results"]]


def test_get_one_and_not_found(api: Client) -> None:
    first = api.get(api.p + "/session_recordings/?limit=1").json()["results"][0]
    assert api.get(api.p + f"/session_recordings/{first['id']}/").json() == first
    missing = api.get(api.p + "/session_recordings/nope/")
    assert missing.status_code == 404
    assert missing.json() == envelope("invalid_request", "not_found", "Recording not found")


def test_environments_root(api: Client) -> None:
    page = api.get(f"/api/environments/{api.pid}/session_recordings/?limit=2").json()
    assert len(page["results"]) == 2
