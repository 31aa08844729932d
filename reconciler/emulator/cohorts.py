"""Cohorts (posthog-api.md section 3): list, create, retrieve, update, soft delete, members."""

from __future__ import annotations

from typing import Any

from reconciler.emulator import activity, clock, fields
from reconciler.emulator.cohort_rules import (
    check_references,
    has_behavioral,
    legacy_properties,
    members,
    nested_cohorts,
    validate_filters,
)
from reconciler.emulator.flag_rules import properties
from reconciler.emulator.pagination import (
    counted_page,
    limit_and_offset,
    limit_offset,
    persons_page,
)
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.users import user_basic
from reconciler.emulator.wire import Response, empty, not_found, ok, validation

KIND = "cohort"
SCOPE = "Cohort"
COHORT_TYPES = ("static", "person_property", "behavioral", "analytical", "realtime")


def cohort_body(store: Store, doc: JSON) -> JSON:
    filters = doc.get("filters")
    if not filters:
        filters = {"properties": _legacy_properties(doc.get("groups") or [])}
    user = store.get("user", doc["created_by"]) if doc.get("created_by") else None
    return {
        "id": doc["id"],
        "name": doc.get("name"),
        "description": doc.get("description", ""),
        "groups": doc.get("groups") or [],
        "deleted": doc.get("deleted", False),
        "filters": filters,
        "query": doc.get("query"),
        "version": doc.get("version"),
        "pending_version": doc.get("pending_version"),
        "is_calculating": doc.get("is_calculating", False),
        "created_by": user_basic(user),
        "created_at": doc.get("created_at"),
        "last_calculation": doc.get("last_calculation"),
        "last_backfill_person_properties_at": None,
        "errors_calculating": doc.get("errors_calculating", 0),
        "last_error_message": None,
        "count": doc.get("count"),
        "is_static": doc.get("is_static", False),
        "cohort_type": doc.get("cohort_type"),
        "experiment_set": list(doc.get("experiment_set", [])),
    }


def _legacy_properties(groups: list[Any]) -> JSON:
    """The ``filters`` PostHog derives from legacy ``groups`` (OR of AND groups)."""
    values = [
        {"type": "AND", "values": legacy_properties(g.get("properties"))}
        for g in groups
        if isinstance(g, dict)
    ]
    return {"type": "OR", "values": values}


def _get(call: Call) -> JSON:
    cohort = call.owned(KIND)
    if cohort is None:
        raise not_found()
    return cohort


LIST_FILTERS = ("hide_behavioral_cohorts", "type", "created_by_id", "search")


def list_cohorts(call: Call) -> Response:
    request = call.request
    if not any(name in request.query for name in LIST_FILTERS):
        limit, offset = limit_and_offset(request)
        count, docs = call.store.page(KIND, call.pid, offset=offset, limit=limit)
        results = [cohort_body(call.store, c) for c in docs]
        return ok(counted_page(request, count, results, limit=limit, offset=offset))
    cohorts = [c for c in call.store.all(KIND, call.pid) if not c.get("deleted")]
    if (request.arg("hide_behavioral_cohorts") or "false").lower() == "true":
        cohorts = [c for c in cohorts if not _behavioral_anywhere(call.store, call.pid, c)]
    kind = request.arg("type")
    if kind == "static":
        cohorts = [c for c in cohorts if c.get("is_static")]
    elif kind == "dynamic":
        cohorts = [c for c in cohorts if not c.get("is_static")]
    created_by = request.arg("created_by_id")
    if created_by is not None:
        cohorts = [c for c in cohorts if str(c.get("created_by")) == created_by]
    search = request.arg("search")
    if search:
        cohorts = [c for c in cohorts if search.lower() in str(c.get("name") or "").lower()]
    cohorts.sort(key=lambda c: (str(c.get("created_at") or ""), c["id"]), reverse=True)
    page = limit_offset(request, cohorts)
    page["results"] = [cohort_body(call.store, c) for c in page["results"]]
    return ok(page)


def _behavioral_anywhere(store: Store, pid: int, cohort: JSON) -> bool:
    return any(has_behavioral(c) for c in [cohort, *nested_cohorts(store, pid, cohort)])


def get_cohort(call: Call) -> Response:
    return ok(cohort_body(call.store, _get(call)))


