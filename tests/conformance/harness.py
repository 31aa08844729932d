"""Drive the emulator over HTTP, one table row per operation and status, checked by the contract.

A `Case` is one request: its operation (asserted through the contract's path matching), the
status PostHog answers, the path with `{names}` taken from the `World`, and the body. The
`World` builds what a case names on first use, through the API itself (flags, cohorts,
dashboards, annotations) or by finding it in the emulator's demo seed (persons, recordings,
Endpoints). Names starting with `new_` are built afresh for every case that uses them, for
cases that change or delete what they touch.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from contract.checker import Contract, decode_body, install_request_checker

BAD_KEY = "phx_not_a_key_the_emulator_knows"
MISSING_ID = 987654321
MISSING_UUID = "01900000-0000-7000-8000-00000000dead"


@dataclass
class Api:
    """A requests session on the emulator whose request bodies are checked by the contract."""

    base: str
    project_id: int
    key: str
    session: requests.Session
    contract: Contract
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        install_request_checker(self.session, self.contract, self.problems)

    @property
    def p(self) -> str:
        return f"/api/projects/{self.project_id}"

    def call(
        self, method: str, path: str, *, json: Any = None, key: str | None = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        return self.session.request(
            method, self.base + path, json=json, headers=headers, timeout=10
        )

    def ok(self, method: str, path: str, json: Any = None) -> Any:
        """Call, insist on a 2xx, return the decoded body (for building the world)."""
        before = len(self.problems)
        response = self.call(method, path, json=json)
        assert response.ok, f"{method} {path} -> {response.status_code} {response.text[:300]}"
        assert self.problems[before:] == [], self.problems[before:]
        return decode_body(response.content)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def flag_body(world: World) -> dict[str, Any]:
    """A multivariate flag with payloads, a variant override and several property types."""
    return {
        "key": unique("conformance-multi"),
        "name": "Checkout experiment",
        "active": True,
        "tags": ["conformance"],
        "filters": {
            "groups": [
                {
                    "properties": [
                        {
                            "key": "email",
                            "type": "person",
                            "operator": "icontains",
                            "value": "@example.com",
                        }
                    ],
                    "rollout_percentage": 50,
                    "variant": "test",
                },
                {"properties": [], "rollout_percentage": None},
            ],
            "multivariate": {
                "variants": [
                    {"key": "control", "name": "Control", "rollout_percentage": 50},
                    {"key": "test", "name": "Test", "rollout_percentage": 50},
                ]
            },
            "payloads": {"control": '{"colour": "blue"}', "test": '{"colour": "green"}'},
        },
    }


def boolean_flag_body(world: World) -> dict[str, Any]:
    return {
        "key": unique("conformance-bool"),
        "name": "Boolean flag",
        "filters": {
            "groups": [
                {
                    "properties": [
                        {"key": "id", "type": "cohort", "operator": "in", "value": world["cohort"]}
                    ],
                    "rollout_percentage": 25,
                }
            ],
            "payloads": {"true": '{"enabled": true}'},
        },
    }


def cohort_body(world: World) -> dict[str, Any]:
    return {
        "name": unique("Conformance cohort"),
        "description": "people at example.com",
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
                                "value": "@example.com",
                                "negation": False,
                            }
                        ],
                    }
                ],
            }
        },
    }


def static_cohort_body(world: World) -> dict[str, Any]:
    return {
        "name": unique("Conformance static cohort"),
        "is_static": True,
        "_create_static_person_ids": [world["person_uuid"]],
    }


def dashboard_body(world: World) -> dict[str, Any]:
    return {"name": unique("Conformance dashboard"), "description": "ops", "pinned": False}


def text_tile_patch(body: str) -> dict[str, Any]:
    layout = {"x": 0, "y": 0, "w": 6, "h": 5, "minW": 3, "minH": 3}
    return {"tiles": [{"text": {"body": body}, "layouts": {"sm": layout}}]}


def action_body(world: World) -> dict[str, Any]:
    return {
        "name": unique("Conformance action"),
        "tags": ["managed-by-phsync"],
        "steps": [{"event": "$pageview", "url": "/checkout/done", "url_matching": "contains"}],
    }


def insight_body(world: World) -> dict[str, Any]:
    return {
        "name": unique("Conformance insight"),
        "tags": ["managed-by-phsync"],
        "query": {
            "kind": "InsightVizNode",
            "source": {
                "kind": "TrendsQuery",
                "series": [{"kind": "EventsNode", "event": "$pageview", "math": "total"}],
            },
        },
    }


def annotation_body(world: World) -> dict[str, Any]:
    return {
        "content": unique("Conformance release"),
        "date_marker": "2025-03-04T05:06:07Z",
        "scope": "project",
        "creation_type": "USR",
    }


class World:
    """Objects cases refer to by name, built through the API on first use."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self._known: dict[str, Any] = {"pid": api.project_id}
        self.scratch: dict[str, Any] = {}  # set by a body builder for the path to use
        self._builders: dict[str, Callable[[], Any]] = {
            "org": self._org,
            "flag": lambda: self._create("feature_flags", boolean_flag_body(self))["id"],
            "multi_flag": lambda: self._create("feature_flags", flag_body(self))["id"],
            "new_flag": lambda: self._create("feature_flags", flag_body(self))["id"],
            "deleted_flag": lambda: self._deleted("feature_flags", flag_body(self)),
            "cohort": lambda: self._create("cohorts", cohort_body(self))["id"],
            "static_cohort": lambda: self._create("cohorts", static_cohort_body(self))["id"],
            "new_cohort": lambda: self._create("cohorts", cohort_body(self))["id"],
            "deleted_cohort": lambda: self._deleted("cohorts", cohort_body(self)),
            "dashboard": self._dashboard_with_text_tile,
            "new_dashboard": lambda: self._create("dashboards", dashboard_body(self))["id"],
            "deleted_dashboard": lambda: self._deleted("dashboards", dashboard_body(self)),
            "annotation": lambda: self._create("annotations", annotation_body(self))["id"],
            "action": lambda: self._create("actions", action_body(self))["id"],
            "insight": lambda: self._create("insights", insight_body(self))["id"],
            "new_annotation": lambda: self._create("annotations", annotation_body(self))["id"],
            "deleted_annotation": lambda: self._deleted("annotations", annotation_body(self)),
            # The list names a person by UUID; its numeric id comes with a single read.
            "person_id": lambda: self.api.ok(
                "GET", f"{self.api.p}/persons/{self._person(0)['uuid']}/"
            )["id"],
            "person_uuid": lambda: self._person(0)["uuid"],
            "person_distinct_id": lambda: self._person(0)["distinct_ids"][0],
            "victim_person": lambda: self._person(-1)["uuid"],
            "new_victim_person": lambda: self._person(-2)["uuid"],
            "recording": lambda: self._first("session_recordings", "id"),
            "endpoint": lambda: self._first("endpoints", "name"),
        }

    def __getitem__(self, name: str) -> Any:
        if name.startswith("scratch_"):
            return self.scratch.pop(name.removeprefix("scratch_"))
        if name.startswith(("new_", "deleted_")):
            return self._builders[name]()
        if name not in self._known:
            self._known[name] = self._builders[name]()
        return self._known[name]

    def format(self, template: str) -> str:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
        return template.format(**{name: self[name] for name in names})

    # ---- builders ---------------------------------------------------------------------------

    def _create(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        created: dict[str, Any] = self.api.ok("POST", f"{self.api.p}/{kind}/", body)
        return created

    def _deleted(self, kind: str, body: Mapping[str, Any]) -> int:
        object_id: int = self._create(kind, body)["id"]
        self.api.ok("PATCH", f"{self.api.p}/{kind}/{object_id}/", {"deleted": True})
        return object_id

    def _org(self) -> str:
        me = self.api.ok("GET", "/api/users/@me/")
        return str(me["organization"]["id"])

    def _dashboard_with_text_tile(self) -> int:
        dashboard_id: int = self._create("dashboards", dashboard_body(self))["id"]
        path = f"{self.api.p}/dashboards/{dashboard_id}/"
        self.api.ok("PATCH", path, text_tile_patch("## Release notes\nAll green."))
        return dashboard_id

    def _person(self, index: int) -> dict[str, Any]:
        page = self.api.ok("GET", f"{self.api.p}/persons/?limit=100")
        assert len(page["results"]) >= 3, "the demo seed should hold persons"
        person: dict[str, Any] = page["results"][index]
        return person

    def _first(self, kind: str, field_name: str) -> Any:
        page = self.api.ok("GET", f"{self.api.p}/{kind}/")
        assert page["results"], f"the demo seed should hold {kind}"
        return page["results"][0][field_name]


Body = Any | Callable[[World], Any]


@dataclass(frozen=True)
class Case:
    """One request of the conformance table."""

    operation: str
    status: int
    method: str
    path: str
    body: Body = None
    variant: str = ""
    key: str | None = None
    bad_request: bool = False
    xfail: str | None = None

    @property
    def id(self) -> str:
        return "-".join(part for part in (self.operation, str(self.status), self.variant) if part)


def params(cases: Iterable[Case]) -> list[Any]:
    """pytest params with readable ids; a case with `xfail` is a strict expected failure."""
    result = []
    for case in cases:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        result.append(pytest.param(case, id=case.id, marks=marks))
    ids = [p.id for p in result]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate case ids: {duplicates}"
    return result


def run(api: Api, world: World, case: Case) -> Any:
    """Send the case's request; its status and both bodies must conform. Returns the body."""
    body = case.body(world) if callable(case.body) else case.body
    path = world.format(case.path)
    api.problems.clear()
    assert api.contract.match(case.method, path).operation_id == case.operation
    response = api.call(case.method, path, json=body, key=case.key)
    received = decode_body(response.content)
    assert response.status_code == case.status, (
        f"{case.method} {path} answered {response.status_code}, expected {case.status}: "
        f"{response.text[:300]}"
    )
    if case.bad_request:
        # The body is wrong on purpose; the request check must see that, then step aside.
        assert api.problems, f"the contract accepts the deliberately bad body {body!r}"
        api.problems.clear()
    problems = [
        *api.problems,
        *api.contract.check_response(case.method, path, response.status_code, received),
    ]
    assert problems == [], "\n".join(problems)
    return received
