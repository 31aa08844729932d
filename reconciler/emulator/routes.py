"""The route table: every path the emulator answers, its scopes and its throttle class.

Scopes come from the ``security: PersonalAPIKeyAuth`` of each operation in PostHog's 2026
OpenAPI files (tests/emulator/test_contract.py checks this table against a contract derived
from them). Kinds that PostHog registers under both roots are also served under
``/api/environments/{project_id}/``.
"""

from __future__ import annotations

from reconciler.emulator import (
    activity,
    approval_policies,
    change_requests,
    chart_annotations,
    cohorts,
    control,
    dashboards,
    endpoints,
    flags,
    insights,
    persons,
    projects,
    recordings,
    scheduled_changes,
)
from reconciler.emulator.config import ANALYTICS, CRUD
from reconciler.emulator.routing import Call, Handler, Route
from reconciler.emulator.wire import Response

P = "/api/projects/{project_id}"
E = "/api/environments/{project_id}"


def _r(
    method: str, template: str, handler: Handler, scopes: str = "", rate: str | None = CRUD
) -> Route:
    return Route(method, template, handler, tuple(s for s in scopes.split() if s), rate)


def _both(method: str, tail: str, handler: Handler, scopes: str, rate: str | None) -> list[Route]:
    """A route under /api/projects/ and its grandfathered /api/environments/ twin."""
    return [
        _r(method, P + tail, handler, scopes, rate),
        _r(method, E + tail, handler, scopes, rate),
    ]


def _control() -> list[Route]:
    c = "/_emulator"
    return [
        Route("GET", c + "/health/", control.health, public=True),
        Route("GET", c + "/stats/", control.get_stats, public=True),
        Route("POST", c + "/stats/reset/", control.reset_stats, public=True),
        Route("GET", c + "/faults/", control.get_faults, public=True),
        Route("PUT", c + "/faults/", control.put_faults, public=True),
        Route("PATCH", c + "/faults/", control.put_faults, public=True),
        Route("POST", c + "/throttle/reset/", control.reset_throttle, public=True),
        Route("POST", c + "/users/", control.add_user, public=True),
    ]


def _projects() -> list[Route]:
    o = "/api/organizations/{organization_id}/projects"
    return [
        _r("GET", "/api/projects/", projects.list_projects, "project:read"),
        _r("GET", "/api/projects/{id}/", projects.get_project, "project:read"),
        _r("GET", "/api/organizations/", projects.list_organizations, "organization:read"),
        _r(
            "GET",
            "/api/organizations/{organization_id}/",
            projects.get_organization,
            "organization:read",
        ),
        _r("GET", o + "/", projects.list_org_projects, "project:read"),
        _r("GET", o + "/{id}/", projects.get_org_project, "project:read"),
        _r("GET", "/api/users/{uuid}/", projects.me, "user:read"),
        Route("GET", "/api/personal_api_keys/{id}/", projects.current_key, (), CRUD, any_key=True),
    ]


def _flags() -> list[Route]:
    f = P + "/feature_flags"
    return [
        _r("GET", f + "/", flags.list_flags, "feature_flag:read"),
        _r("POST", f + "/", flags.create_flag, "feature_flag:write"),
        _r("GET", f + "/activity/", activity_for(flags.SCOPE), "activity_log:read"),
        _r("GET", f + "/{id}/", flags.get_flag, "feature_flag:read"),
        _r("PUT", f + "/{id}/", flags.update_flag, "feature_flag:write"),
        _r("PATCH", f + "/{id}/", flags.update_flag, "feature_flag:write"),
        _r("DELETE", f + "/{id}/", flags.destroy_flag, "feature_flag:write"),
        _r("GET", f + "/{id}/activity/", flags.flag_activity, "activity_log:read"),
    ]


