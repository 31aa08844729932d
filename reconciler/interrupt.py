"""Ctrl-C during work that must not stop half-way through a request.

The first SIGINT only asks to stop: ``stop`` is set, the caller starts nothing new and lets
what is in flight finish. A second SIGINT raises :class:`HardInterrupt` in the main thread,
for a caller that then reports what it knows and exits at once.

Outside the main thread (where Python cannot install a signal handler) the watcher does
nothing and Ctrl-C keeps its default behaviour.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType, TracebackType
from typing import Any

from reconciler.errors import ApplyInterruptedError
from reconciler.model import ResourceKey


class HardInterrupt(BaseException):
    """A second Ctrl-C: stop waiting for the work in flight."""


class InterruptWatcher:
    """A context manager that turns the first SIGINT into a stop request."""

    def __init__(self, on_first: Callable[[], None] | None = None) -> None:
        self.stop = threading.Event()
        self._on_first = on_first
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> InterruptWatcher:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():
            raise HardInterrupt()
        self.stop.set()
        if self._on_first is not None:
            self._on_first()


def interrupted_report(
    planned: Sequence[ResourceKey],
    done: Sequence[tuple[ResourceKey, str]],
    in_flight: Sequence[ResourceKey],
) -> ApplyInterruptedError:
    """What an interrupted apply did (``done``: each change's key and its description), what
    it left with an unknown outcome, and what it never started; pure."""
    done_keys = {key for key, _ in done}
    flying = sorted(str(key) for key in set(in_flight) - done_keys)
    not_done = [
        str(key) for key in planned if key not in done_keys and str(key) not in flying
    ]
    lines = [
        f"apply interrupted: {len(done)} of {len(planned)} change(s) done, "
        f"{len(not_done)} not started"
        + (f", {len(flying)} in flight with an unknown outcome" if flying else ""),
        f"  done ({len(done)}): " + (", ".join(text for _, text in done) or "nothing"),
    ]
    if flying:
        lines.append(f"  in flight ({len(flying)}): " + ", ".join(flying))
    lines.append(f"  not done ({len(not_done)}): " + (", ".join(not_done) or "nothing"))
    return ApplyInterruptedError(
        "\n".join(lines),
        done=[text for _, text in done],
        not_done=not_done,
        in_flight=flying,
        hint="run `phsync plan` to see where PostHog stands, then apply again: it picks up "
        "where this one stopped",
    )
