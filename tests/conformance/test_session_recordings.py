"""Session recordings from the demo seed: the list envelope and one recording."""

from __future__ import annotations

import pytest

from conformance.harness import MISSING_UUID, Api, Case, World, params, run

R = "/api/projects/{pid}/session_recordings"

CASES = [
    Case("session_recordings_list", 200, "GET", R + "/"),
    Case("session_recordings_list", 200, "GET", R + "/?limit=1", variant="paged"),
    Case(
        "session_recordings_list",
        200,
        "GET",
        R + "/?order=duration&order_direction=DESC&date_from=-30d",
        variant="ordered",
    ),
    Case("session_recordings_retrieve", 200, "GET", R + "/{recording}/"),
    Case("session_recordings_retrieve", 404, "GET", R + f"/{MISSING_UUID}/"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_session_recordings(api: Api, world: World, case: Case) -> None:
    run(api, world, case)
