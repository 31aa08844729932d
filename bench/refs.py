"""`phsync refs` on a generated repository of source files, side by side with `git grep` of
the same flag keys on the same tree.

    .venv/bin/python -m bench.run --refs-only              # 50,000 files (about a minute)
    .venv/bin/python -m bench.run --refs-only --write-doc  # also update docs/performance.md

Both read the same files from a warm page cache; each command runs ``REPEATS`` times and the
median counts. `git grep` is given every declared key as a fixed string (``-F -f keys``) on
a repository where every file is added to the index, its best case; its time for one key is
shown too, as the floor of reading the files at all.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench import measure
from bench.code_tree import LANGUAGES, write_code_tree

if TYPE_CHECKING:
    from bench.run import Report

FILES = 50_000
TARGET_SECONDS = 5.0  # at 50,000 files
TARGET_RATIO = 2.0  # × git grep of the same keys
REPEATS = 3


def _median(runs: list[measure.Run]) -> measure.Run:
    walls = [run.wall for run in runs]
    return runs[walls.index(statistics.median_low(walls))]


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def step_refs(report: Report, workdir: Path, files: int = FILES, repeats: int = REPEATS) -> None:
    from bench.run import Row, _s

    root = workdir / "code"
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()
    tree = write_code_tree(root, files)
    git = shutil.which("git") is not None
    if git:
        _git(root, "init", "-q")
        _git(root, "add", "-A")
    report.machine["code tree"] = (
        f"{tree.files} source files of {len(LANGUAGES)} kinds, {tree.references} flag references, "
        f"{len(tree.declared)} flags declared; written{' and added to git' if git else ''} "
        f"in {_s(time.perf_counter() - started)}"
    )
    argv = ["refs", str(root / "flags"), "--code", str(root / "src"), "--format", "json"]
    ours = _median([measure.phsync(*argv, env={}).check(2) for _ in range(repeats)])
    found = json.loads(ours.stdout)
    declared, read = set(tree.declared), set(tree.keys)
    complete = (
        len(found["references"]) == tree.references
        and len(found["unreferenced"]) == len(declared - read)
        and len(found["undeclared"]) == len(read - declared)
    )
    report.add(
        Row(
            "refs: findings",
            f"{len(found['references'])} references, {len(found['unreferenced'])} unreferenced, "
            f"{len(found['undeclared'])} undeclared",
            "all of those generated",
            f"expected {tree.references} references",
            complete,
        ),
        Row(
            f"refs: wall, {tree.files} files",
            _s(ours.wall),
            f"< {TARGET_SECONDS:.0f} s at {FILES} files",
            "",
            ours.wall < TARGET_SECONDS if tree.files >= FILES else None,
        ),
        Row("refs: CPU", _s(ours.cpu), "", f"{ours.peak_mb:.0f} MB peak"),
    )
    if not git:
        report.notes.append("git is not installed: no `git grep` baseline")
        return
    keys = root / "keys.txt"
    keys.write_text("\n".join(tree.declared) + "\n", encoding="utf-8")
    grep = ["git", "-C", str(root), "grep", "-n", "-F"]
    every = _median(
        [measure.run([*grep, "-f", str(keys), "--", "src"]).check(0, 1) for _ in range(repeats)]
    )
    first = tree.declared[0]
    one = _median(
        [measure.run([*grep, "-e", first, "--", "src"]).check(0, 1) for _ in range(repeats)]
    )
    ratio = ours.wall / every.wall
    report.add(
        Row(
            "refs vs git grep of the same keys",
            f"{_s(ours.wall)} / {_s(every.wall)}",
            f"≤ {TARGET_RATIO:.0f} × git grep",
            f"{ratio:.2f} ×",
            ratio <= TARGET_RATIO,
        ),
        Row(
            f"baseline: git grep -F of {len(tree.declared)} keys",
            f"{_s(every.wall)} wall, {_s(every.cpu)} CPU",
            "",
            f"{len(every.stdout.splitlines())} matching lines",
        ),
        Row("baseline: git grep of one key", f"{_s(one.wall)} wall, {_s(one.cpu)} CPU"),
    )
    report.notes.append(
        f"Each figure is the median of {repeats} runs; phsync's includes starting Python and "
        "reading the manifests, and it finds the calls (one regular expression per SDK form), "
        "not only the keys. `git grep` runs on all cores, phsync on one."
    )
    report.notes.append(
        f"load average at end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
        f"Python {sys.version.split()[0]}"
    )
