"""Projects, organizations, the current user and the calling key (posthog-api.md 9, 10, 1.2)."""

from __future__ import annotations

import hashlib

from reconciler.emulator import clock
from reconciler.emulator.pagination import limit_offset
from reconciler.emulator.routing import Call
from reconciler.emulator.store import JSON, Store
from reconciler.emulator.users import user_basic
from reconciler.emulator.wire import Response, not_found, ok, permission_denied

MEMBERSHIP_LEVEL = 8  # admin


def project_basic(project: JSON) -> JSON:
    """``ProjectBackwardCompatBasic``: the list item."""
    return {
        "id": project["id"],
        "uuid": project["uuid"],
        "organization": project["organization"],
        "api_token": project["api_token"],
        "name": project["name"],
        "completed_snippet_onboarding": project.get("completed_snippet_onboarding", True),
        "has_completed_onboarding_for": project.get("has_completed_onboarding_for"),
        "ingested_event": project.get("ingested_event", True),
        "is_demo": project.get("is_demo", False),
        "timezone": project.get("timezone", "UTC"),
        "access_control": project.get("access_control", False),
    }


def project_full(project: JSON) -> JSON:
    """``ProjectBackwardCompat``: the detail object, with PostHog's defaults for settings."""
    pid = int(project["id"])
    body = project_basic(project)
    body.update(
        {
            "product_description": project.get("product_description"),
            "created_at": project["created_at"],
            "updated_at": project.get("updated_at", project["created_at"]),
            "effective_membership_level": MEMBERSHIP_LEVEL,
            "has_group_types": False,
            "group_types": [],
            "live_events_token": None,
            "app_urls": project.get("app_urls", []),
            "anonymize_ips": False,
            "test_account_filters": project.get("test_account_filters", []),
            "test_account_filters_default_checked": False,
            "path_cleaning_filters": [],
            "data_attributes": ["data-attr"],
            "person_display_name_properties": None,
            "correlation_config": {},
            "autocapture_opt_out": False,
            "autocapture_exceptions_opt_in": False,
            "autocapture_web_vitals_opt_in": False,
            "autocapture_web_vitals_allowed_metrics": None,
            "autocapture_exceptions_errors_to_ignore": None,
            "capture_console_log_opt_in": True,
            "capture_performance_opt_in": True,
            "session_recording_opt_in": True,
            "session_recording_sample_rate": None,
            "session_recording_minimum_duration_milliseconds": None,
            "session_recording_linked_flag": None,
            "session_recording_network_payload_capture_config": None,
            "session_recording_masking_config": None,
            "session_recording_url_trigger_config": [],
            "session_recording_url_blocklist_config": [],
            "session_recording_event_trigger_config": [],
            "session_recording_trigger_match_type_config": None,
            "session_recording_trigger_groups": None,
            "session_recording_retention_period": "30d",
            "session_replay_config": None,
            "survey_config": None,
            "week_start_day": None,
            "primary_dashboard": project.get("primary_dashboard"),
            "live_events_columns": None,
            "recording_domains": [],
            "person_on_events_querying_enabled": True,
            "inject_web_apps": False,
            "extra_settings": None,
            "modifiers": None,
            "default_modifiers": {"personsOnEventsMode": "person_id_override_properties_joined"},
            "surveys_opt_in": None,
            "heatmaps_opt_in": None,
            "product_intents": [],
            "flags_persistence_default": False,
            "secret_api_token": None,
            "secret_api_token_backup": None,
            "receive_org_level_activity_logs": False,
            "business_model": None,
            "conversations_enabled": None,
            "conversations_settings": None,
            "logs_settings": None,
            "proactive_tasks_enabled": None,
            "available_setup_task_ids": [],
        }
    )
    body["api_token"] = project.get("api_token", f"phc_{pid}")
    return body


def visible_projects(store: Store, user: JSON, organization: str | None = None) -> list[JSON]:
    projects = [
        p for p in store.all("project") if p["organization"] in user.get("organizations", [])
    ]
    if organization is not None:
        projects = [p for p in projects if p["organization"] == organization]
    return projects


def list_projects(call: Call) -> Response:
    projects = visible_projects(call.store, call.user)
    search = call.request.arg("search")
    if search:
        projects = [p for p in projects if search.lower() in str(p["name"]).lower()]
    return ok(limit_offset(call.request, [project_basic(p) for p in projects]))


def get_project(call: Call) -> Response:
    return ok(project_full(call.app.resolve_project(call.params["id"])))


