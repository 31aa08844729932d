"""Insights, actions and insight tiles: what phsync sends, echoed back the way PostHog
answers (ids for names, version keys, nulls, defaults), reads as no change."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.assembly import to_live_object
from reconciler.diff import diff
from reconciler.manifests.loader import parse_text
from reconciler.manifests.references import dependency_order, references
from reconciler.resources import action, dashboard, insight, query_refs
from reconciler.resources.base import MARKER_TAG, Directory


def _directory() -> Directory:
    d = Directory()
    d.add("Cohort", "Beta testers", 7)
    d.add("Action", "Checkout completed", 4)
    d.add("Insight", "Weekly signups", 21)
    d.add("Insight", "Funnel", 22)
    return d


QUERY: dict[str, Any] = {
    "kind": "InsightVizNode",
    "source": {
        "kind": "TrendsQuery",
        "interval": "week",
        "series": [
            {"kind": "EventsNode", "event": "user signed up", "math": "total"},
            {"kind": "ActionsNode", "id": "Checkout completed"},
        ],
        "properties": {
            "type": "AND",
            "values": [{"type": "AND", "values": [{"type": "cohort", "key": "id", "value": "Beta testers"}]}],
        },
        "breakdownFilter": {"breakdown_type": "cohort", "breakdown": ["Beta testers", "all"]},
    },
}


def test_query_references_become_ids_and_read_back_as_names() -> None:
    directory = _directory()
    desired = insight.canonical({"name": "Weekly signups", "tags": ["Growth"], "query": QUERY})
    body = insight.create_body(desired, directory)
    source = body["query"]["source"]
    assert source["series"][1]["id"] == 4
    assert source["properties"]["values"][0]["values"][0]["value"] == 7
    assert source["breakdownFilter"]["breakdown"] == [7, "all"]
    assert body["tags"] == ["growth", MARKER_TAG]
    assert desired["query"]["source"]["series"][1]["id"] == "Checkout completed"  # untouched


def test_what_posthog_adds_to_a_stored_query_is_no_change() -> None:
    directory = _directory()
    desired = insight.canonical({"name": "Weekly signups", "query": QUERY})
    stored = insight.create_body(desired, directory)["query"]
    stored["version"] = 2
    stored["source"]["version"] = 2
    stored["source"]["filterTestAccounts"] = False
    stored["source"]["trendsFilter"] = {"display": "ActionsLineGraph"}
    stored["source"]["series"][0]["custom_name"] = None
    raw = {"id": 21, "name": "Weekly signups", "description": "", "tags": [MARKER_TAG], "query": stored}
    live = insight.from_live(raw, directory)
    assert live["query"]["source"]["series"][1]["id"] == "Checkout completed"
    assert diff(desired, insight.align(desired, live)) == ()
    changed = {**desired, "query": {**QUERY, "source": {**QUERY["source"], "interval": "day"}}}
    [change] = diff(insight.canonical(changed), insight.align(changed, live))
    assert change.path == "query.source.interval" and (change.before, change.after) == ("week", "day")


def test_an_id_no_name_knows_reads_as_its_number() -> None:
    query = {"kind": "ActionsNode", "id": 99}
    assert query_refs.rewrite(query, Directory().name_of) == {"kind": "ActionsNode", "id": "#99"}


@pytest.mark.parametrize(
    ("step", "canonical"),
    [
        ({"event": "$pageview", "url": "/done"}, {"event": "$pageview", "url": "/done", "url_matching": "contains"}),
        ({"event": "$autocapture", "text": "Buy", "url_matching": "exact"}, {"event": "$autocapture", "text": "Buy", "text_matching": "exact"}),
        ({"event": "x", "properties": [{"key": "plan", "value": "pro"}]}, {"event": "x", "properties": [{"key": "plan", "value": "pro", "type": "event", "operator": "exact"}]}),
    ],
)
def test_action_steps_fill_posthogs_defaults(step: dict[str, Any], canonical: dict[str, Any]) -> None:
    assert action.canonical({"name": "A", "steps": [step]})["steps"] == [canonical]


def test_an_action_as_posthog_stores_it_is_no_change() -> None:
    desired = action.canonical({"name": "Checkout completed", "steps": [{"event": "$pageview", "url": "/done"}]})
    body = action.create_body(desired, Directory())
    stored_step = {field: None for field in action.STEP_FIELDS} | {"event": "$pageview", "url": "/done", "url_matching": "contains"}
    raw = {"id": 4, "name": body["name"], "description": "", "tags": body["tags"], "steps": [stored_step]}
    assert action.is_managed(raw)
    live = action.from_live(raw, Directory())
    assert diff(desired, action.align(desired, {k: v for k, v in live.items() if k in desired})) == ()


def _board(tiles: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": 3, "name": "Growth", "tags": [MARKER_TAG], "tiles": tiles}


def test_insight_tiles_read_by_name_and_undeclared_ones_are_removed() -> None:
    directory = _directory()
    raw = _board([
        {"id": 10, "text": {"id": 1, "body": "## Notes"}, "layouts": {"sm": {"x": 0, "y": 0, "w": 12, "h": 2}}},
        {"id": 11, "insight": {"id": 21}, "text": None, "layouts": {"sm": {"x": 0, "y": 2, "w": 6, "h": 5}}},
        {"id": 12, "insight": {"id": 22}, "text": None, "layouts": {"sm": {"x": 6, "y": 2, "w": 6, "h": 5}}},
        {"id": 13, "insight": {"id": 23, "deleted": True}, "text": None, "layouts": {}},
    ])
    spec = {"name": "Growth", "tiles": [{"text": "## Notes"}, {"insight": "Weekly signups", "layouts": {"sm": {"x": 0, "y": 2, "w": 12, "h": 5}}}]}
    desired = dashboard.canonical(spec)
    live = to_live_object("Dashboard", raw, directory)
    assert [t.get("insight") for t in live.spec["tiles"]] == [None, "Weekly signups", "Funnel"]
    changes = diff(desired, dashboard.align(desired, live.spec), lists=dashboard.list_rule)
    assert {c.path for c in changes} == {"tiles[1].layouts.sm.w", "tiles[2]"}
    body = dashboard.update_body(desired, frozenset({"tiles"}), live, directory)
    assert body["tiles"] == [
        {"id": 10, "text": {"id": 1, "body": "## Notes"}},
        {"id": 11, "layouts": {"sm": {"x": 0, "y": 2, "w": 12, "h": 5}}},
        {"id": 12, "deleted": True},
    ]
    assert dashboard.insights_to_place(desired, raw, directory) == []
    more = dashboard.canonical({**spec, "tiles": [*spec["tiles"], {"insight": "Funnel"}, {"insight": "New"}]})
    assert dashboard.insights_to_place(more, raw, directory) == ["New"]


def test_references_order_cohorts_and_actions_before_insights_before_dashboards() -> None:
    text = """kind: Dashboard
name: Growth
tiles: [{insight: Weekly signups}]
---
kind: Insight
name: Weekly signups
query:
  kind: InsightVizNode
  source:
    kind: TrendsQuery
    series: [{kind: ActionsNode, id: Checkout completed}]
    properties: {type: AND, values: [{type: AND, values: [{type: cohort, key: id, value: Beta testers}]}]}
---
kind: Action
name: Checkout completed
steps: [{event: $pageview}]
---
kind: Cohort
name: Beta testers
"""
    manifests, problems = parse_text(text, "m.yaml")
    assert problems == []
    order = [m.kind for m in dependency_order(manifests)]
    assert order == ["Cohort", "Action", "Insight", "Dashboard"]
    [board, chart] = manifests[:2]
    assert [str(r.target) for r in references(chart)] == ["Action/Checkout completed", "Cohort/Beta testers"]
    assert [r.path for r in references(board)] == [("tiles", 0, "insight")]
