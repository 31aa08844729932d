"""One manifest, one live object, end to end against the emulator (in-process)."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest

from reconciler import engine
from reconciler.client.ratelimit import RateBudget, RateLimit
from reconciler.errors import ApplyError, OwnershipConflictError
from reconciler.export import export_objects
from reconciler.manifests import dump_manifest
from reconciler.render import RENDERERS
from reconciler.resources import annotation
from tests.reliability.conftest import start_emulator
from tests.reliability.inprocess import client_for

from .conftest import Api

MOMENT = "2026-10-01T00:00:00Z"


def export_to(client: Any, root: Path) -> list[str]:
    live = engine.read_for_export(client, ["Annotation", "Cohort", "Dashboard", "FeatureFlag"])
    manifests, skipped = export_objects(live)
    for item in manifests:
        path = root / item.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_manifest(item.document), encoding="utf-8")
    return skipped


def plan(client: Any, root: Path, **options: Any) -> engine.Planned:
    found = engine.load_manifests([str(root)])
    return engine.make_plan(found, client, **options)


def apply(client: Any, root: Path, **options: Any) -> engine.Planned:
    planned = plan(client, root, **options)
    engine.apply_planned(planned, client)
    return planned


def contents(api: Api) -> list[str]:
    return sorted(annotation.user_content(a["content"]) for a in api.list("annotations"))


def test_three_deploys_at_one_moment_stay_three(emulator: Any, api: Api, tmp_path: Path) -> None:
    before = contents(api)
    for n in (1, 2, 3):
        api.post("annotations", {"content": f"deploy {n}", "date_marker": MOMENT,
                                 "scope": "project"})
    root = tmp_path / "m"
    with client_for(emulator) as client:
        export_to(client, root)
        apply(client, root)
        assert plan(client, root).plan.is_empty
        [path] = [p for p in root.glob("annotations/*deploy-1.yaml")]
        path.write_text(path.read_text().replace("deploy 1", "deploy 1, api"))
        changes = apply(client, root).plan.changes
        assert [(c.action.value, c.key.name) for c in changes] == [("update", path.stem)]
        assert plan(client, root).plan.is_empty
    assert contents(api) == sorted([*before, "deploy 1, api", "deploy 2", "deploy 3"])


def test_two_manifests_claiming_one_object_write_nothing(
    emulator: Any, api: Api, tmp_path: Path
) -> None:
    """A saved plan edited (or made by two runs) so that two changes name one object."""
    api.post("annotations", {"content": "deploy", "date_marker": MOMENT, "scope": "project"})
    root = tmp_path / "m"
    (root / "annotations").mkdir(parents=True)
    for name in ("a", "b"):
        (root / "annotations" / f"{name}.yaml").write_text(
            f"kind: Annotation\nname: {name}\ncontent: deploy {name}\n"
            f"date_marker: '{MOMENT}'\nscope: project\n"
        )
    with client_for(emulator) as client:
        planned = plan(client, root)
        assert {c.action.value for c in planned.plan.changes} == {"create"}
        [live] = [a for a in api.list("annotations") if a["content"] == "deploy"]
        forged = [
            type(c)(**{**c.__dict__, "action": type(c.action)("update"), "object_id": live["id"]})
            for c in planned.plan.changes
        ]
        stale = type(planned.plan)(changes=tuple(forged))
        with pytest.raises(OwnershipConflictError, match=r"Annotation/a .* and Annotation/b"):
            engine.recheck_saved_plan(stale, client)
    assert [a["content"] for a in api.list("annotations") if a["id"] == live["id"]] == ["deploy"]


@pytest.fixture
def unthrottled() -> Any:
    emu = start_emulator()
    try:
        yield emu
    finally:
        emu.stop()


def test_500_annotations_at_five_moments_export_apply_plan(
    unthrottled: Any, tmp_path: Path
) -> None:
    emulator, api = unthrottled, Api(unthrottled)
    moments = [f"2026-10-0{d}T12:00:00Z" for d in range(1, 6)]
    wanted = []
    for n in range(500):
        # Every tenth text repeats, as "deploy" markers do.
        text = f"deploy {n % 50}" if n % 10 == 0 else f"release {n}"
        wanted.append(text)
        api.post("annotations", {"content": text, "date_marker": moments[n % 5],
                                 "scope": "project"})
    root = tmp_path / "m"
    started = time.monotonic()
    # PostHog allows 480 writes a minute; this emulator none, and the budget follows it.
    fast = RateBudget({"crud": (RateLimit(100_000, 60.0),),
                       "analytics": (RateLimit(100_000, 60.0),)})
    with client_for(emulator, budget=fast) as client:
        export_to(client, root)
        assert len(list((root / "annotations").glob("*.yaml"))) >= 500
        first = apply(client, root).plan
        adopted = [c for c in first.changes if c.key.kind == "Annotation"]
        assert len({c.object_id for c in adopted}) == len(adopted) >= 500
        assert plan(client, root).plan.is_empty
    elapsed = time.monotonic() - started
    assert set(wanted) <= set(contents(api))
    assert sorted(c for c in contents(api) if c in set(wanted)) == sorted(wanted)
    assert elapsed < 30


def test_adoption_shows_who_changed_an_unmarked_object(
    emulator: Any, api: Api, tmp_path: Path
) -> None:
    root = tmp_path / "m"
    with client_for(emulator) as client:
        export_to(client, root)
        flag = api.find("feature_flags", key="legacy-dark-mode")
        api.patch("feature_flags", flag["id"], {"active": not flag["active"]})
        planned = plan(client, root, activity_lookups=50)
    by_name = {c.key.name: c for c in planned.plan.changes}
    changed = by_name["legacy-dark-mode"]
    assert changed.action.value == "adopt" and [f.path for f in changed.fields] == ["active"]
    assert changed.last_change and changed.last_change["by"] and changed.last_change["at"]
    markdown = RENDERERS["markdown"]
    buffer = io.StringIO()
    markdown(planned.plan, buffer)
    text = buffer.getvalue()
    quiet = sum(1 for c in planned.plan.changes if not c.fields and not c.last_change)
    assert f"{quiet} to adopt: phsync writes its marker" in text
    assert "<code>FeatureFlag/legacy-dark-mode</code>" in text  # shown in full, with its author
    assert f"last updated by {changed.last_change['by']}" in text


FLAG = """kind: FeatureFlag
key: race-checkout
filters:
  groups:
    - rollout_percentage: {rollout}
