"""Measuring one process: wall time, CPU time and peak memory, from the kernel's accounting.

A command runs as a child process and is reaped with ``os.wait4``, which returns that child's
own resource usage (``RUSAGE_CHILDREN`` would mix in every other child, the emulator too).

The child is started by a small launcher, itself a child of the bench, which reaps it and
reports its usage. Linux counts in a process's peak memory the memory of the process it was
forked from, up to its exec: every command forked from the bench itself (which holds the whole
generated project) would report at least the bench's own size.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

KIB = 1024
# Starts argv[2:] (found on PATH), waits for it and writes its figures to the file argv[1].
LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
               "maxrss": usage.ru_maxrss, "returncode": os.waitstatus_to_exitcode(status)}, out)
"""


@dataclass(frozen=True)
class Run:
    """One finished process: its figures, exit code and output."""

    wall: float
    cpu: float
    peak_mb: float
    returncode: int
    stdout: str = ""
    stderr: str = ""
    stderr_times: tuple[float, ...] = field(default=(), repr=False)

    def check(self, *allowed: int) -> Run:
        if self.returncode not in (allowed or (0,)):
            tail = self.stderr[-2000:] or self.stdout[-2000:]
            raise RuntimeError(f"exit code {self.returncode}:\n{tail}")
        return self


def _drain(stream: object, sink: list[str], times: list[float] | None) -> None:
    for line in stream:  # type: ignore[attr-defined]
        if times is not None:
            times.append(time.perf_counter())
        sink.append(line)


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stamp_stderr: bool = False,
    timeout: float = 3600,
) -> Run:
    """Run ``argv``; with ``stamp_stderr`` each stderr line's arrival time is kept (seconds
    after the start), to time what a command reports as it goes."""
    with tempfile.TemporaryDirectory(prefix="phsync-measure-") as tmp:
        figures = os.path.join(tmp, "figures.json")
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", LAUNCHER, figures, *argv],
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # so that a timeout ends the command with its launcher
        )
        out: list[str] = []
        err: list[str] = []
        times: list[float] = []
        readers = [
            threading.Thread(target=_drain, args=(process.stdout, out, None), daemon=True),
            threading.Thread(
                target=_drain,
                args=(process.stderr, err, times if stamp_stderr else None),
                daemon=True,
            ),
        ]
        for reader in readers:
            reader.start()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for reader in readers:
            reader.join()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        try:
            with open(figures, encoding="utf-8") as found:
                reported = json.load(found)
        except FileNotFoundError:  # killed, or the command could not start
            reported = {"wall": time.perf_counter() - started, "cpu": 0.0, "maxrss": 0,
                        "returncode": process.returncode or 1}
    maxrss = reported["maxrss"]
    peak = maxrss / KIB if sys.platform != "darwin" else maxrss / KIB / KIB
    return Run(
        wall=reported["wall"],
        cpu=reported["cpu"],
        peak_mb=peak,
        returncode=reported["returncode"],
        stdout="".join(out),
        stderr="".join(err),
        stderr_times=tuple(t - started for t in times),
    )


def phsync(*args: str, env: Mapping[str, str], **kwargs: object) -> Run:
    """``python -m reconciler ARGS`` as a user runs it."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    full.update(env)
    full["NO_COLOR"] = "1"
    return run([sys.executable, "-m", "reconciler", *args], env=full, **kwargs)  # type: ignore[arg-type]


def in_process(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of ``work()`` in this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu
