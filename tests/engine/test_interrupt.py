"""The report of an interrupted apply, and the watcher that turns Ctrl-C into a stop request."""

from __future__ import annotations

import os
import signal

import pytest

from reconciler.interrupt import HardInterrupt, InterruptWatcher, interrupted_report
from reconciler.model import ResourceKey

A, B, C, D = (ResourceKey("FeatureFlag", name) for name in "abcd")


@pytest.mark.parametrize(
    ("done", "in_flight", "lines"),
    [
        ([], [], ["apply interrupted: 0 of 4 change(s) done, 4 not started", "  done (0): nothing",
                  "  not done (4): FeatureFlag/a, FeatureFlag/b, FeatureFlag/c, FeatureFlag/d"]),
        ([(A, "created FeatureFlag/a (id 1)")], [B, C],
         ["apply interrupted: 1 of 4 change(s) done, 1 not started, 2 in flight with an unknown "
          "outcome", "  done (1): created FeatureFlag/a (id 1)",
          "  in flight (2): FeatureFlag/b, FeatureFlag/c", "  not done (1): FeatureFlag/d"]),
        ([(A, "created FeatureFlag/a (id 1)")], [A],  # finished while the report was made
         ["apply interrupted: 1 of 4 change(s) done, 3 not started",
          "  done (1): created FeatureFlag/a (id 1)",
          "  not done (3): FeatureFlag/b, FeatureFlag/c, FeatureFlag/d"]),
    ],
)
def test_report(
    done: list[tuple[ResourceKey, str]], in_flight: list[ResourceKey], lines: list[str]
) -> None:
    error = interrupted_report([A, B, C, D], done, in_flight)
    assert error.message.splitlines() == lines
    assert error.exit_code == 130
    assert error.in_flight == tuple(str(k) for k in in_flight if k not in dict(done))


def test_first_sigint_asks_to_stop_second_stops_waiting() -> None:
    told: list[str] = []
    before = signal.getsignal(signal.SIGINT)
    with InterruptWatcher(on_first=lambda: told.append("first")) as watcher:
        os.kill(os.getpid(), signal.SIGINT)
        assert watcher.stop.wait(5) and told == ["first"]
        with pytest.raises(HardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs between bytecodes of the main thread
                pass
    assert signal.getsignal(signal.SIGINT) is before
