"""Persons: PostHog's posthog/api/test/test_person.py.

Pinned to the current server: the persons list is read from ClickHouse and names each person
by UUID in ``id``; a person read alone (from Postgres) has its numeric id.
"""

from __future__ import annotations

from typing import Any

from emulator.conftest import Client

from fidelity.conftest import restates

PE = "posthog/api/test/test_person.py::"


def someone(api: Client) -> dict[str, Any]:
    return dict(api.get(api.p + "/persons/?limit=1").json()["results"][0])


@restates(PE + "test_filter_person_list")
def test_list_names_persons_by_uuid(api: Client) -> None:
    person = someone(api)
    distinct_id = person["distinct_ids"][0]
    response = api.get(api.p + f"/persons/?distinct_id={distinct_id}")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [person["uuid"]]
    assert api.get(api.p + "/persons/?distinct_id=inexistent").json()["results"] == []


@restates(PE + "test_legacy_get_person_by_id")
def test_single_read_has_the_numeric_id(api: Client) -> None:
    one = api.get(api.p + f"/persons/{someone(api)['uuid']}/").json()
    response = api.get(api.p + f"/persons/{one['id']}/")
    assert response.status_code == 200
    assert response.json()["id"] == one["id"]


@restates(PE + "test_update_multiple_person_properties_validation")
def test_patch_needs_properties(api: Client) -> None:
    response = api.patch(api.p + f"/persons/{someone(api)['uuid']}/", json={"foo": "bar"})
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "attr": "properties",
        # PostHog builds this body by hand, with code and detail swapped.
        "code": "This field is required.",
        "detail": "required",
    }


@restates(PE + "test_update_person_property_with_null_value")
def test_update_property_accepts_null(api: Client) -> None:
    response = api.post(
        api.p + f"/persons/{someone(api)['uuid']}/update_property/",
        json={"key": "foo", "value": None},
    )
    assert response.status_code == 202


@restates(PE + "test_update_person_property_by_numeric_id")
def test_update_property_by_numeric_id(api: Client) -> None:
    one = api.get(api.p + f"/persons/{someone(api)['uuid']}/").json()
    response = api.post(
        api.p + f"/persons/{one['id']}/update_property/", json={"key": "foo", "value": "bar"}
    )
    assert response.status_code == 202
