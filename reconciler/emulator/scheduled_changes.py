"""Scheduled changes, as PostHog's ``posthog/api/scheduled_change.py`` and its task.

A scheduled change asks PostHog to change a flag by itself later: ``model_name: FeatureFlag``,
``record_id`` the flag's id, ``payload: {"operation", "value"}`` with ``update_status``
(``value`` true or false), ``add_release_condition`` (``value: {"groups", "payloads",
"multivariate"}``, appended) or ``update_variants`` (``value: {"variants", "payloads"}``).
A schedule runs once at ``scheduled_at``, or repeats (``is_recurring`` with
``recurrence_interval`` daily / weekly / monthly / yearly, ``update_status`` only) until
``end_date``.

The emulator runs due schedules on its own clock, before it answers any request about flags
or schedules: a one-off one gets ``executed_at``, a recurring one ``last_executed_at`` and its
next ``scheduled_at``; one that cannot run gets ``failure_reason``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from reconciler.emulator import clock
from reconciler.emulator.pagination import limit_offset
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON
from reconciler.emulator.users import user_basic
from reconciler.emulator.wire import Response, empty, not_found, ok, validation

KIND = "scheduled_change"
OPERATIONS = ("update_status", "add_release_condition", "update_variants")
INTERVALS: dict[str, timedelta] = {
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
    "monthly": timedelta(days=30),
    "yearly": timedelta(days=365),
}

# Set by the flags module: writes ``data`` to a flag as ``user``, skipping the approval gate.
Writer = Callable[[Call, JSON, JSON, JSON], JSON]
_writer: list[Writer] = []


def register_writer(writer: Writer) -> None:
    _writer[:] = [writer]


def body(call: Call, doc: JSON) -> JSON:
    creator = call.store.get("user", doc["created_by"]) if doc.get("created_by") else None
    return {
        "id": doc["id"],
        "team_id": call.pid,
        "record_id": doc["record_id"],
        "model_name": doc["model_name"],
        "payload": doc["payload"],
        "scheduled_at": doc["scheduled_at"],
        "executed_at": doc.get("executed_at"),
        "failure_reason": doc.get("failure_reason"),
        "created_at": doc["created_at"],
        "created_by": user_basic(creator),
        "updated_at": doc.get("updated_at"),
        "is_recurring": doc.get("is_recurring", False),
        "recurrence_interval": doc.get("recurrence_interval"),
        "cron_expression": None,
        "last_executed_at": doc.get("last_executed_at"),
        "end_date": doc.get("end_date"),
        "timezone": "UTC",
    }


def _moment(value: Any, attr: str) -> str:
    parsed = clock.parse(value) if isinstance(value, str) else None
    if parsed is None:
        raise validation(
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
            attr=attr,
            code="invalid",
        )
    return clock.iso(parsed)


def _values(call: Call, data: JSON, instance: JSON | None) -> JSON:
    out: JSON = {}
    if instance is None:
        for name in ("record_id", "model_name", "payload", "scheduled_at"):
            if name not in data:
                raise validation("This field is required.", attr=name, code="required")
    if "model_name" in data:
        if data["model_name"] != "FeatureFlag":
            raise validation(
                f'"{data["model_name"]}" is not a valid choice.',
                attr="model_name",
                code="invalid_choice",
            )
        out["model_name"] = "FeatureFlag"
    if "record_id" in data:
        if instance is not None and str(data["record_id"]) != instance["record_id"]:
            raise validation(
                "Cannot change the target record of an existing scheduled change.",
                attr="record_id",
            )
        out["record_id"] = str(data["record_id"])
    if "payload" in data:
        payload = data["payload"]
        if not isinstance(payload, dict) or payload.get("operation") not in OPERATIONS:
            raise validation(
                "payload needs an 'operation' (one of update_status, add_release_condition, "
                "update_variants) and a 'value'",
                attr="payload",
            )
        out["payload"] = payload
    if "scheduled_at" in data:
        out["scheduled_at"] = _moment(data["scheduled_at"], "scheduled_at")
    if "end_date" in data:
        end = data["end_date"]
        out["end_date"] = None if end is None else _moment(end, "end_date")
    if "is_recurring" in data:
        out["is_recurring"] = bool(data["is_recurring"])
    if "recurrence_interval" in data:
        interval = data["recurrence_interval"]
        if interval is not None and interval not in INTERVALS:
            raise validation(
                f'"{interval}" is not a valid choice.',
                attr="recurrence_interval",
                code="invalid_choice",
            )
        out["recurrence_interval"] = interval
    merged = {**(instance or {}), **out}
    recurring = bool(merged.get("is_recurring"))
    if recurring and not merged.get("recurrence_interval"):
        raise validation(
            "Either recurrence_interval or cron_expression is required when is_recurring is true.",
            attr="recurrence_interval",
        )
    if recurring and (merged.get("payload") or {}).get("operation") == "add_release_condition":
        raise validation(
            "Recurring schedules are not supported for add_release_condition because it "
            "appends conditions on each run, creating duplicates.",
            attr="payload",
        )
    if instance is None and not recurring and merged.get("recurrence_interval"):
        raise validation(
            "Cannot set recurrence_interval when is_recurring is false for new schedules.",
            attr="recurrence_interval",
        )
    end, start = merged.get("end_date"), merged.get("scheduled_at")
    if end and start and str(end) <= str(start):
        raise validation("End date must be after the scheduled start date.", attr="end_date")
    flag = (
        call.store.get("feature_flag", int(merged["record_id"]))
        if str(merged.get("record_id", "")).isdigit()
        else None
    )
    if flag is None or flag.get("project_id") != call.pid:
        raise validation("Feature flag not found")
    return out


def list_changes(call: Call) -> Response:
    run_due(call)
    docs = call.store.all(KIND, call.pid)
    model = call.request.arg("model_name")
    if model is not None:
        docs = [d for d in docs if d["model_name"] == model]
    record = call.request.arg("record_id")
    if record is not None:
        docs = [d for d in docs if d["record_id"] == record]
    page = limit_offset(call.request, docs)
    page["results"] = [body(call, d) for d in page["results"]]
    return ok(page)


def create_change(call: Call) -> Response:
    values = _values(call, call.request.json_object(), None)
    now = clock.now_iso()
    doc: JSON = {
        "project_id": call.pid,
        "is_recurring": False,
        "recurrence_interval": None,
        "end_date": None,
        "executed_at": None,
        "failure_reason": None,
        "last_executed_at": None,
        "created_by": call.user["id"],
        "created_at": now,
        "updated_at": now,
        **values,
    }
    call.store.insert(KIND, doc, project_id=call.pid)
    return ok(body(call, doc), 201)


def _get(call: Call) -> JSON:
    found = call.owned(KIND)
    if found is None:
        raise not_found()
    return found


def get_change(call: Call) -> Response:
    run_due(call)
    return ok(body(call, _get(call)))


def update_change(call: Call) -> Response:
    doc = _get(call)
    if doc.get("executed_at") and not doc.get("is_recurring"):
        raise validation("Cannot modify a scheduled change that has already executed.")
    doc.update(_values(call, call.request.json_object(), doc))
    doc["updated_at"] = clock.now_iso()
    call.store.put(KIND, doc)
    return ok(body(call, doc))


def delete_change(call: Call) -> Response:
    doc = _get(call)
    call.store.delete(KIND, doc["id"])
    return empty(204)


# -- running them -----------------------------------------------------------------------------


def _effect(flag: JSON, payload: JSON) -> JSON:
    """The PATCH body a payload makes of a flag."""
    operation, value = payload.get("operation"), payload.get("value")
    filters = dict(flag.get("filters") or {})
    if operation == "update_status":
        return {"active": bool(value)}
    if not isinstance(value, dict):
        raise ValueError("the payload's value must be an object")
    if operation == "add_release_condition":
        filters["groups"] = [*(filters.get("groups") or []), *(value.get("groups") or [])]
        if value.get("payloads"):
            filters["payloads"] = {**(filters.get("payloads") or {}), **value["payloads"]}
        if value.get("multivariate"):
            filters["multivariate"] = value["multivariate"]
        return {"filters": filters}
    filters["multivariate"] = {**(filters.get("multivariate") or {}), "variants": value["variants"]}
    if "payloads" in value:
        filters["payloads"] = value["payloads"] or {}
    return {"filters": filters}


def _next(doc: JSON, moment: datetime) -> datetime:
    step = INTERVALS[str(doc["recurrence_interval"])]
    due = clock.parse(doc["scheduled_at"]) or moment
    while due <= moment:
        due += step
    return due


def run_due(call: Call) -> None:
    """Run every schedule of the project whose time has passed on the emulator's clock."""
    now = clock.now()
    for doc in call.store.all(KIND, call.pid):
        due = clock.parse(doc["scheduled_at"])
        if doc.get("executed_at") or due is None or due > now:
            continue
        end = clock.parse(doc["end_date"]) if doc.get("end_date") else None
        flag = call.store.get("feature_flag", int(doc["record_id"]))
        creator = call.store.get("user", doc["created_by"]) or call.user
        try:
            if flag is None or flag.get("deleted"):
                raise ValueError("Feature flag not found")
            _writer[0](call, flag, _effect(flag, doc["payload"]), creator)
        except Exception as exc:  # PostHog records why a schedule failed and stops it
            doc.update(failure_reason=str(exc), executed_at=clock.iso(now))
            call.store.put(KIND, doc)
            continue
        if doc.get("is_recurring"):
            following = _next(doc, now)
            doc["last_executed_at"] = clock.iso(now)
            if end is not None and following > end:
                doc["executed_at"] = clock.iso(now)
            else:
                doc["scheduled_at"] = clock.iso(following)
        else:
            doc["executed_at"] = clock.iso(now)
        call.store.put(KIND, doc)
