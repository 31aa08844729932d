"""Export reads every dashboard in full but the usage dashboards PostHog generates for flags.

A project with thousands of flags made in PostHog's UI holds as many generated dashboards;
reading each of them cost one request from the rate budget for nothing.
"""

from __future__ import annotations

from typing import Any

import requests

from reconciler import engine
from reconciler.export import export_objects
from reconciler.live import is_generated_dashboard
from reconciler.model import KINDS
from tests.reliability import inprocess


def _post(emulator: Any, tail: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(
        f"{emulator.url}/api/projects/{emulator.project_id}/{tail}",
        json=body,
        headers={"Authorization": f"Bearer {emulator.api_key}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_generated_dashboards_are_skipped_before_reading(quiet_emulator: Any) -> None:
    for number in range(6):  # made as PostHog's UI makes them: each with its usage dashboard
        _post(
            quiet_emulator,
            "feature_flags/",
            {"key": f"ui-made-{number}", "filters": {"groups": [{"rollout_percentage": 50}]}},
        )
    _post(quiet_emulator, "dashboards/", {"name": "Generated Dashboard: made by hand"})
    with inprocess.client_for(quiet_emulator) as client:
        boards = list(client.paginate(client.project_path("dashboards/")))
        generated = [b for b in boards if is_generated_dashboard(b)]
        assert len(generated) >= 6
        quiet_emulator.reset_stats()
        exported, _ = export_objects(engine.read_for_export(client, KINDS))
    reads = quiet_emulator.stats()["by_route"].get(
        "GET /api/projects/{project_id}/dashboards/{id}/", 0
    )
    assert 0 < reads == len(boards) - len(generated)
    names = {item.document.get("name") for item in exported}
    assert "Generated Dashboard: made by hand" in names  # a person's dashboard, not PostHog's
    assert not any(str(n).startswith("Generated Dashboard: ui-made") for n in names)
