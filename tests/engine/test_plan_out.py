"""`plan --out`: a file, or plan.json in a folder, like export's and schema's --out folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cli.planfiles import out_path


@pytest.mark.parametrize(
    ("out", "environment", "expected"),
    [
        ("plan.json", None, "plan.json"),
        ("plans/", None, "plans/plan.json"),
        ("plans/", "prod", "plans/plan.prod.json"),
        ("saved.json", "staging", "saved.staging.json"),
        ("saved", "staging", "saved.staging.json"),
    ],
)
def test_where_the_plan_is_saved(out: str, environment: str | None, expected: str) -> None:
    assert out_path(out, environment) == str(Path(expected))


def test_an_existing_folder_gets_plan_json(tmp_path: Path) -> None:
    assert out_path(str(tmp_path), None) == str(tmp_path / "plan.json")
