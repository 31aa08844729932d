"""The plan's diff time alone: pure ``build_plan`` over the generated flags and cohorts, no I/O.

Manifests are loaded and the seed turned into live objects before the clock starts; the figure
is the best of five runs of ``build_plan`` (canonical forms, matching, the structural diff,
risks). Run alone with ``python -m bench.diff_time`` (it generates its own project), or as a
step of ``python -m bench.run``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reconciler import engine
from reconciler.live import build_directory, to_live_object
from reconciler.manifests import dependency_order, references
from reconciler.plan import LiveState, Plan, build_plan

SEED_KINDS = {"FeatureFlag": "feature_flags", "Cohort": "cohorts"}


def live_from_seed(seed: dict[str, Any]) -> LiveState:
    raws = {kind: list(seed.get(name) or []) for kind, name in SEED_KINDS.items()}
    directory = build_directory(raws)
    return LiveState(
        {kind: [to_live_object(kind, r, directory) for r in objs] for kind, objs in raws.items()}
    )


def measure(manifests: Path, seed_path: Path, repeats: int = 5) -> tuple[float, Plan]:
    """Best CPU time of ``build_plan`` (steadier than wall time on a shared machine; the plan
    is pure and single-threaded, so the two agree on a quiet one) and the plan it made."""
    found = [m for m in engine.load_manifests([str(manifests)]) if m.kind in SEED_KINDS]
    ordered = dependency_order(found)
    refs = {m.key: tuple(ref.target for ref in references(m)) for m in ordered}
    live = live_from_seed(json.loads(seed_path.read_text(encoding="utf-8")))
    best, plan = float("inf"), None
    for _ in range(repeats):
        started = time.process_time()
        plan = build_plan(ordered, live, references=refs)
        best = min(best, time.process_time() - started)
    assert plan is not None
    return best, plan


def main(argv: Sequence[str] | None = None) -> int:
    from bench import generate

    parser = argparse.ArgumentParser(prog="bench.diff_time", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full project")
    parser.add_argument("--changed", type=float, default=0.05, help="share of manifests edited")
    args = parser.parse_args(argv)
    scale = generate.FULL.scaled(args.scale) if args.scale != 1 else generate.FULL
    project = generate.generate(scale, changed=args.changed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate.write_manifests(project, root / "manifests")
        generate.write_seed(project, root / "seed.json")
        seconds, plan = measure(root / "manifests", root / "seed.json")
    print(f"build_plan: {seconds:.3f} s of CPU for {len(plan.changes)} changes ({scale})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
