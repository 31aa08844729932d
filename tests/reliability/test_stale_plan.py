"""A saved plan applied after someone changed one of its objects in PostHog writes nothing.

For each kind and each action a plan can hold, the plan is saved as `plan --out` does, one of its
objects is changed behind phsync's back (edited, deleted, or created by someone else), and
`apply --plan` must refuse naming it, with the emulator's request counter showing not a single
POST, PATCH, PUT or DELETE.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.lock import ApplyLock
from reconciler.resources.base import MARKER_TAG
from tests.conftest import run_phsync
from tests.reliability import inprocess
from tests.reliability.observe import Api, without_read_side, writes

BASE = {
    "flag.yaml": "kind: FeatureFlag\nkey: stale-flag\nname: Before\nfilters:\n  groups:\n    - rollout_percentage: 10\n",
    "cohort.yaml": "kind: Cohort\nname: Stale cohort\ndescription: before\nis_static: true\n",
    "dashboard.yaml": "kind: Dashboard\nname: Stale board\ndescription: before\ntiles:\n  - text: hello\n",
    "note.yaml": "kind: Annotation\nname: stale-note\ncontent: before\ndate_marker: 2026-03-01T10:00:00Z\n",
}
NEW = {
    "new-flag.yaml": "kind: FeatureFlag\nkey: stale-new\nfilters:\n  groups:\n    - rollout_percentage: 5\n",
    "new-cohort.yaml": "kind: Cohort\nname: Stale new cohort\nis_static: true\n",
}


def _find(api: Api, collection: str, **match: Any) -> dict[str, Any]:
    [found] = [o for o in api.list(collection) if all(o.get(k) == v for k, v in match.items())]
    return found


def edit_flag(api: Api) -> None:
    flag = _find(api, "feature_flags", key="stale-flag")
    api.patch("feature_flags", flag["id"], {"name": "edited in the UI"})


def edit_cohort(api: Api) -> None:
    cohort = _find(api, "cohorts", name="Stale cohort")
    api.patch("cohorts", cohort["id"], {"description": "edited\n\n[managed by phsync]"})


def edit_tile(api: Api) -> None:
    board = _find(api, "dashboards", name="Stale board")
    full = api.get("dashboards", board["id"])
    tile = next(t for t in full["tiles"] if t.get("text"))
    api.patch("dashboards", board["id"], {"tiles": [{"id": tile["id"], "text": {"id": tile["text"]["id"], "body": "edited"}}]})


def edit_note(api: Api) -> None:
    note = next(a for a in api.list("annotations") if a["content"].startswith("before"))
    api.patch("annotations", note["id"], {"content": "edited\u2063"})


def delete_flag(api: Api) -> None:
    flag = _find(api, "feature_flags", key="stale-flag")
    api.patch("feature_flags", flag["id"], {"deleted": True})


def someone_creates_flag(api: Api) -> None:
    api.post("feature_flags", {"key": "stale-new", "filters": {"groups": [{"rollout_percentage": 1}]},
                               "tags": [MARKER_TAG], "_should_create_usage_dashboard": False})


def someone_creates_cohort(api: Api) -> None:
    api.post("cohorts", {"name": "Stale new cohort", "is_static": True})


def change_all(root: Path) -> None:
    for name, text in BASE.items():
        (root / name).write_text(text.replace("before", "after").replace("10\n", "20\n"))


def add_new(root: Path) -> None:
    for name, text in NEW.items():
        (root / name).write_text(text)


def remove(names: tuple[str, ...]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        for name in names:
            (root / name).unlink()

    return edit


CASES = {
    "update of an edited flag": (change_all, (), edit_flag, "FeatureFlag/stale-flag"),
    "update of an edited cohort": (change_all, (), edit_cohort, "Cohort/Stale cohort"),
    "update of a dashboard whose tile was edited": (change_all, (), edit_tile, "Dashboard/Stale board"),
    "update of an edited annotation": (change_all, (), edit_note, "Annotation/stale-note"),
    "update of a deleted flag": (change_all, (), delete_flag, "FeatureFlag/stale-flag"),
    "prune of an edited flag": (remove(("flag.yaml",)), ("--prune",), edit_flag, "FeatureFlag/stale-flag"),
    "prune of an edited annotation": (remove(("note.yaml",)), ("--prune",), edit_note, "Annotation/"),
    "create of a flag someone else created": (add_new, (), someone_creates_flag, "FeatureFlag/stale-new"),
    "create of a cohort someone else created": (add_new, (), someone_creates_cohort, "Cohort/Stale new cohort"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_stale_saved_plan_writes_nothing(
    case: str, quiet_emulator: Any, env: dict[str, str], api: Api, tmp_path: Path
) -> None:
    change_manifests, options, edit_live, named = CASES[case]
    root = tmp_path / "m"
    root.mkdir()
    for name, text in BASE.items():
        (root / name).write_text(text)
    with inprocess.client_for(quiet_emulator) as client:
        inprocess.apply(client, root)
    change_manifests(root)
    with inprocess.client_for(quiet_emulator) as client:
        planned = inprocess.plan(client, root, prune="--prune" in options)
    assert not planned.plan.is_empty
    saved = inprocess.save(planned.plan, tmp_path / "plan.json")
    edit_live(api)
    with inprocess.client_for(quiet_emulator) as client:
        lock = ApplyLock(client)  # made once: from now on, taking and freeing it are 2 PATCHes
        lock.acquire(0)
        lock.release()
    before = without_read_side(api.snapshot(full_dashboards=True))
    quiet_emulator.reset_stats()
    result = run_phsync("apply", "--yes", "--plan", str(saved), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "stale" in result.stderr and named in result.stderr, result.stderr
    assert "nothing was written" in result.stderr
    stats = quiet_emulator.stats()
    # The apply lock taken and freed, nothing else.
    assert writes(stats) == {"PATCH /api/projects/{project_id}/feature_flags/{id}/": 2}, stats[
        "by_route"
    ]
    assert stats["total"] > 0  # it did read the project
    assert without_read_side(api.snapshot(full_dashboards=True)) == before
