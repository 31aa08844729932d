"""Measuring one process: wall time, CPU time and peak memory, from the kernel's accounting.

A command runs as a child process and is reaped with ``os.wait4``, which returns that child's
own resource usage (``RUSAGE_CHILDREN`` would mix in every other child, the emulator too).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

KIB = 1024


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
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: list[str] = []
    err: list[str] = []
    times: list[float] = []
    readers = [
        threading.Thread(target=_drain, args=(process.stdout, out, None), daemon=True),
        threading.Thread(
            target=_drain, args=(process.stderr, err, times if stamp_stderr else None), daemon=True
        ),
    ]
    for reader in readers:
        reader.start()
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.005)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    peak = usage.ru_maxrss / KIB if sys.platform != "darwin" else usage.ru_maxrss / KIB / KIB
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mb=peak,
        returncode=process.returncode,
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
