"""Manifests that PostHog stores in another form still converge: apply once, then plan is empty.

Each case was found by the property tests: PostHog lower-cases tags, strips text fields, wants
text for some flag operators, and a cohort that gains conditions stops being static. Without
phsync comparing in PostHog's stored form, every apply would write again (or, for a name,
create again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.reliability import inprocess

CASES = {
    "upper-case tags": (
        "kind: Dashboard\nname: Tags\ntags: [Growth, ' KPI ']\n",
        None,
    ),
    "a number for gt in a flag": (
        "kind: FeatureFlag\nkey: older\nfilters:\n  groups:\n    - properties:\n"
        "        - {type: person, key: age, operator: gt, value: 40}\n"
        "        - {type: person, key: name, operator: icontains, value: 7}\n",
        None,
    ),
    "text with spaces and a trailing newline": (
        "kind: Dashboard\nname: Spaced\ndescription: |\n  Weekly numbers.\n---\n"
        "kind: FeatureFlag\nkey: spaced\nname: ' padded '\nfilters:\n  groups: [{rollout_percentage: 5}]\n---\n"
        "kind: Cohort\nname: Spaced cohort\ndescription: '  both ends  '\nis_static: true\n---\n"
        "kind: Annotation\nname: spaced\ncontent: ' v1 deployed '\ndate_marker: 2026-02-01T10:00:00Z\n",
        None,
    ),
    "a static cohort that gains conditions": (
        "kind: Cohort\nname: Grows up\nis_static: true\n",
        "kind: Cohort\nname: Grows up\nfilters:\n  properties:\n    type: AND\n    values:\n"
        "      - {type: person, key: plan, operator: exact, value: pro}\n",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_apply_then_plan_is_empty(case: str, quiet_emulator: Any, tmp_path: Path) -> None:
    first, then = CASES[case]
    root = tmp_path / "m"
    root.mkdir()
    with inprocess.client_for(quiet_emulator) as client:
        for text in (first, then):
            if text is None:
                continue
            (root / "m.yaml").write_text(text, encoding="utf-8")
            inprocess.apply(client, root)
            planned = inprocess.plan(client, root)
            assert planned.plan.is_empty, [c.to_dict() for c in planned.plan.changes]


@pytest.mark.parametrize("name", [".", ".env rollout", "..", "-.hidden"])
def test_export_writes_no_hidden_file_that_plan_would_skip(
    name: str, quiet_emulator: Any, tmp_path: Path
) -> None:
    """A cohort named '.env rollout' exported as cohorts/.env-rollout.yaml would be skipped by
    plan as a hidden file, and plan --prune would then delete the cohort."""
    from reconciler import engine
    from reconciler.export import export_objects
    from reconciler.manifests import dump_manifest
    from reconciler.model import KINDS

    root = tmp_path / "m"
    root.mkdir()
    (root / "c.yaml").write_text(f"kind: Cohort\nname: {name!r}\nis_static: true\n")
    out = tmp_path / "exported"
    with inprocess.client_for(quiet_emulator) as client:
        inprocess.apply(client, root)
        exported, _ = export_objects(engine.read_for_export(client, KINDS))
        for item in exported:
            assert not any(part.startswith(".") for part in Path(item.relative_path).parts)
            path = out / item.relative_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dump_manifest(item.document), encoding="utf-8")
        # Nothing deleted: every exported object is only adopted (its marker written).
        planned = inprocess.plan(client, out, prune=True).plan
        assert {change.action.value for change in planned.changes} == {"adopt"}
