"""Feature flags (posthog-api.md section 2): list, create, retrieve, update, soft delete."""

from __future__ import annotations

from typing import Any

from reconciler.emulator import (
    activity,
    approvals,
    change_requests,
    clock,
    dashboard_docs,
    fields,
    scheduled_changes,
)
from reconciler.emulator.flag_docs import KIND, flag_body
from reconciler.emulator.flag_listing import LIST_FILTERS, matching
from reconciler.emulator.flag_rules import (
    check_newer_fields,
    dependents,
    validate_filters,
    validate_key,
)
from reconciler.emulator.pagination import counted_page, limit_and_offset, limit_offset
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.wire import Problem, Response, empty, not_found, ok, validation

SCOPE = "FeatureFlag"
CREATION_CONTEXTS = (
    "feature_flags",
    "experiments",
    "surveys",
    "early_access_features",
    "web_experiments",
    "product_tours",
)
RUNTIMES = ("server", "client", "all")
BUCKETING = ("distinct_id", "device_id")


def _get(call: Call) -> JSON:
    flag = call.owned(KIND)
    if flag is None:
        raise not_found()
    return flag


# -- list and read ----------------------------------------------------------------------------


def list_flags(call: Call) -> Response:
    scheduled_changes.run_due(call)
    request = call.request
    if not any(name in request.query for name in LIST_FILTERS):
        limit, offset = limit_and_offset(request)
        count, docs = call.store.page(
            KIND, call.pid, skip_true=("deleted", "survey_internal"), offset=offset, limit=limit
        )
        results = [flag_body(call.store, f) for f in docs]
        return ok(counted_page(request, count, results, limit=limit, offset=offset))
    flags = [
        f
        for f in call.store.all(KIND, call.pid)
        if not f.get("deleted") and not f.get("survey_internal")
    ]
    page = limit_offset(request, matching(request, flags))
    page["results"] = [flag_body(call.store, f) for f in page["results"]]
    return ok(page)


def get_flag(call: Call) -> Response:
    scheduled_changes.run_due(call)
    return ok(flag_body(call.store, _get(call)))


# -- write ------------------------------------------------------------------------------------


def _validated(call: Call, data: JSON, instance: JSON | None) -> JSON:
    """DRF field validation in serializer field order; returns the validated values."""
    store, pid = call.store, call.pid
    out: JSON = {}
    if "name" in data:
        out["name"] = fields.string(data["name"], "name", allow_blank=True)
    if "key" in data:
        out["key"] = validate_key(
            store, pid, data["key"], exclude_id=instance["id"] if instance else None
        )
    elif instance is None or call.request.method == "PUT":
        raise validation("This field is required.", attr="key", code="required")
    if "filters" in data:
        filters = fields.dictionary(data["filters"], "filters")
        assert filters is not None
        if "groups" not in filters and call.request.method == "PATCH" and instance is not None:
            out["filters"] = instance.get("filters") or {}
        else:
            current = out.get("key") or (instance["key"] if instance else data.get("key"))
            out["filters"] = validate_filters(
                store,
                pid,
                filters,
                current_key=str(current) if current else None,
                creating=call.request.method == "POST",
            )
    for name in ("deleted", "active"):
        if name in data:
            out[name] = fields.boolean(data[name], name)
    if "version" in data:
        out["version"] = fields.integer(data["version"], "version")
    for name in (
        "ensure_experience_continuity",
        "has_enriched_analytics",
        "is_remote_configuration",
        "has_encrypted_payloads",
        "performed_rollback",
    ):
        if name in data:
            out[name] = fields.boolean(data[name], name, allow_null=True)
    encrypted = out.get("has_encrypted_payloads", (instance or {}).get("has_encrypted_payloads"))
    remote = out.get("is_remote_configuration", (instance or {}).get("is_remote_configuration"))
    if encrypted and not remote:
        raise validation("Encrypted payloads require the flag to be a remote configuration.")
    if "rollback_conditions" in data:
        out["rollback_conditions"] = data["rollback_conditions"]
    if "tags" in data:
        out["tags"] = fields.tags(data["tags"])
    for name in ("evaluation_tags", "evaluation_contexts"):
        if name in data:
            out["evaluation_tags"] = fields.tags(data[name], name)
    if "analytics_dashboards" in data:
        out["analytics_dashboards"] = _dashboard_ids(call, data["analytics_dashboards"])
    if "creation_context" in data:
        out["creation_context"] = fields.choice(
            data["creation_context"], "creation_context", CREATION_CONTEXTS
        )
    if "evaluation_runtime" in data:
        out["evaluation_runtime"] = fields.choice(
            data["evaluation_runtime"], "evaluation_runtime", RUNTIMES, allow_null=True
        )
    if "bucketing_identifier" in data:
        out["bucketing_identifier"] = fields.choice(
            data["bucketing_identifier"], "bucketing_identifier", BUCKETING, allow_null=True
        )
    check_newer_fields(call.project, data, out, instance, post=call.request.method == "POST")
    if "_should_create_usage_dashboard" in data:
        out["_should_create_usage_dashboard"] = fields.boolean(
            data["_should_create_usage_dashboard"], "_should_create_usage_dashboard"
        )
    return out


