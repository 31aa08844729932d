"""Session recordings (posthog-api.md section 7): list ``{results, has_next, version}``, get."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from reconciler.emulator import clock
from reconciler.emulator.pagination import limit_and_offset
from reconciler.emulator.persons import KIND as PERSON
from reconciler.emulator.persons import person_body, person_ref
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.wire import Problem, Response, empty, not_found, ok

KIND = "session_recording"
RETENTION_DAYS = 30
ORDERS = (
    "start_time",
    "duration",
    "recording_duration",
    "active_seconds",
    "inactive_seconds",
    "console_error_count",
    "click_count",
    "keypress_count",
    "mouse_activity_count",
    "activity_score",
    "recording_ttl",
)
DEFAULT_LIMIT = 50


def recording_body(store: Store, doc: JSON) -> JSON:
    person = store.get(PERSON, doc["person_id"]) if doc.get("person_id") else None
    start = clock.parse(doc["start_time"]) if doc.get("start_time") else None
    expiry = start + timedelta(days=RETENTION_DAYS) if start else None
    ttl = max(0, (expiry - clock.now()).days) if expiry else None
    body: JSON = {
        "id": doc["session_id"],
        "distinct_id": doc.get("distinct_id"),
        "viewed": doc.get("viewed", False),
        "viewers": list(doc.get("viewers", [])),
        "recording_duration": doc.get("recording_duration", 0),
        "active_seconds": doc.get("active_seconds"),
        "inactive_seconds": doc.get("inactive_seconds"),
        "start_time": doc.get("start_time"),
        "end_time": doc.get("end_time"),
        "click_count": doc.get("click_count", 0),
        "keypress_count": doc.get("keypress_count", 0),
        "mouse_activity_count": doc.get("mouse_activity_count", 0),
        "console_log_count": doc.get("console_log_count", 0),
        "console_warn_count": doc.get("console_warn_count", 0),
        "console_error_count": doc.get("console_error_count", 0),
        "start_url": doc.get("start_url"),
        "storage": "object_storage",
        "retention_period_days": RETENTION_DAYS,
        "expiry_time": clock.iso(expiry) if expiry else None,
        "recording_ttl": ttl,
        "snapshot_source": doc.get("snapshot_source", "web"),
        "snapshot_library": doc.get("snapshot_library", "web"),
        "ongoing": doc.get("ongoing", False),
        "activity_score": doc.get("activity_score"),
        "has_summary": False,
        "summary_outcome": None,
        "external_references": [],
    }
    if person is not None:
        body["person"] = person_body(person, max_ids=10)
    return body


def _param(call: Call, name: str) -> Any:
    """Query values are JSON-decoded when possible, as PostHog's RecordingsQuery parsing."""
    raw = call.request.arg(name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _invalid(field: str, message: str, value: Any) -> Problem:
    detail = json.dumps([{"type": "value_error", "loc": [field], "msg": message, "input": value}])
    return Problem(400, "validation_error", "invalid_input", detail)


def list_recordings(call: Call) -> Response:
    store, pid = call.store, call.pid
    docs = [d for d in store.all(KIND, pid) if not d.get("deleted")]
    date_from_raw = _param(call, "date_from") or "-3d"
    date_from = clock.parse_relative(str(date_from_raw))
    if date_from is None:
        raise _invalid("date_from", "Invalid date", date_from_raw)
    docs = [d for d in docs if (clock.parse(d["start_time"]) or date_from) >= date_from]
    date_to_raw = _param(call, "date_to")
    if date_to_raw:
        date_to = clock.parse_relative(str(date_to_raw))
        if date_to is None:
            raise _invalid("date_to", "Invalid date", date_to_raw)
        docs = [d for d in docs if (clock.parse(d["start_time"]) or date_to) <= date_to]
    person_uuid = _param(call, "person_uuid")
    if person_uuid:
        person = person_ref(store, pid, str(person_uuid))
        docs = [d for d in docs if person and d.get("person_id") == person["id"]]
    distinct_ids = _param(call, "distinct_ids")
    if distinct_ids is not None:
        if not isinstance(distinct_ids, list):
            raise _invalid("distinct_ids", "Input should be a valid list", distinct_ids)
        docs = [d for d in docs if d.get("distinct_id") in distinct_ids]
    session_ids = _param(call, "session_ids")
    if session_ids is not None:
        if not isinstance(session_ids, list):
            raise _invalid("session_ids", "Input should be a valid list", session_ids)
        docs = [d for d in docs if d["session_id"] in session_ids]
    order = _param(call, "order") or "start_time"
    if order not in ORDERS:
        raise _invalid("order", f"Input should be one of {', '.join(ORDERS)}", order)
    direction = str(_param(call, "order_direction") or "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise _invalid("order_direction", "Input should be 'ASC' or 'DESC'", direction)
    field = "recording_duration" if order == "duration" else order
    docs.sort(
        key=lambda d: (d.get(field) is None, d.get(field) or 0, d["session_id"]),
        reverse=direction == "DESC",
    )
    limit, offset = limit_and_offset(call.request, default_limit=DEFAULT_LIMIT)
    page = docs[offset : offset + limit]
    return ok(
        {
            "results": [recording_body(store, d) for d in page],
            "has_next": len(docs) > offset + limit,
            "version": 4,
        }
    )


def _get(call: Call) -> JSON:
    for doc in call.store.by_lookup(KIND, call.pid, call.params["id"]):
        if not doc.get("deleted"):
            return doc
    raise not_found("Recording not found")


def get_recording(call: Call) -> Response:
    return ok(recording_body(call.store, _get(call)))


def update_recording(call: Call) -> Response:
    doc = _get(call)
    data = call.request.json_object()
    if data.get("viewed"):
        doc["viewed"] = True
        email = call.user["email"]
        if email not in doc.setdefault("viewers", []):
            doc["viewers"].append(email)
    if "analyzed" in data:
        doc["analyzed"] = bool(data["analyzed"])
    call.store.put(KIND, doc)
    return ok({"success": True})


def delete_recording(call: Call) -> Response:
    doc = _get(call)
    doc["deleted"] = True
    call.store.put(KIND, doc)
    return empty(204)


def seed_recording(store: Store, raw: JSON, project_id: int) -> None:
    """A recording from a seed; ``person`` names its person by id, UUID or distinct id."""
    person = person_ref(store, project_id, raw.pop("person", None))
    doc: JSON = dict(raw)
    doc["session_id"] = str(doc.pop("id", doc.get("session_id")))
    start = clock.parse(str(doc.get("start_time"))) or clock.now()
    duration = int(doc.get("recording_duration", 300))
    doc["start_time"] = clock.iso(start)
    doc.setdefault("end_time", clock.iso(start + timedelta(seconds=duration)))
    doc.setdefault("recording_duration", duration)
    doc.setdefault("active_seconds", int(duration * 0.7))
    doc.setdefault("inactive_seconds", duration - int(duration * 0.7))
    if person is not None:
        doc["person_id"] = person["id"]
        doc.setdefault("distinct_id", (person.get("distinct_ids") or [None])[0])
    doc["project_id"] = project_id
    store.insert(KIND, doc, project_id=project_id)
