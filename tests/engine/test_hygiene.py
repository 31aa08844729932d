"""Flag hygiene in the plan (pure): deletes and turn-offs of flags that code still reads,
new flags no code reads, the protect_referenced_flags policy, the markdown section."""

from __future__ import annotations

from typing import Any

from reconciler.coderefs import CodeRef
from reconciler.config import Policies
from reconciler.hygiene import annotate
from reconciler.model import Action
from reconciler.plan import Plan, build_plan
from reconciler.policy import check_policies
from reconciler.render.markdown import to_markdown
from reconciler.resources.base import MARKER_TAG

from .helpers import live_state, manifest

GROUPS = {"groups": [{"properties": [], "rollout_percentage": 10}]}


def _live(key: str, object_id: int, active: bool = True) -> dict[str, Any]:
    return {"id": object_id, "key": key, "name": key, "active": active, "version": 1,
            "tags": [MARKER_TAG], "filters": GROUPS}  # fmt: skip


def _plan() -> tuple[Plan, Any]:
    manifests = [
        manifest("FeatureFlag", {"key": "turned-off", "name": "turned-off", "active": False,
                                 "filters": GROUPS}),
        manifest("FeatureFlag", {"key": "brand-new", "name": "brand-new", "filters": GROUPS}),
        manifest("FeatureFlag", {"key": "new-and-read", "name": "x", "filters": GROUPS}),
        manifest("FeatureFlag", {"key": "kept", "name": "kept", "filters": GROUPS}),
    ]  # fmt: skip
    live = live_state(
        flags=[_live("turned-off", 1), _live("kept", 2), _live("removed", 3), _live("unread", 4)]
    )
    return build_plan(manifests, live, prune=True), live


REFS = [
    CodeRef("src/web/app.ts", 2, "removed", "isFeatureEnabled"),
    CodeRef("src/web/app.ts", 9, "removed", "isFeatureEnabled"),
    CodeRef("src/api/views.py", 4, "removed", "feature_enabled"),
    CodeRef("src/web/b.ts", 1, "turned-off", "getFeatureFlag"),
    CodeRef("src/web/c.ts", 3, "new-and-read", "useFeatureFlagEnabled"),
    CodeRef("src/web/c.ts", 5, "kept", "useFeatureFlagEnabled"),
]


def test_annotate_marks_deletes_and_turn_offs_still_read_and_lists_new_unread_flags() -> None:
    plan, _ = _plan()
    marked = annotate(plan, REFS)
    by_name = {change.key.name: change for change in marked.changes}
    removed = by_name["removed"]
    assert removed.action is Action.DELETE
    assert removed.references == ("src/api/views.py:4", "src/web/app.ts:2", "src/web/app.ts:9")
    assert "still referenced at src/api/views.py:4 (and 2 more)" in removed.warnings
    assert by_name["turned-off"].warnings[-1] == "still referenced at src/web/b.ts:1"
    assert by_name["unread"].references == () and "kept" not in by_name
    assert marked.unreferenced_new == ("brand-new",) and marked.code_scanned
    again = Plan.from_dict(marked.to_dict())
    assert again.changes == marked.changes and again.unreferenced_new == ("brand-new",)


def test_protect_referenced_flags_turns_a_delete_still_read_into_a_violation() -> None:
    plan, live = _plan()
    marked = annotate(plan, sorted(REFS))
    found = check_policies(marked, live, [], Policies(protect_referenced_flags=True))
    assert [(v.rule, v.key.name if v.key else None) for v in found] == [
        ("protect_referenced_flags", "removed")
    ]
    assert "still reads at src/api/views.py:4 (and 2 more)" in found[0].message
    assert check_policies(marked, live, [], Policies()) == []
    warned = check_policies(
        marked,
        live,
        [],
        Policies(protect_referenced_flags=True, warn_only=frozenset({"protect_referenced_flags"})),
    )
    assert [v.level for v in warned] == ["warning"]


def test_the_markdown_comment_has_a_hygiene_section_only_when_there_is_something_to_say() -> None:
    plan, _ = _plan()
    text = to_markdown(annotate(plan, sorted(REFS)))
    assert "**🧹 Flag hygiene**" in text
    assert "- `removed` is deleted but still read at `src/api/views.py:4` (and 2 more)" in text
    assert "- `turned-off` is turned off but still read at `src/web/b.ts:1`" in text
    assert "- new, not read by any code yet: `brand-new` _(for information)_" in text
    assert "Flag hygiene" not in to_markdown(plan)