def _cohorts() -> list[Route]:
    c = P + "/cohorts"
    return [
        _r("GET", c + "/", cohorts.list_cohorts, "cohort:read"),
        _r("POST", c + "/", cohorts.create_cohort, "cohort:write"),
        _r("GET", c + "/activity/", activity_for(cohorts.SCOPE), "activity_log:read"),
        _r("GET", c + "/{id}/", cohorts.get_cohort, "cohort:read"),
        _r("PUT", c + "/{id}/", cohorts.update_cohort, "cohort:write"),
        _r("PATCH", c + "/{id}/", cohorts.update_cohort, "cohort:write"),
        _r("DELETE", c + "/{id}/", cohorts.destroy_cohort, "cohort:write"),
        _r("GET", c + "/{id}/activity/", cohorts.cohort_activity, "activity_log:read"),
        _r(
            "GET",
            c + "/{id}/persons/",
            cohorts.cohort_persons,
            "cohort:read person:read",
            ANALYTICS,
        ),
    ]


def _dashboards() -> list[Route]:
    d = "/dashboards"
    return [
        *_both("GET", d + "/", dashboards.list_dashboards, "dashboard:read", CRUD),
        *_both("POST", d + "/", dashboards.create_dashboard, "dashboard:write", CRUD),
        *_both("GET", d + "/{id}/", dashboards.get_dashboard, "dashboard:read", CRUD),
        *_both("PUT", d + "/{id}/", dashboards.update_dashboard, "dashboard:write", CRUD),
        *_both("PATCH", d + "/{id}/", dashboards.update_dashboard, "dashboard:write", CRUD),
        *_both("DELETE", d + "/{id}/", dashboards.destroy_dashboard, "dashboard:write", CRUD),
    ]


def _annotations() -> list[Route]:
    a = P + "/annotations"
    return [
        _r("GET", a + "/", chart_annotations.list_annotations, "annotation:read"),
        _r("POST", a + "/", chart_annotations.create_annotation, "annotation:write"),
        _r("GET", a + "/{id}/", chart_annotations.get_annotation, "annotation:read"),
        _r("PUT", a + "/{id}/", chart_annotations.update_annotation, "annotation:write"),
        _r("PATCH", a + "/{id}/", chart_annotations.update_annotation, "annotation:write"),
        _r("DELETE", a + "/{id}/", chart_annotations.destroy_annotation, "annotation:write"),
    ]


def _insights() -> list[Route]:
    i = "/insights"
    a = P + "/actions"
    return [
        *_both("GET", i + "/", insights.list_insights, "insight:read", CRUD),
        *_both("POST", i + "/", insights.create_insight, "insight:write", CRUD),
        *_both("GET", i + "/{id}/", insights.get_insight, "insight:read", CRUD),
        *_both("PUT", i + "/{id}/", insights.update_insight, "insight:write", CRUD),
        *_both("PATCH", i + "/{id}/", insights.update_insight, "insight:write", CRUD),
        *_both("DELETE", i + "/{id}/", insights.destroy, "insight:write", CRUD),
        _r("GET", a + "/", insights.list_actions, "action:read"),
        _r("POST", a + "/", insights.create_action, "action:write"),
        _r("GET", a + "/{id}/", insights.get_action, "action:read"),
        _r("PUT", a + "/{id}/", insights.update_action, "action:write"),
        _r("PATCH", a + "/{id}/", insights.update_action, "action:write"),
        _r("DELETE", a + "/{id}/", insights.destroy, "action:write"),
    ]


def _persons() -> list[Route]:
    p = "/persons"
    return [
        *_both("GET", p + "/", persons.list_persons, "person:read", ANALYTICS),
        *_both("GET", p + "/activity/", persons.person_activity, "activity_log:read", ANALYTICS),
        *_both(
            "GET", p + "/{id}/activity/", persons.person_activity, "activity_log:read", ANALYTICS
        ),
        *_both("POST", p + "/", persons.create_person, "person:write", ANALYTICS),
        *_both("GET", p + "/{id}/", persons.get_person, "person:read", ANALYTICS),
        *_both("PUT", p + "/{id}/", persons.update_person, "person:write", ANALYTICS),
        *_both("PATCH", p + "/{id}/", persons.update_person, "person:write", ANALYTICS),
        *_both("DELETE", p + "/{id}/", persons.delete_person, "person:write", ANALYTICS),
        *_both(
            "POST", p + "/{id}/update_property/", persons.update_property, "person:write", ANALYTICS
        ),
        *_both(
            "POST", p + "/{id}/delete_property/", persons.delete_property, "person:write", ANALYTICS
        ),
    ]


