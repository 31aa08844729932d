"""Risky changes called out in words, for reviewers: pure functions over a change and live state.

What counts as risky: a rollout that grows, a variant split that re-buckets users, turning off
or deleting an active flag, and deleting a cohort that live flags still target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reconciler.model import Action
from reconciler.resources.base import Json, LiveObject

if TYPE_CHECKING:
    from reconciler.plan import Change


def _pct(value: Any) -> str:
    return "100%" if value is None else f"{value:g}%" if isinstance(value, int | float) else "?"


def _rollouts(spec: Mapping[str, Json] | None) -> list[Any]:
    groups = ((spec or {}).get("filters") or {}).get("groups") or []
    return [group.get("rollout_percentage") for group in groups]


def _variants(spec: Mapping[str, Json] | None) -> dict[str, Any]:
    multivariate = ((spec or {}).get("filters") or {}).get("multivariate") or {}
    return {v.get("key"): v.get("rollout_percentage") for v in multivariate.get("variants") or []}


def flag_warnings(before: Mapping[str, Json] | None, after: Mapping[str, Json]) -> list[str]:
    found: list[str] = []
    if before is None:
        return found
    if "filters" in after:
        old, new = _rollouts(before), _rollouts(after)
        for index, (was, now) in enumerate(zip(old, new, strict=False)):
            if (now if now is not None else 100) > (was if was is not None else 100):
                found.append(f"rollout {_pct(was)} → {_pct(now)} (condition {index + 1})")
        if len(new) > len(old):
            found.append(f"{len(new) - len(old)} release condition(s) added: more users may match")
        old_split, new_split = _variants(before), _variants(after)
        if old_split and new_split and old_split != new_split:
            parts = [
                f"{key} {_pct(old_split.get(key, 0))} → {_pct(new_split.get(key, 0))}"
                for key in sorted(set(old_split) | set(new_split), key=str)
                if old_split.get(key) != new_split.get(key)
            ]
            found.append("variant split changes (" + ", ".join(parts) + "): users are re-bucketed")
    if before.get("active", True) and after.get("active", True) is False:
        found.append("deactivates an active flag")
    return found


def warnings_for(
    change: Change,
    live: Mapping[str, Sequence[LiveObject]],
    current: LiveObject | None = None,
) -> list[str]:
    """Risks of ``change`` in words. ``current`` is the live object it changes, when the caller
    has it at hand (otherwise it is looked up among ``live``)."""
    if current is None and change.object_id is not None:
        objects = live.get(change.key.kind, ())
        current = next((obj for obj in objects if obj.id == change.object_id), None)
    before = current.spec if current is not None else None
    if change.key.kind == "FeatureFlag":
        if change.action is Action.DELETE:
            if before and before.get("active", True):
                return ["deletes an active flag"]
            return []
        if change.action in (Action.UPDATE, Action.ADOPT) and change.desired is not None:
            return flag_warnings(before, change.desired)
    if change.key.kind == "Cohort" and change.action is Action.DELETE:
        users = sorted(
            flag.name
            for flag in live.get("FeatureFlag", ())
            if _targets_cohort(flag.spec, change.key.name)
        )
        if users:
            return [f"deletes a cohort that flags still target: {', '.join(users)}"]
    return []


def _targets_cohort(spec: Mapping[str, Json], cohort: str) -> bool:
    for group in (spec.get("filters") or {}).get("groups") or []:
        for prop in group.get("properties") or []:
            if prop.get("type") == "cohort" and prop.get("value") == cohort:
                return True
    return False
