"""The golden suite of the round-trip writer: for each case under ``pull_golden/``, the file
before (``before.yaml``), the edits (``edits.yaml``) and the whole file expected after
(``after.yaml``), compared byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.manifests.roundtrip import REMOVE, Edit, rewrite
from reconciler.paths import parse

GOLDEN = Path(__file__).parent / "pull_golden"
CASES = sorted(path.name for path in GOLDEN.iterdir() if path.is_dir())


def load_edits(case: Path) -> list[Edit]:
    """``edits.yaml``: a list of {document (default 0), path (``a.b[0]`` or a list), and
    value or ``remove: true``}."""
    edits: list[Edit] = []
    for entry in yaml.safe_load((case / "edits.yaml").read_text()):
        raw: Any = entry["path"]
        path = tuple(raw) if isinstance(raw, list) else parse(raw) if raw else ()
        value = REMOVE if entry.get("remove") else entry["value"]
        edits.append(Edit(entry.get("document", 0), path, value))
    return edits


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def test_the_suite_is_large_enough() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", CASES)
def test_rewrite_gives_exactly_the_expected_file(name: str) -> None:
    case = GOLDEN / name
    before, edits = read(case / "before.yaml"), load_edits(case)
    after = rewrite(before, edits, source=f"{name}/before.yaml")
    assert after == read(case / "after.yaml")
    if not any(edit.value is REMOVE and isinstance(edit.path[-1], int) for edit in edits):
        # the same edits again change nothing (removing item N twice would remove two items)
        assert rewrite(after, edits, source=f"{name}/after.yaml") == after
