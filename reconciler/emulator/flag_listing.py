"""The feature-flag list's query filters, as PostHog's flag list view applies them."""

from __future__ import annotations

import json
from typing import Any

from reconciler.emulator.store import JSON
from reconciler.emulator.wire import Request


def _json_list(raw: str | None) -> list[Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, list) else None


LIST_FILTERS = (
    "active",
    "created_by_id",
    "search",
    "key",
    "type",
    "evaluation_runtime",
    "excluded_properties",
    "tags",
    "order",
)


def matching(request: Request, flags: list[JSON]) -> list[JSON]:
    """``flags`` narrowed by the request's filters, in the order it asks for."""
    active = request.arg("active")
    if active is not None:
        if active == "STALE":
            flags = []
        else:
            flags = [f for f in flags if bool(f.get("active", True)) == (active == "true")]
    created_by = request.arg("created_by_id")
    if created_by is not None:
        flags = [f for f in flags if str(f.get("created_by")) == created_by]
    search = request.arg("search")
    if search:
        needle = search.lower()
        flags = [
            f
            for f in flags
            if needle in str(f["key"]).lower() or needle in str(f.get("name", "")).lower()
        ]
    key = request.arg("key")
    if key is not None:
        flags = [f for f in flags if str(f["key"]).lower() == key.lower()]
    flag_type = request.arg("type")
    if flag_type is not None:
        flags = [f for f in flags if _has_type(f, flag_type)]
    runtime = request.arg("evaluation_runtime")
    if runtime is not None:
        flags = [f for f in flags if f.get("evaluation_runtime", "all") == runtime]
    excluded = _json_list(request.arg("excluded_properties"))
    if excluded:
        flags = [f for f in flags if f["key"] not in excluded]
    tags = _json_list(request.arg("tags"))
    if tags:
        flags = [f for f in flags if set(f.get("tags", [])) & set(tags)]
    flags = _order(flags, request.arg("order"))
    return flags


def _has_type(flag: JSON, flag_type: str) -> bool:
    variants = ((flag.get("filters") or {}).get("multivariate") or {}).get("variants") or []
    if flag_type == "boolean":
        return not variants
    if flag_type == "multivariant":
        return bool(variants)
    if flag_type == "experiment":
        return bool(flag.get("experiment_set"))
    if flag_type == "remote_config":
        return bool(flag.get("is_remote_configuration"))
    return True


def _order(items: list[JSON], order: str | None) -> list[JSON]:
    field = (order or "-created_at").strip()
    reverse = field.startswith("-")
    name = field.lstrip("-") or "created_at"
    return sorted(items, key=lambda d: (str(d.get(name) or ""), d["id"]), reverse=reverse)
