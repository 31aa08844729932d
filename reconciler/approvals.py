"""PostHog's change requests, as phsync sees them: typed values and the pure rules around them.

When a project's approval policies gate a flag write, PostHog does not make the change: it
opens a change request, which its approvers accept or refuse in PostHog, and which PostHog
itself applies once approved. phsync never forces such a change. The plan shows, on each flag
change, the requests still open for that flag (read with one list call), and says when one of
them already carries the declared state, in which case apply sends nothing for it. Apply
reports a gated write as *awaiting approval*, not as a failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler import paths
from reconciler.diff import diff
from reconciler.model import Action
from reconciler.resources import REGISTRY
from reconciler.resources.base import Directory, LiveObject

OPEN_STATES = ("pending", "approved")
# Fields of a request body that are bookkeeping, not the state asked for.
_BOOKKEEPING = frozenset({"version", "original_flag", "personal_api_key"})


@dataclass(frozen=True)
class ChangeRequest:
    """One PostHog change request on a flag (``resource_id`` is the flag's id)."""

    id: str
    state: str
    action: str
    resource_id: str | None
    approved: int
    quorum: int
    approved_by: tuple[str, ...] = ()
    approvers: tuple[int, ...] = ()  # the user ids the policy names
    requested_by: str | None = None
    description: str = ""
    url: str = ""
    already_open: bool = False  # PostHog answered change_request_pending: no new request
    carries_declared: bool = False  # the request, once applied, makes the flag match
    request_data: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def short_id(self) -> str:
        return self.id.split("-", 1)[0]

    def approvals_text(self) -> str:
        by = f", by {', '.join(self.approved_by)}" if self.approved_by else ""
        noun = "approval" if self.quorum == 1 else "approvals"
        return f"{self.approved} of {self.quorum} {noun}{by}"

    def describe(self) -> str:
        """``change request 8c1f… (0 of 1 approval; requested by …)``, then its link."""
        users = ", ".join(str(u) for u in self.approvers)
        noun = "user" if len(self.approvers) == 1 else "users"
        named = f" from {noun} {users}" if users else ""
        who = f"; requested by {self.requested_by}" if self.requested_by else ""
        link = f" {self.url}" if self.url else ""
        return f"change request {self.short_id} ({self.approvals_text()}{named}{who}){link}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "action": self.action,
            "resource_id": self.resource_id,
            "approved": self.approved,
            "quorum": self.quorum,
            "approved_by": list(self.approved_by),
            "approvers": list(self.approvers),
            "requested_by": self.requested_by,
            "description": self.description,
            "url": self.url,
            "already_open": self.already_open,
            "carries_declared": self.carries_declared,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChangeRequest:
        return cls(
            id=str(data["id"]),
            state=str(data.get("state") or "pending"),
            action=str(data.get("action") or ""),
            resource_id=data.get("resource_id"),
            approved=int(data.get("approved") or 0),
            quorum=int(data.get("quorum") or 1),
            approved_by=tuple(data.get("approved_by") or ()),
            approvers=tuple(int(u) for u in data.get("approvers") or ()),
            requested_by=data.get("requested_by"),
            description=str(data.get("description") or ""),
            url=str(data.get("url") or ""),
            already_open=bool(data.get("already_open")),
            carries_declared=bool(data.get("carries_declared")),
        )


def environment_path(project_path: str) -> str:
    """PostHog serves approvals under ``/api/environments/{id}/`` only (its OpenAPI files)."""
    return project_path.replace("/api/projects/", "/api/environments/", 1)


def request_url(host: str, project_id: int | str | None, request_id: str) -> str:
    """Where PostHog shows a change request (its notifications link there)."""
    if not host or project_id is None:
        return ""
    return f"{host.rstrip('/')}/project/{project_id}/approvals/{request_id}"


def _email(user: Any) -> str | None:
    if not isinstance(user, Mapping):
        return None
    return str(user.get("email") or "") or None


def from_api(
    raw: Mapping[str, Any],
    *,
    host: str = "",
    project_id: int | str | None = None,
    already_open: bool = False,
) -> ChangeRequest:
    """A ``ChangeRequest`` body of PostHog's API as a typed value."""
    snapshot = raw.get("policy_snapshot") or {}
    approvals = [a for a in raw.get("approvals") or [] if isinstance(a, Mapping)]
    approved = [a for a in approvals if a.get("decision") == "approved"]
    intent = raw.get("intent") or {}
    display = raw.get("intent_display") or {}
    request_id = str(raw.get("id") or "")
    return ChangeRequest(
        id=request_id,
        state=str(raw.get("state") or "pending"),
        action=str(raw.get("action_key") or ""),
        resource_id=None if raw.get("resource_id") is None else str(raw["resource_id"]),
        approved=len(approved),
        quorum=int(snapshot.get("quorum") or 1),
        approved_by=tuple(e for e in (_email(a.get("created_by")) for a in approved) if e),
        approvers=tuple(int(u) for u in snapshot.get("users") or [] if str(u).isdigit()),
        requested_by=_email(raw.get("created_by")),
        description=str(display.get("description") or "") if isinstance(display, Mapping) else "",
        url=request_url(host, project_id, request_id),
        already_open=already_open,
        request_data=dict(intent.get("full_request_data") or {})
        if isinstance(intent, Mapping)
        else {},
    )


def for_flags(requests: Iterable[ChangeRequest]) -> dict[str, tuple[ChangeRequest, ...]]:
    """Open requests by the flag id they change."""
    out: dict[str, list[ChangeRequest]] = {}
    for request in requests:
        if request.state in OPEN_STATES and request.resource_id is not None:
            out.setdefault(request.resource_id, []).append(request)
    return {key: tuple(found) for key, found in out.items()}


def carries(
    request: ChangeRequest,
    *,
    desired: Mapping[str, Any],
    field_names: Iterable[str],
    ignore: Sequence[str],
    live: LiveObject,
    directory: Directory,
) -> bool:
    """Whether the flag, once PostHog applies ``request``, matches ``desired`` on every field
    the change writes; pure."""
    asked = {k: v for k, v in request.request_data.items() if k not in _BOOKKEEPING}
    if not asked:
        return False
    adapter = REGISTRY[live.kind]
    after = adapter.from_live({**live.raw, **asked}, directory)
    names = set(field_names)
    wanted = {k: v for k, v in desired.items() if k in names}
    aligned = adapter.align(wanted, after)
    parsed = tuple(paths.parse(p) for p in ignore)
    return not diff(wanted, aligned, ignore=parsed, lists=adapter.list_rule)


def attach(
    changes: Sequence[Any],
    requests: Mapping[str, tuple[ChangeRequest, ...]],
    *,
    live: Mapping[tuple[str, int], LiveObject],
    directory: Directory,
) -> tuple[Any, ...]:
    """Each flag update with the open requests on its flag, marked when one carries the
    declared state (apply then writes nothing for it); pure."""
    out = []
    for change in changes:
        found = requests.get(str(change.object_id)) if change.key.kind == "FeatureFlag" else None
        current = live.get((change.key.kind, change.object_id or -1))
        if not found or current is None or change.action not in (Action.UPDATE, Action.ADOPT):
            out.append(change)
            continue
        marked = tuple(
            replace(
                request,
                carries_declared=change.desired is not None
                and carries(
                    request,
                    desired=change.desired,
                    field_names=change.field_names,
                    ignore=change.ignore,
                    live=current,
                    directory=directory,
                ),
            )
            for request in found
        )
        out.append(replace(change, change_requests=marked))
    return tuple(out)
