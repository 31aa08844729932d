"""Scopes: each operation works with a key holding exactly the scopes the contract names for
it (taken from `security: PersonalAPIKeyAuth` in PostHog's document), and answers 403 with
the error envelope to a key that lacks any one of them (posthog-api.md §1.3)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from contract.checker import Contract, decode_body

from conformance.harness import (
    Api,
    World,
    action_body,
    annotation_body,
    cohort_body,
    dashboard_body,
    flag_body,
    insight_body,
)

P = "/api/projects/{pid}"

# operationId -> a request that succeeds (or, for forbidden DELETEs, answers 405) with the
# right scopes.
_ENDPOINT_NUMBERS = itertools.count(1)
REQUESTS: dict[str, tuple[str, str, Any]] = {
    "projects_list": ("GET", "/api/projects/", None),
    "projects_retrieve": ("GET", "/api/projects/{pid}/", None),
    "organizations_projects_list": ("GET", "/api/organizations/{org}/projects/", None),
    "organizations_projects_retrieve": ("GET", "/api/organizations/{org}/projects/{pid}/", None),
    "users_retrieve": ("GET", "/api/users/@me/", None),
    "feature_flags_list": ("GET", P + "/feature_flags/", None),
    "feature_flags_create": ("POST", P + "/feature_flags/", flag_body),
    "feature_flags_retrieve": ("GET", P + "/feature_flags/{flag}/", None),
    "feature_flags_partial_update": ("PATCH", P + "/feature_flags/{flag}/", {"name": "scoped"}),
    "feature_flags_destroy": ("DELETE", P + "/feature_flags/{flag}/", None),
    "feature_flags_activity_retrieve": ("GET", P + "/feature_flags/{flag}/activity/", None),
    "feature_flags_all_activity_retrieve": ("GET", P + "/feature_flags/activity/", None),
    "cohorts_list": ("GET", P + "/cohorts/", None),
    "cohorts_create": ("POST", P + "/cohorts/", cohort_body),
    "cohorts_retrieve": ("GET", P + "/cohorts/{cohort}/", None),
    "cohorts_partial_update": ("PATCH", P + "/cohorts/{cohort}/", {"description": "scoped"}),
    "cohorts_destroy": ("DELETE", P + "/cohorts/{cohort}/", None),
    "cohorts_persons_retrieve": ("GET", P + "/cohorts/{cohort}/persons/", None),
    "cohorts_activity_retrieve": ("GET", P + "/cohorts/{cohort}/activity/", None),
    "cohorts_all_activity_retrieve": ("GET", P + "/cohorts/activity/", None),
    "dashboards_list": ("GET", P + "/dashboards/", None),
    "dashboards_create": ("POST", P + "/dashboards/", dashboard_body),
    "dashboards_retrieve": ("GET", P + "/dashboards/{dashboard}/", None),
    "dashboards_partial_update": ("PATCH", P + "/dashboards/{dashboard}/", {"pinned": True}),
    "dashboards_destroy": ("DELETE", P + "/dashboards/{dashboard}/", None),
    "annotations_list": ("GET", P + "/annotations/", None),
    "annotations_create": ("POST", P + "/annotations/", annotation_body),
    "annotations_retrieve": ("GET", P + "/annotations/{annotation}/", None),
    "annotations_partial_update": ("PATCH", P + "/annotations/{annotation}/", {"content": "s"}),
    "annotations_destroy": ("DELETE", P + "/annotations/{annotation}/", None),
    "actions_list": ("GET", P + "/actions/", None),
    "actions_create": ("POST", P + "/actions/", action_body),
    "actions_retrieve": ("GET", P + "/actions/{action}/", None),
    "actions_partial_update": ("PATCH", P + "/actions/{action}/", {"description": "scoped"}),
    "actions_destroy": ("DELETE", P + "/actions/{action}/", None),
    "insights_list": ("GET", P + "/insights/", None),
    "insights_create": ("POST", P + "/insights/", insight_body),
    "insights_retrieve": ("GET", P + "/insights/{insight}/", None),
    "insights_partial_update": ("PATCH", P + "/insights/{insight}/", {"description": "s"}),
    "insights_destroy": ("DELETE", P + "/insights/{insight}/", None),
    "persons_list": ("GET", P + "/persons/", None),
    "persons_retrieve": ("GET", P + "/persons/{person_uuid}/", None),
    "persons_partial_update": (
        "PATCH",
        P + "/persons/{person_uuid}/",
        {"properties": {"scoped": True}},
    ),
    "persons_update_property_create": (
        "POST",
        P + "/persons/{person_uuid}/update_property/",
        {"key": "scoped", "value": 1},
    ),
    "persons_delete_property_create": (
        "POST",
        P + "/persons/{person_uuid}/delete_property/",
        {"$unset": "scoped"},
    ),
    "persons_destroy": ("DELETE", P + "/persons/{new_victim_person}/", None),
    "persons_activity_retrieve": ("GET", P + "/persons/{person_id}/activity/", None),
    "persons_all_activity_retrieve": ("GET", P + "/persons/activity/", None),
    "session_recordings_list": ("GET", P + "/session_recordings/", None),
    "session_recordings_retrieve": ("GET", P + "/session_recordings/{recording}/", None),
    "approval_policies_list": ("GET", "/api/environments/{pid}/approval_policies/", None),
    "change_requests_list": ("GET", "/api/environments/{pid}/change_requests/", None),
    "endpoints_list": ("GET", P + "/endpoints/", None),
    "endpoints_create": (
        "POST",
        P + "/endpoints/",
        lambda world: {
            "name": f"scoped_{next(_ENDPOINT_NUMBERS)}",
            "query": {"kind": "HogQLQuery", "query": "select 1"},
        },
    ),
    "endpoints_retrieve": ("GET", P + "/endpoints/{endpoint}/", None),
    "endpoints_run_retrieve": ("GET", P + "/endpoints/{endpoint}/run/", None),
    "endpoints_run_create": ("POST", P + "/endpoints/{endpoint}/run/", {"refresh": "cache"}),
}

OPERATIONS = sorted(REQUESTS)
WITHOUT = [
    (operation_id, scope)
    for operation_id in OPERATIONS
    for scope in Contract.load().operations[operation_id].scopes
]


def test_every_contract_operation_has_a_scope_case(contract: Contract) -> None:
    assert set(REQUESTS) == set(contract.operations)


def send(api: Api, world: World, operation_id: str, key: str) -> tuple[int, Any]:
    method, template, body = REQUESTS[operation_id]
    path = world.format(template)
    assert api.contract.match(method, path).operation_id == operation_id
    payload = body(world) if callable(body) else body
    response = api.call(method, path, json=payload, key=key)
    return response.status_code, decode_body(response.content)


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_the_named_scopes_are_enough(
    api: Api,
    world: World,
    key_with: Callable[[Iterable[str]], str],
    operation_id: str,
) -> None:
    scopes = api.contract.operations[operation_id].scopes
    status, body = send(api, world, operation_id, key_with(scopes))
    assert status not in (401, 403), f"{operation_id} with {scopes}: {status} {body}"
    assert status < 400 or status == 405, f"{operation_id}: {status} {body}"


@pytest.mark.parametrize(("operation_id", "scope"), WITHOUT, ids=[f"{o}-{s}" for o, s in WITHOUT])
def test_lacking_a_named_scope_is_forbidden(
    api: Api,
    world: World,
    key_with: Callable[[Iterable[str]], str],
    operation_id: str,
    scope: str,
) -> None:
    scopes = api.contract.operations[operation_id].scopes
    objects = {s.split(":")[0] for op in api.contract.operations.values() for s in op.scopes}
    lacking = scope.split(":")[0]
    held = {*(s for s in scopes if s != scope), *(f"{o}:write" for o in objects if o != lacking)}
    method, template, _ = REQUESTS[operation_id]
    status, body = send(api, world, operation_id, key_with(held))
    assert status == 403, f"{operation_id} without {scope}: {status} {body}"
    path = world.format(template)
    assert api.contract.check_response(method, path, status, body) == []
    assert body["code"] == "permission_denied" and scope in body["detail"], body