"""
COHORT = """kind: Cohort
name: Race testers
description: {text}
filters:
  properties:
    type: AND
    values:
      - {{type: person, key: plan, operator: exact, value: pro}}
"""


DASHBOARD = "kind: Dashboard\nname: Race board\ndescription: {text}\n"
NOTE = "kind: Annotation\nname: race-note\ncontent: {text}\ndate_marker: '2026-10-03T00:00:00Z'\n"
ROLLOUT_40 = {"groups": [{"properties": [], "rollout_percentage": 40}]}


def write_all(root: Path, rollout: int, text: str) -> None:
    (root / "flag.yaml").write_text(FLAG.format(rollout=rollout))
    (root / "cohort.yaml").write_text(COHORT.format(text=text))
    (root / "dashboard.yaml").write_text(DASHBOARD.format(text=text))
    (root / "note.yaml").write_text(NOTE.format(text=text))


@pytest.mark.parametrize(
    ("key", "collection", "ui_edit"),
    [
        ("FeatureFlag/race-checkout", "feature_flags", {"filters": ROLLOUT_40}),
        ("Cohort/Race testers", "cohorts", {"description": "edited in the UI"}),
        ("Dashboard/Race board", "dashboards", {"description": "edited in the UI"}),
        ("Annotation/race-note", "annotations", {"content": "edited in the UI"}),
    ],
)
def test_an_edit_made_between_plan_and_apply_is_not_overwritten(
    emulator: Any, api: Api, tmp_path: Path, key: str, collection: str, ui_edit: dict[str, Any]
) -> None:
    root = tmp_path / "m"
    root.mkdir()
    write_all(root, 10, "first")
    with client_for(emulator) as client:
        apply(client, root)
        write_all(root, 20, "second")
        planned = plan(client, root)
        [change] = [c for c in planned.plan.changes if str(c.key) == key]
        assert len(planned.plan.changes) == 4 and change.object_id is not None
        api.patch(collection, change.object_id, ui_edit)  # someone, in PostHog, meanwhile
        with pytest.raises(ApplyError) as stopped:
            engine.apply_planned(planned, client, parallelism=1)
    message = str(stopped.value)
    assert f"{key} changed in PostHog" in message and "since the plan; plan again" in message
    if collection != "annotations":  # the author, from the activity log (none for annotations)
        assert f"{key} changed in PostHog by " in message
    [stored] = [o for o in api.list(collection) if o["id"] == change.object_id]
    for field, value in ui_edit.items():
        if field == "filters":  # PostHog adds aggregation_group_type_index: null on save
            assert [g["rollout_percentage"] for g in stored[field]["groups"]] == [
                g["rollout_percentage"] for g in value["groups"]
            ]
        else:
            assert stored[field] == value
