"""Activity-log lookups: adopts as well as updates and deletes, a few at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from reconciler.engine import ACTIVITY_PARALLELISM, attach_last_changes
from reconciler.model import Action, ResourceKey
from reconciler.plan import Change


class SlowActivityLog:
    """Answers every activity lookup after a pause, and counts how many overlap."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.asked: list[str] = []

    def project_path(self, suffix: str) -> str:
        return f"/api/projects/1/{suffix}"

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        raise AssertionError("not used")

    def request(self, method: str, path: str, *, params: Any = None, json: Any = None) -> Any:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.asked.append(path)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return {"results": [{"user": {"email": f"ana@{path.split('/')[-3]}"},
                             "created_at": "2026-12-01T10:00:00Z", "activity": "updated"}]}


def test_lookups_cover_adopts_and_run_a_few_at_a_time() -> None:
    actions = [Action.ADOPT, Action.UPDATE, Action.DELETE, Action.CREATE] * 3
    changes = [
        Change(action, ResourceKey("FeatureFlag", f"f{n}"),
               object_id=None if action is Action.CREATE else n)
        for n, action in enumerate(actions)
    ]
    log = SlowActivityLog()
    out = attach_last_changes(changes, log, limit=8)
    looked = [c for c in out if c.last_change]
    assert [c.action for c in looked] == [Action.ADOPT, Action.UPDATE, Action.DELETE] * 2 + [
        Action.ADOPT, Action.UPDATE]
    assert looked[0].last_change == {"by": "ana@0", "at": "2026-12-01T10:00:00Z",
                                     "activity": "updated"}
    assert 1 < log.most <= ACTIVITY_PARALLELISM and len(log.asked) == 8