def _dashboard_ids(call: Call, raw: Any) -> list[int]:
    items = fields.listing(raw, "analytics_dashboards") or []
    ids: list[int] = []
    for item in items:
        try:
            dashboard = call.store.get(dashboard_docs.KIND, int(item))
        except (TypeError, ValueError):
            raise validation(
                f"Incorrect type. Expected pk value, received {type(item).__name__}.",
                attr="analytics_dashboards",
                code="incorrect_type",
            ) from None
        if dashboard is None or dashboard.get("project_id") != call.pid:
            raise validation(
                f'Invalid pk "{item}" - object does not exist.',
                attr="analytics_dashboards",
                code="does_not_exist",
            )
        ids.append(int(item))
    return ids


def create_flag(call: Call) -> Response:
    data = call.request.json_object()
    values = _validated(call, data, None)
    store, pid, user = call.store, call.pid, call.user
    key = values["key"]
    for tomb in [f for f in store.by_lookup(KIND, pid, key) if f.get("deleted")]:
        if tomb.get("experiment_set"):
            raise validation(
                "Feature flag with this key already exists and is used in an experiment. "
                "Please delete the experiment before deleting the flag."
            )
        store.delete(KIND, tomb["id"])
    now = clock.now_iso()
    should_dashboard = values.pop("_should_create_usage_dashboard", True)
    values.pop("creation_context", None)
    doc: JSON = {
        "project_id": pid,
        "key": key,
        "name": values.get("name", ""),
        "filters": values.get("filters", {}),
        "active": values.get("active", True),
        "deleted": values.get("deleted", False),
        "version": 1,
        "created_by": user["id"],
        "last_modified_by": user["id"],
        "created_at": now,
        "updated_at": now,
        "ensure_experience_continuity": values.get("ensure_experience_continuity", False),
        "tags": values.get("tags", []),
        "evaluation_tags": values.get("evaluation_tags", []),
        "analytics_dashboards": values.get("analytics_dashboards", []),
        "has_enriched_analytics": values.get("has_enriched_analytics", False),
        "is_remote_configuration": values.get("is_remote_configuration", False),
        "has_encrypted_payloads": values.get("has_encrypted_payloads", False),
        "evaluation_runtime": values.get("evaluation_runtime", "all"),
        "bucketing_identifier": values.get("bucketing_identifier"),
        "rollback_conditions": values.get("rollback_conditions"),
        "performed_rollback": False,
        "usage_dashboard": None,
        "last_called_at": None,
    }
    store.insert(KIND, doc, project_id=pid)
    if should_dashboard:
        board = dashboard_docs.create_usage_dashboard(store, pid, user, key)
        doc["usage_dashboard"] = board["id"]
        store.put(KIND, doc)
    activity.record(
        store,
        project_id=pid,
        user=user,
        scope=SCOPE,
        item_id=doc["id"],
        activity="created",
        name=key,
    )
    return ok(flag_body(store, doc), 201)


