"""The checker itself: it matches paths to operations, passes good bodies, and fails bad ones."""

from __future__ import annotations

from typing import Any

import pytest

from contract.checker import Contract, NoOperation

P = "/api/projects/7"
USER = {
    "id": 1,
    "uuid": "0190e5a0-0000-7000-8000-000000000001",
    "distinct_id": "u1",
    "first_name": "Ada",
    "last_name": "",
    "email": "ada@example.com",
    "is_email_verified": True,
    "hedgehog_config": None,
    "role_at_organization": None,
}
FLAG: dict[str, Any] = {
    "id": 12,
    "key": "new-checkout",
    "name": "",
    "filters": {"groups": [{"properties": [], "rollout_percentage": 25}]},
    "deleted": False,
    "active": True,
    "created_by": USER,
    "created_at": "2025-01-02T03:04:05.678901Z",
    "updated_at": None,
    "version": 1,
    "last_modified_by": None,
    "experiment_set": [],
    "surveys": [],
    "features": [],
    "can_edit": True,
    "tags": [],
    "usage_dashboard": None,
    "user_access_level": "editor",
    "status": "ACTIVE",
    "evaluation_runtime": "all",
}
ENVELOPE = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.load()


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


MATCHES = [
    ("GET", f"{P}/feature_flags/12/", "feature_flags_retrieve"),
    ("GET", f"{P}/feature_flags/12", "feature_flags_retrieve"),
    ("PATCH", "/api/projects/@current/feature_flags/12/", "feature_flags_partial_update"),
    ("GET", f"{P}/feature_flags/activity/", "feature_flags_all_activity_retrieve"),
    ("GET", f"{P}/feature_flags/12/activity", "feature_flags_activity_retrieve"),
    ("get", f"https://us.posthog.com{P}/feature_flags/?limit=5", "feature_flags_list"),
    ("GET", f"{P}/cohorts/3/persons/", "cohorts_persons_retrieve"),
    ("GET", f"{P}/persons/activity/", "persons_all_activity_retrieve"),
    ("GET", f"{P}/persons/0190e5a0-0000-7000-8000-000000000009/", "persons_retrieve"),
    ("POST", f"{P}/persons/42/update_property/", "persons_update_property_create"),
    ("DELETE", f"{P}/persons/42/", "persons_destroy"),
    ("POST", f"{P}/endpoints/daily_signups/run/", "endpoints_run_create"),
    ("GET", "/api/users/@me/", "users_retrieve"),
    ("GET", "/api/projects/", "projects_list"),
    ("GET", "/api/projects/@current/", "projects_retrieve"),
    ("GET", "/api/organizations/@current/projects/", "organizations_projects_list"),
]


@pytest.mark.parametrize(
    ("method", "path", "operation_id"), MATCHES, ids=[f"{m} {p}" for m, p, _ in MATCHES]
)
def test_match_maps_concrete_paths_to_templates(
    contract: Contract, method: str, path: str, operation_id: str
) -> None:
    assert contract.match(method, path).operation_id == operation_id


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{P}/feature_flags/not-a-number/"),
        ("POST", f"{P}/persons/"),
        ("GET", f"{P}/surveys/"),
        ("PUT", f"{P}/feature_flags/12/"),
    ],
    ids=["non-integer-id", "persons-create", "unused-resource", "unused-method"],
)
def test_match_refuses_what_the_contract_lacks(contract: Contract, method: str, path: str) -> None:
    with pytest.raises(NoOperation):
        contract.match(method, path)
    assert contract.check_response(method, path, 200, {}) != []


def test_a_good_flag_passes(contract: Contract) -> None:
    assert contract.check_response("GET", f"{P}/feature_flags/12/", 200, FLAG) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (without(FLAG, "key"), "body: missing required field 'key'"),
        ({**FLAG, "id": "12"}, 'body.id: expected integer, got string "12"'),
        ({**FLAG, "evaluation_runtime": "sometimes"}, 'body.evaluation_runtime: "sometimes"'),
        ({**FLAG, "created_at": "2025-01-02T03:04:05"}, "is not a valid date-time"),
        ({**FLAG, "created_by": {**USER, "uuid": "nope"}}, "body.created_by.uuid"),
        ({**FLAG, "active": None}, "body.active: expected boolean, got null"),
        ({**FLAG, "_should_create_usage_dashboard": False}, "write-only field present"),
    ],
    ids=["missing-key", "id-as-string", "bad-enum", "naive-datetime", "bad-uuid", "null", "wo"],
)
def test_a_bad_flag_fails(contract: Contract, body: dict[str, Any], expected: str) -> None:
    problems = contract.check_response("GET", f"{P}/feature_flags/12/", 200, body)
    assert any(expected in problem for problem in problems), problems


