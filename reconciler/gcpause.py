"""Pausing Python's cyclic garbage collector while phsync builds many long-lived objects.

Loading thousands of manifests, or reading and planning a whole project, allocates objects
that all stay alive until the command ends. Each full collection walks every one of them, so
collections grow slower as the heap grows: a quarter of the time of loading 17,500
manifests. These objects hold no reference cycles (dicts, lists, frozen values), so nothing
is gained by looking for cycles among them; reference counting still frees everything else
at once, and any cycle made meanwhile is collected after. Usable as a decorator.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside; the collector's state is restored after."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
