"""PostHog's own governance, read for a plan: change requests still open on the flags it
changes, and pending schedules that will move managed flags. One list call each, made only when
the plan has something they could concern; a PostHog without them, or a key that may not read
them, has none to show."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from reconciler import approvals, schedules
from reconciler.config import Policies
from reconciler.errors import NotFoundError, PermissionDeniedError
from reconciler.live import ApiClient
from reconciler.model import Action, Manifest, Violation
from reconciler.plan import LiveState, Plan
from reconciler.resources import REGISTRY
from reconciler.resources.base import Directory

log = logging.getLogger(__name__)


def forbids_schedules(rules: Policies) -> bool:
    return rules.forbid_scheduled_changes and schedules.RULE not in rules.warn_only


def read_schedules(client: ApiClient) -> list[schedules.Schedule]:
    """The project's pending flag schedules (one list call); none when PostHog does not let
    the key read them (403) or has no schedules (404)."""
    try:
        raws = list(
            client.paginate(
                client.project_path("scheduled_changes/"), {"model_name": "FeatureFlag"}
            )
        )
    except (NotFoundError, PermissionDeniedError) as exc:
        log.debug("scheduled changes not read: %s", exc)
        return []
    return [s for s in (schedules.from_api(raw) for raw in raws) if s is not None]


def scheduled_flag_changes(
    client: ApiClient, ordered: Sequence[Manifest], live: LiveState, *, forbid: bool
) -> list[Violation]:
    """Warnings (errors under ``forbid_scheduled_changes``) for the pending schedules that will
    move a flag away from its manifest; read only when manifests declare flags."""
    adapter = REGISTRY["FeatureFlag"]
    declared = {m.name: m for m in ordered if m.kind == "FeatureFlag"}
    live_ids = {
        obj.id: key
        for obj in live.objects.get("FeatureFlag", ())
        if (key := adapter.identity(obj.spec)) in declared
    }
    if not live_ids:
        return []
    pending = read_schedules(client)
    flags = {  # the desired form of just the flags with a schedule (usually none)
        s.flag_id: (live_ids[s.flag_id], adapter.canonical(declared[live_ids[s.flag_id]].spec))
        for s in pending
        if s.flag_id in live_ids
    }
    return schedules.violations(pending, flags, forbid=forbid)


def attach_change_requests(
    plan: Plan, client: ApiClient, live: LiveState, directory: Directory
) -> Plan:
    """Show on each flag change the PostHog change requests open on that flag (one list call,
    made only when the plan changes a live flag). A PostHog without approvals (404) or a key
    without the ``approvals:read`` scope (403) has none to show."""
    if not any(
        c.key.kind == "FeatureFlag" and c.action in (Action.UPDATE, Action.ADOPT)
        for c in plan.changes
    ):
        return plan
    params = {"state": ",".join(approvals.OPEN_STATES), "resource_type": "feature_flag"}
    try:
        path = approvals.environment_path(client.project_path("change_requests/"))
        raws = list(client.paginate(path, params))
    except (NotFoundError, PermissionDeniedError) as exc:
        log.debug("change requests not read: %s", exc)
        return plan
    found = approvals.for_flags(
        approvals.from_api(raw, host=plan.host, project_id=plan.project_id) for raw in raws
    )
    if not found:
        return plan
    by_id = {(obj.kind, obj.id): obj for objs in live.objects.values() for obj in objs}
    changes = approvals.attach(plan.changes, found, live=by_id, directory=directory)
    return replace(plan, changes=changes)
