"""What pull prints, and how it writes files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reconciler.errors import RoundTripError
from reconciler.model import ResourceKey
from reconciler.pull import REMOVE, Edit, Finding, PullPlan, Written
from reconciler.pull.files import rewritten, write_all
from reconciler.pull.planner import ABSENT
from reconciler.pull.report import FileText, summary

FLAG = ResourceKey("FeatureFlag", "checkout")


@pytest.mark.parametrize(
    ("written", "line"),
    [
        (Written(FLAG, "f.yaml", 3, "active", True, False), "  ~ active: true → false"),
        (Written(FLAG, "f.yaml", 3, "filters.groups[1]", ABSENT, {"properties": []}),
         '  + filters.groups[1]: {"properties": []}'),
        (Written(FLAG, "f.yaml", 3, "tags[0]", "beta", REMOVE), '  - tags[0] (was "beta")'),
        (Written(FLAG, "f.yaml", 3, "filters.groups", [{}], [{}, {}]),
         "  ~ filters.groups: 1 → 2 items, written whole"),
    ],
    ids=["changed", "added", "removed", "list written whole"],
)
def test_each_value_written_is_one_line(written: Written, line: str) -> None:
    pulled = PullPlan(edits={"f.yaml": (Edit(0, ("x",), 1),)}, written=(written,))
    lines = list(summary(pulled, dry_run=False))
    assert lines == ["FeatureFlag/checkout  f.yaml:3", line, "Pulled 1 object(s) into 1 file(s)."]


def test_the_summary_names_who_changed_it_the_override_and_what_was_left() -> None:
    written = (
        Written(FLAG, "phsync.yaml", 19, "filters.groups[0].rollout_percentage", 100, 60,
                override="environments.staging.overrides[0]", by="ann@acme.com"),
    )
    finding = Finding(FLAG, "f.yaml:5:1", "is gone", "delete the manifest")
    pulled = PullPlan(edits={"phsync.yaml": ()}, written=written, findings=(finding,))
    assert list(summary(pulled, dry_run=True)) == [
        "FeatureFlag/checkout  phsync.yaml:19 (environments.staging.overrides[0]), "
        "changed in PostHog by ann@acme.com",
        "  ~ filters.groups[0].rollout_percentage: 100 → 60",
        "Not written:",
        "  f.yaml:5:1: FeatureFlag/checkout: is gone (delete the manifest)",
        "Would pull 1 object(s) into 1 file(s) (dry run: nothing written).",
    ]


def test_nothing_to_pull() -> None:
    assert list(summary(PullPlan(), dry_run=False)) == [
        "Nothing to pull: the manifests already say what PostHog has."
    ]


def test_a_diff_reads_like_gits() -> None:
    diff = FileText("flags/a.yaml", "a: 1\n", "a: 2\n").unified_diff()
    assert diff == "--- a/flags/a.yaml\n+++ b/flags/a.yaml\n@@ -1 +1 @@\n-a: 1\n+a: 2\n"
    assert FileText("new/b.yaml", "", "b: 1\n").unified_diff().startswith("--- /dev/null\n")


def test_files_are_rewritten_in_memory_and_written_keeping_their_mode(tmp_path: Path) -> None:
    kept = tmp_path / "kept.yaml"
    kept.write_text("# why\nkind: FeatureFlag\nkey: a\nactive: true  # on\n")
    os.chmod(kept, 0o640)
    pulled = PullPlan(edits={str(kept): (Edit(0, ("active",), False),)})
    [file] = rewritten(pulled)
    assert file.after == "# why\nkind: FeatureFlag\nkey: a\nactive: false  # on\n"
    assert "true" in kept.read_text()  # nothing written yet
    made = FileText(str(tmp_path / "new" / "b.yaml"), "", "kind: Cohort\nname: b\n")
    write_all([file, made])
    assert kept.read_text() == file.after
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert Path(made.path).read_text() == made.after
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["b.yaml", "kept.yaml", "new"]


def test_one_file_that_cannot_be_rewritten_stops_every_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("kind: FeatureFlag\nkey: a\nactive: true\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: FeatureFlag\nkey: b\nx: &v 1\ny: *v\n")
    pulled = PullPlan(edits={
        str(good): (Edit(0, ("active",), False),),
        str(bad): (Edit(0, ("x",), 2),),
    })
    with pytest.raises(RoundTripError) as raised:
        rewritten(pulled)
    assert raised.value.source == str(bad) and raised.value.line == 3
