"""The project's apply lock, held in PostHog by a reserved flag."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from reconciler import engine
from reconciler.errors import LockHeldError, ManifestError
from reconciler.live import LOCK_FLAG_KEY
from reconciler.lock import FREE, ApplyLock
from tests.conftest import run_phsync
from tests.reliability.inprocess import client_for

from .conftest import Api


def lock_flag(api: Api) -> dict[str, Any]:
    [flag] = [f for f in api.list("feature_flags") if f["key"] == LOCK_FLAG_KEY]
    return flag


def test_one_holder_at_a_time_by_compare_and_swap(emulator: Any, api: Api) -> None:
    dashboards = len(api.list("dashboards"))
    with client_for(emulator) as one, client_for(emulator) as two:
        first, second = ApplyLock(one, who="a@ci (pid 1)"), ApplyLock(two, who="b@ci (pid 2)")
        first.acquire(0)
        flag = lock_flag(api)
        assert flag["active"] is False and "held by a@ci (pid 1) since" in flag["name"]
        with pytest.raises(LockHeldError, match=r"a@ci \(pid 1\) since .*phsync waited 0s"):
            second.acquire(0)
        seen = []
        threading.Timer(0.3, first.release).start()
        second.acquire(10, waiting=seen.append)
        assert [h.who for h in seen] == ["a@ci (pid 1)"]
        assert "held by b@ci" in lock_flag(api)["name"]
        assert first.release() is False  # no longer its lock: left alone
        assert second.release() is True and lock_flag(api)["name"] == FREE
    # Made once, with no usage dashboard; never a managed flag.
    assert len(api.list("dashboards")) == dashboards
    assert "managed-by-phsync" not in (lock_flag(api).get("tags") or [])


def test_plans_and_exports_never_see_the_lock_flag(
    emulator: Any, api: Api, tmp_path: Path
) -> None:
    with client_for(emulator) as client:
        ApplyLock(client).acquire(0)
        live = engine.read_for_export(client, ["FeatureFlag"])
        assert LOCK_FLAG_KEY not in {obj.name for obj in live}
        manifest = tmp_path / "lock.yaml"
        manifest.write_text(
            f"kind: FeatureFlag\nkey: {LOCK_FLAG_KEY}\nfilters:\n  groups: [{{}}]\n"
        )
        with pytest.raises(ManifestError, match="reserved"):
            engine.make_plan(engine.load_manifests([str(manifest)]), client)


def test_apply_waits_then_names_the_holder_plan_takes_no_lock_unlock_frees(
    emulator: Any, emulator_env: dict[str, str], api: Api, repo: Path
) -> None:
    with client_for(emulator) as client:
        ApplyLock(client, who="ci@runner-7 (pid 41)").acquire(0)
    refused = run_phsync("apply", "--yes", "--lock-timeout", "0.5", str(repo), env=emulator_env)
    assert refused.returncode == 1
    assert "Waiting for this project's apply lock, held by ci@runner-7 (pid 41)" in refused.stderr
    assert "phsync unlock" in refused.stderr
    assert not [f for f in api.list("feature_flags") if f["key"] == "new-checkout"]
    planned = run_phsync("plan", "--detailed-exitcode", str(repo), env=emulator_env)
    assert planned.returncode == 2, planned.stderr
    freed = run_phsync("unlock", env=emulator_env)
    assert freed.returncode == 0 and "held by ci@runner-7 (pid 41)" in freed.stdout
    applied = run_phsync("apply", "--yes", "--lock-timeout", "0", str(repo), env=emulator_env)
    assert applied.returncode == 0, applied.stderr
    assert lock_flag(api)["name"] == FREE
    again = run_phsync("unlock", env=emulator_env)
    assert "free; nothing to do" in again.stdout


def test_the_free_mark_tells_whether_an_apply_held_the_lock_since(emulator: Any) -> None:
    with client_for(emulator) as one, client_for(emulator) as two:
        mine, other = ApplyLock(one, who="a@ci (pid 1)"), ApplyLock(two, who="b@ci (pid 2)")
        before = mine.free_mark()
        assert mine.acquire(0) == before  # nobody in between (the flag made now, or not)
        assert other.free_mark() is None  # held: nothing to compare with later
        mine.release()
        before = mine.free_mark()
        other.acquire(0)
        other.release()  # another apply came and went while this one read
        assert mine.acquire(0) != before
        mine.release()
