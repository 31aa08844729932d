"""Approval policies and the gate on flag writes, as PostHog's ``posthog/approvals``.

A policy names one gated action (``feature_flag.enable``, ``feature_flag.disable``,
``feature_flag.update``), who approves (``approver_config: {"quorum", "users"}``), whether a
requester may approve their own change, and optional ``conditions`` on the before and after
rollout values (``before_after``, ``change_amount``, ``any_change``).

The gate runs before a flag PATCH or PUT is written:

* enable / disable: the write sets ``active`` to the other state than the flag's;
* update: the write's ``filters`` change a rollout percentage (of a condition, a super or
  holdout group, or a variant).

The enabled policies of every action the write sets off are matched against its intent.
None: the write goes through. More than one: ``400 policy_conflict`` with PostHog's guidance
to split the change (PostHog reports several policies of one action that way; the emulator also
counts a write that sets off two gated actions at once, which PostHog's advice to send them as
separate calls covers). One: a write by a user who bypasses it goes through; otherwise, when a
change request for the same action and flag is still pending or approved,
``409 change_request_pending``; else a new change request and ``409 approval_required``.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from reconciler.emulator import clock
from reconciler.emulator.approval_policies import enabled_policies
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.users import user_basic
from reconciler.emulator.wire import Problem, Response

REQUEST = "change_request"
OPEN_STATES = ("pending", "approved")
DEFAULT_EXPIRY = timedelta(days=14)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
_ROLLOUT_GROUPS = ("groups", "super_groups", "holdout_groups")


# -- detection and intent ---------------------------------------------------------------------


def rollouts(filters: Any) -> dict[str, Any]:
    """Every rollout percentage of a flag's filters, by path."""
    found: dict[str, Any] = {}
    if not isinstance(filters, dict):
        return found
    for group_key in _ROLLOUT_GROUPS:
        for index, group in enumerate(filters.get(group_key) or []):
            if isinstance(group, dict) and "rollout_percentage" in group:
                found[f"{group_key}[{index}].rollout_percentage"] = group["rollout_percentage"]
    variants = (filters.get("multivariate") or {}).get("variants") or []
    for index, variant in enumerate(variants):
        if isinstance(variant, dict) and "rollout_percentage" in variant:
            path = f"multivariate.variants[{index}].rollout_percentage"
            found[path] = variant["rollout_percentage"]
    return found


def detect(flag: JSON, data: JSON) -> list[str]:
    """The gated actions a write to ``flag`` sets off, in PostHog's order."""
    actions = []
    wanted = data.get("active")
    current = bool(flag.get("active", True))
    if wanted is True and not current:
        actions.append("feature_flag.enable")
    if wanted is False and current:
        actions.append("feature_flag.disable")
    new_filters = data.get("filters")
    old_rollouts = rollouts(flag.get("filters") or {})
    if isinstance(new_filters, dict) and new_filters and old_rollouts != rollouts(new_filters):
        actions.append("feature_flag.update")
    return actions


def _intent(action: str, flag: JSON, data: JSON) -> JSON:
    body = {k: v for k, v in data.items() if k != "personal_api_key"}
    intent: JSON = {
        "flag_id": flag["id"],
        "flag_key": flag["key"],
        "full_request_data": body,
        "preconditions": {"version": int(flag.get("version") or 1)},
    }
    if action == "feature_flag.update":
        before = rollouts(flag.get("filters") or {})
        after = rollouts(data.get("filters") or {})
        intent["current_state"] = {"rollout_percentage": _paths(before)}
        intent["gated_changes"] = {"rollout_percentage": _paths(after)}
        moved = {*before, *after}
        intent["triggered_paths"] = sorted(p for p in moved if before.get(p) != after.get(p))
    else:
        intent["current_state"] = {"active": bool(flag.get("active", True))}
        intent["gated_changes"] = {"active": data.get("active")}
    return intent


def _paths(values: dict[str, Any]) -> list[JSON]:
    return [{"path": path, "value": value} for path, value in values.items()]


def matches(conditions: Any, intent: JSON) -> bool:
    """PostHog's condition types; no (or an unknown) condition gates every change."""
    if not isinstance(conditions, dict) or not conditions:
        return True
    kind = conditions.get("type")
    field = conditions.get("field")
    if kind not in ("before_after", "change_amount", "any_change") or not field:
        return True
    before = {v["path"]: v["value"] for v in intent.get("current_state", {}).get(field, []) or []}
    after = {v["path"]: v["value"] for v in intent.get("gated_changes", {}).get(field, []) or []}
    if kind == "any_change":
        return any(before.get(p) != after.get(p) for p in {*before, *after})
    compare = _COMPARE.get(str(conditions.get("operator")))
    threshold = conditions.get("value")
    if compare is None or threshold is None:
        return True
    for path, value in after.items():
        try:
            if kind == "before_after" and value is not None and compare(value, threshold):
                return True
            old = before.get(path)
            if (
                kind == "change_amount"
                and None not in (value, old)
                and compare(value - old, threshold)
            ):
                return True
        except TypeError:
            continue
    return False


# -- the gate ---------------------------------------------------------------------------------


