"""Persons (posthog-api.md section 6): read, and property writes that land asynchronously.

PostHog turns a property write into a ``$set`` event and answers 202 before ingestion has
applied it; the emulator applies the change after ``EmulatorConfig.property_delay`` seconds.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from reconciler.emulator import activity, clock
from reconciler.emulator.matching import match_properties
from reconciler.emulator.pagination import persons_page
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.wire import Problem, Response, ad_hoc, empty, not_found, ok, validation

KIND = "person"
SCOPE = "Person"
DISPLAY_PROPERTIES = (
    "email",
    "Email",
    "$email",
    "name",
    "Name",
    "username",
    "Username",
    "UserName",
)
CREATE_REFUSED = (
    "Creating persons via this API is not allowed. Please create persons by sending an "
    "$identify event. See https://posthog.com/docs/product-analytics/identify for details."
)
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
    r"[0-9a-fA-F]{12}$"
)


def display_name(person: JSON) -> str:
    props = person.get("properties") or {}
    for key in DISPLAY_PROPERTIES:
        if props.get(key):
            return str(props[key])
    ids = person.get("distinct_ids") or []
    return str(ids[0]) if ids else str(person["id"])


def person_body(person: JSON, *, max_ids: int | None = None) -> JSON:
    ids = list(person.get("distinct_ids") or [])
    return {
        "id": person["id"],
        "name": display_name(person),
        "distinct_ids": ids[:max_ids] if max_ids else ids,
        "properties": person.get("properties") or {},
        "created_at": person.get("created_at"),
        "uuid": person["uuid"],
        "last_seen_at": person.get("last_seen_at"),
    }


def list_persons(call: Call) -> Response:
    request = call.request
    people = call.store.all(KIND, call.pid)
    distinct_id = request.arg("distinct_id")
    if distinct_id:
        people = [p for p in people if distinct_id in (p.get("distinct_ids") or [])]
    email = request.arg("email")
    if email:
        people = [p for p in people if (p.get("properties") or {}).get("email") == email]
    search = request.arg("search")
    if search:
        needle = search.lower()
        people = [
            p
            for p in people
            if needle in str((p.get("properties") or {}).get("email", "")).lower()
            or needle in display_name(p).lower()
            or search in (p.get("distinct_ids") or [])
        ]
    raw = request.arg("properties")
    if raw:
        try:
            filters = json.loads(raw)
        except ValueError:
            raise validation("Properties are unparsable!", attr="properties") from None
        if isinstance(filters, dict):
            filters = filters.get("values", [])
        if not isinstance(filters, list):
            raise validation("Properties are unparsable!", attr="properties")
        people = [p for p in people if match_properties(p, filters)]
    people.sort(key=lambda p: (str(p.get("created_at") or ""), p["id"]), reverse=True)
    page = persons_page(request, people)
    # The list is read from ClickHouse, where a person's id is its UUID; a single person is
    # read from Postgres, with the numeric id.
    page["results"] = [{**person_body(p), "id": p["uuid"]} for p in page["results"]]
    return ok(page)


def find_person(store: Store, project_id: int, raw: str) -> JSON:
    """By integer pk or UUID; anything else is PostHog's 400 about distinct ids."""
    if raw.isdigit():
        person = store.get(KIND, int(raw))
        if person is None or person.get("project_id") != project_id:
            raise not_found()
        return person
    if _UUID.match(raw):
        found = store.by_lookup(KIND, project_id, str(uuid.UUID(raw)))
        if not found:
            raise not_found()
        return found[0]
    raise validation(
        "The ID provided does not look like a personID. If you are using a distinctId, "
        f"please use /persons?distinct_id={raw} instead."
    )


def get_person(call: Call) -> Response:
    return ok(person_body(find_person(call.store, call.pid, call.params["id"])))


def create_person(call: Call) -> Response:
    raise Problem(405, "invalid_request", "method_not_allowed", CREATE_REFUSED)


def _swapped(attr: str) -> Problem:
    """PostHog's hand-built body for these views has ``code`` and ``detail`` swapped."""
    return ad_hoc(
        400,
        {
            "attr": attr,
            "code": "This field is required.",
            "detail": "required",
            "type": "validation_error",
        },
    )


def _set_later(call: Call, person_id: int, changes: JSON, unset: list[str] | None = None) -> None:
    store = call.store

    def apply() -> None:
        person = store.get(KIND, person_id)
        if person is None:
            return
        props = dict(person.get("properties") or {})
        props.update(changes)
        for key in unset or []:
            props.pop(key, None)
        person["properties"] = props
        person["last_seen_at"] = clock.now_iso()
        store.put(KIND, person)

    call.app.later(call.app.config.property_delay, apply)
    person = store.get(KIND, person_id)
    activity.record(
        store,
        project_id=call.pid,
        user=call.user,
        scope=SCOPE,
        item_id=person_id,
        activity="updated",
        name=person["uuid"] if person else None,
        change_list=[
            {
                "type": SCOPE,
                "action": "changed",
                "field": "properties",
                "before": None,
                "after": None,
            }
        ],
    )


def update_person(call: Call) -> Response:
    """PATCH/PUT ``{"properties": {...}}``: 202, the ``$set`` lands later."""
    data = call.request.json_object()
    if data.get("properties") is None:
        raise _swapped("properties")
    person = find_person(call.store, call.pid, call.params["id"])
    properties = data["properties"]
    if isinstance(properties, dict):
        _set_later(call, person["id"], properties)
    return empty(202)


def update_property(call: Call) -> Response:
    data = call.request.json_object()
    if "value" not in data:
        raise _swapped("value")  # a null value is a value: PostHog sets the property to null
    if data.get("key") is None:
        raise _swapped("key")
    person = find_person(call.store, call.pid, call.params["id"])
    _set_later(call, person["id"], {str(data["key"]): data["value"]})
    return empty(202)


def delete_property(call: Call) -> Response:
    data = call.request.json_object()
    person = find_person(call.store, call.pid, call.params["id"])
    if "$unset" not in data:
        raise Problem(500, "server_error", "error", "A server error occurred.")
    _set_later(call, person["id"], {}, unset=[str(data["$unset"])])
    return ok({"success": True}, 201)


def delete_person(call: Call) -> Response:
    person = find_person(call.store, call.pid, call.params["id"])
    call.store.delete(KIND, person["id"])
    activity.record(
        call.store,
        project_id=call.pid,
        user=call.user,
        scope=SCOPE,
        item_id=person["id"],
        activity="deleted",
        name=person["uuid"],
    )
    return empty(202)


def person_activity(call: Call) -> Response:
    """``persons/activity/`` and ``persons/{id}/activity/`` (scope ``activity_log:read``)."""
    if "id" in call.params:
        person = find_person(call.store, call.pid, call.params["id"])
        call.params["id"] = str(person["id"])
    return activity.list_for_scope(call, SCOPE)


def seed_person(store: Store, raw: JSON, project_id: int) -> None:
    doc: JSON = {
        "properties": {},
        "distinct_ids": [],
        "is_identified": True,
        "created_at": clock.now_iso(),
        "last_seen_at": None,
        **raw,
    }
    doc.setdefault("uuid", str(uuid.uuid4()))
    doc["project_id"] = project_id
    store.insert(KIND, doc, project_id=project_id)


def person_ref(store: Store, project_id: int, ref: Any) -> JSON | None:
    """A person by id, UUID or distinct id (used by seeds)."""
    for person in store.all(KIND, project_id):
        if ref in (person["id"], person["uuid"]) or ref in (person.get("distinct_ids") or []):
            return person
    return None
