"""One manifest, one live object: pairing, annotation handles and the plan's guard."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.errors import OwnershipConflictError
from reconciler.live import ambiguous_names, managed_duplicates
from reconciler.manifests import check_references
from reconciler.matching import Claim, one_to_one
from reconciler.model import Action, ResourceKey
from reconciler.plan import Change, build_plan, guard
from reconciler.resources import annotation
from reconciler.resources.base import MARKER_TAG

from .helpers import live_state, manifest

MOMENT = "2026-10-01T00:00:00Z"


def note(name: str, content: str, date: str = MOMENT) -> dict[str, Any]:
    return {"name": name, "content": content, "date_marker": date, "scope": "project"}


def live_note(
    object_id: int, content: str, *, handle_of: str | None = None, managed: bool = True,
    date: str = MOMENT,
) -> dict[str, Any]:
    text = content
    if managed:
        text = content + (annotation.handle(handle_of) if handle_of else "") + annotation.MARKER
    return {
        "id": object_id,
        "content": text,
        "date_marker": date,
        "scope": "project",
        "creation_type": "GIT" if managed else "USR",
    }


def paired(plan_changes: tuple[Change, ...]) -> dict[str, tuple[str, int | None]]:
    return {c.key.name: (c.action.value, c.object_id) for c in plan_changes}


def test_three_annotations_at_one_moment_each_keep_their_own() -> None:
    live = live_state(annotations=[live_note(i, f"deploy {i}", managed=False) for i in (1, 2, 3)])
    manifests = [manifest("Annotation", note(f"d{i}", f"deploy {i}")) for i in (3, 1, 2)]
    plan = build_plan(manifests, live)
    assert paired(plan.changes) == {
        "d1": ("adopt", 1), "d2": ("adopt", 2), "d3": ("adopt", 3)
    }
    assert all(not c.fields for c in plan.changes)


@pytest.mark.parametrize(
    ("live", "manifests", "expected"),
    [
        # The handle keeps a pairing across an edit of the text, even at a crowded moment.
        (
            [live_note(1, "deploy 1", handle_of="a"), live_note(2, "deploy 2", handle_of="b")],
            [note("a", "deploy 1 (api)"), note("b", "deploy 2 (web)")],
            {"a": ("update", 1), "b": ("update", 2)},
        ),
        # Handles win over content: b's text now equals what a held.
        (
            [live_note(1, "x", handle_of="a"), live_note(2, "y", handle_of="b")],
            [note("a", "z"), note("b", "x")],
            {"a": ("update", 1), "b": ("update", 2)},
        ),
        # Content pairs where there is no handle (an annotation marked without one).
        (
            [live_note(1, "one"), live_note(2, "two")],
            [note("b", "two"), note("a", "one")],
            {},
        ),
        # Place alone: one manifest and one annotation left there.
        (
            [live_note(7, "old text")],
            [note("a", "new text")],
            {"a": ("update", 7)},
        ),
        # Place alone is ambiguous with two on each side: new ones are made, none rewritten.
        (
            [live_note(1, "p", managed=False), live_note(2, "q", managed=False)],
            [note("a", "r"), note("b", "s")],
            {"a": ("create", None), "b": ("create", None)},
        ),
        # Two equal texts at one moment: one each, in order.
        (
            [live_note(4, "same", managed=False), live_note(5, "same", managed=False)],
            [note("a", "same"), note("b", "same"), note("c", "same")],
            {"a": ("adopt", 4), "b": ("adopt", 5), "c": ("create", None)},
        ),
        # Another moment is another place, whatever the content.
        (
            [live_note(1, "deploy", date="2026-10-02T00:00:00Z", managed=False)],
            [note("a", "deploy")],
            {"a": ("create", None)},
        ),
    ],
)
def test_annotation_pairing(
    live: list[dict[str, Any]], manifests: list[dict[str, Any]], expected: dict[str, Any]
) -> None:
    plan = build_plan(
        [manifest("Annotation", m) for m in manifests],
        live_state(annotations=live),
    )
    assert paired(plan.changes) == expected
    ids = [c.object_id for c in plan.changes if c.object_id is not None]
    assert len(ids) == len(set(ids))


def test_handle_is_invisible_stable_and_stripped() -> None:
    body = annotation.stamp({"content": "deploy" + annotation.MARKER}, "d1")
    raw = {"content": body["content"], "creation_type": "GIT"}
    assert annotation.is_managed(raw)
    assert annotation.user_content(body["content"]) == "deploy"
    assert annotation.handle_of(raw) == annotation.handle("d1") != annotation.handle("d2")
    assert body["content"].strip() == body["content"]
    assert annotation.handle_of({**raw, "creation_type": "USR"}) is None


def test_no_handle_when_the_content_leaves_no_room() -> None:
    long = "x" * 395 + annotation.MARKER
    assert annotation.stamp({"content": long}, "d1") == {"content": long}
    assert annotation.stamp({"content": "x" * 391 + annotation.MARKER}, "d1")["content"] != (
        "x" * 391 + annotation.MARKER
    )


def test_guard_names_both_manifests_and_the_object() -> None:
    changes = [
        Change(Action.UPDATE, ResourceKey("Annotation", "a"), object_id=1, source="a.yaml:1:1"),
        Change(Action.UPDATE, ResourceKey("Annotation", "b"), object_id=1, source="b.yaml:1:1"),
    ]
    with pytest.raises(OwnershipConflictError) as caught:
        guard(changes)
    message = str(caught.value)
    assert "Annotation/a (a.yaml:1:1)" in message and "Annotation/b (b.yaml:1:1)" in message
    assert "Annotation id 1" in message and "wrote nothing" in message
    # Distinct objects, or one id in two kinds, are fine.
    one_to_one([Claim("Cohort", 1, ResourceKey("Cohort", "a"), None),
                Claim("Dashboard", 1, ResourceKey("Dashboard", "a"), None)])


def test_cohorts_sharing_a_name_the_manifest_takes_one_and_says_so() -> None:
    cohort = {"name": "Beta", "is_static": True}
    live = live_state(cohorts=[
        {"id": 9, "name": "Beta", "is_static": True, "description": ""},
        {"id": 5, "name": "Beta", "is_static": True, "description": ""},
    ])
    plan = build_plan([manifest("Cohort", cohort)], live)
    assert paired(plan.changes) == {"Beta": ("adopt", 5)}
    assert any("ids 5, 9" in n and "takes id 5" in n for n in plan.notes)


def test_managed_cohort_wins_over_older_namesakes() -> None:
    live = live_state(cohorts=[
        {"id": 5, "name": "Beta", "is_static": True, "description": ""},
        {"id": 9, "name": "Beta", "is_static": True, "description": "[managed by phsync]"},
    ])
    plan = build_plan([manifest("Cohort", {"name": "Beta", "is_static": True})], live)
    assert plan.is_empty and not plan.notes


def test_a_reference_to_a_name_several_unmanaged_objects_hold_is_refused() -> None:
    live = live_state(cohorts=[
        {"id": 5, "name": "Beta", "is_static": True, "description": ""},
        {"id": 9, "name": "Beta", "is_static": True, "description": ""},
    ], dashboards=[
        {"id": 3, "name": "Home", "tags": [MARKER_TAG]},
        {"id": 4, "name": "Home", "tags": []},
    ])
    assert ambiguous_names(live) == {ResourceKey("Cohort", "Beta"): (5, 9)}
    flag = manifest("FeatureFlag", {"key": "f", "filters": {"groups": [
        {"properties": [{"key": "id", "type": "cohort", "value": "Beta"}]}]}})
    [issue] = check_references([flag], known={ResourceKey("Cohort", "Beta")},
                               ambiguous=ambiguous_names(live))
    assert "ids 5, 9" in issue.message and "cannot tell" in issue.message
    declared = manifest("Cohort", {"name": "Beta", "is_static": True})
    assert check_references([declared, flag], ambiguous=ambiguous_names(live)) == []


def test_annotations_sharing_a_moment_are_not_called_duplicates() -> None:
    live = live_state(annotations=[
        live_note(1, "deploy 1", handle_of="a"), live_note(2, "deploy 2", handle_of="b"),
        live_note(3, "deploy 2", handle_of="b"),
    ])
    [line] = managed_duplicates(live)
    assert "exists 2 times" in line and "ids 2, 3" in line
