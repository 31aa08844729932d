"""Endpoints, PostHog's saved queries served as APIs (posthog-api.md section 8).

HogQL is not executed: ``run`` answers the rows stored with the endpoint (from the seed),
filtered by the declared variables, in PostHog's response shape.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from reconciler.emulator import clock, fields
from reconciler.emulator.pagination import limit_offset
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.users import user_basic
from reconciler.emulator.wire import Response, ad_hoc, empty, not_found, ok, validation

KIND = "endpoint"
NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_-]{0,127}$")
NAME_RULE = (
    "Endpoint name must start with a letter, contain only alphanumeric characters, hyphens, "
    "or underscores, and be between 1 and 128 characters long."
)
QUERY_KINDS = (
    "HogQLQuery",
    "TrendsQuery",
    "FunnelsQuery",
    "RetentionQuery",
    "PathsQuery",
    "StickinessQuery",
    "LifecycleQuery",
)
REFRESH_MODES = ("cache", "force", "direct")


def _version(doc: JSON, number: int | None = None) -> JSON:
    wanted = number if number is not None else int(doc["current_version"])
    for version in doc.get("versions", []):
        if int(version["version"]) == wanted:
            return dict(version)
    raise KeyError(wanted)


def endpoint_body(call: Call, doc: JSON) -> JSON:
    store = call.store
    user = store.get("user", doc["created_by"]) if doc.get("created_by") else None
    path = f"/api/environments/{doc['project_id']}/endpoints/{doc['name']}/run"
    current = _version(doc)
    return {
        "id": doc["uuid"],
        "name": doc["name"],
        "description": doc.get("description", ""),
        "query": current["query"],
        "is_active": doc.get("is_active", True),
        "cache_age_seconds": doc.get("cache_age_seconds"),
        "data_freshness_seconds": doc.get("data_freshness_seconds", 86400),
        "endpoint_path": path,
        "url": call.url(path),
        "ui_url": call.url(f"/project/{doc['project_id']}/endpoints/{doc['name']}"),
        "created_at": doc["created_at"],
        "updated_at": doc.get("updated_at", doc["created_at"]),
        "created_by": user_basic(user),
        "is_materialized": doc.get("is_materialized", False),
        "current_version": int(doc["current_version"]),
        "current_version_id": current["id"],
        "versions_count": len(doc.get("versions", [])),
        "derived_from_insight": doc.get("derived_from_insight"),
        "last_executed_at": doc.get("last_executed_at"),
        "materialization": {
            "name": doc["name"],
            "can_materialize": False,
            "reason": "Materialization is not available in the emulator",
        },
        "bucket_overrides": None,
        "columns": [
            {"name": c, "type": t}
            for c, t in zip(doc.get("columns", []), _types(doc), strict=False)
        ],
    }


def _types(doc: JSON) -> list[str]:
    types = list(doc.get("types") or [])
    return types + ["String"] * (len(doc.get("columns", [])) - len(types))


def _get(call: Call, *, active_only: bool = False) -> JSON:
    name = call.params["name"]
    for doc in call.store.by_lookup(KIND, call.pid, name):
        if not doc.get("deleted"):
            if active_only and not doc.get("is_active", True):
                break
            return doc
    raise not_found()


def list_endpoints(call: Call) -> Response:
    docs = [d for d in call.store.all(KIND, call.pid) if not d.get("deleted")]
    active = call.request.arg("is_active")
    if active is not None:
        docs = [d for d in docs if bool(d.get("is_active", True)) == (active.lower() == "true")]
    created_by = call.request.arg("created_by")
    if created_by is not None:
        docs = [d for d in docs if str(d.get("created_by")) == created_by]
    docs.sort(key=lambda d: (str(d.get("created_at")), d["id"]), reverse=True)
    page = limit_offset(call.request, docs)
    page["results"] = [endpoint_body(call, d) for d in page["results"]]
    return ok(page)


def get_endpoint(call: Call) -> Response:
    doc = _get(call)
    raw = call.request.arg("version")
    number = _version_number(raw) if raw is not None else None
    try:
        version = _version(doc, number)
    except KeyError:
        raise not_found() from None
    body = endpoint_body(call, doc)
    body.update(
        {
            "query": version["query"],
            "version": int(version["version"]),
            "version_id": version["id"],
            "endpoint_is_active": doc.get("is_active", True),
            "is_active": version.get("is_active", True),
            "version_created_at": version["created_at"],
            "version_updated_at": version.get("updated_at"),
            "version_created_by": user_basic(
                call.store.get("user", version.get("created_by") or 0)
            ),
        }
    )
    return ok(body)


def _version_number(raw: Any) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise ad_hoc(400, {"error": f"Invalid version parameter: {raw}"}) from None


def _validated_query(query: Any) -> JSON:
    if not isinstance(query, dict) or query.get("kind") not in QUERY_KINDS:
        raise validation(f"Invalid query: {query!r}", attr="query")
    if query.get("kind") == "HogQLQuery" and not str(query.get("query") or "").strip():
        raise validation("Invalid HogQL query: empty query", attr="query")
    return query


def create_endpoint(call: Call) -> Response:
    data = call.request.json_object()
    name = data.get("name")
    if not name:
        raise validation("Endpoint must have a name.")
    if not isinstance(name, str) or not NAME.match(name):
        raise validation(NAME_RULE)
    if "query" not in data or data["query"] is None:
        raise validation("Must specify query")
    query = _validated_query(data["query"])
    if any(not d.get("deleted") for d in call.store.by_lookup(KIND, call.pid, name)):
        raise validation("Failed to create endpoint.")
    now = clock.now_iso()
    user = call.user
    doc: JSON = {
        "project_id": call.pid,
        "uuid": str(uuid.uuid4()),
        "name": name,
        "description": fields.string(data.get("description", ""), "description", allow_null=True),
        "is_active": bool(fields.boolean(data.get("is_active", True), "is_active")),
        "cache_age_seconds": data.get("cache_age_seconds"),
        "data_freshness_seconds": data.get("data_freshness_seconds", 86400),
        "is_materialized": False,
        "derived_from_insight": data.get("derived_from_insight"),
        "created_at": now,
        "updated_at": now,
        "created_by": user["id"],
        "current_version": 1,
        "versions": [_new_version(1, query, user, now)],
        "columns": [],
        "types": [],
        "rows": [],
        "variables": _declared(query),
        "last_executed_at": None,
    }
    call.store.insert(KIND, doc, project_id=call.pid)
    return ok(endpoint_body(call, doc), 201)


def _new_version(number: int, query: JSON, user: JSON, now: str) -> JSON:
    return {
        "id": str(uuid.uuid4()),
        "version": number,
        "query": query,
        "is_active": True,
        "created_at": now,
        "updated_at": None,
        "created_by": user["id"],
    }


def _declared(query: JSON) -> list[JSON]:
    variables = query.get("variables") or {}
    found = []
    if isinstance(variables, dict):
        for value in variables.values():
            if isinstance(value, dict) and value.get("code_name"):
                found.append(
                    {
                        "code_name": value["code_name"],
                        "column": value.get("column"),
                        "default": value.get("value"),
                    }
                )
    return found


def update_endpoint(call: Call) -> Response:
    doc = _get(call)
    data = call.request.json_object()
    now = clock.now_iso()
    raw_version = call.request.arg("version")
    if raw_version is not None and "is_active" in data:
        number = _version_number(raw_version)
        for version in doc.get("versions", []):
            if int(version["version"]) == number:
                version["is_active"] = bool(fields.boolean(data["is_active"], "is_active"))
                version["updated_at"] = now
                break
        else:
            raise not_found()
    else:
        if "name" in data and data["name"] != doc["name"]:
            if not isinstance(data["name"], str) or not NAME.match(data["name"]):
                raise validation(NAME_RULE)
            doc["name"] = data["name"]
        if "description" in data:
            doc["description"] = fields.string(data["description"], "description", allow_null=True)
        if "is_active" in data:
            doc["is_active"] = bool(fields.boolean(data["is_active"], "is_active"))
        for name in ("cache_age_seconds", "data_freshness_seconds"):
            if name in data:
                doc[name] = data[name]
        if "query" in data and data["query"] != _version(doc)["query"]:
            query = _validated_query(data["query"])
            doc["current_version"] = int(doc["current_version"]) + 1
            doc["versions"].append(_new_version(doc["current_version"], query, call.user, now))
            doc["variables"] = _declared(query) or doc.get("variables", [])
        if data.get("deleted"):
            doc["deleted"] = True
    doc["updated_at"] = now
    call.store.put(KIND, doc)
    return ok(endpoint_body(call, doc))


def delete_endpoint(call: Call) -> Response:
    doc = _get(call)
    call.store.delete(KIND, doc["id"])
    return empty(204)


def list_versions(call: Call) -> Response:
    doc = _get(call)
    versions = sorted(doc.get("versions", []), key=lambda v: -int(v["version"]))
    page = limit_offset(call.request, versions)
    page["results"] = [
        {
            **{k: v for k, v in version.items() if k != "created_by"},
            "created_by": user_basic(call.store.get("user", version.get("created_by") or 0)),
        }
        for version in page["results"]
    ]
    return ok(page)


def run_endpoint(call: Call) -> Response:
    """``GET|POST …/endpoints/{name}/run/``: the stored rows, with variables applied."""
    doc = _get(call, active_only=True)
    data = call.request.json_object() if call.request.method == "POST" else {}
    if data.get("query_override") is not None or data.get("filters_override") is not None:
        raise validation("query_override is not allowed. Use variables instead.")
    refresh = data.get("refresh", "cache")
    if refresh is not None and refresh not in REFRESH_MODES:
        raise validation(
            f'"{refresh}" is not a valid choice.', attr="refresh", code="invalid_choice"
        )
    raw_version = data.get("version")
    if raw_version is None:
        raw_version = call.request.arg("version")
    number = _version_number(raw_version) if raw_version is not None else None
    try:
        version = _version(doc, number)
    except KeyError:
        raise ad_hoc(
            404,
            {
                "error": f"Version {number} not found for endpoint '{doc['name']}'",
                "current_version": int(doc["current_version"]),
            },
        ) from None
    if not version.get("is_active", True):
        raise ad_hoc(
            400, {"error": f"Version {version['version']} is inactive and cannot be executed."}
        )
    rows = _apply_variables(doc, data.get("variables"))
    limit = data.get("limit")
    offset = int(data.get("offset") or 0)
    has_more = False
    if isinstance(limit, int) and limit >= 0:
        has_more = len(rows) > offset + limit
        rows = rows[offset : offset + limit]
    elif offset:
        rows = rows[offset:]
    now = clock.now_iso()
    doc["last_executed_at"] = now
    call.store.put(KIND, doc)
    return ok(
        {
            "results": rows,
            "name": doc["name"],
            "columns": list(doc.get("columns", [])),
            "types": [[c, t] for c, t in zip(doc.get("columns", []), _types(doc), strict=False)],
            "hasMore": has_more,
            "limit": limit if isinstance(limit, int) else 100,
            "offset": offset,
            "is_cached": refresh == "cache" and doc.get("last_run") is not None,
            "last_refresh": now,
            "cache_target_age": None,
            "query_status": None,
            "endpoint_version": int(version["version"]),
            "endpoint_version_created_at": version["created_at"],
        }
    )


def _apply_variables(doc: JSON, variables: Any) -> list[list[Any]]:
    declared = {v["code_name"]: v for v in doc.get("variables", [])}
    given = variables or {}
    if not isinstance(given, dict):
        raise validation("Variables must be a dictionary", attr="variables")
    unknown = [name for name in given if name not in declared]
    if unknown:
        raise validation(f"Unknown variable(s): {', '.join(unknown)}")
    columns = list(doc.get("columns", []))
    rows = [list(r) for r in doc.get("rows", [])]
    for name, spec in declared.items():
        value = given.get(name, spec.get("default"))
        column = spec.get("column")
        if value is None or column not in columns:
            continue
        index = columns.index(column)
        rows = [r for r in rows if index < len(r) and str(r[index]) == str(value)]
    return rows


def seed_endpoint(store: Store, raw: JSON, project_id: int) -> None:
    """An endpoint from a seed: ``query``, ``columns``, ``types``, ``rows``, ``variables``."""
    user = store.all("user")[0]
    now = clock.now_iso()
    created = str(raw.get("created_at", now))
    query = raw.get("query") or {"kind": "HogQLQuery", "query": "select 1"}
    doc: JSON = {
        "uuid": raw.get("uuid", str(uuid.uuid4())),
        "name": raw["name"],
        "description": raw.get("description", ""),
        "is_active": raw.get("is_active", True),
        "cache_age_seconds": raw.get("cache_age_seconds"),
        "data_freshness_seconds": raw.get("data_freshness_seconds", 86400),
        "is_materialized": False,
        "derived_from_insight": raw.get("derived_from_insight"),
        "created_at": created,
        "updated_at": raw.get("updated_at", created),
        "created_by": user["id"],
        "current_version": 1,
        "versions": [_new_version(1, query, user, created)],
        "columns": list(raw.get("columns", [])),
        "types": list(raw.get("types", [])),
        "rows": [list(r) for r in raw.get("rows", [])],
        "variables": list(raw.get("variables", [])),
        "last_executed_at": None,
        "project_id": project_id,
    }
    store.insert(KIND, doc, project_id=project_id)
