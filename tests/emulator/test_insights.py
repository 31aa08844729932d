"""Insights and actions: PostHog's endpoints and their behaviour, as its API tests show it."""

from __future__ import annotations

from typing import Any

from emulator.conftest import Client

TRENDS: dict[str, Any] = {
    "kind": "InsightVizNode",
    "source": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]},
}


def _board(api: Client, name: str) -> int:
    created = api.post(api.p + "/dashboards/", json={"name": name})
    assert created.status_code == 201
    board_id: int = created.json()["id"]
    return board_id


def _held(api: Client, board_id: int) -> list[int]:
    tiles = api.get(f"{api.p}/dashboards/{board_id}/").json()["tiles"]
    return [t["insight"]["id"] for t in tiles if t["insight"]]


def test_an_insight_is_created_read_placed_and_soft_deleted(api: Client) -> None:
    one, two = _board(api, "One"), _board(api, "Two")
    created = api.post(api.p + "/insights/", json={"name": "Views", "query": TRENDS, "tags": ["A "], "dashboards": [one]})
    assert created.status_code == 201
    body = created.json()
    assert body["query"] == TRENDS and body["tags"] == ["a"] and len(body["short_id"]) == 8
    assert body["dashboards"] == [one] and _held(api, one) == [body["id"]]
    path = f"{api.p}/insights/{body['id']}/"
    moved = api.patch(path, json={"dashboards": [two]}).json()
    assert moved["dashboards"] == [two]
    assert _held(api, one) == [] and _held(api, two) == [body["id"]]
    listed = api.get(api.p + "/insights/", params={"short_id": body["short_id"]}).json()
    assert [i["id"] for i in listed["results"]] == [body["id"]]
    assert api.delete(path).status_code == 405
    assert api.patch(path, json={"deleted": True}).status_code == 200
    assert api.get(path).status_code == 404
    assert body["id"] not in [i["id"] for i in api.get(api.p + "/insights/").json()["results"]]
    assert api.patch(path, json={"deleted": False}).status_code == 200


def test_insight_refusals(api: Client) -> None:
    bad_query = api.post(api.p + "/insights/", json={"name": "x", "query": {"source": {}}})
    assert bad_query.status_code == 400 and bad_query.json()["attr"] == "query"
    no_board = api.post(api.p + "/insights/", json={"name": "x", "query": TRENDS, "dashboards": [999999]})
    assert no_board.status_code == 400 and no_board.json()["code"] == "does_not_exist"


def test_actions_store_every_step_field_and_keep_names_unique(api: Client) -> None:
    step = {"event": "$pageview", "url": "/done"}
    created = api.post(api.p + "/actions/", json={"name": "Bought", "steps": [step], "tags": ["x"]})
    assert created.status_code == 201
    body = created.json()
    [stored] = body["steps"]
    assert stored["url_matching"] == "contains" and stored["text"] is None and stored["selector"] is None
    assert body["is_action"] is True and body["tags"] == ["x"]
    again = api.post(api.p + "/actions/", json={"name": "Bought", "steps": [step]})
    assert again.status_code == 400 and again.json()["code"] == "unique"
    path = f"{api.p}/actions/{body['id']}/"
    assert api.delete(path).status_code == 405
    assert api.patch(path, json={"deleted": True}).status_code == 200
    assert api.get(path).status_code == 404
    reused = api.post(api.p + "/actions/", json={"name": "Bought", "steps": [step]})
    assert reused.status_code == 201  # a deleted action's name is free again
