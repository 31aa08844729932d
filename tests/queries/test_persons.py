"""Persons through a mocked PostHog: lookups by id, UUID or distinct id, and property writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from responses import matchers

from reconciler.client import PostHogClient
from reconciler.errors import ConfigError, NotFoundError
from reconciler.queries.persons import (
    delete_property,
    get_person,
    iter_persons,
    property_filters,
    set_property,
)
from tests.queries.conftest import BASE

PERSONS = f"{BASE}/persons/"
UUID = "0190f1a0-1111-7000-8000-0000000000aa"
NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}


def person(**extra: Any) -> dict[str, Any]:
    return {
        "id": 17,
        "uuid": UUID,
        "name": "ada@example.com",
        "distinct_ids": ["user_17", "anon-1", "anon-2", "anon-3"],
        "properties": {"email": "ada@example.com", "plan": "pro"},
        "created_at": "2024-01-01T00:00:00Z",
        **extra,
    }


def persons_page(*people: dict[str, Any]) -> dict[str, Any]:
    return {"results": list(people), "next": None, "previous": None}


@pytest.mark.parametrize("ref", ["17", UUID])
def test_get_by_id_or_uuid(api: responses.RequestsMock, client: PostHogClient, ref: str) -> None:
    api.get(f"{PERSONS}{ref}/", json=person())
    found = get_person(client, ref)
    assert (found.id, found.uuid, found.email) == (17, UUID, "ada@example.com")
    assert found.distinct_ids_text == "user_17, anon-1, anon-2 (+1)"


def test_get_by_distinct_id(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(
        PERSONS,
        json=persons_page(person()),
        match=[matchers.query_param_matcher({"distinct_id": "user_17", "limit": "1"})],
    )
    assert get_person(client, "user_17").id == 17


def test_a_number_that_is_no_id_is_tried_as_a_distinct_id(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(f"{PERSONS}424242/", status=404, json=NOT_FOUND)
    api.get(
        PERSONS,
        json=persons_page(person()),
        match=[matchers.query_param_matcher({"distinct_id": "424242", "limit": "1"})],
    )
    assert get_person(client, "424242").uuid == UUID


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("ghost", "no person with the distinct id 'ghost'"),
        ("99", "no person with the id or distinct id '99'"),
    ],
)
def test_unknown_person(
    api: responses.RequestsMock, client: PostHogClient, ref: str, message: str
) -> None:
    if ref.isdigit():
        api.get(f"{PERSONS}{ref}/", status=404, json=NOT_FOUND)
    api.get(PERSONS, json=persons_page())
    with pytest.raises(NotFoundError) as caught:
        get_person(client, ref)
    assert caught.value.message == message


def test_unknown_uuid_is_not_tried_as_a_distinct_id(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(f"{PERSONS}{UUID}/", status=404, json=NOT_FOUND)
    with pytest.raises(NotFoundError, match=f"no person with the UUID {UUID}"):
        get_person(client, UUID)


def test_list_sends_properties_as_a_json_list_of_exact_filters(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    expected = property_filters({"plan": "pro", "country": "DE"})
    assert json.loads(expected) == [
        {"key": "plan", "value": "pro", "operator": "exact", "type": "person"},
        {"key": "country", "value": "DE", "operator": "exact", "type": "person"},
    ]
    api.get(
        PERSONS,
        json=persons_page(person()),
        match=[
            matchers.query_param_matcher({"search": "ada", "properties": expected, "limit": "11"})
        ],
    )
    assert [
        p.id
        for p in iter_persons(
            client, search="ada", properties={"plan": "pro", "country": "DE"}, limit=10
        )
    ] == [17]


def test_set_property_posts_update_property_on_the_uuid(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(PERSONS, json=persons_page(person()))
    api.post(
        f"{PERSONS}{UUID}/update_property/",
        status=202,
        body="",
        match=[matchers.json_params_matcher({"key": "seats", "value": 12})],
    )
    write = set_property(client, "user_17", "seats", 12)
    assert write.to_dict() == {
        "person_id": 17,
        "person_uuid": UUID,
        "key": "seats",
        "value": 12,
        "action": "set",
        "applied": "asynchronously",
    }


def test_set_property_refuses_null_before_sending(client: PostHogClient) -> None:
    with pytest.raises(ConfigError, match="cannot set a property to null") as caught:
        set_property(client, "user_17", "plan", None)
    assert "delete-property user_17 plan" in (caught.value.hint or "")


def test_delete_property_posts_an_unset(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(f"{PERSONS}17/", json=person())
    api.post(
        f"{PERSONS}{UUID}/delete_property/",
        status=201,
        json={"success": True},
        match=[matchers.json_params_matcher({"$unset": "plan"})],
    )
    assert delete_property(client, "17", "plan").deleted


def test_a_write_without_the_scope_names_it(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    from reconciler.errors import PermissionDeniedError

    api.get(f"{PERSONS}17/", json=person())
    api.post(
        f"{PERSONS}{UUID}/update_property/",
        status=403,
        json={
            "type": "authentication_error",
            "code": "permission_denied",
            "detail": "API key missing required scope 'person:write'",
            "attr": None,
        },
    )
    with pytest.raises(PermissionDeniedError, match="lacks the scope 'person:write'"):
        set_property(client, "17", "plan", "pro")