def _recordings() -> list[Route]:
    s = "/session_recordings"
    return [
        *_both("GET", s + "/", recordings.list_recordings, "session_recording:read", ANALYTICS),
        *_both("GET", s + "/{id}/", recordings.get_recording, "session_recording:read", ANALYTICS),
        *_both(
            "PATCH", s + "/{id}/", recordings.update_recording, "session_recording:write", ANALYTICS
        ),
        *_both(
            "DELETE",
            s + "/{id}/",
            recordings.delete_recording,
            "session_recording:write",
            ANALYTICS,
        ),
    ]


def _endpoints() -> list[Route]:
    e = "/endpoints"
    return [
        *_both("GET", e + "/", endpoints.list_endpoints, "endpoint:read", CRUD),
        *_both("POST", e + "/", endpoints.create_endpoint, "endpoint:write", CRUD),
        *_both("GET", e + "/{name}/", endpoints.get_endpoint, "endpoint:read", CRUD),
        *_both("PUT", e + "/{name}/", endpoints.update_endpoint, "endpoint:write", CRUD),
        *_both("PATCH", e + "/{name}/", endpoints.update_endpoint, "endpoint:write", CRUD),
        *_both("DELETE", e + "/{name}/", endpoints.delete_endpoint, "endpoint:write", CRUD),
        *_both("GET", e + "/{name}/versions/", endpoints.list_versions, "endpoint:read", CRUD),
        *_both("GET", e + "/{name}/run/", endpoints.run_endpoint, "endpoint:read", ANALYTICS),
        *_both("POST", e + "/{name}/run/", endpoints.run_endpoint, "endpoint:read", ANALYTICS),
    ]


def _approvals() -> list[Route]:
    a, c = "/approval_policies", "/change_requests"
    read, write = "approvals:read", "approvals:write"
    return [
        *_both("GET", a + "/", approval_policies.list_policies, read, CRUD),
        *_both("POST", a + "/", approval_policies.create_policy, write, CRUD),
        *_both("GET", a + "/{id}/", approval_policies.get_policy, read, CRUD),
        *_both("PUT", a + "/{id}/", approval_policies.update_policy, write, CRUD),
        *_both("PATCH", a + "/{id}/", approval_policies.update_policy, write, CRUD),
        *_both("DELETE", a + "/{id}/", approval_policies.delete_policy, write, CRUD),
        *_both("GET", c + "/", change_requests.list_requests, read, CRUD),
        *_both("GET", c + "/{id}/", change_requests.get_request, read, CRUD),
        *_both("POST", c + "/{id}/approve/", change_requests.approve, write, CRUD),
        *_both("POST", c + "/{id}/reject/", change_requests.reject, write, CRUD),
        *_both("POST", c + "/{id}/cancel/", change_requests.cancel, write, CRUD),
    ]


def _scheduled_changes() -> list[Route]:
    s, m = "/scheduled_changes", scheduled_changes
    read, write = "feature_flag:read", "feature_flag:write"
    return [
        *_both("GET", s + "/", m.list_changes, read, CRUD),
        *_both("POST", s + "/", m.create_change, write, CRUD),
        *_both("GET", s + "/{id}/", m.get_change, read, CRUD),
        *_both("PUT", s + "/{id}/", m.update_change, write, CRUD),
        *_both("PATCH", s + "/{id}/", m.update_change, write, CRUD),
        *_both("DELETE", s + "/{id}/", m.delete_change, write, CRUD),
    ]


def activity_for(scope: str) -> Handler:
    def handler(call: Call) -> Response:
        return activity.list_for_scope(call, scope)

    return handler


def all_routes() -> tuple[Route, ...]:
    return (
        *_control(),
        *_projects(),
        _r("GET", P + "/activity_log/", activity.project_log, "activity_log:read"),
        *_flags(),
        *_cohorts(),
        *_dashboards(),
        *_annotations(),
        *_insights(),
        *_persons(),
        *_recordings(),
        *_endpoints(),
        *_approvals(),
        *_scheduled_changes(),
    )
