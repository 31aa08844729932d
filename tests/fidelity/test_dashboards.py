"""Dashboards and their text tiles: PostHog's posthog/api/test/dashboards/test_dashboard.py and
test_dashboard_text_tiles.py."""

from __future__ import annotations

from typing import Any

from emulator.conftest import Client

from fidelity.conftest import restates, unique

DB = "posthog/api/test/dashboards/test_dashboard.py::"
TT = "posthog/api/test/dashboards/test_dashboard_text_tiles.py::"
EVERYONE_CAN_EDIT = 21
CAN_EDIT = 37


def create(api: Client, **body: Any) -> dict[str, Any]:
    response = api.post(api.p + "/dashboards/", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def url(api: Client, board: dict[str, Any]) -> str:
    return api.p + f"/dashboards/{board['id']}/"


def add_text(api: Client, board: dict[str, Any], text: str) -> dict[str, Any]:
    response = api.patch(url(api, board), json={"tiles": [{"text": {"body": text}}]})
    assert response.status_code == 200, response.text
    return dict(response.json())


@restates(DB + "test_retrieve_dashboard_list")
def test_list_in_creation_order(api: Client) -> None:
    names = [unique("a dashboard"), unique("b dashboard")]
    for name in names:
        create(api, name=name)
    listed = [d["name"] for d in api.get(api.p + "/dashboards/?limit=1000").json()["results"]]
    assert [n for n in listed if n in names] == names


@restates(DB + "test_retrieve_dashboard")
def test_retrieve(api: Client) -> None:
    board = api.get(url(api, create(api, name="private dashboard"))).json()
    assert board["name"] == "private dashboard"
    assert board["description"] == ""
    assert board["creation_mode"] == "default"
    assert board["restriction_level"] == EVERYONE_CAN_EDIT
    assert board["effective_privilege_level"] == CAN_EDIT


@restates(DB + "test_create_basic_dashboard")
def test_create_basic(api: Client) -> None:
    board = create(api, name="My new dashboard", description="")
    assert (board["name"], board["description"], board["tags"]) == ("My new dashboard", "", [])
    assert board["creation_mode"] == "default"
    assert board["restriction_level"] == EVERYONE_CAN_EDIT
    assert board["effective_privilege_level"] == CAN_EDIT


@restates(DB + "test_update_dashboard")
def test_creation_mode_is_read_only(api: Client) -> None:
    flag = api.post(
        api.p + "/feature_flags/",
        json={"key": unique("with-board"), "filters": {"groups": [{"rollout_percentage": 100}]}},
    ).json()
    board = {"id": flag["usage_dashboard"]}  # PostHog makes it from a template
    response = api.patch(
        url(api, board), json={"name": "dashboard new name", "creation_mode": "duplicate"}
    )
    assert response.json()["name"] == "dashboard new name"
    assert response.json()["creation_mode"] == "template"
    assert response.json()["restriction_level"] == EVERYONE_CAN_EDIT


@restates(DB + "test_cannot_update_dashboard_with_invalid_filters")
def test_filters_must_be_an_object(api: Client) -> None:
    board = create(api, name="private dashboard")
    bad = [{"key": "brand", "value": ["1"], "operator": "exact", "type": "event"}]
    assert api.patch(url(api, board), json={"filters": bad}).status_code == 400
    assert api.get(url(api, board)).json()["filters"] == {}


@restates(DB + "test_listing_dashboards_does_not_include_tiles")
def test_list_has_no_tiles(api: Client) -> None:
    board = create(api, name=unique("dashboard"))
    add_text(api, board, "a tile")
    results = api.get(api.p + "/dashboards/?limit=100").json()["results"]
    assert all(r.get("items") is None and r.get("tiles") is None for r in results)


@restates(DB + "test_dashboard_endpoints")
def test_soft_delete_and_restore(api: Client) -> None:
    board = create(api, name="Default", pinned=True)
    assert (board["creation_mode"], board["pinned"]) == ("default", True)
    assert api.patch(url(api, board), json={"deleted": True}).status_code == 200
    assert api.get(url(api, board)).status_code == 404
    ids = {d["id"] for d in api.get(api.p + "/dashboards/?limit=1000").json()["results"]}
    assert board["id"] not in ids
    api.patch(url(api, board), json={"deleted": False})
    ids = {d["id"] for d in api.get(api.p + "/dashboards/?limit=1000").json()["results"]}
    assert board["id"] in ids
    assert api.get(url(api, board)).status_code == 200


@restates(TT + "test_can_create_a_single_text_tile")
def test_create_text_tile(api: Client) -> None:
    board = add_text(api, create(api, name="dashboard"), "hello world")
    assert len(board["tiles"]) == 1
    tile = board["tiles"][0]
    assert tile["text"]["body"] == "hello world"
    assert (tile["layouts"], tile["color"], tile["insight"]) == ({}, None, None)
    assert (tile["last_refresh"], tile["is_cached"]) == (None, False)
    assert tile["text"]["last_modified_by"] is None


@restates(TT + "test_can_update_a_single_text_tile")
def test_update_text_tile(api: Client) -> None:
    board = create(api, name="dashboard")
    add_text(api, board, "hello world")
    tiles = add_text(api, board, "ciao il mondo")["tiles"]
    ids = sorted(t["id"] for t in tiles)
    first = next(t for t in tiles if t["id"] == ids[0])
    edited = {**first, "text": {**first["text"], "body": "anche ciao"}}
    response = api.patch(url(api, board), json={"tiles": [edited]})
    after = sorted(response.json()["tiles"], key=lambda t: t["id"])
    assert [t["id"] for t in after] == ids
    assert [t["text"]["body"] for t in after] == ["anche ciao", "ciao il mondo"]
    assert after[1]["text"]["last_modified_by"] is None


@restates(TT + "test_can_update_a_single_text_tile_color")
def test_text_tile_color(api: Client) -> None:
    board = create(api, name="dashboard")
    add_text(api, board, "hello world")
    tiles = add_text(api, board, "ciao il mondo")["tiles"]
    response = api.patch(url(api, board), json={"tiles": [{**tiles[0], "color": "purple"}]})
    assert {(t["id"], t["color"]) for t in response.json()["tiles"]} == {
        (tiles[0]["id"], "purple"),
        (tiles[1]["id"], None),
    }


@restates(TT + "test_can_remove_text_tiles_from_dashboard")
def test_remove_text_tile(api: Client) -> None:
    board = create(api, name="dashboard")
    for text in ("io sono testo", "soy texto", "i am text"):
        add_text(api, board, text)
    last = add_text(api, board, "ich bin text")["tiles"][-1]
    response = api.patch(url(api, board), json={"tiles": [{"id": last["id"], "deleted": True}]})
    assert response.status_code == 200
    tiles = api.get(url(api, board)).json()["tiles"]
    assert [t["text"]["body"] for t in tiles] == ["io sono testo", "soy texto", "i am text"]


@restates(TT + "test_do_not_see_deleted_text_tiles_when_adding_new_ones")
def test_deleted_tiles_stay_hidden(api: Client) -> None:
    board = create(api, name="dashboard")
    add_text(api, board, "io sono testo")
    tiles = add_text(api, board, "soy texto")["tiles"]
    api.patch(url(api, board), json={"tiles": [{**tiles[0], "deleted": True}]})
    assert len(api.get(url(api, board)).json()["tiles"]) == 1
    again = add_text(api, board, "i am a third text")["tiles"]
    assert [t["text"]["body"] for t in again] == ["soy texto", "i am a third text"]