def test_write_only_fields_are_not_required_in_responses(contract: Contract) -> None:
    # The document lists the write-only `password` among User's required fields.
    operation = contract.document["operations"]["users_retrieve"]
    assert operation["responses"]["200"]["schema"] == {"$ref": "#/components/schemas/User"}
    assert "password" in contract.document["components"]["User"]["required"]
    problems = contract.check_response("GET", "/api/users/@me/", 200, {"uuid": "x"})
    assert problems
    assert not any("'password'" in problem for problem in problems)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", f"{P}/dashboards/", {"name": "Ops", "description": "", "pinned": False}),
        ("PATCH", f"{P}/dashboards/3/", {"tiles": [{"text": {"body": "hi"}, "layouts": {}}]}),
        (
            "POST",
            f"{P}/feature_flags/",
            {
                "key": "new-checkout",
                "filters": {
                    "groups": [
                        {
                            "properties": [
                                {
                                    "key": "email",
                                    "type": "person",
                                    "operator": "icontains",
                                    "value": "@acme.com",
                                },
                                {"key": "id", "type": "cohort", "operator": "in", "value": 4},
                            ],
                            "rollout_percentage": None,
                        }
                    ],
                    "multivariate": {"variants": [{"key": "a", "rollout_percentage": 100}]},
                    "payloads": {"a": '{"x": 1}'},
                },
            },
        ),
        (
            "POST",
            f"{P}/cohorts/",
            {
                "name": "Acme",
                "filters": {
                    "properties": {
                        "type": "OR",
                        "values": [
                            {
                                "type": "AND",
                                "values": [
                                    {
                                        "type": "person",
                                        "key": "email",
                                        "operator": "icontains",
                                        "value": "@acme.com",
                                    }
                                ],
                            }
                        ],
                    }
                },
            },
        ),
        ("POST", f"{P}/persons/1/update_property/", {"key": "plan", "value": "pro"}),
        ("POST", f"{P}/endpoints/e/run/", {"variables": {"d": 1}, "refresh": "cache"}),
        ("POST", f"{P}/endpoints/e/run/", None),
        ("GET", f"{P}/feature_flags/", None),
    ],
    ids=[
        "dashboard-create-readonly-not-required",
        "dashboard-text-tile",
        "flag-create",
        "cohort-create",
        "update-property",
        "endpoint-run",
        "endpoint-run-no-body",
        "get-no-body",
    ],
)
def test_good_requests_pass(contract: Contract, method: str, path: str, body: Any) -> None:
    assert contract.check_request(method, path, body) == []


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", f"{P}/feature_flags/", {"key": 5}, "body.key: expected string"),
        (
            "POST",
            f"{P}/feature_flags/",
            {
                "key": "k",
                "filters": {
                    "groups": [
                        {
                            "properties": [
                                {
                                    "key": "email",
                                    "type": "person",
                                    "operator": "containz",
                                    "value": "x",
                                }
                            ]
                        }
                    ]
                },
            },
            'operator: "containz" is not one of',
        ),
        (
            "POST",
            f"{P}/feature_flags/",
            {"key": "k", "filters": {"multivariate": {"variants": [{"key": "a"}]}}},
            "missing required field 'rollout_percentage'",
        ),
        (
            "POST",
            f"{P}/cohorts/",
            {
                "filters": {
                    "properties": {
                        "type": "AND",
                        "values": [
                            {"type": "person", "key": "email", "value": "a", "colour": "red"}
                        ],
                    }
                }
            },
            "'colour' was unexpected",
        ),
        ("POST", f"{P}/cohorts/", {"filters": {"groups": []}}, "missing required field"),
        ("POST", f"{P}/persons/1/update_property/", {"key": "plan"}, "'value'"),
        ("POST", f"{P}/persons/1/update_property/", None, "a body is required"),
        ("POST", f"{P}/endpoints/e/run/", {"query_override": {}}, "'query_override' was unexp"),
        ("POST", f"{P}/annotations/", {"scope": "galaxy"}, '"galaxy" is not one of'),
        ("GET", f"{P}/feature_flags/", {"a": 1}, "takes no body"),
    ],
    ids=[
        "flag-key-type",
        "flag-operator",
        "variant-rollout-missing",
        "cohort-filter-extra-key",
        "cohort-filters-shape",
        "update-property-missing-value",
        "update-property-no-body",
        "endpoint-run-forbidden-key",
        "annotation-scope",
        "get-with-body",
    ],
)
def test_bad_requests_fail(
    contract: Contract, method: str, path: str, body: Any, expected: str
) -> None:
    problems = contract.check_request(method, path, body)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "ok"),
    [
        (
            "GET",
            f"{P}/session_recordings/",
            200,
            {"results": [], "has_next": False, "version": 4},
            True,
        ),
        ("GET", f"{P}/session_recordings/", 200, {"count": 0, "next": None, "results": []}, False),
        ("GET", f"{P}/persons/", 200, {"results": [], "next": None, "previous": None}, True),
        ("GET", f"{P}/persons/", 200, {"results": []}, False),
        ("POST", f"{P}/persons/1/update_property/", 202, None, True),
        ("POST", f"{P}/persons/1/update_property/", 200, None, False),
        ("POST", f"{P}/persons/1/update_property/", 202, {"ok": True}, False),
        ("PATCH", f"{P}/persons/1/", 202, None, True),
        ("POST", f"{P}/persons/1/delete_property/", 201, {"success": True}, True),
        ("DELETE", f"{P}/persons/1/", 202, None, True),
        ("DELETE", f"{P}/feature_flags/1/", 405, None, True),
        ("DELETE", f"{P}/feature_flags/1/", 405, ENVELOPE, False),
        ("DELETE", f"{P}/feature_flags/1/", 204, None, False),
        ("GET", f"{P}/feature_flags/1/", 404, ENVELOPE, True),
        ("GET", f"{P}/feature_flags/1/", 404, {"detail": "Not found."}, False),
        ("GET", f"{P}/feature_flags/1/", 404, None, False),
        ("GET", f"{P}/feature_flags/1/", 401, {**ENVELOPE, "type": "auth"}, False),
        (
            "GET",
            f"{P}/endpoints/e/run/",
            404,
            {"error": "Version 9 not found", "current_version": 2},
            True,
        ),
        (
            "GET",
            f"{P}/endpoints/e/run/",
            200,
            {"results": [[1]], "columns": ["a"], "endpoint_version": 1},
            True,
        ),
        ("GET", f"{P}/endpoints/e/run/", 200, {"results": [[1]]}, False),
        ("GET", f"{P}/cohorts/1/activity/", 200, {"results": []}, False),
    ],
    ids=[
        "recordings-list-documented-shape",
        "recordings-list-spec-shape",
        "persons-list-no-count",
        "persons-list-no-links",
        "update-property-202",
        "update-property-200",
        "update-property-body",
        "person-patch-202",
        "delete-property-201",
        "person-delete-202",
        "flag-delete-405-empty",
        "flag-delete-405-envelope",
        "flag-delete-204",
        "404-envelope",
        "404-bare-detail",
        "404-empty",
        "401-bad-type",
        "endpoint-run-version-error",
        "endpoint-run-result",
        "endpoint-run-no-version",
        "cohort-activity-shape",
    ],
)
def test_documented_differences_are_applied(
    contract: Contract, method: str, path: str, status: int, body: Any, ok: bool
) -> None:
    problems = contract.check_response(method, path, status, body)
    assert (problems == []) is ok, problems


def test_without_differences_the_spec_shapes_apply() -> None:
    raw = Contract.load(with_differences=False)
    body = {"results": [], "has_next": False, "version": 4}
    assert raw.check_response("GET", f"{P}/session_recordings/", 200, body) != []
    assert (
        raw.check_response("GET", f"{P}/session_recordings/", 200, {"count": 0, "results": []})
        == []
    )