def _validated(call: Call, data: JSON, instance: JSON | None) -> JSON:
    out: JSON = {}
    if "name" in data:
        out["name"] = fields.string(data["name"], "name", max_length=400, allow_null=True)
    if "description" in data:
        out["description"] = fields.string(data["description"], "description", max_length=1000)
    if "groups" in data:
        out["groups"] = data["groups"]
    if "deleted" in data:
        out["deleted"] = fields.boolean(data["deleted"], "deleted")
    static = data.get("is_static") if "is_static" in data else (instance or {}).get("is_static")
    if "filters" in data:
        raw = data["filters"]
        if raw is None:
            out["filters"] = None
        elif static:
            out["filters"] = raw
        else:
            out["filters"] = validate_filters(raw)
            _flag_constraints(call, out["filters"], instance)
    if "query" in data:
        out["query"] = _validated_query(data["query"])
    if "is_static" in data:
        out["is_static"] = fields.boolean(data["is_static"], "is_static")
    if "cohort_type" in data:
        out["cohort_type"] = fields.choice(
            data["cohort_type"], "cohort_type", COHORT_TYPES, allow_null=True
        )
    if "_create_static_person_ids" in data:
        ids = fields.listing(data["_create_static_person_ids"], "_create_static_person_ids")
        out["_create_static_person_ids"] = [str(i) for i in ids or []]
    return out


def _validated_query(query: Any) -> JSON | None:
    if not query:
        return None
    if not isinstance(query, dict):
        raise validation("Query must be a dictionary.", attr="query")
    if query.get("kind") not in ("ActorsQuery", "HogQLQuery"):
        raise validation(
            f"Query must be an ActorsQuery or HogQLQuery. Got: {query.get('kind')}", attr="query"
        )
    return query


def _flag_constraints(call: Call, filters: JSON, instance: JSON | None) -> None:
    """A cohort used by an active flag cannot gain behavioral filters (PATCH only)."""
    if call.request.method != "PATCH" or instance is None:
        return
    if not _used_by(call.store, call.pid, instance["id"]):
        return
    probe = {"id": instance["id"], "filters": filters, "project_id": call.pid}
    if has_behavioral(probe):
        raise validation(
            "Behavioral filters cannot be added to cohorts used in feature flags.",
            attr="filters",
            code="behavioral_cohort_found",
        )
    for nested in nested_cohorts(call.store, call.pid, probe):
        if has_behavioral(nested):
            raise validation(
                f"A cohort dependency ({nested.get('name')}) has filters based on events. "
                "These cohorts can't be used in feature flags.",
                attr="filters",
                code="behavioral_cohort_found",
            )


def _used_by(store: Store, pid: int, cohort_id: int) -> list[JSON]:
    # Only flags whose JSON names a cohort condition are decoded and checked.
    return [
        f
        for f in store.containing("feature_flag", pid, '"type": "cohort"')
        if f.get("active")
        and not f.get("deleted")
        and any(
            str(p.get("value")) == str(cohort_id)
            for p in properties(f.get("filters") or {}, "cohort")
        )
    ]


def _schedule_calculation(call: Call, cohort_id: int) -> None:
    """Dynamic cohorts calculate asynchronously, as PostHog's celery task does."""
    store = call.store

    def finish() -> None:
        doc = store.get(KIND, cohort_id)
        if doc is None:
            return
        doc["is_calculating"] = False
        doc["count"] = len(members(store, doc["project_id"], doc))
        doc["last_calculation"] = clock.now_iso()
        doc["version"] = int(doc.get("version") or 0) + 1
        store.put(KIND, doc)

    call.app.later(call.app.config.property_delay, finish)


def create_cohort(call: Call) -> Response:
    data = call.request.json_object()
    values = _validated(call, data, None)
    store, pid, user = call.store, call.pid, call.user
    if values.get("query") and values.get("filters"):
        raise validation("Cannot set both query and filters at the same time.")
    static = bool(values.get("is_static", False))
    if not static and values.get("query") is not None:
        raise validation("Cannot create a dynamic cohort with a query. Set is_static to true.")
    person_ids = values.pop("_create_static_person_ids", None)
    doc: JSON = {
        "project_id": pid,
        "name": values.get("name"),
        "description": values.get("description", ""),
        "groups": values.get("groups") or [],
        "deleted": values.get("deleted", False),
        "filters": values.get("filters"),
        "query": values.get("query"),
        "is_static": static,
        "cohort_type": values.get("cohort_type"),
        "is_calculating": not static,
        "created_by": user["id"],
        "created_at": clock.now_iso(),
        "last_calculation": None,
        "errors_calculating": 0,
        "count": None,
        "version": None,
        "pending_version": None,
        "experiment_set": [],
    }
    check_references(store, pid, doc)
    if static:
        doc["members"] = _static_members(store, pid, person_ids or [])
        doc["count"] = len(doc["members"])
        doc["version"] = 1
        doc["last_calculation"] = doc["created_at"]
    store.insert(KIND, doc, project_id=pid)
    if not static:
        _schedule_calculation(call, doc["id"])
    activity.record(
        store,
        project_id=pid,
        user=user,
        scope=SCOPE,
        item_id=doc["id"],
        activity="created",
        name=doc.get("name"),
    )
    return ok(cohort_body(store, doc), 201)


