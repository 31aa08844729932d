"""Cohorts: dynamic and static, read, patch, soft delete, forbidden DELETE, members, activity."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.harness import (
    Api,
    Case,
    World,
    cohort_body,
    params,
    run,
    static_cohort_body,
    unique,
)

C = "/api/projects/{pid}/cohorts"


def mixed_cohort_body(world: World) -> dict[str, Any]:
    """Person, cohort and behavioral conditions in nested groups."""
    return {
        "name": unique("Conformance behavioral cohort"),
        "filters": {
            "properties": {
                "type": "AND",
                "values": [
                    {
                        "type": "OR",
                        "values": [
                            {"type": "cohort", "key": "id", "value": world["cohort"]},
                            {"type": "person", "key": "plan", "operator": "is_set"},
                        ],
                    },
                    {
                        "type": "behavioral",
                        "key": "$pageview",
                        "value": "performed_event",
                        "event_type": "events",
                        "time_value": 30,
                        "time_interval": "day",
                        "negation": False,
                    },
                ],
            }
        },
    }


BAD_FILTERS = {"name": "bad", "filters": {"properties": {"type": "AND"}}}

CASES = [
    Case("cohorts_list", 200, "GET", C + "/"),
    Case("cohorts_list", 200, "GET", C + "/?limit=1", variant="paged"),
    Case("cohorts_create", 201, "POST", C + "/", body=cohort_body, variant="dynamic"),
    Case("cohorts_create", 201, "POST", C + "/", body=static_cohort_body, variant="static"),
    Case("cohorts_create", 201, "POST", C + "/", body=mixed_cohort_body, variant="behavioral"),
    Case("cohorts_create", 400, "POST", C + "/", body=BAD_FILTERS, bad_request=True),
    Case("cohorts_retrieve", 200, "GET", C + "/{cohort}/"),
    Case("cohorts_retrieve", 200, "GET", C + "/{deleted_cohort}/", variant="soft-deleted"),
    Case("cohorts_retrieve", 404, "GET", C + "/987654321/"),
    Case(
        "cohorts_partial_update",
        200,
        "PATCH",
        C + "/{new_cohort}/",
        body={"name": "Renamed cohort", "description": "changed"},
    ),
    Case(
        "cohorts_partial_update",
        200,
        "PATCH",
        C + "/{new_cohort}/",
        body={"deleted": True},
        variant="soft-delete",
    ),
    Case("cohorts_destroy", 405, "DELETE", C + "/{new_cohort}/"),
    Case("cohorts_persons_retrieve", 200, "GET", C + "/{static_cohort}/persons/"),
    Case("cohorts_persons_retrieve", 200, "GET", C + "/{cohort}/persons/", variant="dynamic"),
    Case("cohorts_activity_retrieve", 200, "GET", C + "/{cohort}/activity/"),
    Case("cohorts_all_activity_retrieve", 200, "GET", C + "/activity/"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_cohorts(api: Api, world: World, case: Case) -> None:
    run(api, world, case)
