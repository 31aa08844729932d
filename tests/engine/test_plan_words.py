"""The plan in a reviewer's words, for edits of every kind: conditions inserted, removed,
reordered and changed, variants and payloads, cohort filters, dashboard text tiles and
``ignore:`` paths. Each scenario is one live object and its edited manifest; the golden file
holds the expected text lines, markdown lines and JSON ops (regenerate with UPDATE_GOLDEN=1
after a deliberate change, and read the diff)."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from reconciler.model import Action
from reconciler.plan import Change, build_plan
from reconciler.render.markdown import to_markdown
from reconciler.render.text import change_lines
from reconciler.resources.base import MARKER_TAG

from .helpers import live_state, manifest

GOLDEN = Path(__file__).parent / "golden" / "edits.json"
COHORT_IDS = {"Internal users": 11, "Paying customers": 12, "Beta testers": 13}
COHORTS = [{"id": i, "name": n, "description": "", "filters": {"properties": None}} for n, i in COHORT_IDS.items()]


def cohort(name: str) -> dict[str, Any]:
    return {"type": "cohort", "value": name}


def person(key: str, operator: str, value: Any) -> dict[str, Any]:
    return {"type": "person", "key": key, "operator": operator, "value": value}


def cond(*props: dict[str, Any], rollout: int = 100, **extra: Any) -> dict[str, Any]:
    return {"properties": list(props), "rollout_percentage": rollout, **extra}


INTERNAL = cond(cohort("Internal users"))
PAYING = cond(cohort("Paying customers"), rollout=20)
PARTNER = cond(person("email", "icontains", "@partner.com"))
EVERYONE = cond(rollout=10)
VARIANTS = [
    {"key": "control", "name": "Current page", "rollout_percentage": 34},
    {"key": "annual-first", "name": "Annual plans first", "rollout_percentage": 33},
    {"key": "comparison-table", "name": "Comparison table", "rollout_percentage": 33},
]
PAYLOADS = {
    "control": {"headline": "Simple pricing"},
    "annual-first": {"headline": "Save 20%", "default_period": "annual"},
    "comparison-table": {"headline": "Compare plans", "columns": ["free", "pro"]},
}


def flag(groups: list[Any], variants: list[Any] | None = None, payloads: dict[str, Any] | None = None, **scalars: Any) -> dict[str, Any]:
    filters: dict[str, Any] = {"groups": groups}
    if variants is not None:
        filters["multivariate"] = {"variants": variants}
    if payloads is not None:
        filters["payloads"] = payloads
    return {"key": "f", "name": "A flag", "tags": ["owner:web"], **scalars, "filters": filters}


def _raw_flag(spec: dict[str, Any]) -> dict[str, Any]:
    raw = json.loads(json.dumps(spec))  # no shared items: one dict may stand twice in a list
    for group in raw["filters"]["groups"]:
        for prop in group["properties"]:
            if prop["type"] == "cohort":
                prop.update(key="id", value=COHORT_IDS[prop["value"]])
    raw["filters"]["payloads"] = {k: json.dumps(v) for k, v in (raw["filters"].get("payloads") or {}).items()}
    return {"id": 1, "version": 3, "active": True, **raw, "tags": [*raw.get("tags", []), MARKER_TAG]}


def segment(*values: dict[str, Any], kind: str = "AND") -> dict[str, Any]:
    return {"type": kind, "values": list(values)}


def audience(*groups: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Audience", "filters": {"properties": segment(*groups, kind="OR")}}


EMAIL = person("email", "icontains", "@acme.com")
PRO = person("plan", "exact", "pro")
BASE_AUDIENCE = audience(segment(EMAIL, PRO))


def _raw_cohort(spec: dict[str, Any]) -> dict[str, Any]:
    raw = json.loads(json.dumps(spec).replace('"value": "Beta testers"', '"value": 13'))
    return {"id": 5, "description": "[managed by phsync]", "is_static": False, **raw}


def tile(text: str, **extra: Any) -> dict[str, Any]:
    return {"text": text, **extra}


def board(*tiles: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Board", "tiles": list(tiles)}


def _raw_board(spec: dict[str, Any]) -> dict[str, Any]:
    tiles = [
        {"id": 100 + i, "text": {"id": 200 + i, "body": t["text"]}, "color": t.get("color"), "layouts": {"sm": {"x": 0, "y": i, "w": 6, "h": 2}}}
        for i, t in enumerate(spec["tiles"])
    ]
    return {"id": 7, "name": spec["name"], "tags": [MARKER_TAG], "tiles": tiles}


NOTES, METRICS, LINKS = "## Notes\nWhat changed this week", "## Metrics", "## Links"
BASE = flag([INTERNAL, PAYING])
SPLIT = flag([cond()], VARIANTS, PAYLOADS)


def _with(spec: dict[str, Any], **filters: Any) -> dict[str, Any]:
    out = copy.deepcopy(spec)
    out["filters"].update(filters)
    return out


def _variants(*changes: tuple[str, dict[str, Any] | None]) -> list[dict[str, Any]]:
    by_key = {v["key"]: dict(v) for v in VARIANTS}
    for key, value in changes:
        if value is None:
            by_key.pop(key)
        else:
            by_key[key] = {**by_key.get(key, {"key": key, "name": ""}), **value}
    return list(by_key.values())


# (id, kind, live spec, desired spec, ignore)
SCENARIOS: list[tuple[str, str, dict[str, Any], dict[str, Any], tuple[str, ...]]] = [
    ("condition-inserted-first", "FeatureFlag", BASE, flag([PARTNER, INTERNAL, PAYING]), ()),
    ("condition-appended", "FeatureFlag", BASE, flag([INTERNAL, PAYING, cond(person("plan", "exact", "pro"), rollout=5)]), ()),
    ("condition-removed", "FeatureFlag", BASE, flag([INTERNAL]), ()),
    ("condition-removed-at-zero", "FeatureFlag", flag([INTERNAL, cond(cohort("Paying customers"), rollout=0)]), flag([INTERNAL]), ()),
    ("conditions-swapped", "FeatureFlag", BASE, flag([PAYING, INTERNAL]), ()),
    ("condition-moved-to-top", "FeatureFlag", flag([INTERNAL, PAYING, PARTNER]), flag([PARTNER, INTERNAL, PAYING]), ()),
    ("rollout-raised", "FeatureFlag", BASE, flag([INTERNAL, {**PAYING, "rollout_percentage": 40}]), ()),
    ("rollout-lowered", "FeatureFlag", BASE, flag([INTERNAL, {**PAYING, "rollout_percentage": 5}]), ()),
    ("insert-and-raise-shifted", "FeatureFlag", BASE, flag([PARTNER, INTERNAL, {**PAYING, "rollout_percentage": 30}]), ()),
    ("condition-target-changed", "FeatureFlag", BASE, flag([INTERNAL, cond(cohort("Beta testers"), rollout=20)]), ()),
    ("condition-description-added", "FeatureFlag", BASE, flag([INTERNAL, {**PAYING, "description": "Paying first"}]), ()),
    ("condition-variant-override", "FeatureFlag", BASE, flag([INTERNAL, {**PAYING, "variant": "test"}]), ()),
    ("duplicate-condition-removed", "FeatureFlag", flag([INTERNAL, INTERNAL, PAYING]), flag([INTERNAL, PAYING]), ()),
    ("everyone-rollout", "FeatureFlag", flag([EVERYONE]), flag([{**EVERYONE, "rollout_percentage": 30}]), ()),
    ("negated-condition-added", "FeatureFlag", BASE, flag([INTERNAL, PAYING, cond({**person("country", "exact", ["FR", "DE"]), "negation": True}, rollout=50)]), ()),
    ("variant-removed-rebalanced", "FeatureFlag", SPLIT, _with(SPLIT, multivariate={"variants": _variants(("control", {"rollout_percentage": 50}), ("annual-first", {"rollout_percentage": 50}), ("comparison-table", None))}, payloads={k: v for k, v in PAYLOADS.items() if k != "comparison-table"}), ()),
    ("variant-added", "FeatureFlag", SPLIT, _with(SPLIT, multivariate={"variants": _variants(("control", {"rollout_percentage": 25}), ("annual-first", {"rollout_percentage": 25}), ("comparison-table", {"rollout_percentage": 25}), ("monthly-first", {"name": "Monthly first", "rollout_percentage": 25}))}), ()),
    ("variant-display-name", "FeatureFlag", SPLIT, _with(SPLIT, multivariate={"variants": _variants(("control", {"name": "Old page"}))}), ()),
    ("variant-key-renamed", "FeatureFlag", SPLIT, _with(SPLIT, multivariate={"variants": [VARIANTS[0], VARIANTS[1], {**VARIANTS[2], "key": "table"}]}, payloads={**{k: v for k, v in PAYLOADS.items() if k != "comparison-table"}, "table": PAYLOADS["comparison-table"]}), ()),
    ("variant-resplit", "FeatureFlag", SPLIT, _with(SPLIT, multivariate={"variants": _variants(("control", {"rollout_percentage": 50}), ("annual-first", {"rollout_percentage": 25}), ("comparison-table", {"rollout_percentage": 25}))}), ()),
    ("variants-reordered", "FeatureFlag", SPLIT, _with(SPLIT, multivariate={"variants": [VARIANTS[1], VARIANTS[0], VARIANTS[2]]}), ()),
    ("payload-edited", "FeatureFlag", SPLIT, _with(SPLIT, payloads={**PAYLOADS, "control": {"headline": "Clear pricing"}}), ()),
    ("payload-list-edited", "FeatureFlag", SPLIT, _with(SPLIT, payloads={**PAYLOADS, "comparison-table": {"headline": "Compare plans", "columns": ["free", "pro", "enterprise"]}}), ()),
    ("payload-added", "FeatureFlag", _with(SPLIT, payloads={"control": PAYLOADS["control"]}), _with(SPLIT, payloads={"control": PAYLOADS["control"], "annual-first": PAYLOADS["annual-first"]}), ()),
    ("payload-removed", "FeatureFlag", SPLIT, _with(SPLIT, payloads={k: v for k, v in PAYLOADS.items() if k != "annual-first"}), ()),
    ("flag-deactivated", "FeatureFlag", BASE, {**BASE, "active": False}, ()),
    ("flag-tags-and-name", "FeatureFlag", BASE, {**BASE, "name": "Express payments", "tags": ["owner:web", "payments"]}, ()),
    ("ignored-rollout", "FeatureFlag", BASE, flag([INTERNAL, {**PAYING, "rollout_percentage": 90}]), ("filters.groups[*].rollout_percentage",)),
    ("ignored-rollout-with-insert", "FeatureFlag", BASE, flag([PARTNER, INTERNAL, {**PAYING, "rollout_percentage": 90}]), ("filters.groups[*].rollout_percentage",)),
    ("ignored-payloads", "FeatureFlag", SPLIT, _with(SPLIT, payloads={**PAYLOADS, "control": {"headline": "Clear pricing"}}), ("filters.payloads",)),
    ("cohort-filter-added", "Cohort", BASE_AUDIENCE, audience(segment(EMAIL, PRO, person("plan", "exact", "enterprise"))), ()),
    ("cohort-filter-removed", "Cohort", BASE_AUDIENCE, audience(segment(EMAIL)), ()),
    ("cohort-filter-value-changed", "Cohort", BASE_AUDIENCE, audience(segment(EMAIL, person("plan", "exact", "team"))), ()),
    ("cohort-nested-cohort-added", "Cohort", BASE_AUDIENCE, audience(segment(EMAIL, PRO, cohort("Beta testers"))), ()),
    ("cohort-group-added", "Cohort", BASE_AUDIENCE, audience(segment(EMAIL, PRO), segment(person("email", "is_set", None))), ()),
    ("cohort-filters-reordered", "Cohort", BASE_AUDIENCE, audience(segment(PRO, EMAIL)), ()),
    ("tile-appended", "Dashboard", board(tile(NOTES), tile(METRICS)), board(tile(NOTES), tile(METRICS), tile(LINKS)), ()),
    ("tile-inserted-first", "Dashboard", board(tile(NOTES), tile(METRICS)), board(tile(LINKS), tile(NOTES), tile(METRICS)), ()),
    ("tile-edited", "Dashboard", board(tile(NOTES), tile(METRICS)), board(tile(NOTES), tile("## Metrics (weekly)")), ()),
    ("tile-removed", "Dashboard", board(tile(NOTES), tile(METRICS), tile(LINKS)), board(tile(NOTES), tile(LINKS)), ()),
    ("tiles-swapped", "Dashboard", board(tile(NOTES), tile(METRICS)), board(tile(METRICS), tile(NOTES)), ()),
    ("tile-color", "Dashboard", board(tile(NOTES, color="blue"), tile(METRICS)), board(tile(NOTES, color="green"), tile(METRICS)), ()),
]

RAW = {"FeatureFlag": ("flags", _raw_flag), "Cohort": ("cohorts", _raw_cohort), "Dashboard": ("dashboards", _raw_board)}


def change_for(kind: str, live: dict[str, Any], desired: dict[str, Any], ignore: tuple[str, ...]) -> Change | None:
    name, to_raw = RAW[kind]
    raws: dict[str, list[dict[str, Any]]] = {"cohorts": list(COHORTS)}
    raws.setdefault(name, []).append(to_raw(live))
    plan = build_plan([manifest(kind, desired, ignore=ignore)], live_state(**raws))
    changes = [c for c in plan.changes if c.key.kind == kind]
    assert len(changes) <= 1
    return changes[0] if changes else None


def observed(kind: str, live: dict[str, Any], desired: dict[str, Any], ignore: tuple[str, ...]) -> dict[str, Any]:
    change = change_for(kind, live, desired, ignore)
    if change is None:
        return {"text": [], "markdown": [], "ops": []}
    assert change.action is Action.UPDATE
    from reconciler.plan import Plan

    markdown = to_markdown(Plan(changes=(change,)))
    return {
        "text": change_lines(change) + [f"! {w}" for w in change.warnings],
        "markdown": [line for line in markdown.splitlines() if line.startswith("- ")],
        "ops": [[f.op, f.path, f.item.label if f.item else None] for f in change.fields],
    }


def _all() -> dict[str, Any]:
    return {sid: observed(kind, live, desired, ignore) for sid, kind, live, desired, ignore in SCENARIOS}


def test_golden_file_matches() -> None:
    found = _all()
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert set(expected) == set(found)
    for sid in expected:
        assert found[sid] == expected[sid], sid


@pytest.mark.parametrize("sid", [s[0] for s in SCENARIOS])
def test_no_text_line_carries_a_list_of_objects(sid: str) -> None:
    text = _all_cached()[sid]["text"]
    for line in text:
        assert '[{"' not in line, line


_CACHE: dict[str, Any] = {}


def _all_cached() -> dict[str, Any]:
    if not _CACHE:
        _CACHE.update(_all())
    return _CACHE


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if not s[4]], ids=lambda s: s[0])
def test_the_changes_as_a_delta_turn_live_into_desired(scenario: tuple[Any, ...]) -> None:
    from reconciler.diff import as_delta
    from reconciler.resources import REGISTRY

    _, kind, live, desired, _ = scenario
    change = change_for(kind, live, desired, ())
    assert change is not None and change.desired is not None
    name, to_raw = RAW[kind]
    raws: dict[str, list[dict[str, Any]]] = {"cohorts": list(COHORTS)}
    raws.setdefault(name, []).append(to_raw(live))
    state = live_state(**raws)
    [current] = [o for o in state.objects[kind] if o.id == change.object_id]
    aligned = REGISTRY[kind].align(change.desired, current.spec)
    before = {field: aligned.get(field) for field in change.desired}
    assert before + as_delta(change.fields) == change.desired
