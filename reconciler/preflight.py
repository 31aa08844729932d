"""Scope checks before phsync reads or writes: every missing scope named at once.

A key without ``cohort:write`` must not create two flags and then stop at the first cohort:
`apply` asks PostHog for the key's scopes (``GET /api/personal_api_keys/@current/``) before
any write and refuses with every scope its changes need that the key lacks. When a plan's
reads are refused for a scope, the same look-up names every missing read scope, not one per
run. Where PostHog does not list the key's scopes, the writes stay unchecked (the first
refusal stops the apply as before) and the reads are probed with one small list read each.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from reconciler.client import PostHogClient
from reconciler.errors import PermissionDeniedError, PhsyncError
from reconciler.model import KINDS, Action
from reconciler.plan import Plan
from reconciler.queries.scopes import SCOPE_OBJECT, Need, missing_scopes

_FIX = "edit the key in PostHog (Settings > Personal API keys) and add those scopes"


def read_needs() -> tuple[Need, ...]:
    """A plan reads every kind, whatever the manifests hold."""
    return tuple(Need(f"{SCOPE_OBJECT[kind]}:read", "plan reads every kind") for kind in KINDS)


def apply_needs(plan: Plan) -> tuple[Need, ...]:
    """The scopes that carrying out ``plan`` needs: every read, a write per kind changed; pure."""
    verbs = {Action.CREATE: "creates", Action.ADOPT: "adopts", Action.UPDATE: "updates",
             Action.DELETE: "deletes"}
    writes: dict[str, Need] = {}
    for change in plan.changes:
        kind = change.key.kind
        if kind not in writes:
            scope = f"{SCOPE_OBJECT[kind]}:write"
            writes[kind] = Need(scope, f"the plan {verbs[change.action]} {change.key}")
    return (*read_needs(), *(writes[kind] for kind in KINDS if kind in writes))


def refusal(needs: Sequence[Need], *, doing: str) -> PhsyncError:
    names = ", ".join(f"'{need.scope}'" for need in needs)
    reasons = "\n".join(f"  lacks {need.scope}: {need.reason}" for need in needs)
    return PhsyncError(
        f"the API key lacks {len(needs)} scope(s) that {doing} needs: {names}\n{reasons}",
        hint=_FIX,
    )


def key_scopes(client: PostHogClient) -> list[str] | None:
    from reconciler.queries.doctor import key_scopes as ask

    return ask(client)


def check_apply(client: PostHogClient, plan: Plan) -> None:
    """Refuse, before any write, a plan whose changes need scopes the key lacks."""
    scopes = key_scopes(client)
    if scopes is None:
        return
    missing = missing_scopes(scopes, apply_needs(plan))
    if missing:
        raise refusal(missing, doing="this apply")


def explain_read_refusal(client: PostHogClient, refused: PermissionDeniedError) -> PhsyncError:
    """After a read refused for a missing scope: every read scope the key lacks, at once."""
    from reconciler.queries.doctor import probe_reads

    needs = read_needs()
    scopes = key_scopes(client)
    if scopes is not None:
        missing: Collection[Need] = missing_scopes(scopes, needs)
    else:
        known = probe_reads(client, needs)
        missing = [need for need in needs if known.get(need.scope) is False]
    if not missing:
        return refused
    return refusal(list(missing), doing="a plan")
