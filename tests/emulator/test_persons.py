"""Persons (posthog-api.md section 6): list envelope, lookups, asynchronous writes."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from emulator.conftest import Client, envelope

SWAPPED = {"code": "This field is required.", "detail": "required", "type": "validation_error"}


def wait_for(api: Client, path: str, check: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        body = api.get(path).json()
        if check(body):
            return dict(body)
        time.sleep(0.05)
    raise AssertionError("change never became visible")


def test_list_has_no_count_and_next_when_the_page_is_full(api: Client) -> None:
    page = api.get(api.p + "/persons/?limit=10").json()
    assert set(page) == {"results", "next", "previous"}
    assert len(page["results"]) == 10
    assert "offset=10" in page["next"] and "limit=10" in page["next"]
    assert page["next"].startswith(api.emu.url)
    second = api.get(page["next"].replace(api.emu.url, "")).json()
    assert second["previous"] is not None


def test_exactly_full_last_page_still_has_next_to_an_empty_page(api: Client) -> None:
    total = len(api.get(api.p + "/persons/?limit=1000").json()["results"])
    last = api.get(api.p + f"/persons/?limit=6&offset={total - 6}").json()
    assert len(last["results"]) == 6 and last["next"] is not None
    assert api.get(last["next"].replace(api.emu.url, "")).json()["results"] == []


def test_include_total_adds_count(api: Client) -> None:
    page = api.get(api.p + "/persons/?limit=1&include_total=true").json()
    assert page["count"] == 42


def test_filters(api: Client) -> None:
    def emails(query: str) -> list[str]:
        results = api.get(api.p + "/persons/" + query).json()["results"]
        return [p["properties"].get("email") for p in results]

    assert emails("?distinct_id=user_1001") == ["ada.lovelace@acme.com"]
    assert emails("?email=ben.okafor@globex.io") == ["ben.okafor@globex.io"]
    assert emails("?search=LOVELACE") == ["ada.lovelace@acme.com"]
    props = json.dumps(
        [
            {"key": "plan", "value": "enterprise", "operator": "exact", "type": "person"},
            {"key": "country", "value": "US", "operator": "exact", "type": "person"},
        ]
    )
    assert emails("?properties=" + props) == ["felix.weber@globex.io"]
    is_set = json.dumps([{"key": "beta_tester", "operator": "is_set", "type": "person"}])
    assert len(emails("?properties=" + is_set)) == 6
    contains = json.dumps(
        [{"key": "email", "value": "@hooli", "operator": "icontains", "type": "person"}]
    )
    assert all("@hooli.com" in e for e in emails("?properties=" + contains))


def test_get_by_id_uuid_and_the_distinct_id_hint(api: Client) -> None:
    by_id = api.get(api.p + "/persons/1001/").json()
    assert api.get(api.p + f"/persons/{by_id['uuid']}/").json() == by_id
    assert by_id["name"] == "ada.lovelace@acme.com"
    hint = api.get(api.p + "/persons/user_1001/")
    assert hint.status_code == 400
    assert hint.json() == envelope(
        "validation_error",
        "invalid_input",
        "The ID provided does not look like a personID. If you are using a distinctId, "
        "please use /persons?distinct_id=user_1001 instead.",
    )
    assert api.get(api.p + "/persons/987654/").status_code == 404


def test_create_is_405_with_the_documented_body(api: Client) -> None:
    response = api.post(api.p + "/persons/", json={"properties": {}})
    assert response.status_code == 405
    body = response.json()
    assert (body["type"], body["code"], body["attr"]) == (
        "invalid_request",
        "method_not_allowed",
        None,
    )
    assert body["detail"].startswith("Creating persons via this API is not allowed.")


def test_update_property_is_202_and_eventually_consistent(api: Client) -> None:
    url = api.p + "/persons/1002/"
    response = api.post(url + "update_property/", json={"key": "plan", "value": "gold"})
    assert response.status_code == 202 and response.content == b""
    assert api.get(url).json()["properties"]["plan"] != "gold"  # not applied yet
    wait_for(api, url, lambda body: body["properties"]["plan"] == "gold")


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"key": "plan"}, "value"),
        ({"value": "x"}, "key"),
    ],
    ids=["no-value", "no-key"],
)
def test_update_property_errors_have_code_and_detail_swapped(
    api: Client, body: Any, attr: str
) -> None:
    response = api.post(api.p + "/persons/1002/update_property/", json=body)
    assert response.status_code == 400
    assert response.json() == {"attr": attr, **SWAPPED}


def test_patch_properties_merges_and_requires_properties(api: Client) -> None:
    url = api.p + "/persons/1003/"
    missing = api.patch(url, json={"name": "x"})
    assert missing.json() == {"attr": "properties", **SWAPPED}
    response = api.patch(url, json={"properties": {"team": "core"}})
    assert response.status_code == 202 and response.content == b""
    body = wait_for(api, url, lambda b: b["properties"].get("team") == "core")
    assert body["properties"]["email"] == "chloe.martin@initech.dev"


def test_delete_property_and_delete_person(api: Client) -> None:
    url = api.p + "/persons/1004/"
    response = api.post(url + "delete_property/", json={"$unset": "plan"})
    assert response.status_code == 201 and response.json() == {"success": True}
    wait_for(api, url, lambda b: "plan" not in b["properties"])
    deleted = api.delete(url)
    assert deleted.status_code == 202 and deleted.content == b""
    assert api.get(url).status_code == 404