def _organization(call: Call) -> JSON:
    raw = call.params["organization_id"]
    user = call.user
    orgs = call.store.all("organization")
    if raw == "@current":
        current = call.store.get("project", int(user["current_project"]))
        raw = str(current["organization"]) if current else ""
    org = next((o for o in orgs if o["id"] == raw), None)
    if org is None:
        raise not_found()
    if org["id"] not in user.get("organizations", []):
        raise permission_denied("You don't have access to the organization.")
    return org


def list_org_projects(call: Call) -> Response:
    org = _organization(call)
    projects = visible_projects(call.store, call.user, org["id"])
    return ok(limit_offset(call.request, [project_basic(p) for p in projects]))


def get_org_project(call: Call) -> Response:
    org = _organization(call)
    project = call.app.resolve_project(call.params["id"])
    if project["organization"] != org["id"]:
        raise not_found()
    return ok(project_full(project))


def list_organizations(call: Call) -> Response:
    """``GET /api/organizations/``: the caller's organizations, each with its projects."""
    user = call.user
    orgs = [o for o in call.store.all("organization") if o["id"] in user.get("organizations", [])]
    bodies = [_organization_body(call.store, o) for o in orgs]
    return ok(limit_offset(call.request, bodies))


def get_organization(call: Call) -> Response:
    """``GET /api/organizations/{id}/`` (``@current`` too)."""
    return ok(_organization_body(call.store, _organization(call)))


def _organization_body(store: Store, org: JSON) -> JSON:
    projects = [p for p in store.all("project") if p["organization"] == org["id"]]
    return {
        "id": org["id"],
        "name": org["name"],
        "slug": org["slug"],
        "logo_media_id": None,
        "created_at": org["created_at"],
        "updated_at": org.get("updated_at", org["created_at"]),
        "membership_level": MEMBERSHIP_LEVEL,
        "plugins_access_level": 9,
        "teams": [project_basic(p) for p in projects],
        "projects": [{"id": p["id"], "name": p["name"]} for p in projects],
        "available_product_features": [],
        "is_member_join_email_enabled": True,
        "metadata": {},
        "customer_id": None,
        "enforce_2fa": None,
        "member_count": 1,
        "members_can_use_personal_api_keys": True,
        "is_ai_data_processing_approved": None,
        "is_active": True,
        "is_not_active_reason": None,
        "is_pending_deletion": False,
    }


def me(call: Call) -> Response:
    raw = call.params["uuid"]
    user = call.user
    if raw not in ("@me", user["uuid"]):
        raise permission_denied(
            "As a non-staff user you're only allowed to access the `@me` user instance."
        )
    store = call.store
    team = store.get("project", int(user["current_project"]))
    orgs = [o for o in store.all("organization") if o["id"] in user.get("organizations", [])]
    current_org = next((o for o in orgs if team and o["id"] == team["organization"]), None)
    team_body = None
    if team is not None:
        team_body = project_basic(team)
        team_body["project_id"] = team["id"]
    body = {
        **(user_basic(user) or {}),
        "date_joined": user.get("date_joined", clock.now_iso()),
        "pending_email": None,
        "notification_settings": {},
        "anonymize_data": False,
        "toolbar_mode": "toolbar",
        "has_password": True,
        "is_staff": False,
        "is_impersonated": False,
        "is_impersonated_until": None,
        "sensitive_session_expires_at": None,
        "team": team_body,
        "organization": _organization_body(store, current_org) if current_org else None,
        "organizations": [
            {
                "id": o["id"],
                "name": o["name"],
                "slug": o["slug"],
                "logo_media_id": None,
                "membership_level": MEMBERSHIP_LEVEL,
                "members_can_use_personal_api_keys": True,
            }
            for o in orgs
        ],
        "is_impersonated_read_only": False,
        "is_organization_first_user": True,
        "pending_invites": [],
        "events_column_config": {"active": "DEFAULT"},
        "is_2fa_enabled": False,
        "has_social_auth": False,
        "has_sso_enforcement": False,
        "has_seen_product_intro_for": None,
        "scene_personalisation": [],
        "theme_mode": None,
        "hedgehog_config": None,
        "role_at_organization": user.get("role_at_organization"),
    }
    return ok(body)


def current_key(call: Call) -> Response:
    """``GET /api/personal_api_keys/@current/``: the calling key, never its value."""
    key = call.key
    assert key is not None
    if call.params["id"] != "@current":
        raise not_found()
    return ok(
        {
            "id": hashlib.sha256(key.key.encode()).hexdigest()[:12],
            "label": key.label,
            "mask_value": f"phx_...{key.key[-4:]}" if len(key.key) > 8 else "phx_...",
            "created_at": call.user.get("date_joined"),
            "last_used_at": clock.now_iso(),
            "scopes": list(key.scopes),
            "scoped_teams": list(key.scoped_teams) or None,
            "scoped_organizations": None,
            "user_id": call.user["id"],
        }
    )
