"""Dashboards and the tiles protocol (posthog-api.md section 4)."""

from __future__ import annotations

from typing import Any

from emulator.conftest import Client, envelope


def new_board(api: Client, **body: Any) -> dict[str, Any]:
    response = api.post(api.p + "/dashboards/", json={"name": "Board", **body})
    assert response.status_code == 201
    return dict(response.json())


def test_list_uses_the_basic_serializer_ordered_pinned_then_name(api: Client) -> None:
    new_board(api, name="Aardvark")
    results = api.get(api.p + "/dashboards/").json()["results"]
    assert all("tiles" not in board for board in results)
    names = [b["name"] for b in results]
    assert names[0] == "Legacy product overview"  # the pinned one
    assert names[1:] == sorted(names[1:])


def test_exclude_generated_and_tags(api: Client) -> None:
    names = [
        b["name"] for b in api.get(api.p + "/dashboards/?exclude_generated=true").json()["results"]
    ]
    assert not any(n.startswith("Generated Dashboard: ") for n in names)
    tagged = api.get(api.p + "/dashboards/?tags=marketing").json()["results"]
    assert [b["name"] for b in tagged] == ["Legacy marketing KPIs"]


def test_detail_has_text_and_insight_tiles_in_layout_order(api: Client) -> None:
    board = api.get(api.p + "/dashboards/401/").json()
    tiles = board["tiles"]
    assert [t["order"] for t in tiles] == list(range(len(tiles)))
    assert tiles[0]["text"]["body"].startswith("## Weekly numbers")
    assert tiles[1]["insight"]["name"] == "Daily active users"
    assert tiles[1]["insight"]["dashboards"] == [401]


def test_tiles_protocol(api: Client) -> None:
    board = new_board(api)
    url = api.p + f"/dashboards/{board['id']}/"
    first = api.patch(
        url, json={"tiles": [{"text": {"body": "one"}}, {"text": {"body": "two"}}]}
    ).json()
    one, two = first["tiles"]
    edited = api.patch(
        url,
        json={
            "tiles": [
                {"id": one["id"], "text": {"id": one["text"]["id"], "body": "one!"}},
            ]
        },
    ).json()
    assert [t["text"]["body"] for t in edited["tiles"]] == ["one!", "two"]
    assert edited["tiles"][0]["id"] == one["id"]
    removed = api.patch(url, json={"tiles": [{"id": two["id"], "deleted": True}]}).json()
    assert [t["id"] for t in removed["tiles"]] == [one["id"]]
    moved = api.patch(
        url,
        json={
            "tiles": [
                {
                    "id": one["id"],
                    "layouts": {"sm": {"x": 0, "y": 3, "w": 12, "h": 2}},
                    "color": "red",
                },
            ]
        },
    ).json()
    assert moved["tiles"][0]["color"] == "red"
    assert moved["tiles"][0]["text"]["body"] == "one!"


def test_text_body_limit(api: Client) -> None:
    board = new_board(api)
    response = api.patch(
        api.p + f"/dashboards/{board['id']}/", json={"tiles": [{"text": {"body": "x" * 4001}}]}
    )
    assert response.status_code == 400
    assert response.json() == envelope(
        "validation_error", "max_length", "Text body cannot exceed 4000 characters", "text__body"
    )


def test_soft_delete_is_404_except_the_exact_restore_patch(api: Client) -> None:
    board = new_board(api, name="Temporary")
    url = api.p + f"/dashboards/{board['id']}/"
    assert api.delete(url).status_code == 405 and api.delete(url).content == b""
    assert api.patch(url, json={"deleted": True}).status_code == 200
    assert api.get(url).status_code == 404
    assert api.patch(url, json={"deleted": False, "name": "x"}).status_code == 404
    names = [b["name"] for b in api.get(api.p + "/dashboards/").json()["results"]]
    assert "Temporary" not in names
    restored = api.patch(url, json={"deleted": False})
    assert restored.status_code == 200 and restored.json()["name"] == "Temporary"


def test_create_validation(api: Client) -> None:
    both = api.post(
        api.p + "/dashboards/",
        json={"name": "x", "use_template": "DEFAULT_APP", "use_dashboard": 401},
    )
    assert both.json()["detail"] == "`use_dashboard` and `use_template` cannot be used together"
    long_name = api.post(api.p + "/dashboards/", json={"name": "n" * 401})
    assert long_name.json() == envelope(
        "validation_error",
        "max_length",
        "Ensure this field has no more than 400 characters.",
        "name",
    )
    copy = new_board(api, name="Copy", use_dashboard=402)
    assert copy["creation_mode"] == "duplicate" and len(copy["tiles"]) == 2
    board = new_board(api, tags=["Ops", "ops "])
    assert board["tags"] == ["ops"] and board["creation_mode"] == "default"