def _conflicts(current: JSON, values: JSON, original: Any) -> list[str]:
    if not isinstance(original, dict) or not original:
        return []
    changed = [f for f, new in values.items() if f in original and new != original[f]]
    return [f for f in changed if original[f] != current.get(f) and values[f] != current.get(f)]


def update_flag(call: Call) -> Response:
    flag = _get(call)
    data = call.request.json_object()
    _validated(call, data, flag)  # PostHog validates the request before its approval gate
    gated = approvals.gate(call, flag, data)
    if gated is not None:
        return gated
    return ok(flag_body(call.store, write_update(call, flag, data, call.user)))


def write_update(call: Call, flag: JSON, data: JSON, user: JSON) -> JSON:
    """Write ``data`` to ``flag`` as ``user`` (a request, or an approved change request)."""
    values = _validated(call, data, flag)
    store, pid = call.store, call.pid
    values.pop("_should_create_usage_dashboard", None)
    values.pop("creation_context", None)
    if values.get("deleted") is True and not flag.get("deleted"):
        _check_deletable(store, pid, flag)
    requested_version = data.get("version", -1)
    stored_version = int(flag.get("version") or 0)
    if requested_version != -1 and requested_version != stored_version:
        comparable = {k: v for k, v in values.items() if k != "version"}
        if _conflicts(flag, comparable, data.get("original_flag", {})):
            modifier = store.get("user", flag.get("last_modified_by") or -1)
            who = modifier["email"] if modifier else "another user"
            raise Problem(
                409,
                "server_error",
                "conflict",
                f"The feature flag was updated by {who} since you started editing it. "
                "Please refresh and try again.",
            )
    before = dict(flag)
    old_key = flag["key"]
    values.pop("version", None)
    if values.get("active"):
        values["performed_rollback"] = False
    flag.update(values)
    flag["version"] = stored_version + 1
    flag["last_modified_by"] = user["id"]
    flag["updated_at"] = clock.now_iso()
    store.put(KIND, flag)
    if flag["key"] != old_key and flag.get("usage_dashboard"):
        dashboard_docs.rename_usage_dashboard(
            store, int(flag["usage_dashboard"]), old_key, flag["key"]
        )
    deleted_now = flag.get("deleted") and not before.get("deleted")
    activity.record(
        store,
        project_id=pid,
        user=user,
        scope=SCOPE,
        item_id=flag["id"],
        activity="deleted" if deleted_now else "updated",
        name=flag["key"],
        change_list=activity.changes(SCOPE, before, flag),
    )
    return flag


change_requests.register_writer("feature_flag", write_update)
scheduled_changes.register_writer(write_update)


def _check_deletable(store: Store, pid: int, flag: JSON) -> None:
    if flag.get("features"):
        raise validation(
            "Cannot delete a feature flag that is in use with early access features. "
            "Please delete the early access feature before deleting the flag."
        )
    experiments = list(flag.get("experiment_set") or [])
    if experiments:
        raise validation(
            "Cannot delete a feature flag that is linked to active experiment(s) with ID(s): "
            f"{', '.join(map(str, experiments))}. "
            "Please delete the experiment(s) before deleting the flag."
        )
    found = dependents(store, pid, flag)
    if found:
        names = [f"{f['key']} (ID: {f['id']})" for f in found[:5]]
        if len(found) > 5:
            names.append(f"and {len(found) - 5} more")
        raise validation(
            f"Cannot delete this feature flag because other flags depend on it: "
            f"{', '.join(names)}. Please update or delete the dependent flags first."
        )


def destroy_flag(call: Call) -> Response:
    """``ForbidDestroyModel``: 405 with an empty body (after the scope check)."""
    return empty(405)


def flag_activity(call: Call) -> Response:
    return activity.list_for_scope(call, SCOPE, KIND)
