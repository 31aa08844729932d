"""Risky changes called out in words, for reviewers: pure functions over one object's change.

What counts as risky: a condition whose rollout grows, a new condition that releases to persons,
a removed condition that released to persons, a variant split that re-buckets users, turning off
or deleting an active flag, and deleting a cohort that live flags still target. Rollouts are
judged on the conditions the diff matched by identity, so inserting, removing or reordering
conditions never reads as a rollout jump that did not happen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.diff import ADDED, CHANGED, REMOVED, FieldChange
from reconciler.model import Action
from reconciler.resources.base import Json, LiveObject
from reconciler.resources.labels import percent

ROLLOUT = "rollout_percentage"


def _released(value: Any) -> float:
    """The share of matching persons a rollout releases to (PostHog's default is all)."""
    return 100 if value is None else float(value)


def condition_changes(fields: Sequence[FieldChange]) -> list[FieldChange]:
    """The field changes about a flag's conditions, as the diff matched them."""
    return [f for f in fields if f.item is not None and f.item.noun == "condition"]


def rollout_increases(fields: Sequence[FieldChange]) -> list[tuple[FieldChange, float, float]]:
    """Each matched condition whose rollout grows: (change, was, now)."""
    found = []
    for change in condition_changes(fields):
        if change.op == CHANGED and change.within == ROLLOUT:
            was, now = _released(change.before), _released(change.after)
            if now > was:
                found.append((change, was, now))
    return found


def new_conditions(fields: Sequence[FieldChange]) -> list[tuple[FieldChange, float]]:
    """Each condition the change adds that releases to anyone: (change, rollout)."""
    found = []
    for change in condition_changes(fields):
        if change.op == ADDED and not change.within and isinstance(change.after, dict):
            rollout = _released(change.after.get(ROLLOUT))
            if rollout > 0:
                found.append((change, rollout))
    return found


def _condition_risks(fields: Sequence[FieldChange]) -> list[str]:
    found = [
        f'rollout {percent(was)} → {percent(now)} (condition "{change.item.label}")'
        for change, was, now in rollout_increases(fields)
        if change.item is not None
    ]
    for change, rollout in new_conditions(fields):
        if change.item is not None:
            found.append(
                f"a new condition releases to {percent(rollout)} of persons matching "
                f"{change.item.label}"
            )
    for change in condition_changes(fields):
        if change.op == REMOVED and not change.within and isinstance(change.before, dict):
            rollout = _released(change.before.get(ROLLOUT))
            if rollout > 0 and change.item is not None:
                found.append(
                    f'removes condition "{change.item.label}", which released to '
                    f"{percent(rollout)} of the persons it matched"
                )
    return found


def _variants(spec: Mapping[str, Json] | None) -> dict[str, Any]:
    multivariate = ((spec or {}).get("filters") or {}).get("multivariate") or {}
    return {v.get("key"): v.get(ROLLOUT) for v in multivariate.get("variants") or []}


def _split_risk(
    fields: Sequence[FieldChange], before: Mapping[str, Json], after: Mapping[str, Json]
) -> list[str]:
    """Variants matched by key: a split that moves any share re-buckets users."""
    if not any(f.item is not None and f.item.noun == "variant" for f in fields):
        return []
    old, new = _variants(before), _variants(after)
    if not old or not new:
        return []
    if old == new:
        # PostHog hands each variant a slice of the hash range in list order.
        kept = [key for key in new if key in old]
        if kept != [key for key in old if key in new]:
            return ["variant order changes: users are re-bucketed"]
        return []
    parts = []
    for key in sorted(set(old) | set(new), key=str):
        if key not in new:
            parts.append(f"{key} removed (was {percent(old[key])})")
        elif key not in old:
            parts.append(f"{key} added ({percent(new[key])})")
        elif old[key] != new[key]:
            parts.append(f"{key} {percent(old[key])} → {percent(new[key])}")
    return ["variant split changes (" + ", ".join(parts) + "): users are re-bucketed"]


def flag_warnings(
    fields: Sequence[FieldChange], before: Mapping[str, Json] | None, after: Mapping[str, Json]
) -> list[str]:
    if before is None:
        return []
    found = _condition_risks(fields) + _split_risk(fields, before, after)
    if before.get("active", True) and after.get("active", True) is False:
        found.append("deactivates an active flag")
    if any(f.path == "bucketing_identifier" for f in fields):
        was = before.get("bucketing_identifier") or "distinct_id"
        now = after.get("bucketing_identifier") or "distinct_id"
        found.append(
            f"bucketing by {was} → {now}: every user is re-bucketed (rollouts and variants "
            "land on different people)"
        )
    return found


def warnings_for(
    *,
    kind: str,
    action: Action,
    name: str,
    fields: Sequence[FieldChange],
    desired: Mapping[str, Json] | None,
    current: LiveObject | None,
    live: Mapping[str, Sequence[LiveObject]],
) -> list[str]:
    """Risks of one object's change in words; ``current`` is the live object it changes."""
    before = current.spec if current is not None else None
    if kind == "FeatureFlag":
        if action is Action.DELETE:
            return ["deletes an active flag"] if before and before.get("active", True) else []
        if action in (Action.UPDATE, Action.ADOPT) and desired is not None:
            return flag_warnings(fields, before, desired)
    if kind == "Cohort" and action is Action.DELETE:
        users = sorted(
            flag.name for flag in live.get("FeatureFlag", ()) if _targets_cohort(flag.spec, name)
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
