"""Saved endpoints through a mocked PostHog: listing, runs with variables, result shapes."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from reconciler.client import PostHogClient
from reconciler.errors import NotFoundError
from reconciler.queries.endpoints import iter_endpoints, result_table, run_endpoint
from tests.queries.conftest import BASE, make_client

ENDPOINTS = f"{BASE}/endpoints/"


def test_list_reads_the_unpaginated_envelope(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(
        ENDPOINTS,
        json={
            "results": [
                {
                    "name": "top_pages",
                    "is_active": True,
                    "query": {"kind": "HogQLQuery"},
                    "current_version": 2,
                }
            ]
        },
    )
    [found] = list(iter_endpoints(client))
    assert (found.name, found.query_kind, found.version, found.active) == (
        "top_pages",
        "HogQLQuery",
        2,
        True,
    )


def test_run_posts_variables_and_returns_rows_under_columns(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.post(
        f"{ENDPOINTS}top_pages/run/",
        json={
            "results": [["/", 3], ["/pricing", 2]],
            "columns": ["url", "views"],
            "hasMore": True,
            "endpoint_version": 2,
        },
        match=[matchers.json_params_matcher({"variables": {"plan": "pro", "days": 7}})],
    )
    result = run_endpoint(client, "top_pages", variables={"plan": "pro", "days": 7})
    assert result.records() == [{"url": "/", "views": 3}, {"url": "/pricing", "views": 2}]
    assert (result.has_more, result.version) == (True, 2)


def test_unknown_endpoint(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.post(
        f"{ENDPOINTS}nope/run/",
        status=404,
        json={"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None},
    )
    with pytest.raises(NotFoundError, match="no active endpoint named 'nope'") as caught:
        run_endpoint(client, "nope")
    assert "phsync endpoints list" in (caught.value.hint or "")


def test_a_throttled_run_waits_as_asked_then_succeeds(api: responses.RequestsMock) -> None:
    throttled = {
        "type": "throttled_error",
        "code": "throttled",
        "detail": "Request was throttled.",
        "attr": None,
    }
    api.post(f"{ENDPOINTS}e/run/", status=429, json=throttled, headers={"Retry-After": "2"})
    api.post(f"{ENDPOINTS}e/run/", json={"results": [[1]], "columns": ["n"]})
    slept: list[float] = []
    patient = make_client(sleep=slept.append, max_rate_wait=10.0)
    assert run_endpoint(patient, "e").rows == ((1,),)
    assert slept == [2.0]


RESULTS: list[tuple[dict[str, Any], tuple[str, ...], tuple[tuple[Any, ...], ...]]] = [
    ({"results": [[1, "a"]], "columns": ["n", "s"]}, ("n", "s"), ((1, "a"),)),
    (
        {"results": [[1, "a", True]], "columns": ["n"]},
        ("n", "column_2", "column_3"),
        ((1, "a", True),),
    ),
    (
        {"results": [{"label": "x", "count": 2}, {"label": "y", "data": [1]}]},
        ("label", "count", "data"),
        (("x", 2, None), ("y", None, [1])),
    ),
    ({"results": [5, 6]}, ("column_1",), ((5,), (6,))),
    ({"results": []}, (), ()),
    ({}, (), ()),
]


@pytest.mark.parametrize(
    ("answer", "columns", "rows"),
    RESULTS,
    ids=["hogql", "short-columns", "objects", "scalars", "empty", "no-results"],
)
def test_result_shapes(
    answer: dict[str, Any], columns: tuple[str, ...], rows: tuple[tuple[Any, ...], ...]
) -> None:
    result = result_table("e", answer)
    assert (result.columns, result.rows) == (columns, rows)
