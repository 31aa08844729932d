"""Annotations: list, create, read, patch, soft delete (then 404), forbidden DELETE."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.harness import Api, Case, World, annotation_body, params, run

A = "/api/projects/{pid}/annotations"


def dashboard_annotation(world: World) -> dict[str, Any]:
    return {**annotation_body(world), "scope": "dashboard", "dashboard_id": world["dashboard"]}


CASES = [
    Case("annotations_list", 200, "GET", A + "/"),
    Case("annotations_list", 200, "GET", A + "/?limit=1", variant="paged"),
    Case("annotations_create", 201, "POST", A + "/", body=annotation_body),
    Case(
        "annotations_create", 201, "POST", A + "/", body=dashboard_annotation, variant="dashboard"
    ),
    Case(
        "annotations_create",
        400,
        "POST",
        A + "/",
        body={"content": "replay note", "scope": "recording"},
        variant="recording-scope",
    ),
    Case("annotations_retrieve", 200, "GET", A + "/{annotation}/"),
    Case("annotations_retrieve", 404, "GET", A + "/{deleted_annotation}/", variant="soft-deleted"),
    Case("annotations_retrieve", 404, "GET", A + "/987654321/"),
    Case(
        "annotations_partial_update",
        200,
        "PATCH",
        A + "/{new_annotation}/",
        body={"content": "Moved release", "date_marker": "2025-03-05T00:00:00Z"},
    ),
    Case(
        "annotations_partial_update",
        200,
        "PATCH",
        A + "/{new_annotation}/",
        body={"deleted": True},
        variant="soft-delete",
    ),
    Case("annotations_destroy", 405, "DELETE", A + "/{new_annotation}/"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_annotations(api: Api, world: World, case: Case) -> None:
    run(api, world, case)
