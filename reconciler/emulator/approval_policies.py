"""Approval policies, as PostHog's ``ApprovalPolicyViewSet``: one gated action each, who
approves (``approver_config: {"quorum", "users"}``), self-approval, conditions, expiry."""

from __future__ import annotations

import uuid

from reconciler.emulator import clock
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.users import user_basic
from reconciler.emulator.wire import Response, empty, not_found, ok, validation

POLICY = "approval_policy"
ACTIONS = ("feature_flag.enable", "feature_flag.disable", "feature_flag.update")


def policy_body(store: Store, doc: JSON) -> JSON:
    creator = store.get("user", doc["created_by"]) if doc.get("created_by") else None
    return {
        "id": doc["uuid"],
        "action_key": doc["action_key"],
        "conditions": doc.get("conditions") or {},
        "approver_config": doc["approver_config"],
        "allow_self_approve": doc.get("allow_self_approve", False),
        "bypass_org_membership_levels": doc.get("bypass_org_membership_levels") or [],
        "bypass_roles": [],
        "expires_after": doc.get("expires_after", "14 00:00:00"),
        "enabled": doc.get("enabled", True),
        "created_by": user_basic(creator),
        "created_at": doc["created_at"],
        "updated_at": doc.get("updated_at"),
    }


def _policy_values(data: JSON, partial: bool) -> JSON:
    out: JSON = {}
    if "action_key" in data or not partial:
        key = data.get("action_key")
        if key is None:
            raise validation("This field is required.", attr="action_key", code="required")
        if key not in ACTIONS:
            raise validation(f"Unknown action_key: {key}", attr="action_key")
        out["action_key"] = key
    if "approver_config" in data or not partial:
        config = data.get("approver_config")
        if not isinstance(config, dict):
            raise validation("This field is required.", attr="approver_config", code="required")
        quorum = config.get("quorum")
        users = config.get("users", [])
        if not isinstance(quorum, int) or isinstance(quorum, bool) or quorum < 1:
            raise validation("quorum must be a positive integer", attr="approver_config")
        if not isinstance(users, list) or not all(isinstance(u, int) for u in users):
            raise validation("users must be a list of user ids", attr="approver_config")
        if users and quorum > len(users):
            raise validation(
                f"quorum ({quorum}) cannot exceed number of approvers ({len(users)})",
                attr="approver_config",
            )
        out["approver_config"] = {"quorum": quorum, "users": users}
    if "conditions" in data:
        conditions = data["conditions"] or {}
        if not isinstance(conditions, dict):
            raise validation("conditions must be an object", attr="conditions")
        out["conditions"] = conditions
    for name in ("allow_self_approve", "enabled"):
        if name in data:
            if not isinstance(data[name], bool):
                raise validation("Must be a valid boolean.", attr=name, code="invalid")
            out[name] = data[name]
    if "bypass_org_membership_levels" in data:
        out["bypass_org_membership_levels"] = list(data["bypass_org_membership_levels"] or [])
    return out


def list_policies(call: Call) -> Response:
    docs = call.store.all(POLICY, call.pid)
    results = [policy_body(call.store, d) for d in docs]
    return ok({"count": len(results), "next": None, "previous": None, "results": results})


def create_policy(call: Call) -> Response:
    values = _policy_values(call.request.json_object(), partial=False)
    now = clock.now_iso()
    doc: JSON = {
        "uuid": str(uuid.uuid4()),
        "project_id": call.pid,
        "conditions": {},
        "allow_self_approve": False,
        "enabled": True,
        "bypass_org_membership_levels": [],
        "created_by": call.user["id"],
        "created_at": now,
        "updated_at": now,
        **values,
    }
    call.store.insert(POLICY, doc, project_id=call.pid)
    return ok(policy_body(call.store, doc), 201)


def _policy(call: Call) -> JSON:
    for doc in call.store.all(POLICY, call.pid):
        if doc["uuid"] == call.params["id"]:
            return doc
    raise not_found()


def get_policy(call: Call) -> Response:
    return ok(policy_body(call.store, _policy(call)))


def update_policy(call: Call) -> Response:
    doc = _policy(call)
    partial = call.request.method == "PATCH"
    doc.update(_policy_values(call.request.json_object(), partial=partial))
    doc["updated_at"] = clock.now_iso()
    call.store.put(POLICY, doc)
    return ok(policy_body(call.store, doc))


def delete_policy(call: Call) -> Response:
    doc = _policy(call)
    call.store.delete(POLICY, doc["id"])
    return empty(204)


def enabled_policies(store: Store, pid: int) -> list[JSON]:
    return [p for p in store.all(POLICY, pid) if p.get("enabled", True)]
