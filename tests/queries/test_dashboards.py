"""Dashboards through a mocked PostHog: lookup by name, tiles in display order."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from reconciler.client import PostHogClient
from reconciler.errors import ConfigError, NotFoundError
from reconciler.queries.dashboards import get_dashboard, iter_dashboards
from tests.queries.conftest import BASE, page

DASHBOARDS = f"{BASE}/dashboards/"


def tile(tile_id: int, y: int, x: int = 0, **content: Any) -> dict[str, Any]:
    return {
        "id": tile_id,
        "layouts": {"sm": {"x": x, "y": y, "w": 6, "h": 5}},
        "insight": None,
        "text": None,
        **content,
    }


def test_get_reads_the_dashboard_in_full_with_tiles_in_order(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(DASHBOARDS, json=page([{"id": 3, "name": "KPIs"}, {"id": 4, "name": "KPIs old"}]))
    api.get(
        f"{DASHBOARDS}3/",
        json={
            "id": 3,
            "name": "KPIs",
            "tags": ["managed-by-phsync", "growth"],
            "tiles": [
                tile(
                    12,
                    5,
                    insight={
                        "id": 70,
                        "short_id": "abc",
                        "name": None,
                        "derived_name": "Pageview count",
                    },
                ),
                tile(11, 0, text={"body": "\n## Weekly numbers\nOwned by growth."}),
                tile(13, 5, 6, insight={"id": 71, "short_id": "def", "name": "Signups"}),
                tile(14, 9, deleted=True, text={"body": "gone"}),
            ],
        },
    )
    board = get_dashboard(client, "KPIs")
    assert board.managed
    assert [(t.kind, t.title) for t in board.tiles or ()] == [
        ("text", "## Weekly numbers"),
        ("insight", "Pageview count"),
        ("insight", "Signups"),
    ]
    assert (board.tiles or ())[0].text == "\n## Weekly numbers\nOwned by growth."


def test_shared_and_unknown_names(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(DASHBOARDS, json=page([{"id": 3, "name": "KPIs"}, {"id": 5, "name": "KPIs"}]))
    with pytest.raises(ConfigError, match=r"2 dashboards are named 'KPIs' \(ids 3, 5\)"):
        get_dashboard(client, "KPIs")
    api.get(DASHBOARDS, json=page([{"id": 3, "name": "KPIs"}]))
    with pytest.raises(NotFoundError, match=r"no dashboard named 'KPI' \(did you mean 'KPIs'\?\)"):
        get_dashboard(client, "KPI")


def test_list_marks_generated_and_managed(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(
        DASHBOARDS,
        json=page(
            [
                {"id": 1, "name": "Generated Dashboard: x Usage"},
                {"id": 2, "name": "Mine", "tags": ["managed-by-phsync"]},
            ]
        ),
    )
    rows = list(iter_dashboards(client))
    assert [(d.generated, d.managed) for d in rows] == [(True, False), (False, True)]
    assert rows[0].tiles is None
