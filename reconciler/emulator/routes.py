"""The route table: every path the emulator answers, its scopes and its throttle class.

Scopes come from the ``security: PersonalAPIKeyAuth`` of each operation in PostHog's 2026
OpenAPI files (tests/emulator/test_contract.py checks this table against a contract derived
from them). Kinds that PostHog registers under both roots are also served under
``/api/environments/{project_id}/``.
"""

from __future__ import annotations

from reconciler.emulator import control, projects
from reconciler.emulator.config import ANALYTICS, CRUD
from reconciler.emulator.routing import Handler, Route

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
    ]


def _projects() -> list[Route]:
    o = "/api/organizations/{organization_id}/projects"
    return [
        _r("GET", "/api/projects/", projects.list_projects, "project:read"),
        _r("GET", "/api/projects/{id}/", projects.get_project, "project:read"),
        _r("GET", o + "/", projects.list_org_projects, "project:read"),
        _r("GET", o + "/{id}/", projects.get_org_project, "project:read"),
        _r("GET", "/api/users/{uuid}/", projects.me, "user:read"),
        Route("GET", "/api/personal_api_keys/{id}/", projects.current_key, (), CRUD, any_key=True),
    ]


def all_routes() -> tuple[Route, ...]:
    routes: list[Route] = [*_control(), *_projects()]
    _ = ANALYTICS
    return tuple(routes)
