"""The plan's diff time alone, over the generated flags and cohorts, no I/O.

Manifests are loaded and the seed turned into live objects before the clock starts. Two
figures, each the best of five runs: ``diff`` over every manifest and its live twin (both in
canonical form already: the diff itself), and the whole pure ``build_plan`` (canonical forms,
pairing, the diff, risks). Run alone with ``python -m bench.diff_time`` (it generates its own
project), or as a step of ``python -m bench.run``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reconciler import engine, paths
from reconciler.assembly import build_directory, to_live_object
from reconciler.diff import diff
from reconciler.manifests import dependency_order, references
from reconciler.plan import LiveState, Plan, build_plan
from reconciler.resources import REGISTRY

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


Work = list[tuple[Any, Any, Any, dict[str, Any]]]
POSITIONAL = Path(__file__).with_name("positional_diff.py")


def diff_work(manifests: Path, seed_path: Path) -> Work:
    """Every manifest with a live twin, both in canonical form: what ``diff`` is given."""
    found = [m for m in engine.load_manifests([str(manifests)]) if m.kind in SEED_KINDS]
    live = live_from_seed(json.loads(seed_path.read_text(encoding="utf-8")))
    twins = {(o.kind, o.name): o for objs in live.objects.values() for o in objs}
    work = []
    for manifest in found:
        adapter = REGISTRY[manifest.kind]
        current = twins.get((manifest.kind, manifest.name))
        if current is None:
            continue
        desired = adapter.canonical(manifest.spec)
        ignore = tuple(paths.parse(p) for p in manifest.ignore)
        extra = {"lists": adapter.list_rule} if hasattr(adapter, "list_rule") else {}
        work.append((desired, adapter.align(desired, current.spec), ignore, extra))
    return work


def time_diff(
    work: Work, function: Callable[..., Any] = diff, repeats: int = 5
) -> tuple[float, int]:
    """Best CPU time of ``function`` over ``work``, and how many pairs differ."""
    best, differing = float("inf"), 0
    for _ in range(repeats):
        started = time.process_time()
        differing = sum(1 for want, have, i, x in work if function(want, have, ignore=i, **x))
        best = min(best, time.process_time() - started)
    return best, differing


def measure_diff(manifests: Path, seed_path: Path, repeats: int = 5) -> tuple[float, int]:
    """Best CPU time of ``diff`` over every (desired, live) pair, and how many pairs differ."""
    return time_diff(diff_work(manifests, seed_path), repeats=repeats)


def against(work: Work, other: Path, rounds: int) -> tuple[float, float]:
    """Best CPU time of this ``diff`` and of the ``diff`` in the file ``other`` (an older
    reconciler/diff.py), interleaved round by round over the same work so that the machine's
    load falls on both alike."""
    spec = importlib.util.spec_from_file_location("other_diff", other)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)

    def theirs(want: Any, have: Any, *, ignore: Any, **_: Any) -> Any:
        return module.diff(want, have, ignore=ignore)

    ours_best = theirs_best = float("inf")
    for _ in range(rounds):
        ours_best = min(ours_best, time_diff(work, repeats=1)[0])
        theirs_best = min(theirs_best, time_diff(work, theirs, repeats=1)[0])
    return ours_best, theirs_best


def main(argv: Sequence[str] | None = None) -> int:
    from bench import generate

    parser = argparse.ArgumentParser(prog="bench.diff_time", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full project")
    parser.add_argument("--changed", type=float, default=0.05, help="share of manifests edited")
    parser.add_argument(
        "--against",
        type=Path,
        help="another reconciler/diff.py to time side by side with this one (e.g. "
        "bench/positional_diff.py, the diff before list items were matched by identity)",
    )
    parser.add_argument("--rounds", type=int, default=30, help="rounds of --against")
    args = parser.parse_args(argv)
    scale = generate.FULL.scaled(args.scale) if args.scale != 1 else generate.FULL
    project = generate.generate(scale, changed=args.changed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate.write_manifests(project, root / "manifests")
        generate.write_seed(project, root / "seed.json")
        if args.against:
            ours, theirs = against(
                diff_work(root / "manifests", root / "seed.json"), args.against, args.rounds
            )
            print(f"diff: {ours:.3f} s of CPU; {args.against}: {theirs:.3f} s "
                  f"(best of {args.rounds} interleaved rounds; ratio {ours / theirs:.2f})")
            return 0
        diffing, differing = measure_diff(root / "manifests", root / "seed.json")
        seconds, plan = measure(root / "manifests", root / "seed.json")
    print(f"diff: {diffing:.3f} s of CPU for {differing} differing objects ({scale})")
    print(f"build_plan: {seconds:.3f} s of CPU for {len(plan.changes)} changes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
