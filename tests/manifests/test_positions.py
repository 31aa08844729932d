"""Positions worked out when first asked: the same as recorded at once, read from the file."""

from __future__ import annotations

from pathlib import Path

from reconciler.manifests.loader import load_file, parse_text
from reconciler.manifests.positions import LazyPositions
from reconciler.model import SourceLocation

TEXT = """\
kind: Cohort
name: Beta
---
# second document
kind: FeatureFlag
key: beta-flag
filters:
  groups:
    - properties:
        - {key: email, type: person, value: "@x.com", operator: icontains}
      rollout_percentage: 50
"""


def test_a_valid_file_keeps_lazy_positions_equal_to_recorded_ones(tmp_path: Path) -> None:
    file = tmp_path / "m.yaml"
    file.write_text(TEXT)
    manifests, issues = load_file(file)
    assert issues == []
    flag = manifests[1]
    assert isinstance(flag.positions, LazyPositions)
    path = ("filters", "groups", 0, "rollout_percentage")
    assert flag.where(path) == SourceLocation(str(file), 11, 7)
    assert flag.where(("filters", "groups", 0, "properties", 0)) == SourceLocation(str(file), 10, 11)
    # what a text with a problem records at once, a valid one finds later: the same
    eager, problems = parse_text(TEXT + "---\nkind: Nope\n", str(file))
    assert problems and not isinstance(eager[1].positions, LazyPositions)
    assert dict(eager[1].positions) == dict(flag.positions)


def test_a_file_gone_since_falls_back_to_where_the_document_starts(tmp_path: Path) -> None:
    file = tmp_path / "m.yaml"
    file.write_text(TEXT)
    manifests, _ = load_file(file)
    file.unlink()
    assert manifests[1].where(("filters", "groups", 0)) == SourceLocation(str(file), 5, 1)


def test_a_text_without_a_file_is_read_again_from_itself() -> None:
    manifests, issues = parse_text(TEXT, "<stdin>")
    assert issues == [] and manifests[0].where(("name",)) == SourceLocation("<stdin>", 2, 1)
