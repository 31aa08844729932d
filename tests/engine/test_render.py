"""Golden files for the three renderers; regenerate with UPDATE_GOLDEN=1 after a deliberate change."""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.model import ResourceKey, Violation
from reconciler.plan import Plan, build_plan
from reconciler.render import RENDERERS
from reconciler.render.markdown import to_markdown
from reconciler.resources.base import MARKER_TAG

from .helpers import live_state, manifest

GOLDEN = Path(__file__).parent / "golden"


def sample_plan() -> Plan:
    manifests = [
        manifest("Cohort", {"name": "Beta testers", "description": "Opted in"}),
        manifest("FeatureFlag", {"key": "new-checkout", "name": "New checkout", "filters": {"groups": [{"properties": [{"type": "cohort", "value": "Beta testers"}], "rollout_percentage": 100}]}}),
        manifest("FeatureFlag", {"key": "pricing", "filters": {"groups": [{"properties": [], "rollout_percentage": 100}], "multivariate": {"variants": [{"key": "a", "rollout_percentage": 30}, {"key": "b", "rollout_percentage": 70}]}}}),
    ]
    live = live_state(
        flags=[
            {"id": 4, "key": "pricing", "tags": [MARKER_TAG], "version": 2, "active": True, "filters": {"groups": [{"properties": [], "rollout_percentage": 10}], "multivariate": {"variants": [{"key": "a", "rollout_percentage": 50}, {"key": "b", "rollout_percentage": 50}]}}},
            {"id": 9, "key": "old-banner", "tags": [MARKER_TAG], "version": 1, "active": True, "filters": {"groups": []}},
        ],
        cohorts=[],
    )
    plan = build_plan(manifests, live, prune=True, host="https://eu.posthog.com", project_id=12)
    changes = tuple(
        replace(c, last_change={"by": "ana@example.com", "at": "2026-11-20T10:02:11Z", "activity": "updated"})
        if c.key.name == "pricing" else c
        for c in plan.changes
    )
    violation = Violation("max_rollout_increase", ResourceKey("FeatureFlag", "pricing"),
                          "rollout of condition 1 grows 10% → 100% (+90 points; at most 25 per change)",
                          "raise it in steps of at most 25 points, or add `allow: [rollout-increase]` to the manifest")
    return replace(plan, changes=changes, violations=(violation,), environment="production")


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_golden(fmt: str) -> None:
    stream = io.StringIO()
    RENDERERS[fmt](sample_plan(), stream)
    path = GOLDEN / f"sample.plan.{ {'text': 'txt', 'json': 'json', 'markdown': 'md'}[fmt] }"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(stream.getvalue(), encoding="utf-8")
    assert stream.getvalue() == path.read_text(encoding="utf-8")


def test_markdown_puts_summary_then_risks_first() -> None:
    text = to_markdown(sample_plan())
    assert text.startswith("### phsync plan (production): 2 to create, 1 to update, 1 to delete")
    assert text.index("Policy violations") < text.index("Risky changes")
    assert "last updated by ana@example.com" in text
    assert text.index("Risky changes") < text.index("<details>")
    assert "rollout 10 % → 100 %" in text and "users are re-bucketed" in text
    assert "deletes an active flag" in text


def test_markdown_never_exceeds_the_limit() -> None:
    plan = sample_plan()
    many = Plan(changes=plan.changes * 400, host=plan.host, project_id=12)
    text = to_markdown(many, limit=20_000)
    assert len(text) <= 20_000
    assert "more change(s) not shown" in text


def test_json_render_is_the_plan_dict() -> None:
    stream = io.StringIO()
    RENDERERS["json"](sample_plan(), stream)
    assert json.loads(stream.getvalue())["summary"] == {"create": 2, "adopt": 0, "update": 1, "delete": 1}
