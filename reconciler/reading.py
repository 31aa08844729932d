"""Reading PostHog while the manifests are parsed and validated: reading is harmless, so it
need not wait for valid manifests; only writes must. ``apply`` reads under its lock, so its
reading is kept only if no other apply held the lock since the reading began."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TypeVar

from reconciler.assembly import Assembly
from reconciler.live import ApiClient, read_live
from reconciler.lock import ApplyLock, Holder
from reconciler.resources.base import LiveObject

Progress = Callable[[str], None]
T = TypeVar("T")


class LiveReading:
    """PostHog's list pages read on a thread while this one parses and validates manifests,
    and made into live objects there as they arrive.

    Reading is harmless, so it need not wait for valid manifests; only writes must. The
    network waits dominate the reading, so one thread overlaps it with the CPU-bound parsing.
    """

    def __init__(self, client: ApiClient, progress: Progress | None = None) -> None:
        self._stop = threading.Event()
        self._assembly = Assembly()
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._read, args=(client, progress), name="phsync-live-read", daemon=True
        )
        self._thread.start()

    def _read(self, client: ApiClient, progress: Progress | None) -> None:
        try:
            read_live(client, progress=progress, stop=self._stop.is_set, into=self._assembly)
        except BaseException as exc:  # handed to the thread that asks for the lists
            self._error = exc

    def as_made(self) -> Iterator[tuple[str, list[LiveObject]]]:
        """Each kind's live objects as soon as they are made (see :meth:`Assembly.as_made`);
        after a failed reading, :meth:`assembly` raises its error."""
        return self._assembly.as_made()

    def assembly(self) -> Assembly:
        """The lists once read, as live objects; an error of the reading is raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._assembly

    def cancel(self) -> None:
        """Stop reading (between objects) and wait for the request in flight."""
        self._stop.set()
        self._thread.join()


# While PostHog is read on a thread, the main thread parses manifests without pause; a reader
# whose answer has arrived waits this long for Python's lock before asking the parser to let go
# (5 ms by default: with a few takes per page, a plan's reading waited seconds for nothing).
READING_SWITCH_INTERVAL = 0.0005


@contextmanager
def reading_live(client: ApiClient, progress: Progress | None = None) -> Iterator[LiveReading]:
    """A :class:`LiveReading` for the block; cancelled if the block fails (invalid manifests
    stop the reading at once, and nothing is written)."""
    reading = LiveReading(client, progress)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(READING_SWITCH_INTERVAL)
    try:
        yield reading
    except BaseException:
        reading.cancel()
        raise
    finally:
        sys.setswitchinterval(switch)


@contextmanager
def reading_under_lock(
    client: ApiClient,
    lock: ApplyLock | None,
    load: Callable[[], T],
    *,
    timeout: float,
    waiting: Callable[[Holder], None] | None = None,
    progress: Progress | None = None,
) -> Iterator[tuple[T, LiveReading | None]]:
    """``load()`` (the manifests) while PostHog is read, then ``lock`` taken for the block.

    The block gets what ``load`` returned and the reading to plan from, or None when it must
    read again under the lock: another apply held the lock while this one read (its writes
    may be half seen), or held it when this one began (so nothing was read meanwhile). An
    error of ``load`` stops the reading, and the lock is never taken: nothing is written.
    Without a lock (``--no-lock``), the reading is always kept.
    """
    with ExitStack() as stack:
        mark = lock.free_mark() if lock is not None else None
        reading = (
            stack.enter_context(reading_live(client, progress))
            if lock is None or mark is not None
            else None
        )
        loaded = load()
        if lock is not None:
            taken = stack.enter_context(lock.held(timeout, waiting))
            if reading is not None and taken != mark:
                reading.cancel()
                reading = None
        yield loaded, reading
