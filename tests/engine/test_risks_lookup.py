"""A change's warnings are the same whether the plan hands over the live object it changes or
the object is looked up among the live state."""

from __future__ import annotations

from reconciler.model import Action, ResourceKey
from reconciler.plan import Change
from reconciler.risks import warnings_for

from .helpers import live_state


def _flag(object_id: int, rollout: int) -> dict[str, object]:
    return {
        "id": object_id,
        "key": f"f{object_id}",
        "active": True,
        "version": 1,
        "tags": ["managed-by-phsync"],
        "filters": {"groups": [{"properties": [], "rollout_percentage": rollout}]},
    }


def test_warnings_with_and_without_the_live_object_at_hand() -> None:
    live = live_state(flags=[_flag(1, 10), _flag(2, 50)])
    current = live.objects["FeatureFlag"][1]
    desired = {"key": "f2", "filters": {"groups": [{"properties": [], "rollout_percentage": 90}]}}
    change = Change(Action.UPDATE, ResourceKey("FeatureFlag", "f2"), object_id=2, desired=desired)
    looked_up = warnings_for(change, live.objects)
    assert looked_up == warnings_for(change, live.objects, current)
    assert looked_up == ["rollout 50% → 90% (condition 1)"]
