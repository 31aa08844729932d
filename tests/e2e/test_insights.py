"""Insights, actions and dashboards that hold them, end to end against the emulator over HTTP:
apply converges, drift inside a query is shown field by field, export then plan is empty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from reconciler.cli import cli

from .conftest import Api


def _run(emulator: Any, *args: str) -> Any:
    env = {"POSTHOG_HOST": emulator.url, "POSTHOG_PERSONAL_API_KEY": emulator.api_key,
           "POSTHOG_PROJECT_ID": str(emulator.project_id), "NO_COLOR": "1", "COLUMNS": ""}
    return CliRunner().invoke(cli, list(args), env=env)


def test_insights_actions_and_their_dashboard_round_trip(
    emulator: Any, repo: Path, api: Api, tmp_path: Path
) -> None:
    applied = _run(emulator, "apply", "--yes", str(repo))
    assert applied.exit_code == 0, applied.output
    assert _run(emulator, "plan", "--detailed-exitcode", str(repo)).exit_code == 0

    action = api.find("actions", name="Checkout completed")
    chart = api.find("insights", name="Weekly signups")
    source = chart["query"]["source"]
    assert source["series"][1] == {"kind": "ActionsNode", "id": action["id"]}
    cohort = api.find("cohorts", name="Beta testers")
    assert source["properties"]["values"][0]["values"][0]["value"] == cohort["id"]
    [board] = [b for b in api.list("dashboards") if b["name"] == "Growth"]
    full = api.session.get(f"{api.base}/dashboards/{board['id']}/", timeout=10).json()
    held = sorted((t["insight"] or {}).get("name") or "" for t in full["tiles"])
    assert held == ["", "Signup to checkout", "Weekly signups"]

    # Someone edits the query and adds a default of their own in PostHog's UI.
    edited = {**chart["query"], "source": {**source, "interval": "day", "filterTestAccounts": True}}
    api.patch("insights", chart["id"], {"query": edited})
    drift = _run(emulator, "plan", "--format", "json", str(repo))
    [change] = [c for c in json.loads(drift.stdout)["changes"] if c["name"] == "Weekly signups"]
    assert [(f["path"], f["before"], f["after"]) for f in change["fields"]] == [
        ("query.source.interval", "day", "week")
    ]
    assert _run(emulator, "apply", "--yes", str(repo)).exit_code == 0

    out = tmp_path / "exported"
    exported = _run(emulator, "export", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert (out / "actions" / "checkout-completed.yaml").is_file()
    assert (out / "insights" / "weekly-signups.yaml").is_file()
    assert "value: Beta testers" in (out / "insights" / "weekly-signups.yaml").read_text()
    assert not any("feature-flag" in p.name for p in (out / "insights").iterdir())
    again = _run(emulator, "plan", "--format", "json", str(out))
    assert again.exit_code == 0, again.output
    assert {c["action"] for c in json.loads(again.stdout)["changes"]} <= {"adopt"}
