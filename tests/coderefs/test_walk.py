"""Which files a scan reads: .gitignore at every level (and above the tree), vendored and
build folders skipped, the repository's own excludes."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.coderefs import compile_forms, scan, walk
from reconciler.coderefs.walk import ignored, parse_rules


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _files(root: Path, exclude: tuple[str, ...] = ()) -> list[str]:
    return [Path(p).relative_to(root).as_posix() for p in walk(root, exclude)]


@pytest.mark.parametrize(
    ("rules", "path", "is_dir", "expected"),
    [
        (["*.log"], "a/b/debug.log", False, True),
        (["/build.ts"], "build.ts", False, True),
        (["/build.ts"], "src/build.ts", False, False),
        (["gen/"], "src/gen", True, True),
        (["gen/"], "src/gen", False, False),
        (["src/*.ts"], "src/a.ts", False, True),
        (["src/*.ts"], "src/deep/a.ts", False, False),
        (["**/fixtures/**"], "a/fixtures/b/c.ts", False, True),
        (["*.ts", "!keep.ts"], "src/keep.ts", False, False),
        (["*.ts", "!keep.ts"], "src/drop.ts", False, True),
        (["# a comment", ""], "x", False, False),
        (["a?c.js"], "abc.js", False, True),
        (["[ab].js"], "b.js", False, True),
    ],
)
def test_gitignore_rules(rules: list[str], path: str, is_dir: bool, expected: bool) -> None:
    assert ignored(parse_rules(rules), path, is_dir) is expected


def test_the_walk_honours_gitignore_skipped_folders_and_excludes(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            ".gitignore": "generated/\n*.min.js\n",
            "src/app.ts": "",
            "src/app.min.js": "",
            "src/.gitignore": "local.ts\n",
            "src/local.ts": "",
            "src/app.test.ts": "",
            "generated/api.ts": "",
            "node_modules/pkg/index.js": "",
            "vendor/lib.rb": "",
            "dist/bundle.js": "",
            "web/build/out.js": "",
            "lib/keep.py": "",
        },
    )
    assert _files(root) == [".gitignore", "lib/keep.py", "src/.gitignore", "src/app.test.ts",
                            "src/app.ts"]  # fmt: skip
    assert _files(root, ("*.test.ts", "/lib")) == [".gitignore", "src/.gitignore", "src/app.ts"]


def test_a_gitignore_above_the_scanned_tree_counts_up_to_the_repository_root(
    tmp_path: Path,
) -> None:
    root = _tree(
        tmp_path,
        {
            ".git/HEAD": "",
            ".gitignore": "web/src/generated/\n",
            "web/.gitignore": "*.snap\n",
            "web/src/a.ts": "",
            "web/src/a.ts.snap": "",
            "web/src/generated/b.ts": "",
        },
    )
    assert _files(root / "web" / "src") == ["a.ts"]
    # With the excludes relative to the tree scanned.
    assert _files(root / "web", ("/src/a.ts",)) == [".gitignore"]


def test_scan_reports_paths_as_given_and_skips_ignored_files(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            ".gitignore": "gen/\n",
            "src/app.ts": "\nposthog.isFeatureEnabled('kept')\n",
            "gen/app.ts": "posthog.isFeatureEnabled('ignored')\n",
            "node_modules/x/a.js": "posthog.isFeatureEnabled('vendored')\n",
            "logo.png": "\0isFeatureEnabled('binary')",
        },
    )
    refs = scan([str(root)], compile_forms())
    assert [(r.file, r.line, r.key) for r in refs] == [(f"{root}/src/app.ts", 2, "kept")]
    single = scan([str(root / "src" / "app.ts")], compile_forms())
    assert [r.where for r in single] == [f"{root}/src/app.ts:2"]
