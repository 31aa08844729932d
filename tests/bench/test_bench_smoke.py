"""The benchmark at a tiny scale, so that its code cannot rot: generator, emulator processes,
baselines, the measured phsync commands and the throughput driver, in a few seconds."""

from __future__ import annotations

from pathlib import Path

from bench import generate, measure, run
from reconciler.manifests import load_paths, validate

TINY = 0.002  # 20 flags, 4 cohorts, 2 dashboards, 10 annotations, 4 insights, 2 actions


def test_generated_manifests_are_valid_and_change_the_chosen_share(tmp_path: Path) -> None:
    project = generate.generate(generate.FULL.scaled(TINY), changed=0.25)
    files = generate.write_manifests(project, tmp_path)
    manifests, issues = load_paths([tmp_path])
    assert files == len(manifests) == 42
    assert issues == [] and validate(manifests) == []
    assert len(project.changed) == 9  # a quarter of each kind, rounded half to even
    assert len(project.seed["feature_flags"]) == 20


def test_the_whole_bench_runs_at_a_tiny_scale(tmp_path: Path) -> None:
    options = run.Options(
        scale=TINY, changed=0.25, rate=(50, 1.0), latency_ms=5, terraform_sample=1.0, rounds=2
    )
    report = run.bench(options, tmp_path)
    rows = {row.figure.split(":")[0] + ":" + row.figure.split(":")[1]: row for row in report.rows}
    assert rows["plan: changes found"].met is True
    assert rows["export: requests"].met is True  # generated usage dashboards are never read
    assert rows["plan: requests vs Terraform model"].measured.startswith("42 / ")
    figures = " ".join(row.figure for row in report.rows)
    for wanted in (
        "validate: wall",
        "plan: wall",
        "plan: peak memory",
        "export: wall",
        "apply: requests",
        "apply under 50/1 s",
        "apply, 5 ms latency",
    ):
        assert wanted in figures
    assert "| plan: wall |" in report.markdown()


def test_the_refs_bench_finds_every_generated_reference(tmp_path: Path) -> None:
    report = run.bench_refs(tmp_path, 120)
    rows = {row.figure: row for row in report.rows}
    assert rows["refs: findings"].met is True
    assert rows["refs: wall, 120 files"].met is None  # the target is for 50,000 files
    assert "refs vs git grep of the same keys" in rows
    assert "| refs: findings |" in report.markdown()


def test_a_figure_of_several_rounds_is_the_median_round_with_the_highest_peak() -> None:
    runs = [
        measure.Run(wall=wall, cpu=cpu, peak_mb=peak, stdout="", stderr="", returncode=0)
        for wall, cpu, peak in [(3.0, 2.5, 100), (1.0, 0.9, 120), (2.0, 1.8, 110)]
    ]
    middle = run.median(runs)
    assert (middle.wall, middle.cpu, middle.peak_mb) == (2.0, 1.8, 120)
