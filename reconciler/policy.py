"""Flag-change policies from phsync.yaml, checked against a plan. Pure.

Each rule yields :class:`~reconciler.model.Violation` values naming the object, the rule and
how to satisfy it; rules listed in ``warn_only`` are reported as warnings and do not fail.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from reconciler.config import Policies
from reconciler.expiry import Expired
from reconciler.model import Action, Manifest, ResourceKey, Violation
from reconciler.plan import Change, LiveState, Plan
from reconciler.resources.base import Json
from reconciler.risks import new_conditions, rollout_increases


def _live_spec(change: Change, live: LiveState) -> Mapping[str, Json] | None:
    for obj in live.objects.get(change.key.kind, ()):
        if obj.id == change.object_id:
            return obj.spec
    return None


def _flags(plan: Plan, *actions: Action) -> Iterator[Change]:
    return (c for c in plan.changes if c.key.kind == "FeatureFlag" and c.action in actions)


def _rollout_increase(
    plan: Plan, live: LiveState, manifests: Mapping[ResourceKey, Manifest], limit: float
) -> Iterator[Violation]:
    for change in _flags(plan, Action.UPDATE, Action.ADOPT):
        if "rollout-increase" in _allowed(manifests, change.key):
            continue
        for field, was, now in rollout_increases(change.fields):
            if now - was > limit and field.item is not None:
                yield Violation(
                    "max_rollout_increase",
                    change.key,
                    f'rollout of condition "{field.item.label}" grows {was:g}% → {now:g}% '
                    f"(+{now - was:g} points; at most {limit:g} per change)",
                    f"raise it in steps of at most {limit:g} points, "
                    "or add `allow: [rollout-increase]` to the manifest",
                )


def _new_conditions(
    plan: Plan, manifests: Mapping[ResourceKey, Manifest], limit: float
) -> Iterator[Violation]:
    for change in _flags(plan, Action.UPDATE, Action.ADOPT):
        if "rollout-increase" in _allowed(manifests, change.key):
            continue
        for field, rollout in new_conditions(change.fields):
            if rollout > limit and field.item is not None:
                yield Violation(
                    "max_new_condition_rollout",
                    change.key,
                    f"new condition {field.item.after} releases to {rollout:g}% of persons "
                    f"matching {field.item.label} (at most {limit:g}% for a new condition)",
                    f"start the new condition at {limit:g}% or less and raise it in later "
                    "changes, or add `allow: [rollout-increase]` to the manifest",
                )


def _active_flags(
    plan: Plan, live: LiveState, manifests: Mapping[ResourceKey, Manifest]
) -> Iterator[Violation]:
    for change in _flags(plan, Action.UPDATE, Action.ADOPT, Action.DELETE):
        before = _live_spec(change, live) or {}
        if not before.get("active", True):
            continue
        if change.action is Action.DELETE:
            yield Violation(
                "protect_active_flags",
                change.key,
                "deletes an active flag",
                "first turn it off: `active: false` with `allow: [deactivate]` in its manifest, "
                "apply, then remove the manifest in a later change",
            )
        elif (change.desired or {}).get("active") is False and "deactivate" not in _allowed(
            manifests, change.key
        ):
            yield Violation(
                "protect_active_flags",
                change.key,
                "deactivates an active flag",
                "add `allow: [deactivate]` to the manifest to confirm",
            )


def _described(plan: Plan, live: LiveState) -> Iterator[Violation]:
    for change in _flags(plan, Action.CREATE, Action.UPDATE, Action.ADOPT):
        name = (change.desired or {}).get("name", (_live_spec(change, live) or {}).get("name"))
        if not name:
            yield Violation(
                "require_description",
                change.key,
                "has no description",
                "add `name:` to the manifest (PostHog shows it as the flag's description)",
            )


def _owned(plan: Plan, live: LiveState, prefix: str) -> Iterator[Violation]:
    for change in _flags(plan, Action.CREATE, Action.UPDATE, Action.ADOPT):
        live_tags = (_live_spec(change, live) or {}).get("tags")
        tags: Sequence[Any] = (change.desired or {}).get("tags", live_tags) or []
        if not any(str(tag).startswith(prefix) for tag in tags):
            yield Violation(
                "require_owner_tag",
                change.key,
                f"has no owner tag (a tag starting with {prefix!r})",
                f"add a tag such as `{prefix}your-team` to `tags`",
            )


def _protected(plan: Plan, protected: Sequence[ResourceKey]) -> Iterator[Violation]:
    for change in plan.changes:
        if change.key in protected:
            yield Violation(
                "protected",
                change.key,
                f"is protected, but the plan would {change.action.value} it",
                "revert the manifest, or remove the object from policies.protected in phsync.yaml",
            )


def _referenced(plan: Plan) -> Iterator[Violation]:
    for change in _flags(plan, Action.DELETE):
        if change.references:
            rest = len(change.references) - 1
            more = f" (and {rest} more)" if rest > 0 else ""
            yield Violation(
                "protect_referenced_flags",
                change.key,
                f"deletes a flag that code still reads at {change.references[0]}{more}",
                "remove the flag's reads from the code first (`phsync refs` lists them), "
                "then delete the flag",
            )


def _expired(expired: Sequence[Expired]) -> Iterator[Violation]:
    for flag in expired:
        owner = f" (owner {flag.owner})" if flag.owner else ""
        yield Violation(
            "fail_on_expired_flags",
            flag.key,
            f"expired on {flag.expires.isoformat()}{owner}",
            f"remove the flag from code and manifests, or move `expires:` later in "
            f"{flag.file}:{flag.line}",
        )


def _allowed(manifests: Mapping[ResourceKey, Manifest], key: ResourceKey) -> tuple[str, ...]:
    manifest = manifests.get(key)
    return manifest.allow if manifest is not None else ()


def check_policies(
    plan: Plan,
    live: LiveState,
    manifests: Sequence[Manifest],
    policies: Policies,
    expired: Sequence[Expired] = (),
) -> list[Violation]:
    """Every way ``plan`` breaks ``policies``; ``expired``: the declared flags past their
    ``expires:`` date."""
    by_key = {m.key: m for m in manifests}
    found: list[Violation] = []
    if policies.max_rollout_increase is not None:
        found.extend(_rollout_increase(plan, live, by_key, policies.max_rollout_increase))
    if policies.max_new_condition_rollout is not None:
        found.extend(_new_conditions(plan, by_key, policies.max_new_condition_rollout))
    if policies.protect_active_flags:
        found.extend(_active_flags(plan, live, by_key))
    if policies.require_description:
        found.extend(_described(plan, live))
    if policies.require_owner_tag:
        found.extend(_owned(plan, live, policies.require_owner_tag))
    if policies.protected:
        found.extend(_protected(plan, policies.protected))
    if policies.protect_referenced_flags:
        found.extend(_referenced(plan))
    if policies.fail_on_expired_flags:
        found.extend(_expired(expired))
    deletes = plan.summary()["delete"]
    if policies.max_deletes is not None and deletes > policies.max_deletes:
        found.append(
            Violation(
                "max_deletes",
                None,
                f"the plan deletes {deletes} objects; at most {policies.max_deletes} per apply",
                "delete fewer at once (--target KIND/NAME), or raise policies.max_deletes",
            )
        )
    return [
        Violation(v.rule, v.key, v.message, v.fix, "warning")
        if v.rule in policies.warn_only
        else v
        for v in found
    ]
