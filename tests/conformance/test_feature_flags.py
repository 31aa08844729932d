"""Feature flags: list, create (multivariate, payloads, cohort conditions), read, patch,
soft delete, the forbidden DELETE, activity, and the error envelopes phsync maps to errors."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.conftest import FLAGS_READ_KEY
from conformance.harness import (
    BAD_KEY,
    Api,
    Case,
    World,
    boolean_flag_body,
    flag_body,
    params,
    run,
)

F = "/api/projects/{pid}/feature_flags"


def duplicate_key(world: World) -> dict[str, Any]:
    flag = world.api.ok("GET", world.format(F + "/{flag}/"))
    return {**boolean_flag_body(world), "key": flag["key"]}


def renamed(world: World) -> dict[str, Any]:
    body = flag_body(world)
    return {"name": "Renamed by the conformance suite", "filters": body["filters"], "active": False}


def with_settings(world: World) -> dict[str, Any]:
    return {
        **boolean_flag_body(world),
        "ensure_experience_continuity": True,
        "evaluation_runtime": "server",
        "_should_create_usage_dashboard": False,
    }


def variants_not_summing_to_100(world: World) -> dict[str, Any]:
    body = flag_body(world)
    body["filters"]["multivariate"]["variants"][1]["rollout_percentage"] = 40
    return body


CASES = [
    Case("feature_flags_list", 200, "GET", F + "/?limit=1", body=None, variant="paged"),
    Case("feature_flags_list", 200, "GET", F + "/"),
    Case(
        "feature_flags_list", 200, "GET", F + "/?search=conformance&active=true", variant="search"
    ),
    Case("feature_flags_create", 201, "POST", F + "/", body=flag_body, variant="multivariate"),
    Case("feature_flags_create", 201, "POST", F + "/", body=boolean_flag_body, variant="boolean"),
    Case("feature_flags_create", 201, "POST", F + "/", body=with_settings, variant="settings"),
    Case("feature_flags_create", 400, "POST", F + "/", body={"name": "no key"}, variant="no-key"),
    Case(
        "feature_flags_create",
        400,
        "POST",
        F + "/",
        body=variants_not_summing_to_100,
        variant="variant-sum",
    ),
    Case("feature_flags_create", 400, "POST", F + "/", body=duplicate_key, variant="duplicate"),
    Case("feature_flags_create", 403, "POST", F + "/", body=flag_body, key=FLAGS_READ_KEY),
    Case("feature_flags_list", 401, "GET", F + "/", key=BAD_KEY),
    Case("feature_flags_retrieve", 200, "GET", F + "/{multi_flag}/"),
    Case("feature_flags_retrieve", 200, "GET", F + "/{flag}/", variant="cohort-condition"),
    Case("feature_flags_retrieve", 200, "GET", F + "/{deleted_flag}/", variant="soft-deleted"),
    Case("feature_flags_retrieve", 404, "GET", F + "/987654321/"),
    Case("feature_flags_partial_update", 200, "PATCH", F + "/{new_flag}/", body=renamed),
    Case(
        "feature_flags_partial_update",
        200,
        "PATCH",
        F + "/{new_flag}/",
        body={"deleted": True},
        variant="soft-delete",
    ),
    Case("feature_flags_destroy", 405, "DELETE", F + "/{new_flag}/"),
    Case("feature_flags_activity_retrieve", 200, "GET", F + "/{multi_flag}/activity/"),
    Case("feature_flags_all_activity_retrieve", 200, "GET", F + "/activity/"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_feature_flags(api: Api, world: World, case: Case) -> None:
    run(api, world, case)