def gate(call: Call, flag: JSON, data: JSON) -> Response | None:
    """PostHog's answer when a policy gates this write; None lets it through.

    The 409s are answers, not raised: the change request they open must be kept."""
    store, pid, user = call.store, call.pid, call.user
    matched: list[tuple[str, JSON, JSON]] = []
    for action in detect(flag, data):
        intent = _intent(action, flag, data)
        for policy in enabled_policies(store, pid):
            if policy["action_key"] == action and matches(policy.get("conditions"), intent):
                matched.append((action, policy, intent))
    if not matched:
        return None
    if len(matched) > 1:
        raise Problem(
            400,
            "validation_error",
            "policy_conflict",
            "This change matches multiple approval policies",
            body={
                "code": "policy_conflict",
                "error": "This change matches multiple approval policies",
                "conflicting_policies": [
                    {"id": p["uuid"], "name": f"{a} policy"} for a, p, _ in matched
                ],
                "guidance": "Split your changes into separate API calls to address each policy "
                "independently",
            },
        )
    action, policy, intent = matched[0]
    if _bypasses(store, user, policy):
        return None
    existing = open_request(store, pid, action, str(flag["id"]))
    if existing is not None:
        return Response(
            409,
            {
                "code": "change_request_pending",
                "error": "A pending approval request already exists for this action",
                "resource_type": "feature_flag",
                "resource_id": str(flag["id"]),
                "change_request_id": existing["uuid"],
                "existing_change_request": request_body(store, existing, user),
            },
        )
    request = _new_request(store, pid, user, action, policy, intent)
    approvers = dict(policy["approver_config"])
    others = not policy.get("allow_self_approve") and _is_approver(user, approvers)
    message = "A change request has been created and is pending approval" + (
        " from others." if others else "."
    )
    return Response(
        409,
        {
            "code": "approval_required",
            "status": "approval_required",
            "message": message,
            "resource_type": "feature_flag",
            "resource_id": str(flag["id"]),
            "change_request_id": request["uuid"],
            "change_request": request_body(store, request, user),
            "required_approvers": approvers,
        },
    )


def _is_approver(user: JSON, approvers: JSON) -> bool:
    return int(user["id"]) in (approvers.get("users") or [])


def _bypasses(store: Store, user: JSON, policy: JSON) -> bool:
    levels = {int(level) for level in policy.get("bypass_org_membership_levels") or []}
    return bool(levels) and int(user.get("membership_level", 8)) in levels


def open_request(store: Store, pid: int, action: str, resource_id: str) -> JSON | None:
    for doc in store.all(REQUEST, pid):
        if (
            doc["action_key"] == action
            and doc["resource_id"] == resource_id
            and doc["state"] in OPEN_STATES
        ):
            return doc
    return None


def _new_request(
    store: Store, pid: int, user: JSON, action: str, policy: JSON, intent: JSON
) -> JSON:
    now = clock.now()
    verb = {"feature_flag.enable": "Enable", "feature_flag.disable": "Disable"}.get(action)
    description = (
        f"{verb} feature flag '{intent['flag_key']}'"
        if verb
        else f"Update rollout percentage for feature flag '{intent['flag_key']}'"
    )
    doc: JSON = {
        "uuid": str(uuid.uuid4()),
        "project_id": pid,
        "action_key": action,
        "action_version": 1,
        "resource_type": "feature_flag",
        "resource_id": str(intent["flag_id"]),
        "intent": intent,
        "intent_display": {
            "description": description,
            "before": intent.get("current_state", {}),
            "after": intent.get("gated_changes", {}),
        },
        "policy_snapshot": {
            "quorum": policy["approver_config"]["quorum"],
            "users": list(policy["approver_config"].get("users") or []),
            "roles": [],
            "allow_self_approve": bool(policy.get("allow_self_approve")),
            "conditions": policy.get("conditions") or {},
        },
        "state": "pending",
        "created_by": user["id"],
        "applied_by": None,
        "created_at": clock.iso(now),
        "updated_at": clock.iso(now),
        "expires_at": clock.iso(now + DEFAULT_EXPIRY),
        "applied_at": None,
        "apply_error": "",
        "result_data": None,
        "approvals": [],
    }
    store.insert(REQUEST, doc, project_id=pid)
    return doc


def request_body(store: Store, doc: JSON, viewer: JSON) -> JSON:
    """PostHog's ``ChangeRequest`` serializer, as seen by ``viewer``."""
    creator = store.get("user", doc["created_by"])
    applier = store.get("user", doc["applied_by"]) if doc.get("applied_by") else None
    snapshot = doc["policy_snapshot"]
    voted = {a["user_id"]: a["decision"] for a in doc.get("approvals") or []}
    is_requester = int(viewer["id"]) == int(doc["created_by"])
    can_approve = (
        doc["state"] == "pending"
        and int(viewer["id"]) in snapshot.get("users", [])
        and int(viewer["id"]) not in voted
        and (not is_requester or snapshot.get("allow_self_approve"))
    )
    return {
        "id": doc["uuid"],
        "action_key": doc["action_key"],
        "action_version": doc["action_version"],
        "resource_type": doc["resource_type"],
        "resource_id": doc["resource_id"],
        "intent": doc["intent"],
        "intent_display": doc["intent_display"],
        "policy_snapshot": snapshot,
        "validation_status": "valid",
        "validation_errors": None,
        "validated_at": doc["created_at"],
        "state": doc["state"],
        "created_by": user_basic(creator),
        "applied_by": user_basic(applier),
        "created_at": doc["created_at"],
        "updated_at": doc.get("updated_at"),
        "expires_at": doc["expires_at"],
        "applied_at": doc.get("applied_at"),
        "apply_error": doc.get("apply_error", ""),
        "result_data": doc.get("result_data"),
        "approvals": [
            {
                "id": index + 1,
                "created_by": user_basic(store.get("user", a["user_id"])),
                "decision": a["decision"],
                "reason": a.get("reason", ""),
                "created_at": a["created_at"],
            }
            for index, a in enumerate(doc.get("approvals") or [])
        ],
        "can_approve": can_approve,
        "can_cancel": is_requester and doc["state"] == "pending",
        "is_requester": is_requester,
        "user_decision": voted.get(int(viewer["id"])),
    }
