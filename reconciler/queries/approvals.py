"""What `doctor` says about the project's approval policies: whether PostHog's approvals are on
and which flag actions they gate (such changes then wait for an approver in PostHog)."""

from __future__ import annotations

from typing import Any

from reconciler.approvals import environment_path
from reconciler.client import PostHogClient
from reconciler.errors import NotFoundError, PermissionDeniedError, PhsyncError
from reconciler.queries.doctor import Check, Status

NAME = "approvals"


def _policy_line(policy: dict[str, Any]) -> str:
    config = policy.get("approver_config") or {}
    users = config.get("users") or []
    quorum = config.get("quorum") or 1
    condition = policy.get("conditions") or {}
    when = ""
    if condition.get("field"):
        when = f" when {condition.get('field')} {condition.get('operator', 'changes')} " + (
            f"{condition['value']}" if "value" in condition else ""
        )
    self_ok = ", self-approval allowed" if policy.get("allow_self_approve") else ""
    return (
        f"{policy.get('action_key')}{when.rstrip()}: {quorum} approval(s) of "
        f"{len(users)} approver(s){self_ok}"
    )


def check_approvals(client: PostHogClient) -> Check:
    """One list call; never a failure: approvals change how apply ends, not whether it can."""
    try:
        path = environment_path(client.project_path("approval_policies/"))
        raws = [dict(p) for p in client.paginate(path)]
    except PermissionDeniedError:
        return Check(
            NAME,
            Status.WARN,
            "not known: the key cannot read approval policies",
            fix="add the approvals:read scope to the key, so that plan can show the change "
            "requests open on each flag",
        )
    except NotFoundError:
        return Check(NAME, Status.PASS, "this PostHog has no approval policies")
    except PhsyncError as exc:
        return Check(NAME, Status.WARN, f"not known: {exc.message}")
    enabled = [p for p in raws if p.get("enabled", True)]
    if not enabled:
        return Check(NAME, Status.PASS, "off: no approval policy in this project")
    actions = sorted({str(p.get("action_key")) for p in enabled})
    return Check(
        NAME,
        Status.PASS,
        f"on: PostHog holds {', '.join(actions)} for approval; apply reports those changes as "
        "awaiting approval (exit 4)",
        details=tuple(_policy_line(p) for p in enabled),
    )
