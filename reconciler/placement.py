"""Putting insights on dashboards, the way PostHog does it: through the insight.

A dashboard PATCH moves, colours and removes the tiles a dashboard has, but adds only text
tiles; an insight goes onto a dashboard when its own ``dashboards`` list gains the dashboard's
id (PostHog marks that field deprecated in favour of the read-only ``dashboard_tiles``, and
its own frontend still writes it). Apply calls :func:`place_insights` before it writes a
dashboard's tiles, and :func:`settle_tiles` after.

The ``dashboards`` list is read, changed and written whole, so two dashboards of one apply
that place the same insight at once would each drop the other's id: one lock serialises those
read-modify-writes, and :func:`settle_tiles` places again whatever is still missing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from reconciler.assembly import to_live_object
from reconciler.errors import PhsyncError
from reconciler.live import ApiClient
from reconciler.plan import Change
from reconciler.resources import dashboard
from reconciler.resources.base import Directory

_PLACING = threading.Lock()


def place_insights(
    client: ApiClient, desired: Mapping[str, Any], url: str, directory: Directory
) -> dict[str, Any] | None:
    """Add the dashboard at ``url`` to every insight its manifest holds and it does not show
    yet; the dashboard as it is then, or ``None`` when there was nothing to place."""
    if not any("insight" in tile for tile in desired.get("tiles") or []):
        return None
    board: dict[str, Any] = client.request("GET", url)
    names = dashboard.insights_to_place(desired, board, directory)
    if not names:
        return None
    for name in names:
        insight_url = client.project_path(f"insights/{directory.id_of('Insight', name)}/")
        with _PLACING:
            insight = client.request("GET", insight_url)
            ids = [*(insight.get("dashboards") or []), board["id"]]
            client.request("PATCH", insight_url, json={"dashboards": list(dict.fromkeys(ids))})
    fresh: dict[str, Any] = client.request("GET", url)
    return fresh


def settle_tiles(
    client: ApiClient, change: Change, url: str, directory: Directory, attempts: int
) -> None:
    """After a PATCH that added tiles: read the dashboard back, remove doubles.

    Adding a text tile is the one PATCH that is not idempotent: when the client sends it
    again after a dropped answer, PostHog adds the tiles a second time. So read the tiles back
    and, while they differ from the manifest's, send a PATCH made against what is there
    (existing tiles by id, extras deleted), which is safe to repeat.
    """
    assert change.desired is not None
    for attempt in range(attempts + 1):
        raw = place_insights(client, change.desired, url, directory) or client.request("GET", url)
        live = to_live_object("Dashboard", raw, directory)
        aligned = dashboard.align(change.desired, live.spec)
        if aligned.get("tiles") == change.desired.get("tiles"):
            return
        if attempt == attempts:
            break
        body = dashboard.update_body(change.desired, frozenset({"tiles"}), live, directory)
        client.request("PATCH", url, json=body)
    raise PhsyncError(f"{change.key}: its tiles did not settle after repeated writes")
