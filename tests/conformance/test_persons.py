"""Persons from the demo seed: list, read (by id and uuid), the property writes, delete."""

from __future__ import annotations

import pytest

from conformance.harness import MISSING_UUID, Api, Case, World, params, run

PE = "/api/projects/{pid}/persons"

CASES = [
    Case("persons_list", 200, "GET", PE + "/"),
    Case("persons_list", 200, "GET", PE + "/?limit=1", variant="paged"),
    Case("persons_list", 200, "GET", PE + "/?distinct_id={person_distinct_id}", variant="by-id"),
    Case("persons_list", 200, "GET", PE + "/?include_total=true", variant="total"),
    Case("persons_list", 200, "GET", PE + "/?search=example", variant="search"),
    Case(
        "persons_list",
        200,
        "GET",
        PE + '/?properties=[{{"key":"plan","value":"pro","operator":"exact","type":"person"}}]',
        variant="properties",
    ),
    Case("persons_retrieve", 200, "GET", PE + "/{person_id}/"),
    Case("persons_retrieve", 200, "GET", PE + "/{person_uuid}/", variant="by-uuid"),
    Case("persons_retrieve", 404, "GET", PE + f"/{MISSING_UUID}/"),
    Case(
        "persons_update_property_create",
        202,
        "POST",
        PE + "/{person_uuid}/update_property/",
        body={"key": "plan", "value": "enterprise"},
    ),
    Case(
        "persons_update_property_create",
        202,
        "POST",
        PE + "/{person_uuid}/update_property/",
        body={"key": "plan", "value": None},
        variant="null-value",
    ),
    Case(
        "persons_update_property_create",
        400,
        "POST",
        PE + "/{person_uuid}/update_property/",
        body={"value": "pro"},
        bad_request=True,
        variant="no-key",
    ),
    Case(
        "persons_delete_property_create",
        201,
        "POST",
        PE + "/{person_uuid}/delete_property/",
        body={"$unset": "plan"},
    ),
    Case(
        "persons_partial_update",
        202,
        "PATCH",
        PE + "/{person_uuid}/",
        body={"properties": {"conformance": True}},
    ),
    Case("persons_activity_retrieve", 200, "GET", PE + "/{person_id}/activity/"),
    Case("persons_all_activity_retrieve", 200, "GET", PE + "/activity/"),
    Case("persons_destroy", 202, "DELETE", PE + "/{victim_person}/"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_persons(api: Api, world: World, case: Case) -> None:
    run(api, world, case)
