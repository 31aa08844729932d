"""Writing a flag under PostHog's approval policies.

A gated write is answered ``409 approval_required`` (PostHog opened a change request) or
``409 change_request_pending`` (one is already open for that action and flag): either way the
change is *awaiting approval*, and phsync sends nothing more for that flag. A write that
several policies match is answered ``400 policy_conflict``, with PostHog's advice to send the
changes as separate calls; phsync then sends the switch (``active``) and the other fields as
two writes, in the order that keeps the flag safe:

* switching a flag off: first ``active: false``, then the rest (no one is served a new rollout
  on the way);
* switching it on: first the rest, then ``active: true`` (the flag comes on with the new
  rollout, never the old one).

When the first write awaits approval, the second is held back: sending it could leave the
flag in the unsafe middle state; the next apply sends it once the request has been applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.approvals import ChangeRequest, from_api
from reconciler.errors import ApprovalRequiredError, PhsyncError, PolicyConflictError
from reconciler.live import ApiClient

_BOOKKEEPING = ("version", "original_flag")


@dataclass(frozen=True)
class Awaiting:
    """A write PostHog holds for approval; ``held_back`` names fields phsync did not send."""

    request: ChangeRequest
    held_back: tuple[str, ...] = ()


def patch_flag(
    client: ApiClient,
    url: str,
    body: Mapping[str, Any],
    *,
    host: str,
    project_id: int | str | None,
) -> Awaiting | None:
    """PATCH a flag; None when PostHog made the change, else what awaits approval."""
    try:
        client.request("PATCH", url, json=dict(body))
        return None
    except ApprovalRequiredError as exc:
        return Awaiting(_request(exc, host, project_id))
    except PolicyConflictError as exc:
        parts = split(body)
        if len(parts) < 2:
            raise _unsplittable(exc) from None
    version = body.get("version")
    for index, part in enumerate(parts):
        if version is not None:
            part["version"] = version
        try:
            answer = client.request("PATCH", url, json=part)
        except ApprovalRequiredError as exc:
            rest = [f for later in parts[index + 1 :] for f in later if f not in _BOOKKEEPING]
            return Awaiting(_request(exc, host, project_id), held_back=tuple(rest))
        except PolicyConflictError as exc:
            raise _unsplittable(exc) from None
        version = answer.get("version", version) if isinstance(answer, Mapping) else version
    return None


def split(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The switch and the other fields as separate bodies, in the safe order; pure.

    One body when there is nothing to split (no ``active``, or nothing else)."""
    fields = {k: v for k, v in body.items() if k not in _BOOKKEEPING}
    original = body.get("original_flag")
    if "active" not in fields or len(fields) < 2:
        return [dict(body)]
    switch = {"active": fields.pop("active")}
    parts = [switch, fields] if switch["active"] is False else [fields, switch]
    out = []
    for part in parts:
        if isinstance(original, Mapping):
            part = {**part, "original_flag": {k: original.get(k) for k in part}}
        out.append(dict(part))
    return out


def _request(exc: ApprovalRequiredError, host: str, project_id: int | str | None) -> ChangeRequest:
    return from_api(
        exc.change_request, host=host, project_id=project_id, already_open=exc.already_open
    )


def _unsplittable(exc: PolicyConflictError) -> PhsyncError:
    return PhsyncError(
        f"{exc.message}, even for one field alone; phsync cannot split it further",
        hint="ask a PostHog admin to make the project's approval policies for this action "
        "not overlap (Settings → Approvals), then run apply again",
    )
