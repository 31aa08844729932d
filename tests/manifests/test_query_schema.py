"""An insight's query checked offline against the vendored part of PostHog's query schema."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from reconciler.manifests.loader import parse_text
from reconciler.manifests.rules import check

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "posthog-openapi" / "2026"
VENDORED = ROOT / "schemas" / "posthog-query.json"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "derive_query_schema", ROOT / "scripts" / "derive_query_schema.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SOURCE.is_dir(), reason="PostHog's OpenAPI files are not beside the repo")
def test_the_vendored_query_schema_matches_a_fresh_derivation() -> None:
    script = _script()
    assert script.render(script.derive(SOURCE)) == VENDORED.read_text(encoding="utf-8"), (
        "schemas/posthog-query.json is stale: run scripts/derive_query_schema.py"
    )


def _issues(query: str) -> list[str]:
    text = f"kind: Insight\nname: Chart\nquery:\n{query}"
    [manifest], problems = parse_text(text, "insight.yaml")
    assert problems == []
    return [str(issue) for issue in check(manifest)]


VALID = {
    "trends": """  kind: InsightVizNode
  source:
    kind: TrendsQuery
    interval: week
    series: [{kind: EventsNode, event: signed up, math: dau}, {kind: ActionsNode, id: Buy}]
    breakdownFilter: {breakdown_type: cohort, breakdown: [Beta testers]}
""",
    "funnels": """  kind: InsightVizNode
  source:
    kind: FunnelsQuery
    series: [{kind: EventsNode, event: a}, {kind: EventsNode, event: b}]
    funnelsFilter: {funnelWindowInterval: 14, funnelWindowIntervalUnit: day}
""",
    "retention": """  kind: InsightVizNode
  source:
    kind: RetentionQuery
    retentionFilter:
      period: Week
      targetEntity: {id: Buy, type: actions}
      returningEntity: {id: $pageview, type: events}
""",
    "stickiness": """  kind: InsightVizNode
  source: {kind: StickinessQuery, series: [{kind: EventsNode, event: a}]}
""",
    "lifecycle": """  kind: InsightVizNode
  source: {kind: LifecycleQuery, series: [{kind: EventsNode, event: a}]}
""",
    "paths": """  kind: InsightVizNode
  source: {kind: PathsQuery, pathsFilter: {includeEventTypes: [$pageview]}}
""",
    "sql-chart": """  kind: DataVisualizationNode
  source: {kind: HogQLQuery, query: select count() from events}
""",
    "sql-table": """  kind: DataTableNode
  source: {kind: HogQLQuery, query: select 1}
""",
    "cohort-filter": """  kind: InsightVizNode
  source:
    kind: TrendsQuery
    series: [{kind: EventsNode, event: a}]
    properties:
      type: AND
      values: [{type: AND, values: [{type: cohort, key: id, value: Beta testers}]}]
""",
}


@pytest.mark.parametrize("query", VALID.values(), ids=VALID.keys())
def test_the_listed_query_kinds_pass(query: str) -> None:
    assert _issues(query) == []


INVALID = [
    (
        "  kind: InsightVisNode\n",
        "insight.yaml:4:3: query.kind: query kind \"InsightVisNode\" is not one phsync checks; "
        "did you mean 'InsightVizNode'?",
    ),
    (
        "  kind: InsightVizNode\n  source:\n    kind: TrendsQuery\n    intervall: week\n"
        "    series: []\n",
        "insight.yaml:7:5: query.source.intervall: unknown field 'intervall'; did you mean "
        "'interval'?",
    ),
    (
        "  kind: InsightVizNode\n  source:\n    kind: TrendsQuery\n"
        "    series: [{kind: EventsNode, event: a, math: totl}]\n",
        "did you mean 'total'?",
    ),
    (
        "  kind: InsightVizNode\n  source: {kind: TrendQuery}\n",
        "query.source.kind: must be one of: TrendsQuery, FunnelsQuery",
    ),
    (
        "  kind: DataTableNode\n  source: {kind: HogQLQuery}\n",
        "query.source: missing required field 'query'",
    ),
]


@pytest.mark.parametrize(("query", "expected"), INVALID)
def test_errors_name_the_line_and_a_likely_fix(query: str, expected: str) -> None:
    issues = _issues(query)
    assert len(issues) == 1, issues
    assert expected in issues[0]
