"""phsync at scale, against the I/O floor and the Terraform model: one command, one table.

    .venv/bin/python -m bench.run                 # the full project (about 10 minutes)
    .venv/bin/python -m bench.run --scale 0.1     # a tenth of it
    .venv/bin/python -m bench.run --write-doc     # also put the table in docs/performance.md
    .venv/bin/python -m bench.run --refs-only     # only `phsync refs` beside `git grep`

Steps: generate the project (10,000 flags, 2,000 cohorts, 500 dashboards, 5,000 annotations
at scale 1) and its manifests with ``--changed`` of them edited, and the emulator's seed file
of the live project (loaded straight into its store, not sent as 17,500 POSTs); then, each
against a fresh emulator in its own process, its data in memory:

1. ``phsync validate`` beside PyYAML's C loader over the same files;
2. ``phsync plan`` beside the I/O floor (every list page, parsed) and the Terraform model
   (one GET per object, sampled), with the emulator's rate limits off;
3. ``phsync apply --yes`` against PostHog's own limits (480/minute, 4800/hour);
4. apply throughput under a scaled-down limit (``--rate``), and with no limit and
   ``--latency-ms`` per request (see :mod:`bench.driver`);
5. ``phsync refs`` on 50,000 generated source files beside ``git grep`` of the same keys
   (see :mod:`bench.refs`), in a table of its own.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from bench import diff_time, generate, measure

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
REFS_BEGIN, REFS_END = "<!-- bench:refs:begin -->", "<!-- bench:refs:end -->"
POSTHOG_LIMITS = "480/minute,4800/hour"
FAR_LATENCY_MS = 150
COLLECTIONS = {
    "Cohort": "cohorts",
    "FeatureFlag": "feature_flags",
    "Dashboard": "dashboards",
    "Annotation": "annotations",
    "Action": "actions",
    "Insight": "insights",
}


STEPS = ("plan", "diff", "export", "apply")


@dataclass(frozen=True)
class Options:
    scale: float = 1.0
    changed: float = 0.05
    rate: tuple[int, float] = (120, 60.0)  # requests, seconds
    latency_ms: int = 50
    parallelism: int = 4
    terraform_sample: float = 0.02
    apply: bool = True
    workdir: Path | None = None
    steps: frozenset[str] = frozenset(STEPS)
    rounds: int = 3


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    target: str = ""
    ratio: str = ""
    met: bool | None = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)

    def add(self, *rows: Row) -> None:
        self.rows.extend(rows)
        for row in rows:
            print(f"  {row.figure}: {row.measured} {row.ratio} {_verdict(row.met)}", flush=True)

    def table(self) -> str:
        header = ("figure", "measured", "target", "ratio", "met")
        lines = [header, ("---",) * 5]
        for r in self.rows:
            lines.append((r.figure, r.measured, r.target, r.ratio, _verdict(r.met)))
        return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)

    def markdown(self) -> str:
        machine = "\n".join(f"- {key}: {value}" for key, value in self.machine.items())
        notes = "\n".join(f"- {note}" for note in self.notes)
        return f"{machine}\n\n{self.table()}\n\n{notes}\n"


def _verdict(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "**no**")


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


# -- the emulator in its own process ------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    url: str
    api_key: str
    project_id: int

    @property
    def env(self) -> dict[str, str]:
        return {
            "POSTHOG_HOST": self.url,
            "POSTHOG_PERSONAL_API_KEY": self.api_key,
            "POSTHOG_PROJECT_ID": str(self.project_id),
        }

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = requests.get(f"{self.url}/_emulator/stats/", timeout=60).json()
        return result

    def reset(self) -> None:
        requests.post(f"{self.url}/_emulator/stats/reset/?throttle=true", timeout=60)

    def faults(self, **settings: Any) -> None:
        requests.put(f"{self.url}/_emulator/faults/", json=settings, timeout=60)


@contextmanager
def emulator(seed: Path, *, rate: str | None = None) -> Iterator[Served]:
    """An emulator in its own process, its data in memory, seeded from ``seed``."""
    argv = [sys.executable, "-m", "bench.emulator_proc", "--seed", str(seed)]
    if rate:
        argv += ["--crud-rate", rate]
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    try:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the emulator did not start")
        info = json.loads(line)
        yield Served(info["url"], info["api_key"], int(info["project_id"]))
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


# -- the steps ----------------------------------------------------------------------------------


def _machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "Python": platform.python_version(),
        "load average at start": load,
    }


def median(runs: list[measure.Run]) -> measure.Run:
    """The run of median wall time (its CPU time with it), with the highest peak memory of
    all: the machine is shared, and one round can be slowed by a neighbour."""
    middle = sorted(runs, key=lambda one: one.wall)[len(runs) // 2]
    return replace(middle, peak_mb=max(one.peak_mb for one in runs))


def step_validate(report: Report, options: Options, manifests: Path) -> measure.Run:
    print("validate", flush=True)
    bases, ours_runs = [], []
    for _ in range(options.rounds):  # interleaved, so that the machine's load falls on both
        loader = [sys.executable, "-m", "bench.baselines", "yaml", str(manifests)]
        bases.append(measure.run(loader).check())
        ours_runs.append(measure.phsync("validate", str(manifests), env={}).check())
    base, ours = median(bases), median(ours_runs)
    report.add(
        Row(
            "validate: wall",
            _s(ours.wall),
            "≤ 2 × C loader",
            f"{ours.wall / base.wall:.2f} ×",
            ours.wall <= 2 * base.wall,
        ),
        Row("validate: CPU", _s(ours.cpu), "", f"{ours.cpu / base.cpu:.2f} × C loader"),
        Row("validate: peak memory", f"{ours.peak_mb:.0f} MB"),
        Row(
            "baseline: PyYAML CSafeLoader, same files",
            f"{_s(base.wall)} wall, {_s(base.cpu)} CPU, {base.peak_mb:.0f} MB",
        ),
    )
    return ours


def step_plan(
    report: Report,
    options: Options,
    manifests: Path,
    seed: Path,
    project: generate.Project,
    validated: measure.Run,
) -> int:
    print("plan", flush=True)
    counts = project.counts
    with emulator(seed) as served:
        floors, plans = [], []
        for round_index in range(options.rounds):  # interleaved, as for validate
            floors.append(
                measure.run(
                    [
                        sys.executable, "-m", "bench.baselines", "floor", served.url,
                        str(served.project_id),
                    ],
                    env={**os.environ, **served.env},
                ).check()
            )
            served.reset()
            plans.append(
                measure.phsync("plan", "--timeout", "600", str(manifests), env=served.env).check()
            )
            if round_index == 0:
                stats = served.stats()
        pages = json.loads(floors[0].stdout)["requests"]
        floor, ours = median(floors), median(plans)
        # The same again with 150 ms per request, closer to PostHog Cloud across an ocean.
        served.faults(latency_ms=FAR_LATENCY_MS)
        far_floor = measure.run(
            [sys.executable, "-m", "bench.baselines", "floor", served.url, str(served.project_id)],
            env={**os.environ, **served.env},
        ).check()
        far = measure.phsync("plan", "--timeout", "600", str(manifests), env=served.env).check()
        served.faults(latency_ms=0)
        served.reset()
        ids = [f"{COLLECTIONS[kind]}={count}" for kind, count in counts.items()]
        model = measure.run(
            [
                sys.executable,
                "-m",
                "bench.baselines",
                "terraform",
                served.url,
                str(served.project_id),
                "--sample",
                str(options.terraform_sample),
                "--ids",
                *ids,
            ],
            env={**os.environ, **served.env},
        ).check()
    found = planned_changes(ours.stdout)
    requests_made = int(stats["total"])
    terraform = json.loads(model.stdout)
    lists = {f"GET /api/projects/{{project_id}}/{name}/" for name in COLLECTIONS.values()}
    other = {route: n for route, n in stats["by_route"].items() if route not in lists}
    report.add(
        Row(
            "plan: changes found",
            f"{found} (expected {len(project.changed)})",
            "all",
            "",
            found == len(project.changed),
        ),
        Row(
            "plan: requests",
            str(requests_made),
            f"list pages ({pages}) + a small constant",
            f"+{requests_made - pages}",
            requests_made - pages <= 60,
        ),
        Row(
            "plan: requests vs Terraform model",
            f"{terraform['requests']} / {requests_made}",
            "≥ 50 × fewer",
            f"{terraform['requests'] / requests_made:.0f} × fewer",
            terraform["requests"] >= 50 * requests_made,
        ),
        Row(
            "plan: wall",
            _s(ours.wall),
            "≤ 2 × I/O floor",
            f"{ours.wall / floor.wall:.2f} ×",
            ours.wall <= 2 * floor.wall,
        ),
        Row(
            "plan: wall vs max(validate, I/O floor)",
            f"{_s(ours.wall)} / {_s(max(validated.wall, floor.wall))}",
            "≤ 1.3 ×",
            f"{ours.wall / max(validated.wall, floor.wall):.2f} ×",
            ours.wall <= 1.3 * max(validated.wall, floor.wall),
        ),
        Row(
            f"plan: wall, {FAR_LATENCY_MS} ms latency",
            _s(far.wall),
            "≤ 1.2 × that I/O floor",
            f"{far.wall / far_floor.wall:.2f} × ({_s(far_floor.wall)})",
            far.wall <= 1.2 * far_floor.wall,
        ),
        Row("plan: CPU", _s(ours.cpu), "", f"{ours.cpu / floor.cpu:.2f} × I/O floor CPU"),
        Row("plan: peak memory", f"{ours.peak_mb:.0f} MB", "< 300 MB", "", ours.peak_mb < 300),
        Row(
            "baseline: I/O floor",
            f"{pages} pages, {_s(floor.wall)} wall, {_s(floor.cpu)} CPU, {floor.peak_mb:.0f} MB",
        ),
        Row(
            "baseline: Terraform model",
            f"{terraform['requests']} GETs, ~"
            f"{_s(terraform['estimated_wall'])} one at a time (from {terraform['sampled']})",
        ),
    )
    report.notes.append(
        "plan requests other than list pages: "
        + (", ".join(f"{route} × {n}" for route, n in sorted(other.items())) or "none")
    )
    budget_minutes = max(terraform["requests"] / 480, terraform["requests"] / 4800 * 60)
    report.notes.append(
        f"Under PostHog's limits (480/minute, 4800/hour) the Terraform model's "
        f"{terraform['requests']} GETs need at least {budget_minutes:.0f} minutes of rate "
        f"budget; phsync's plan ({requests_made} requests) fits in one minute's."
    )
    rest = ours.wall - validated.wall - floor.wall
    report.notes.append(
        f"plan wall {_s(ours.wall)} ≈ reading and validating the manifests (phsync validate: "
        f"{_s(validated.wall)}) + reading the project (I/O floor: {_s(floor.wall)}) + "
        f"{_s(rest)} for the rest (live objects in canonical form, references, diff, plan, "
        "activity lookups, output)."
    )
    return requests_made


def step_diff(report: Report, manifests: Path, seed: Path) -> None:
    """The diff alone, side by side with the positional diff it replaced (best of interleaved
    rounds over the same objects), and the whole pure plan."""
    print("diff", flush=True)
    work = diff_time.diff_work(manifests, seed)
    _, differing = diff_time.time_diff(work, repeats=1)
    ours, before = diff_time.against(work, diff_time.POSITIONAL, rounds=10)
    whole, plan = diff_time.measure(manifests, seed)
    report.add(
        Row(
            "plan: the diff alone (CPU)",
            f"{_s(ours)} for {differing} differing objects (positional diff: {_s(before)})",
            "≤ 1.1 × the positional diff",
            f"{ours / before:.2f}×",
            ours <= 1.1 * before,
        ),
        Row("plan: pure build_plan (CPU)", f"{_s(whole)} for {len(plan.changes)} changes"),
    )


def step_export(report: Report, seed: Path, workdir: Path, real_dashboards: int) -> None:
    """``phsync export`` of the whole project: requests against list pages + real dashboards."""
    print("export", flush=True)
    out = workdir / "exported"
    shutil.rmtree(out, ignore_errors=True)
    with emulator(seed) as served:
        floor = measure.run(
            [sys.executable, "-m", "bench.baselines", "floor", served.url, str(served.project_id)],
            env={**os.environ, **served.env},
        ).check()
        pages = json.loads(floor.stdout)["requests"]
        served.reset()
        ours = measure.phsync("export", "--out", str(out), env=served.env).check()
        stats = served.stats()
    made = int(stats["total"])
    full_reads = stats["by_route"].get("GET /api/projects/{project_id}/dashboards/{id}/", 0)
    target = pages + real_dashboards
    report.add(
        Row(
            "export: requests",
            f"{made} ({full_reads} full dashboard reads)",
            f"≤ list pages ({pages}) + dashboards not generated ({real_dashboards})",
            f"{made - target:+d}",
            made <= target,
        ),
        Row("export: wall", _s(ours.wall), "", f"{ours.wall / floor.wall:.2f} × I/O floor"),
    )


def planned_changes(text: str) -> int:
    """The number of changes in the summary line of a text plan (``Plan: 1 to create, ...``)."""
    line = next(line for line in text.splitlines() if line.startswith("Plan: "))
    return sum(int(number) for number in re.findall(r"(\d+) to ", line))


def step_apply(
    report: Report, options: Options, manifests: Path, seed: Path, expected: int
) -> None:
    print("apply (command line, PostHog's limits)", flush=True)
    with emulator(seed, rate=POSTHOG_LIMITS) as served:
        ours = measure.phsync(
            "apply", "--yes", "--timeout", "600", str(manifests), env=served.env
        ).check()
        stats = served.stats()
    throttled = int(stats["by_status"].get("429", 0))
    report.add(
        Row("apply: wall", _s(ours.wall), "", f"{expected} changes"),
        Row("apply: CPU", _s(ours.cpu)),
        Row("apply: peak memory", f"{ours.peak_mb:.0f} MB"),
        Row("apply: requests", str(stats["total"]), "", f"{throttled} answered 429"),
    )


def _driver(
    served: Served, manifests: Path, options: Options, *, limit: str | None, changes: int
) -> dict[str, Any]:
    argv = [
        sys.executable,
        "-m",
        "bench.driver",
        str(manifests),
        "--host",
        served.url,
        "--project",
        str(served.project_id),
        "--changes",
        str(changes),
        "--parallelism",
        str(options.parallelism),
    ]
    if limit:
        argv += ["--limit", limit]
    result = measure.run(argv, env={**os.environ, **served.env}).check()
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def step_throughput(
    report: Report, options: Options, manifests: Path, seed: Path, available: int
) -> None:
    count, period = options.rate
    writes = min(available, 2 * count + 1)
    spec = f"{count}/{period:g}"
    print(f"apply under a limit of {spec} s", flush=True)
    with emulator(seed, rate=f"{count}/{period:g}s") as served:
        limited = _driver(served, manifests, options, limit=spec, changes=writes)
    ideal = (math.ceil(limited["writes"] / count) - 1) * period
    throttled = int(limited["stats"]["by_status"].get("429", 0))
    efficiency = ideal / limited["seconds"] if ideal else 1.0
    report.add(
        Row(
            f"apply under {count}/{period:g} s: {limited['writes']} writes",
            _s(limited["seconds"]),
            "≥ 90 % of the limit",
            f"{efficiency:.0%} (ideal {_s(ideal)})",
            efficiency >= 0.9,
        ),
        Row("apply under the limit: 429 answers", str(throttled), "0", "", throttled == 0),
    )
    print(f"apply with {options.latency_ms} ms latency, no limit", flush=True)
    with emulator(seed) as served:
        served.faults(latency_ms=options.latency_ms)
        fast = _driver(served, manifests, options, limit=None, changes=available)
    ceiling = options.parallelism / (options.latency_ms / 1000)
    rate = fast["writes"] / fast["seconds"]
    sent = int(fast["stats"]["total"])
    request_rate = sent / fast["seconds"]
    report.add(
        Row(
            f"apply, {options.latency_ms} ms latency: {fast['writes']} writes, {sent} requests",
            f"{request_rate:.1f} requests/s",
            f"≥ 80 % of {ceiling:.0f}/s",
            f"{request_rate / ceiling:.0%}",
            request_rate >= 0.8 * ceiling,
        ),
        Row(
            f"apply, {options.latency_ms} ms latency: writes",
            f"{rate:.1f}/s",
            "",
            f"{sent / fast['writes']:.2f} requests per write",
        ),
        Row(
            "apply: phsync's CPU per write",
            f"{1000 * fast['cpu'] / fast['writes']:.1f} ms",
            "",
            f"{fast['cpu']:.1f} s for {fast['writes']} writes",
        ),
    )
    report.notes.append(
        f"Throughput runs use bench.driver: phsync's engine and client with a rate budget of "
        f"the emulator's limit ({spec} s, or none); the emulator forgets the plan's reads "
        f"before the writes start. Under the limit, {limited['writes']} writes = two full "
        f"windows and one request, so the ideal is {_s(ideal)}."
    )


def bench(options: Options, workdir: Path) -> Report:
    report = Report(machine=_machine())
    scale = generate.FULL.scaled(options.scale) if options.scale != 1 else generate.FULL
    print(f"generating {scale} with {options.changed:.0%} changed in {workdir}", flush=True)
    started = time.perf_counter()
    project = generate.generate(scale, changed=options.changed)
    manifests = workdir / "manifests"
    shutil.rmtree(manifests, ignore_errors=True)
    files = generate.write_manifests(project, manifests)
    seed = workdir / "seed.json"
    generate.write_seed(project, seed)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    with emulator(seed):
        pass
    seeded = time.perf_counter() - started
    report.machine["project"] = (
        f"{scale.flags} flags, {scale.cohorts} cohorts, {scale.dashboards} dashboards, "
        f"{scale.annotations} annotations, {scale.insights} insights, {scale.actions} actions; "
        f"{files} manifest files; "
        f"{len(project.changed)} changed ({options.changed:.0%})"
    )
    report.machine["set-up"] = f"generated in {_s(generated)}, emulator seeded in {_s(seeded)}"
    validated = step_validate(report, options, manifests)
    if "plan" in options.steps:
        step_plan(report, options, manifests, seed, project, validated)
    if "diff" in options.steps:
        step_diff(report, manifests, seed)
    if "export" in options.steps:
        step_export(report, seed, workdir, scale.dashboards)
    if options.apply and "apply" in options.steps:
        step_apply(report, options, manifests, seed, len(project.changed))
        step_throughput(report, options, manifests, seed, len(project.changed))
    report.machine["load average at end"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return report


def bench_refs(workdir: Path, files: int) -> Report:
    """`phsync refs` beside `git grep` (see :mod:`bench.refs`)."""
    from bench.refs import step_refs

    report = Report(machine=_machine())
    print(f"generating {files} source files in {workdir}", flush=True)
    step_refs(report, workdir, files)
    return report


def write_doc(report: Report, doc: Path = DOC, begin: str = BEGIN, end_mark: str = END) -> None:
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(begin) + len(begin), text.index(end_mark)
    doc.write_text(text[:start] + "\n" + report.markdown() + text[end:], encoding="utf-8")


def _rate(text: str) -> tuple[int, float]:
    count, _, seconds = text.partition("/")
    return int(count), float(seconds or 60)


def _steps(text: str) -> frozenset[str]:
    chosen = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = chosen - set(STEPS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown steps {sorted(unknown)}; choose from {STEPS}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full project")
    parser.add_argument("--changed", type=float, default=0.05, help="share of manifests edited")
    parser.add_argument(
        "--rate",
        type=_rate,
        default=(120, 60.0),
        help="the scaled-down limit, REQUESTS/SECONDS (default 120/60)",
    )
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--terraform-sample", type=float, default=0.02)
    parser.add_argument("--no-apply", action="store_true", help="validate and plan only")
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: a temp dir)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of validate and of plan beside their baselines (medians are shown)",
    )
    parser.add_argument("--write-doc", action="store_true", help=f"update {DOC.name}")
    parser.add_argument(
        "--refs-files", type=int, default=50_000, help="source files for `phsync refs` (0: skip)"
    )
    parser.add_argument("--refs-only", action="store_true", help="only `phsync refs`")
    parser.add_argument(
        "--steps",
        type=_steps,
        default=frozenset(STEPS),
        help=f"comma-separated steps after validate (default: all of {','.join(STEPS)})",
    )
    args = parser.parse_args(argv)
    if args.refs_only:
        with tempfile.TemporaryDirectory(prefix="phsync-bench-") as tmp:
            refs = bench_refs(args.workdir or Path(tmp), args.refs_files)
        print()
        print(refs.markdown())
        if args.write_doc:
            write_doc(refs, begin=REFS_BEGIN, end_mark=REFS_END)
        return 0 if all(row.met is not False for row in refs.rows) else 1
    options = Options(
        scale=args.scale,
        changed=args.changed,
        rate=args.rate,
        latency_ms=args.latency_ms,
        parallelism=args.parallelism,
        terraform_sample=args.terraform_sample,
        apply=not args.no_apply,
        steps=args.steps,
        rounds=max(1, args.rounds),
    )
    reports: list[tuple[Report, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="phsync-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        reports.append((bench(options, workdir), BEGIN, END))
        if args.refs_files:
            reports.append((bench_refs(workdir, args.refs_files), REFS_BEGIN, REFS_END))
    for report, begin, end in reports:
        print()
        print(report.markdown())
        if args.write_doc:
            write_doc(report, begin=begin, end_mark=end)
    return 0 if all(row.met is not False for r, _, _ in reports for row in r.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
