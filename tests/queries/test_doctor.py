"""`phsync doctor`'s checks against a mocked PostHog, including which hosts see the key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from reconciler.queries.doctor import Check, Status, diagnose
from reconciler.settings import Secret, Settings, normalise_host
from tests.queries.conftest import KEY

US = "https://us.posthog.com"
EU = "https://eu.posthog.com"
UNAUTHENTICATED = {
    "type": "authentication_error",
    "code": "not_authenticated",
    "detail": "Authentication credentials were not provided.",
    "attr": None,
}
INVALID = {
    "type": "authentication_error",
    "code": "authentication_failed",
    "detail": "Personal API key found in request Authorization header is invalid.",
    "attr": None,
}
FLAG = "kind: FeatureFlag\nkey: new-checkout\nfilters:\n  groups:\n    - properties: []\n      rollout_percentage: 25\n"


def settings(host: str = US, project: str = "1", key: str | None = KEY) -> Settings:
    info = normalise_host(host)
    return Settings(
        host=info.origin,
        project=project,
        api_key=Secret(key) if key else None,
        timeout=5.0,
        host_warnings=info.warnings,
    )


def reachable(api: responses.RequestsMock, host: str = US) -> None:
    """The host answers the probe without the key, then accepts the key."""
    api.add_callback(
        responses.GET,
        f"{host}/api/users/@me/",
        callback=callback(401, UNAUTHENTICATED, need_key=False),
    )
    api.add_callback(
        responses.GET,
        f"{host}/api/users/@me/",
        callback=callback(200, {"email": "ada@example.com"}, need_key=True),
    )


def policies(api: responses.RequestsMock, *found: dict[str, Any], status: int = 200) -> None:
    """The project's approval policies, which doctor lists last."""
    body: dict[str, Any] = {"count": len(found), "next": None, "previous": None,
                            "results": list(found)}
    if status == 403:
        body = {"type": "authentication_error", "code": "permission_denied",
                "detail": "API key missing required scope 'approvals:read'", "attr": None}
    api.get(f"{US}/api/environments/1/approval_policies/", status=status, json=body)


def run(cfg: Settings, paths: list[str] | None = None) -> dict[str, Check]:
    return {check.name: check for check in diagnose(cfg, paths=paths or [])}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "flags.yaml").write_text(FLAG)
    return tmp_path


