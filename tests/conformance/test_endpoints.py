"""Saved Endpoints from the demo seed: list, read, and runs by GET and POST."""

from __future__ import annotations

import pytest

from conformance.harness import Api, Case, World, params, run

EP = "/api/projects/{pid}/endpoints"

CASES = [
    Case("endpoints_list", 200, "GET", EP + "/"),
    Case("endpoints_retrieve", 200, "GET", EP + "/{endpoint}/"),
    Case("endpoints_retrieve", 200, "GET", EP + "/{endpoint}/?version=1", variant="version"),
    Case("endpoints_retrieve", 404, "GET", EP + "/no_such_endpoint/"),
    Case("endpoints_run_retrieve", 200, "GET", EP + "/{endpoint}/run/"),
    Case("endpoints_run_retrieve", 404, "GET", EP + "/no_such_endpoint/run/"),
    Case("endpoints_run_create", 200, "POST", EP + "/{endpoint}/run/", body={"refresh": "cache"}),
    Case("endpoints_run_create", 200, "POST", EP + "/{endpoint}/run/", variant="no-body"),
    Case(
        "endpoints_run_create",
        400,
        "POST",
        EP + "/{endpoint}/run/",
        body={"variables": {"no_such_variable": 1}},
        variant="unknown-variable",
    ),
    Case(
        "endpoints_run_create",
        404,
        "POST",
        EP + "/{endpoint}/run/",
        body={"version": 9999},
        variant="unknown-version",
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_endpoints(api: Api, world: World, case: Case) -> None:
    run(api, world, case)
