"""Cohorts: validation, calculation, soft delete, members (posthog-api.md section 3)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from emulator.conftest import Client, MakeEmulator, envelope


def person_filter(key: str, value: Any, operator: str = "exact") -> dict[str, Any]:
    return {
        "properties": {
            "type": "OR",
            "values": [
                {
                    "type": "AND",
                    "values": [
                        {"key": key, "type": "person", "operator": operator, "value": value}
                    ],
                }
            ],
        }
    }


def cohort_filter(cohort_id: int) -> dict[str, Any]:
    return {
        "properties": {
            "type": "AND",
            "values": [{"key": "id", "type": "cohort", "value": cohort_id}],
        }
    }


def wait_calculated(api: Client, cohort_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        body = api.get(api.p + f"/cohorts/{cohort_id}/").json()
        if not body["is_calculating"]:
            return dict(body)
        time.sleep(0.05)
    raise AssertionError("cohort never finished calculating")


def test_dynamic_cohort_calculates_asynchronously(api: Client) -> None:
    created = api.post(
        api.p + "/cohorts/", json={"name": "Pro users", "filters": person_filter("plan", "pro")}
    ).json()
    assert created["is_calculating"] is True and created["count"] is None
    done = wait_calculated(api, created["id"])
    assert done["count"] == 10
    assert done["last_calculation"] is not None


def test_static_cohort_from_person_uuids(api: Client) -> None:
    people = api.get(api.p + "/persons/?limit=3").json()["results"]
    created = api.post(
        api.p + "/cohorts/",
        json={
            "name": "Picked",
            "is_static": True,
            "_create_static_person_ids": [p["uuid"] for p in people],
        },
    ).json()
    assert created["is_static"] is True and created["count"] == 3
    members = api.get(api.p + f"/cohorts/{created['id']}/persons/").json()
    assert sorted(m["uuid"] for m in members["results"]) == sorted(p["uuid"] for p in people)


@pytest.mark.parametrize(
    ("filters", "attr", "detail"),
    [
        (
            {"type": "AND"},
            "filters__detail",
            "Must contain a 'properties' key with type and values",
        ),
        (
            {"properties": {"type": "AND", "values": [{"key": "plan", "type": "person"}]}},
            "filters",
            "Missing required keys for person filter: value, operator",
        ),
    ],
    ids=["no-properties", "person-missing-keys"],
)
def test_filter_structure_errors(api: Client, filters: Any, attr: str, detail: str) -> None:
    response = api.post(api.p + "/cohorts/", json={"name": "bad", "filters": filters})
    assert response.status_code == 400
    assert response.json() == envelope("validation_error", "invalid_input", detail, attr)


def test_nested_cohort_must_exist_and_loops_are_refused(api: Client) -> None:
    missing = api.post(api.p + "/cohorts/", json={"name": "n", "filters": cohort_filter(9999)})
    assert missing.json() == envelope(
        "validation_error", "invalid_input", "Invalid Cohort ID in filter"
    )
    a = api.post(api.p + "/cohorts/", json={"name": "a", "filters": person_filter("plan", "x")})
    b = api.post(api.p + "/cohorts/", json={"name": "b", "filters": cohort_filter(a.json()["id"])})
    loop = api.patch(
        api.p + f"/cohorts/{a.json()['id']}/", json={"filters": cohort_filter(b.json()["id"])}
    )
    assert loop.status_code == 400
    assert loop.json()["detail"] == "Cohorts cannot reference other cohorts in a loop."


def test_soft_delete_keeps_detail_and_hides_from_list(api: Client) -> None:
    cohort = api.post(api.p + "/cohorts/", json={"name": "gone", "is_static": True}).json()
    url = api.p + f"/cohorts/{cohort['id']}/"
    assert api.delete(url).status_code == 405 and api.delete(url).content == b""
    assert api.patch(url, json={"deleted": True}).status_code == 200
    assert api.get(url).json()["deleted"] is True
    names = [c["name"] for c in api.get(api.p + "/cohorts/").json()["results"]]
    assert "gone" not in names
    assert api.patch(url, json={"deleted": False}).json()["deleted"] is False


def test_cohort_used_by_an_active_flag_cannot_be_deleted(api: Client) -> None:
    response = api.patch(api.p + "/cohorts/202/", json={"deleted": True})
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "This cohort is used in 1 active feature flag(s): Reports v2 for beta testers. "
        "Please remove the cohort from these feature flags before deleting it."
    )
    # legacy-paying-banner targets cohort 201 but is inactive, so 201 can go.
    assert api.patch(api.p + "/cohorts/201/", json={"deleted": True}).status_code == 200


def test_cohort_used_by_flag_cannot_gain_behavioral_filters(api: Client) -> None:
    behavioral = {
        "properties": {
            "type": "AND",
            "values": [
                {
                    "key": "$pageview",
                    "type": "behavioral",
                    "value": "performed_event",
                    "event_type": "events",
                    "time_value": 30,
                    "time_interval": "day",
                }
            ],
        }
    }
    response = api.patch(api.p + "/cohorts/202/", json={"is_static": False, "filters": behavioral})
    assert response.json()["code"] == "behavioral_cohort_found"


def test_members_need_cohort_and_person_read(make_emulator: MakeEmulator) -> None:
    client = Client(
        make_emulator(api_keys={"phx_c": ["cohort:read"], "phx_cp": ["cohort:read", "person:read"]})
    )
    refused = client.get(client.p + "/cohorts/201/persons/", key="phx_c")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "API key missing required scope 'person:read'"
    assert client.get(client.p + "/cohorts/201/persons/", key="phx_cp").status_code == 200


def test_members_pagination_has_next_when_page_is_full(api: Client) -> None:
    page = api.get(api.p + "/cohorts/201/persons/?limit=5").json()
    assert set(page) == {"results", "next", "previous"}
    assert len(page["results"]) == 5
    assert "offset=5" in page["next"] and page["previous"] is None
    member = page["results"][0]
    assert member["type"] == "person" and member["id"] == member["uuid"]


def test_list_filters(api: Client) -> None:
    def names(query: str) -> list[str]:
        return [c["name"] for c in api.get(api.p + "/cohorts/" + query).json()["results"]]

    assert names("?type=static") == ["Legacy beta testers (static)"]
    assert "Legacy checkout visitors" not in names("?hide_behavioral_cohorts=true")
    assert names("?search=EUROPE") == ["Legacy enterprise in Europe"]
