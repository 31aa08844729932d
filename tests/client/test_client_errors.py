"""Each error status becomes the right exception, with a message that says what to do."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from reconciler.client import PostHogClient
from reconciler.client.errors import ErrorBody, other_hosts, parse_error_body
from reconciler.errors import (
    ApiError,
    ApprovalRequiredError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    PolicyConflictError,
    ServerError,
)

from .conftest import FakeClock, make_client

PATH = "/api/projects/1/feature_flags/"


def envelope(detail: str, code: str = "invalid", attr: str | None = None) -> dict[str, Any]:
    return {"type": "validation_error", "code": code, "detail": detail, "attr": attr}


def fail(client: PostHogClient, status: int, body: Any, method: str = "POST") -> ApiError:
    with responses.RequestsMock() as mock:
        kwargs: dict[str, Any] = {"json": body} if not isinstance(body, str) else {"body": body}
        mock.add(method, client.origin + PATH, status=status, **kwargs)
        with pytest.raises(ApiError) as caught:
            client.request(method, PATH, json={"key": "x"} if method != "GET" else None)
    return caught.value


def test_400_names_the_field_and_postHogs_reason(client: PostHogClient) -> None:
    error = fail(
        client, 400, envelope("There is already a feature flag with this key.", "unique", "key")
    )
    assert isinstance(error, BadRequestError)
    assert str(error).startswith(
        "PostHog refused key: There is already a feature flag with this key."
    )
    assert (error.status, error.code, error.attr) == (400, "unique", "key")


def test_400_without_attr(client: PostHogClient) -> None:
    error = fail(client, 400, envelope("Invalid filters."))
    assert str(error).startswith("PostHog refused the request: Invalid filters.")


def test_400_with_swapped_code_and_detail(client: PostHogClient) -> None:
    body = {
        "attr": "value",
        "code": "This field is required.",
        "detail": "required",
        "type": "validation_error",
    }
    error = fail(client, 400, body)
    assert (error.code, error.detail, error.attr) == (
        "required",
        "This field is required.",
        "value",
    )
    assert "PostHog refused value: This field is required." in str(error)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("https://us.posthog.com", "--host https://eu.posthog.com"),
        ("https://app.posthog.com", "--host https://eu.posthog.com"),
        ("https://eu.posthog.com", "--host https://us.posthog.com"),
        ("https://posthog.example.org", "created on https://posthog.example.org itself"),
    ],
    ids=["us", "legacy-app", "eu", "self-hosted"],
)
def test_401_hints_at_the_other_region_or_the_instance(
    fake: FakeClock, host: str, expected: str
) -> None:
    client = make_client(fake, host=host)
    body = {
        "type": "authentication_error",
        "code": "authentication_failed",
        "detail": "Personal API key found in request Authorization header is invalid.",
        "attr": None,
    }
    error = fail(client, 401, body, method="GET")
    assert isinstance(error, AuthenticationError)
    assert f"PostHog at {host} did not accept the API key" in str(error)
    assert expected in str(error)


def test_401_with_a_project_token_says_to_use_a_personal_key(fake: FakeClock) -> None:
    client = make_client(fake, key="phc_publicprojecttoken123")
    error = fail(client, 401, {"detail": "invalid"}, method="GET")
    assert "project API key" in str(error)
    assert "phx_" in str(error)
    assert "phc_publicprojecttoken123" not in str(error)


def test_403_names_the_missing_scope(client: PostHogClient) -> None:
    body = {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'feature_flag:write'",
        "attr": None,
    }
    error = fail(client, 403, body)
    assert isinstance(error, PermissionDeniedError)
    assert error.missing_scope == "feature_flag:write"
    assert str(error).startswith(
        "the API key lacks the scope 'feature_flag:write' needed for POST " + PATH
    )
    assert "add 'feature_flag:write'" in str(error)


@pytest.mark.parametrize(
    "detail",
    [
        "API key does not have access to the requested project: ID 1.",
        "You don't have access to the project.",
    ],
)
def test_403_project_access(client: PostHogClient, detail: str) -> None:
    error = fail(client, 403, {"type": "authentication_error", "detail": detail}, method="GET")
    assert isinstance(error, PermissionDeniedError)
    assert "no access to project 1 on https://us.posthog.com" in str(error)
    assert "phsync projects list" in str(error)


def test_404_project_names_project_and_host(client: PostHogClient) -> None:
    body = {"type": "invalid_request", "code": "not_found", "detail": "Project not found."}
    error = fail(client, 404, body, method="GET")
    assert isinstance(error, NotFoundError)
    assert "project 1 not found on https://us.posthog.com (wrong id or wrong instance?)" in str(
        error
    )
    assert "--host https://eu.posthog.com" in str(error)


def test_404_other(client: PostHogClient) -> None:
    error = fail(client, 404, {"detail": "Not found."}, method="PATCH")
    assert isinstance(error, NotFoundError)
    assert str(error) == f"not found: PATCH {PATH}: Not found."


def test_404_unknown_endpoint(client: PostHogClient) -> None:
    error = fail(client, 404, {"detail": "Endpoint not found."}, method="GET")
    assert "has no API endpoint" in str(error)


def test_405_with_empty_body(client: PostHogClient) -> None:
    error = fail(client, 405, "", method="DELETE")
    assert isinstance(error, MethodNotAllowedError)
    assert str(error) == f"PostHog does not allow DELETE {PATH}"
    assert error.body == ""


def test_409_conflict(client: PostHogClient) -> None:
    detail = "The feature flag was updated by a@b.c since you started editing it."
    error = fail(
        client, 409, {"type": "server_error", "code": "conflict", "detail": detail}, "PATCH"
    )
    assert isinstance(error, ConflictError)
    assert detail in str(error)
    assert "phsync plan" in str(error)


def test_500_on_post_is_not_retried_and_may_have_acted(client: PostHogClient) -> None:
    error = fail(client, 500, {"type": "server_error", "detail": "A server error occurred."})
    assert isinstance(error, ServerError)
    assert "failed with 500 on POST" in str(error)
    assert "may have taken effect" in str(error)
    assert "status.posthog.com" in str(error)


def test_ad_hoc_error_body(client: PostHogClient) -> None:
    error = fail(client, 402, {"success": False, "error": "Quota exceeded"}, method="GET")
    assert type(error) is ApiError
    assert str(error) == f"PostHog answered 402 to GET {PATH}: Quota exceeded"


def test_long_bodies_are_truncated(client: PostHogClient) -> None:
    error = fail(client, 400, "x" * 5000)
    assert isinstance(error.body, str)
    assert len(error.body) <= 500
    assert len(str(error)) < 600


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ErrorBody(text="")),
        (
            '{"type":"validation_error","code":"required","detail":"This field is required.",'
            '"attr":"key"}',
            ErrorBody(
                text='{"type":"validation_error","code":"required","detail":"This field is '
                'required.","attr":"key"}',
                code="required",
                detail="This field is required.",
                attr="key",
                type="validation_error",
            ),
        ),
        (
            '{"error": "bad version"}',
            ErrorBody(text='{"error": "bad version"}', detail="bad version"),
        ),
        ('["only this"]', ErrorBody(text='["only this"]', detail="only this")),
        (
            '{"name": ["This field may not be blank."]}',
            ErrorBody(
                text='{"name": ["This field may not be blank."]}',
                attr="name",
                detail="This field may not be blank.",
            ),
        ),
        ("Bad Gateway", ErrorBody(text="Bad Gateway", detail="Bad Gateway")),
        ("<html>oops</html>", ErrorBody(text="<html>oops</html>", is_html=True)),
    ],
    ids=["empty", "envelope", "error-key", "list", "drf-fields", "plain-text", "html"],
)
def test_parse_error_body(text: str, expected: ErrorBody) -> None:
    assert parse_error_body(text) == expected


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://us.posthog.com", ("https://eu.posthog.com",)),
        ("https://eu.posthog.com", ("https://us.posthog.com",)),
        ("http://localhost:8010", ()),
    ],
)
def test_other_hosts(origin: str, expected: tuple[str, ...]) -> None:
    assert other_hosts(origin) == expected


def test_400_for_missing_evaluation_contexts_says_how_to_fix_it(client: PostHogClient) -> None:
    detail = "At least one evaluation context is required to create a new feature flag."
    error = fail(client, 400, envelope(detail))
    assert error.hint is not None and "evaluation_contexts: [NAME, ...]" in error.hint


@pytest.mark.parametrize(
    ("status", "body", "kind", "pending"),
    [
        (409, {"code": "approval_required", "message": "A change request has been created",
               "change_request_id": "c-1", "change_request": {"id": "c-1"},
               "required_approvers": {"quorum": 1, "users": [2]}}, ApprovalRequiredError, False),
        (409, {"code": "change_request_pending", "error": "A pending approval request exists",
               "change_request_id": "c-1", "existing_change_request": {"id": "c-1"}},
         ApprovalRequiredError, True),
        (400, {"code": "policy_conflict", "error": "This change matches multiple approval policies",
               "conflicting_policies": [{"id": "a"}, {"id": "b"}],
               "guidance": "Split your changes into separate API calls"}, PolicyConflictError, None),
    ],
    ids=["approval-required", "change-request-pending", "policy-conflict"],
)
def test_the_approval_gates_answers_are_typed(
    client: PostHogClient, status: int, body: dict[str, Any], kind: type, pending: bool | None
) -> None:
    error = fail(client, status, body, method="PATCH")
    assert isinstance(error, kind)
    if isinstance(error, ApprovalRequiredError):
        assert error.already_open is pending and error.change_request["id"] == "c-1"
    else:
        assert "2 approval policies" in error.message and "Split" in str(error.hint)
