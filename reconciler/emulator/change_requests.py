"""Change requests, as PostHog's ``ChangeRequestViewSet`` and ``ChangeRequestService``.

Listed newest first, filtered by ``state`` (comma-separated), ``action_key``, ``requester``,
``resource_type`` and ``resource_id``. ``approve`` and ``reject`` are for the policy's
approvers (the requester only when the policy allows self-approval), ``cancel`` for the
requester; others get 403. Each user votes once. When approvals reach the quorum the change is
applied at once, as the user who asked for it: the flag must still be at the version the
request recorded, otherwise the request ends ``failed`` with the reason in ``apply_error``.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.emulator import clock
from reconciler.emulator.approvals import REQUEST, request_body
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON
from reconciler.emulator.wire import Response, ad_hoc, not_found, ok, permission_denied

# Set by the flags module: writes a request's body to a flag, skipping the gate.
Writer = Callable[[Call, JSON, JSON, JSON], JSON]
_writers: dict[str, Writer] = {}


def register_writer(resource_type: str, writer: Writer) -> None:
    _writers[resource_type] = writer


def list_requests(call: Call) -> Response:
    docs = call.store.all(REQUEST, call.pid)
    request = call.request
    states = request.arg("state")
    if states:
        wanted = set(states.split(","))
        docs = [d for d in docs if d["state"] in wanted]
    action = request.arg("action_type") or request.arg("action_key")
    if action:
        docs = [d for d in docs if d["action_key"] == action]
    requester = request.arg("requester")
    if requester:
        docs = [d for d in docs if str(d["created_by"]) == requester]
    for name in ("resource_type", "resource_id"):
        value = request.arg(name)
        if value is not None:
            docs = [d for d in docs if str(d.get(name)) == value]
    docs.sort(key=lambda d: (d["created_at"], d["id"]), reverse=True)
    results = [request_body(call.store, d, call.user) for d in docs]
    return ok({"count": len(results), "next": None, "previous": None, "results": results})


def _request(call: Call) -> JSON:
    for doc in call.store.all(REQUEST, call.pid):
        if doc["uuid"] == call.params["id"]:
            return doc
    raise not_found()


def get_request(call: Call) -> Response:
    return ok(request_body(call.store, _request(call), call.user))


def _answer(call: Call, doc: JSON, status: str, message: str) -> Response:
    body: JSON = {
        "status": status,
        "message": message,
        "change_request": request_body(call.store, doc, call.user),
    }
    if doc.get("result_data"):
        body["result"] = doc["result_data"]
    return ok(body)


def _may_vote(call: Call, doc: JSON) -> None:
    snapshot = doc["policy_snapshot"]
    user_id = int(call.user["id"])
    if user_id not in snapshot.get("users", []):
        raise permission_denied("You are not an approver for this change request.")
    if user_id == int(doc["created_by"]) and not snapshot.get("allow_self_approve"):
        raise permission_denied("You cannot approve your own change request.")


def _vote(call: Call, doc: JSON, decision: str, verb: str) -> None:
    if doc["state"] != "pending":
        raise ad_hoc(400, {"error": f"This change request can no longer be {verb}."})
    if any(int(a["user_id"]) == int(call.user["id"]) for a in doc["approvals"]):
        raise ad_hoc(400, {"error": "You have already voted on this change request."})
    reason = call.request.json_object().get("reason", "") if call.request.body.strip() else ""
    doc["approvals"].append(
        {
            "user_id": int(call.user["id"]),
            "decision": decision,
            "reason": str(reason or ""),
            "created_at": clock.now_iso(),
        }
    )
    doc["updated_at"] = clock.now_iso()


def approve(call: Call) -> Response:
    doc = _request(call)
    _may_vote(call, doc)
    _vote(call, doc, "approved", "approved")
    approvals = sum(1 for a in doc["approvals"] if a["decision"] == "approved")
    quorum = int(doc["policy_snapshot"]["quorum"])
    if approvals < quorum:
        call.store.put(REQUEST, doc)
        return _answer(
            call, doc, "pending", f"Approval recorded ({approvals} of {quorum} required)."
        )
    doc["state"] = "approved"
    _apply(call, doc)
    call.store.put(REQUEST, doc)
    if doc["state"] == "failed":
        return _answer(call, doc, "failed", f"Approved, but applying failed: {doc['apply_error']}")
    return _answer(call, doc, "applied", "Change request approved and applied.")


def _apply(call: Call, doc: JSON) -> None:
    intent = doc["intent"]
    flag = call.store.get("feature_flag", int(intent["flag_id"]))
    now = clock.now_iso()
    expected = intent["preconditions"]["version"]
    if flag is None or flag.get("deleted"):
        doc.update(state="failed", apply_error="The feature flag no longer exists.")
        return
    if int(flag.get("version") or 1) != int(expected):
        doc.update(
            state="failed",
            apply_error=f"Flag version mismatch: expected {expected}, got {flag.get('version')}",
        )
        return
    requester = call.store.get("user", int(doc["created_by"]))
    assert requester is not None
    _writers[doc["resource_type"]](call, flag, dict(intent["full_request_data"]), requester)
    doc.update(
        state="applied",
        applied_by=int(call.user["id"]),
        applied_at=now,
        result_data={"flag_id": flag["id"]},
        updated_at=now,
    )


def reject(call: Call) -> Response:
    doc = _request(call)
    _may_vote(call, doc)
    _vote(call, doc, "rejected", "rejected")
    doc["state"] = "rejected"
    call.store.put(REQUEST, doc)
    return _answer(call, doc, "rejected", "Change request rejected.")


def cancel(call: Call) -> Response:
    doc = _request(call)
    if int(call.user["id"]) != int(doc["created_by"]):
        raise permission_denied("Only the requester can cancel this change request.")
    if doc["state"] != "pending":
        raise ad_hoc(400, {"error": "This change request can no longer be canceled."})
    doc.update(state="rejected", updated_at=clock.now_iso(), apply_error="Canceled by requester")
    call.store.put(REQUEST, doc)
    return _answer(call, doc, "canceled", "Change request canceled.")
