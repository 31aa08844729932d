"""Discovery resolves each folder once: the real path of every file, symlinks and all, is still
``os.path.realpath``, and a file reached twice is read once."""

from __future__ import annotations

import os
from pathlib import Path

from reconciler.manifests.loader import _real_path, discover


def _tree(root: Path) -> None:
    (root / "real" / "deep").mkdir(parents=True)
    (root / "real" / "a.yaml").write_text("kind: Cohort\nname: A\n")
    (root / "real" / "deep" / "b.yaml").write_text("kind: Cohort\nname: B\n")
    (root / "elsewhere.yaml").write_text("kind: Cohort\nname: C\n")
    (root / "linked-folder").symlink_to(root / "real")
    (root / "real" / "linked-file.yaml").symlink_to(root / "elsewhere.yaml")


def test_real_paths_are_what_realpath_says(tmp_path: Path) -> None:
    _tree(tmp_path)
    cache: dict[str, str] = {}
    files = [
        tmp_path / "real" / "a.yaml",
        tmp_path / "linked-folder" / "a.yaml",
        tmp_path / "linked-folder" / "deep" / "b.yaml",
        tmp_path / "real" / "linked-file.yaml",
        tmp_path / "real" / "deep" / ".." / "a.yaml",
        Path(os.path.relpath(tmp_path / "real" / "a.yaml")),
    ]
    for file in files:
        assert _real_path(file, cache) == os.path.realpath(file), file


def test_a_file_reached_twice_is_read_once(tmp_path: Path) -> None:
    _tree(tmp_path)
    found, issues = discover(
        [tmp_path / "real", tmp_path / "linked-folder", tmp_path / "elsewhere.yaml"]
    )
    assert not issues
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "real/a.yaml",
        "real/linked-file.yaml",
        "real/deep/b.yaml",
    ]