def callback(status: int, body: dict[str, Any], *, need_key: bool) -> Any:
    """A response that also checks whether the key was sent (the host probe must not send it)."""

    def reply(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent = "Authorization" in request.headers
        assert sent is need_key, f"Authorization sent={sent} to {request.url}"
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    return reply


def test_everything_passes(api: responses.RequestsMock, repo: Path) -> None:
    reachable(api)
    api.get(f"{US}/api/projects/1/", json={"id": 1, "name": "Web"})
    api.get(f"{US}/api/personal_api_keys/@current/", json={"scopes": ["*"]})
    policies(api, {"action_key": "feature_flag.disable", "enabled": True,
                   "approver_config": {"quorum": 1, "users": [2, 3]}})
    checks = run(settings(), [str(repo)])
    assert [c.status for c in checks.values()] == [Status.PASS] * 5
    assert checks["approvals"].summary.startswith("on: PostHog holds feature_flag.disable for")
    assert checks["approvals"].details == ("feature_flag.disable: 1 approval(s) of 2 approver(s)",)
    assert checks["host"].summary == "https://us.posthog.com is PostHog Cloud (US), and it answers"
    assert checks["key"].summary == "PostHog accepts the key of ada@example.com"
    assert checks["project"].summary == "project 'Web' (id 1) exists and the key reaches it"
    assert "all 7 scopes that 1 manifest under" in checks["scopes"].summary


def test_a_trailing_slash_is_a_warning(api: responses.RequestsMock) -> None:
    api.add_callback(
        responses.GET,
        f"{US}/api/users/@me/",
        callback=callback(401, UNAUTHENTICATED, need_key=False),
    )
    api.add_callback(
        responses.GET, f"{US}/api/users/@me/", callback=callback(401, INVALID, need_key=True)
    )
    api.add_callback(
        responses.GET, f"{EU}/api/users/@me/", callback=callback(401, INVALID, need_key=True)
    )
    checks = run(settings(US + "/"))
    assert checks["host"].status is Status.WARN
    assert checks["host"].details == ("warning: ignored the trailing slash in the host",)


def test_a_key_of_the_other_region_is_named(api: responses.RequestsMock) -> None:
    api.add_callback(
        responses.GET,
        f"{US}/api/users/@me/",
        callback=callback(401, UNAUTHENTICATED, need_key=False),
    )
    api.add_callback(
        responses.GET, f"{US}/api/users/@me/", callback=callback(401, INVALID, need_key=True)
    )
    api.add_callback(
        responses.GET,
        f"{EU}/api/users/@me/",
        callback=callback(200, {"email": "a@b.c"}, need_key=True),
    )
    checks = run(settings())
    key = checks["key"]
    assert key.status is Status.FAIL
    assert key.summary == (
        "https://us.posthog.com does not accept the key, but https://eu.posthog.com does: "
        "the key belongs to PostHog Cloud's EU region"
    )
    assert key.fix == "use --host https://eu.posthog.com (or POSTHOG_HOST=https://eu.posthog.com)"
    assert [checks["project"].status, checks["scopes"].status] == [Status.SKIP, Status.SKIP]


def test_a_refused_key_on_self_hosted_asks_no_other_host(api: responses.RequestsMock) -> None:
    host = "https://posthog.example.org"
    api.add_callback(
        responses.GET,
        f"{host}/api/users/@me/",
        callback=callback(401, UNAUTHENTICATED, need_key=False),
    )
    api.add_callback(
        responses.GET, f"{host}/api/users/@me/", callback=callback(401, INVALID, need_key=True)
    )
    checks = run(settings(host))
    assert checks["host"].summary.endswith("is a self-hosted PostHog, and it answers")
    assert checks["key"].summary == "https://posthog.example.org does not accept the key"
    assert "created on https://posthog.example.org itself" in (checks["key"].fix or "")
    assert {call.request.url.split("/api/")[0] for call in api.calls} == {host}


def test_no_key(api: responses.RequestsMock) -> None:
    api.add_callback(
        responses.GET,
        f"{US}/api/users/@me/",
        callback=callback(401, UNAUTHENTICATED, need_key=False),
    )
    checks = run(settings(key=None))
    assert checks["key"].status is Status.FAIL
    assert "POSTHOG_PERSONAL_API_KEY" in (checks["key"].fix or "")


def test_an_unreachable_host(api: responses.RequestsMock) -> None:
    api.get(
        "https://nowhere.example/api/users/@me/",
        body=requests.exceptions.ConnectionError("refused"),
    )
    checks = run(settings("https://nowhere.example"))
    assert checks["host"].status is Status.FAIL
    assert checks["host"].summary.startswith("cannot reach https://nowhere.example")
    assert [c.status for c in list(checks.values())[1:]] == [Status.SKIP] * 3


def test_a_web_page_is_not_posthog(api: responses.RequestsMock) -> None:
    api.get(
        "https://posthog.com/api/users/@me/",
        status=404,
        body="<html>not here</html>",
        content_type="text/html",
    )
    host = run(settings("https://posthog.com"))["host"]
    assert host.summary == "https://posthog.com answered with a web page, not with PostHog's API"
    assert "us.posthog.com" in (host.fix or "")


def test_a_redirect_names_where_to(api: responses.RequestsMock) -> None:
    api.get(
        "https://app.posthog.com/api/users/@me/",
        status=301,
        headers={"Location": "https://us.posthog.com/api/users/@me/"},
    )
    host = run(settings("https://app.posthog.com"))["host"]
    assert host.status is Status.FAIL
    assert host.fix == "use --host https://us.posthog.com"


def test_an_unknown_project(api: responses.RequestsMock) -> None:
    reachable(api)
    api.get(
        f"{US}/api/projects/999/",
        status=404,
        json={
            "type": "invalid_request",
            "code": "not_found",
            "detail": "Project not found.",
            "attr": None,
        },
    )
    checks = run(settings(project="999"))
    assert checks["project"].status is Status.FAIL
    assert checks["project"].summary.startswith("project 999 not found on https://us.posthog.com")
    assert checks["scopes"].status is Status.SKIP


def test_missing_scopes_are_named(api: responses.RequestsMock, repo: Path) -> None:
    reachable(api)
    api.get(f"{US}/api/projects/1/", json={"id": 1, "name": "Web"})
    api.get(
        f"{US}/api/personal_api_keys/@current/",
        json={
            "scopes": [
                "feature_flag:read",
                "cohort:read",
                "dashboard:write",
                "annotation:read",
                "action:read",
                "insight:read",
                "user:read",
            ]
        },
    )
    policies(api, status=403)
    checks = run(settings(), [str(repo)])
    assert checks["approvals"].status is Status.WARN and "approvals:read" in str(
        checks["approvals"].fix
    )
    scopes = checks["scopes"]
    assert scopes.status is Status.FAIL
    assert scopes.summary.startswith("the key lacks 'feature_flag:write', which 1 manifest under")
    assert scopes.details == ("lacks feature_flag:write: apply writes FeatureFlag manifests",)


def test_without_the_key_endpoint_reads_are_probed_and_writes_unknown(
    api: responses.RequestsMock, repo: Path
) -> None:
    reachable(api)
    api.get(f"{US}/api/projects/1/", json={"id": 1, "name": "Web"})
    api.get(
        f"{US}/api/personal_api_keys/@current/",
        status=404,
        json={
            "type": "invalid_request",
            "code": "not_found",
            "detail": "Endpoint not found.",
            "attr": None,
        },
    )
    denied = {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'annotation:read'",
        "attr": None,
    }
    for collection in ("cohorts", "actions", "feature_flags", "insights", "dashboards"):
        api.get(
            f"{US}/api/projects/1/{collection}/",
            json={"results": []},
            match=[matchers.query_param_matcher({"limit": "1"})],
        )
    api.get(f"{US}/api/projects/1/annotations/", status=403, json=denied)
    policies(api)
    scopes = run(settings(), [str(repo)])["scopes"]
    assert scopes.status is Status.FAIL
    assert scopes.details == (
        "lacks annotation:read: plan reads every kind",
        "unknown feature_flag:write: apply writes FeatureFlag manifests",
    )


def test_no_manifests_means_no_scopes_to_check(api: responses.RequestsMock, tmp_path: Path) -> None:
    reachable(api)
    api.get(f"{US}/api/projects/1/", json={"id": 1, "name": "Web"})
    policies(api)
    checks = run(settings(), [str(tmp_path)])
    assert checks["approvals"].summary == "off: no approval policy in this project"
    scopes = checks["scopes"]
    assert scopes.status is Status.PASS
    assert scopes.summary.startswith("no manifests under")
