"""Running the real `phsync` command for the reliability suite, and recording figures.

``converge`` runs ``apply`` until it succeeds (a run that stops half-way under faults is
allowed; running it again must converge) and counts the runs and the changes each made.
``record`` appends one JSON line of figures to the file named by ``PHSYNC_RELIABILITY_REPORT``
(nothing happens without it), for docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, run_phsync

PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] (created|adopted|updated|deleted) ", re.MULTILINE)
FAULT_STATUSES = ("429", "500", "502", "503", "dropped")


@dataclass
class Convergence:
    """The apply runs it took to converge."""

    runs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    @property
    def first_run_succeeded(self) -> bool:
        return bool(self.runs) and self.runs[0].returncode == 0

    @property
    def failures(self) -> list[str]:
        """The first line of each failed run's error."""
        out = []
        for run in self.runs:
            if run.returncode != 0:
                lines = [ln for ln in run.stderr.splitlines() if ln.startswith("Error:")]
                out.append(lines[0][:300] if lines else run.stderr[-300:])
        return out

    @property
    def changes(self) -> dict[str, int]:
        """Changes carried out over all runs, by past-tense action."""
        counts: dict[str, int] = {}
        for run in self.runs:
            for match in PROGRESS.finditer(run.stderr):
                counts[match.group(3)] = counts.get(match.group(3), 0) + 1
        return counts


def converge(
    env: Mapping[str, str], *args: str, attempts: int = 6, timeout: float = 600
) -> Convergence:
    """``phsync apply --yes ARGS`` until it exits 0; every failed run must exit 1 with a
    message saying what was done (never a crash)."""
    result = Convergence()
    for _ in range(attempts):
        run = run_phsync("apply", "--yes", *args, env=env, timeout=timeout)
        result.runs.append(run)
        if run.returncode == 0:
            return result
        assert run.returncode == 1, f"apply crashed (exit {run.returncode}):\n{run.stderr[-3000:]}"
        assert "Error:" in run.stderr, run.stderr[-3000:]
    tail = "\n".join(r.stderr[-1500:] for r in result.runs[-2:])
    raise AssertionError(f"apply did not converge in {attempts} runs:\n{tail}")


def faults_injected(stats: Mapping[str, Any]) -> dict[str, int]:
    by_status = stats["by_status"]
    return {status: int(by_status.get(status, 0)) for status in FAULT_STATUSES}


def popen_phsync(*args: str, env: Mapping[str, str]) -> subprocess.Popen[str]:
    """``python -m reconciler ARGS`` in the background, as :func:`run_phsync` runs it."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    full_env["NO_COLOR"] = "1"
    full_env.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def record(name: str, **figures: Any) -> None:
    target = os.environ.get("PHSYNC_RELIABILITY_REPORT")
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as out:
        out.write(json.dumps({"test": name, **figures}, sort_keys=True) + "\n")