def _static_members(store: Store, pid: int, person_uuids: list[str]) -> list[int]:
    wanted = set(person_uuids)
    return [p["id"] for p in store.all("person", pid) if p["uuid"] in wanted]


def update_cohort(call: Call) -> Response:
    cohort = _get(call)
    data = call.request.json_object()
    values = _validated(call, data, cohort)
    store, pid, user = call.store, call.pid, call.user
    before = dict(cohort)
    person_ids = values.pop("_create_static_person_ids", None)
    for name in ("name", "description", "groups", "is_static", "filters", "cohort_type", "query"):
        if name in values:
            cohort[name] = values[name]
    deleted = values.get("deleted")
    if deleted is not None and deleted != cohort.get("deleted", False):
        if deleted:
            flags = _used_by(store, pid, cohort["id"])
            if flags:
                names = [f.get("name") or f["key"] for f in flags]
                raise validation(
                    f"This cohort is used in {len(flags)} active feature flag(s): "
                    f"{', '.join(names)}. "
                    "Please remove the cohort from these feature flags before deleting it."
                )
            cohort["experiment_set"] = []
        cohort["deleted"] = deleted
    elif not cohort.get("is_static"):
        cohort["is_calculating"] = True
    check_references(store, pid, cohort)
    if cohort.get("is_static") and person_ids:
        cohort["members"] = sorted(
            set(cohort.get("members", [])) | set(_static_members(store, pid, person_ids))
        )
        cohort["count"] = len(cohort["members"])
    store.put(KIND, cohort)
    if not deleted and not cohort.get("is_static"):
        _schedule_calculation(call, cohort["id"])
    deleted_now = cohort.get("deleted") and not before.get("deleted")
    activity.record(
        store,
        project_id=pid,
        user=user,
        scope=SCOPE,
        item_id=cohort["id"],
        activity="deleted" if deleted_now else "updated",
        name=cohort.get("name"),
        change_list=activity.changes(SCOPE, before, cohort),
    )
    return ok(cohort_body(store, cohort))


def destroy_cohort(call: Call) -> Response:
    return empty(405)


def cohort_activity(call: Call) -> Response:
    return activity.list_for_scope(call, SCOPE, KIND)


def member_body(person: JSON) -> JSON:
    """One element of ``cohorts/{id}/persons/`` (``CohortPersonResult``)."""
    from reconciler.emulator.persons import display_name

    return {
        "id": person["uuid"],
        "uuid": person["uuid"],
        "type": "person",
        "name": display_name(person),
        "distinct_ids": list(person.get("distinct_ids", []))[:10],
        "properties": person.get("properties") or {},
        "created_at": person.get("created_at"),
        "last_seen_at": person.get("last_seen_at"),
        "is_identified": person.get("is_identified", True),
        "matched_recordings": [],
        "value_at_data_point": None,
    }


def cohort_persons(call: Call) -> Response:
    cohort = _get(call)
    ids = set(members(call.store, call.pid, cohort))
    people = [p for p in call.store.all("person", call.pid) if p["id"] in ids]
    people.sort(key=lambda p: (str(p.get("created_at") or ""), p["id"]), reverse=True)
    page = persons_page(call.request, people)
    page.pop("count", None)
    page["results"] = [member_body(p) for p in page["results"]]
    return ok(page)


def seed_cohort(store: Store, raw: JSON, project_id: int) -> None:
    """A cohort from a seed: ``members`` lists person ids (static, or fixed for behavioral)."""
    user = store.all("user")[0]
    doc: JSON = {
        "name": None,
        "description": "",
        "groups": [],
        "deleted": False,
        "filters": None,
        "query": None,
        "is_static": False,
        "cohort_type": None,
        "is_calculating": False,
        "created_by": user["id"],
        "created_at": clock.now_iso(),
        "errors_calculating": 0,
        "version": 1,
        "pending_version": None,
        "experiment_set": [],
        **raw,
    }
    doc["project_id"] = project_id
    doc.setdefault("last_calculation", doc["created_at"])
    store.insert(KIND, doc, project_id=project_id)
    doc["count"] = len(members(store, project_id, doc))
    store.put(KIND, doc)
