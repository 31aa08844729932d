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
