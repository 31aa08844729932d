"""Dashboards with text tiles: list, create, read, patch tiles, soft delete, forbidden DELETE."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.harness import Api, Case, World, dashboard_body, params, run, text_tile_patch

D = "/api/projects/{pid}/dashboards"


def first_tile(world: World, dashboard_id: int) -> dict[str, Any]:
    dashboard = world.api.ok("GET", world.format(D + f"/{dashboard_id}/"))
    tile: dict[str, Any] = dashboard["tiles"][0]
    return tile


def move_and_colour_tile(world: World) -> dict[str, Any]:
    tile = first_tile(world, world["dashboard"])
    layout = {"x": 6, "y": 0, "w": 6, "h": 4, "minW": 3, "minH": 3}
    return {"tiles": [{"id": tile["id"], "color": "blue", "layouts": {"sm": layout}}]}


def delete_tile(world: World) -> dict[str, Any]:
    dashboard_id = world["new_dashboard"]
    path = world.format(D + f"/{dashboard_id}/")
    world.api.ok("PATCH", path, text_tile_patch("short-lived"))
    tile = first_tile(world, dashboard_id)
    world.scratch["dashboard"] = dashboard_id
    return {"tiles": [{"id": tile["id"], "deleted": True}]}


CASES = [
    Case("dashboards_list", 200, "GET", D + "/"),
    Case("dashboards_list", 200, "GET", D + "/?limit=1", variant="paged"),
    Case("dashboards_create", 201, "POST", D + "/", body=dashboard_body),
    Case("dashboards_retrieve", 200, "GET", D + "/{dashboard}/", variant="text-tile"),
    Case("dashboards_retrieve", 404, "GET", D + "/{deleted_dashboard}/", variant="soft-deleted"),
    Case("dashboards_retrieve", 404, "GET", D + "/987654321/"),
    Case(
        "dashboards_partial_update",
        200,
        "PATCH",
        D + "/{new_dashboard}/",
        body=text_tile_patch("**Hello** from a text tile"),
        variant="add-text-tile",
    ),
    Case(
        "dashboards_partial_update",
        200,
        "PATCH",
        D + "/{new_dashboard}/",
        body={"name": "Renamed", "description": "changed", "pinned": True, "tags": ["ops"]},
    ),
    Case(
        "dashboards_partial_update",
        200,
        "PATCH",
        D + "/{new_dashboard}/",
        body={"deleted": True},
        variant="soft-delete",
    ),
    Case(
        "dashboards_partial_update",
        200,
        "PATCH",
        D + "/{dashboard}/",
        body=move_and_colour_tile,
        variant="tile-layout-colour",
    ),
    Case(
        "dashboards_partial_update",
        200,
        "PATCH",
        D + "/{scratch_dashboard}/",
        body=delete_tile,
        variant="delete-tile",
    ),
    Case("dashboards_destroy", 405, "DELETE", D + "/{new_dashboard}/"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_dashboards(api: Api, world: World, case: Case) -> None:
    run(api, world, case)
