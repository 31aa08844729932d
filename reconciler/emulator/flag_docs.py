"""A feature flag document as PostHog's ``FeatureFlagSerializer`` shows it, and seeding."""

from __future__ import annotations

import json
from typing import Any

from reconciler.emulator import clock, fields
from reconciler.emulator.flag_rules import conditions, properties
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.users import user_basic

KIND = "feature_flag"


def get_filters(doc: JSON) -> JSON:
    """[2025] ``FeatureFlag.get_filters``: legacy flags without ``groups`` become one group."""
    filters = doc.get("filters") or {}
    if "groups" in filters:
        return dict(filters)
    return {
        "groups": [
            {
                "properties": filters.get("properties", []),
                "rollout_percentage": doc.get("rollout_percentage"),
            }
        ]
    }


def _is_simple(filters: JSON) -> bool:
    groups = conditions(filters)
    return (
        len(groups) == 1
        and not groups[0].get("properties")
        and filters.get("aggregation_group_type_index") is None
    )


def _cohort_name(store: Store, project_id: int, value: Any) -> Any:
    """The name of the project's cohort whose id is ``value`` (read alone: a project may hold
    thousands of cohorts, and a list page thousands of flags)."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or str(int(text)) != text:
        return None
    cohort = store.get("cohort", int(text))
    return cohort.get("name") if cohort and cohort.get("project_id") == project_id else None


def flag_body(store: Store, doc: JSON) -> JSON:
    """The ``FeatureFlag`` serializer output (with cohort names injected into filters)."""
    filters = json.loads(json.dumps(get_filters(doc)))
    for prop in properties(filters, "cohort"):
        prop["cohort_name"] = _cohort_name(store, doc["project_id"], prop.get("value"))
    user = store.get("user", doc["created_by"]) if doc.get("created_by") else None
    modifier = store.get("user", doc["last_modified_by"]) if doc.get("last_modified_by") else None
    simple = _is_simple(filters)
    return {
        "id": doc["id"],
        "name": doc.get("name", ""),
        "key": doc["key"],
        "filters": filters,
        "deleted": doc.get("deleted", False),
        "active": doc.get("active", True),
        "created_by": user_basic(user),
        "created_at": doc["created_at"],
        "updated_at": doc.get("updated_at"),
        "version": doc.get("version", 1),
        "last_modified_by": user_basic(modifier),
        "is_simple_flag": simple,
        "rollout_percentage": conditions(filters)[0].get("rollout_percentage") if simple else None,
        "ensure_experience_continuity": doc.get("ensure_experience_continuity", False),
        "experiment_set": list(doc.get("experiment_set", [])),
        "experiment_set_metadata": list(doc.get("experiment_set_metadata", [])),
        "surveys": list(doc.get("surveys", [])),
        "features": list(doc.get("features", [])),
        "rollback_conditions": doc.get("rollback_conditions"),
        "performed_rollback": doc.get("performed_rollback", False),
        "can_edit": True,
        "tags": list(doc.get("tags", [])),
        "evaluation_tags": list(doc.get("evaluation_tags", [])),
        "usage_dashboard": doc.get("usage_dashboard"),
        "analytics_dashboards": list(doc.get("analytics_dashboards", [])),
        "has_enriched_analytics": doc.get("has_enriched_analytics", False),
        "user_access_level": "editor",
        "is_remote_configuration": doc.get("is_remote_configuration", False),
        "has_encrypted_payloads": doc.get("has_encrypted_payloads", False),
        "status": "DELETED" if doc.get("deleted") else "ACTIVE",
        "evaluation_runtime": doc.get("evaluation_runtime", "all"),
        "bucketing_identifier": doc.get("bucketing_identifier") or "distinct_id",
        "last_called_at": doc.get("last_called_at"),
        "is_used_in_replay_settings": False,
    }


def seed_flag(store: Store, raw: JSON, project_id: int) -> None:
    """A flag from a seed file; ``created_at`` etc. default to now."""
    now = clock.now_iso()
    user = store.all("user")[0]
    doc: JSON = {
        "name": "",
        "filters": {"groups": [{"properties": [], "rollout_percentage": 100}]},
        "active": True,
        "deleted": False,
        "version": 1,
        "created_by": user["id"],
        "last_modified_by": user["id"],
        "created_at": now,
        "ensure_experience_continuity": False,
        "tags": [],
        "evaluation_tags": [],
        "analytics_dashboards": [],
        "evaluation_runtime": "all",
        "usage_dashboard": None,
        "last_called_at": None,
        **raw,
    }
    doc.setdefault("updated_at", doc["created_at"])
    doc["tags"] = fields.tags(doc["tags"])
    doc["project_id"] = project_id
    store.insert(KIND, doc, project_id=project_id)
