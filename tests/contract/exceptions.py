"""Known, documented differences between PostHog's server and its OpenAPI document.

This is the ONE place that says where the contract in `posthog-contract.json` (derived from
PostHog's generated OpenAPI document) is not what the server really does. Every entry names
where it applies, what differs, and the section of posthog-api.md ("the API notes") that
records the server's real behaviour. The checker applies these entries to the contract when
it loads it; nothing else in the tests may loosen or replace a contract schema.

Rules for adding an entry:
- the server behaviour must be written down in posthog-api.md; an emulator answer the
  contract rejects for any other reason is an emulator bug, not an entry here;
- a field the 2026 document requires may be made optional only when posthog-api.md marks it
  as [2026]-only or says the server does not expose it (a field merely missing from a list
  in posthog-api.md does not count);
- schemas here use the OpenAPI 3.0 dialect of the contract (`nullable`, `$ref` to
  `#/components/schemas/...`), so they go through the same conversion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Schema = dict[str, Any]

EMPTY: Mapping[str, Any] = {"empty": True}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: Schema) -> dict[str, Any]:
    return {"schema": schema}


# posthog-api.md §1.4: every error raised through DRF is rendered by drf-exceptions-hog as
# this envelope. The OpenAPI document declares almost no error responses, so an undeclared
# 4xx/5xx is checked against this shape (or an alternative listed below for its operation).
ERROR_ENVELOPE: Schema = {
    "type": "object",
    "required": ["attr", "code", "detail", "type"],
    "properties": {
        "type": {
            "type": "string",
            "enum": [
                "authentication_error",
                "invalid_request",
                "server_error",
                "throttled_error",
                "validation_error",
            ],
        },
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "attr": {"type": "string", "nullable": True},
    },
}


# Collections phsync reads for which PostHog publishes no OpenAPI operation at all: scheduled
# changes (posthog/api/scheduled_change.py; its viewset is registered without a public schema).
# Requests to them are not checked against the contract, and reading them is optional: phsync
# carries on when PostHog refuses the key (403) or has no such path (404).
UNPUBLISHED = ("/scheduled_changes/",)


def unpublished(path: str) -> bool:
    return any(part in path for part in UNPUBLISHED)


@dataclass(frozen=True)
class Difference:
    """One documented difference. `where` is an operationId or `component <Name>`."""

    where: str
    what: str
    reason: str

    def apply(self, contract: dict[str, Any]) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Responses(Difference):
    """The operation answers these statuses/bodies instead of (or besides) the spec's."""

    responses: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    replace: bool = True

    def apply(self, contract: dict[str, Any]) -> None:
        operation = contract["operations"][self.where]
        declared = {} if self.replace else dict(operation["responses"])
        declared.update({status: dict(spec) for status, spec in self.responses.items()})
        operation["responses"] = declared


@dataclass(frozen=True)
class ExtraOperation(Difference):
    """An operation the server serves that the OpenAPI document does not list."""

    method: str = "GET"
    path: str = ""
    scopes: tuple[str, ...] = ()
    like: str | None = None
    responses: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def apply(self, contract: dict[str, Any]) -> None:
        base = contract["operations"][self.like] if self.like else {}
        parameters = base.get("parameters", {"path": {}, "query": {}})
        names = [part[1:-1] for part in self.path.split("/") if part.startswith("{")]
        contract["operations"][self.where] = {
            "file": None,
            "method": self.method,
            "path": self.path,
            "scopes": list(self.scopes),
            "deprecated": False,
            "parameters": {
                "path": {name: parameters["path"].get(name, {"type": "string"}) for name in names},
                "query": parameters["query"],
            },
            "request": base.get("request"),
            "responses": dict(self.responses) or dict(base.get("responses", {})),
        }


@dataclass(frozen=True)
class FieldRule(Difference):
    """A field of a component schema differs: another schema, nullable, or optional."""

    component: str = ""
    name: str = ""
    schema: Schema | None = None
    nullable: bool = False
    optional: bool = False

    def apply(self, contract: dict[str, Any]) -> None:
        component = contract["components"][self.component]
        properties = component.setdefault("properties", {})
        if self.name not in properties:
            raise KeyError(f"{self.component} has no field {self.name}")
        if self.schema is not None:
            marks = {k: v for k, v in properties[self.name].items() if k.endswith("Only")}
            properties[self.name] = {**self.schema, **marks}
        if self.nullable:
            properties[self.name] = {**properties[self.name], "nullable": True}
        if self.optional and self.name in component.get("required", []):
            component["required"] = [n for n in component["required"] if n != self.name]


@dataclass(frozen=True)
class EnumValues(Difference):
    """An enum component accepts values the document does not list."""

    component: str = ""
    values: tuple[Any, ...] = ()

    def apply(self, contract: dict[str, Any]) -> None:
        component = contract["components"][self.component]
        component["enum"] = [*component["enum"], *self.values]


@dataclass(frozen=True)
class ErrorBodies(Difference):
    """Error answers of these operations may also take these ad-hoc shapes."""

    operations: tuple[str, ...] = ()
    shapes: tuple[Schema, ...] = ()

    def apply(self, contract: dict[str, Any]) -> None:
        for operation_id in self.operations:
            operation = contract["operations"][operation_id]
            operation.setdefault("error_shapes", []).extend(self.shapes)


@dataclass(frozen=True)
class Note(Difference):
    """A documented difference that the contract's schemas already accept as they are."""

    def apply(self, contract: dict[str, Any]) -> None:
        return None


PAGE_LINKS: Schema = {
    "next": {"type": "string", "format": "uri", "nullable": True},
    "previous": {"type": "string", "format": "uri", "nullable": True},
}

ACTIVITY_PAGE = body(ref("ActivityLogPaginatedResponse"))

ENDPOINT_RUN_RESULT: Schema = {
    "type": "object",
    "required": ["endpoint_version", "results"],
    "properties": {
        "results": {"type": "array"},
        "columns": {"type": "array"},
        "types": {"type": "array"},
        "hasMore": {"type": "boolean", "nullable": True},
        "is_cached": {"type": "boolean"},
        "endpoint_version": {"type": "integer"},
        "endpoint_version_created_at": {"type": "string", "format": "date-time"},
        "endpoint_materialized": {"type": "boolean"},
    },
}

ENDPOINT_RUN_ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "current_version": {"type": "integer"}},
}

UNSUCCESSFUL: Schema = {
    "type": "object",
    "required": ["error", "success"],
    "properties": {"success": {"type": "boolean", "enum": [False]}, "error": {"type": "string"}},
}

USER_BASIC_HOLDERS = (
    ("FeatureFlag", "created_by"),
    ("FeatureFlag", "last_modified_by"),
    ("Cohort", "created_by"),
    ("Dashboard", "created_by"),
    ("DashboardBasic", "created_by"),
    ("Annotation", "created_by"),
    ("EndpointResponse", "created_by"),
    ("EndpointVersionResponse", "created_by"),
)

ENDPOINT_SCHEMAS = ("EndpointResponse", "EndpointVersionResponse")


DIFFERENCES: tuple[Difference, ...] = (
    # ---- list envelopes -------------------------------------------------------------------
    Responses(
        where="session_recordings_list",
        what="200 body is {results, has_next, version}, not {count, next, previous, results}",
        reason="posthog-api.md §1.5, §7.1 and §11: the view builds its own envelope",
        responses={
            "200": body(
                {
                    "type": "object",
                    "required": ["has_next", "results", "version"],
                    "properties": {
                        "results": {"type": "array", "items": ref("SessionRecording")},
                        "has_next": {"type": "boolean"},
                        "version": {"type": "integer"},
                    },
                }
            )
        },
    ),
    Responses(
        where="persons_list",
        what="200 body is {results, next, previous}; `count` only with ?include_total",
        reason="posthog-api.md §1.5 and §11 (the document marks no field required at all)",
        responses={
            "200": body(
                {
                    "type": "object",
                    "required": ["next", "previous", "results"],
                    "properties": {
                        **PAGE_LINKS,
                        "count": {"type": "integer"},
                        "results": {"type": "array", "items": ref("PersonRecord")},
                    },
                }
            )
        },
    ),
    Responses(
        where="endpoints_list",
        what="[2025] servers answer {results} without count/next/previous",
        reason="posthog-api.md §1.5 and §8.1 ([2025] not paginated, [2026] LimitOffset)",
        responses={
            "200": body(
                {
                    "type": "object",
                    "required": ["results"],
                    "properties": {
                        **PAGE_LINKS,
                        "count": {"type": "integer"},
                        "results": {"type": "array", "items": ref("EndpointResponse")},
                    },
                }
            )
        },
    ),
    # ---- activity logs: the document gives no body schema for some of them -------------------
    *(
        Responses(
            where=operation_id,
            what="the document declares 200 without a schema; the body is the activity page",
            reason="posthog-api.md §1.5 and §1.8: {results, next, previous, total_count}",
            responses={"200": ACTIVITY_PAGE},
        )
        for operation_id in (
            "cohorts_activity_retrieve",
            "cohorts_all_activity_retrieve",
            "persons_activity_retrieve",
            "persons_all_activity_retrieve",
        )
    ),
    # ---- persons writes ----------------------------------------------------------------------
    Responses(
        where="persons_update_property_create",
        what="answers 202 with an empty body (the document says 200)",
        reason="posthog-api.md §6.1: the change is sent as a $set event, applied later",
        responses={"202": EMPTY},
    ),
    Responses(
        where="persons_partial_update",
        what="answers 202 with an empty body, not 200 with the person",
        reason="posthog-api.md §6.1: PATCH sends a $set event and returns at once",
        responses={"202": EMPTY},
    ),
    Responses(
        where="persons_delete_property_create",
        what='answers 201 {"success": true} (the document says 200 without a body)',
        reason="posthog-api.md §6.1",
        responses={
            "201": body(
                {
                    "type": "object",
                    "required": ["success"],
                    "properties": {"success": {"type": "boolean"}},
                }
            )
        },
    ),
    Note(
        where="persons_update_property_create",
        what="400 bodies have `code` and `detail` swapped (code holds the sentence)",
        reason="posthog-api.md §6.1 and §13.1; both are strings, so the envelope check holds",
    ),
    ExtraOperation(
        where="persons_destroy",
        what="DELETE persons/{id}/ exists (202, empty body) but the 2026 document omits it",
        reason="posthog-api.md §6.1 and §1.7",
        method="DELETE",
        path="/api/projects/{project_id}/persons/{id}/",
        scopes=("person:write",),
        like="persons_retrieve",
        responses={"202": EMPTY},
    ),
    # ---- projects: the project-root routes are hidden from the public document --------------
    ExtraOperation(
        where="projects_list",
        what="GET /api/projects/ exists, same body as organizations/{org}/projects/",
        reason="posthog-api.md §9: hidden from the public OpenAPI document",
        method="GET",
        path="/api/projects/",
        scopes=("project:read",),
        like="organizations_projects_list",
    ),
    ExtraOperation(
        where="projects_retrieve",
        what="GET /api/projects/{id}/ (and @current) exists, same body as the org route",
        reason="posthog-api.md §9 and §1.1",
        method="GET",
        path="/api/projects/{project_id}/",
        scopes=("project:read",),
        like="organizations_projects_retrieve",
    ),
    # ---- Endpoints ----------------------------------------------------------------------------
    *(
        Responses(
            where=operation_id,
            what="200 body is the query runner's response plus endpoint_version; no `name`",
            reason="posthog-api.md §8.4: the [2026] schema's {name, ...} is not what runs return",
            responses={"200": body(ENDPOINT_RUN_RESULT)},
        )
        for operation_id in ("endpoints_run_retrieve", "endpoints_run_create")
    ),
    ErrorBodies(
        where="endpoints_run_retrieve, endpoints_run_create",
        what='version errors are {"error": ..., "current_version"?} instead of the envelope',
        reason="posthog-api.md §8.4 and §13.1",
        operations=("endpoints_run_retrieve", "endpoints_run_create"),
        shapes=(ENDPOINT_RUN_ERROR,),
    ),
    *(
        FieldRule(
            where=f"component {component}",
            what="data_freshness_seconds is [2026]; [2025] servers send cache_age_seconds",
            reason="posthog-api.md §8.3",
            component=component,
            name="data_freshness_seconds",
            optional=True,
        )
        for component in ENDPOINT_SCHEMAS
    ),
    *(
        FieldRule(
            where=f"component {component}",
            what=f"{name} is a [2026] field",
            reason="posthog-api.md §8.3 marks it [2026]",
            component=component,
            name=name,
            optional=True,
        )
        for component in ENDPOINT_SCHEMAS
        for name in ("bucket_overrides", "columns", "current_version_id", "last_executed_at")
    ),
    # ---- persons --------------------------------------------------------------------------------
    FieldRule(
        where="component PersonRecord",
        what="`id` in the persons list is the person's UUID; read alone it is the numeric id",
        reason=(
            "PostHog's posthog/api/test/test_person.py::test_filter_person_list (the list is "
            "read from ClickHouse) and ::test_legacy_get_person_by_id"
        ),
        component="PersonRecord",
        name="id",
        schema={"anyOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]},
    ),
    # ---- feature flags ------------------------------------------------------------------------
    FieldRule(
        where="component FeatureFlag",
        what="`surveys` is an array of linked surveys, not an object",
        reason="posthog-api.md §2.2",
        component="FeatureFlag",
        name="surveys",
        schema={"type": "array"},
    ),
    FieldRule(
        where="component FeatureFlag",
        what="`features` is an array of linked early-access features, not an object",
        reason="posthog-api.md §2.2",
        component="FeatureFlag",
        name="features",
        schema={"type": "array"},
    ),
    FieldRule(
        where="component FeatureFlag",
        what="`usage_dashboard` is null when the flag has no usage dashboard",
        reason="posthog-api.md §2.2 (int|null; [2026] no longer creates one)",
        component="FeatureFlag",
        name="usage_dashboard",
        nullable=True,
    ),
    *(
        FieldRule(
            where="component FeatureFlag",
            what=f"{name} is a [2026] field",
            reason="posthog-api.md §2.2 marks it [2026]",
            component="FeatureFlag",
            name=name,
            optional=True,
        )
        for name in ("experiment_set_metadata", "is_used_in_replay_settings")
    ),
    FieldRule(
        where="component FeatureFlagConditionGroupSchema",
        what="a release condition's rollout_percentage may be null (meaning 100%)",
        reason="posthog-api.md §2.3",
        component="FeatureFlagConditionGroupSchema",
        name="rollout_percentage",
        nullable=True,
    ),
    ErrorBodies(
        where="feature flag and dashboard operations",
        what='some failures answer {"success": false, "error": ...} instead of the envelope',
        reason="posthog-api.md §1.4 and §13.1",
        operations=(
            "feature_flags_create",
            "feature_flags_partial_update",
            "dashboards_create",
            "dashboards_partial_update",
        ),
        shapes=(UNSUCCESSFUL,),
    ),
    # ---- cohorts ----------------------------------------------------------------------------
    FieldRule(
        where="component Cohort",
        what="`version` (the recalculation version) may be absent",
        reason="posthog-api.md §1.8: the cohort version is internal, not exposed",
        component="Cohort",
        name="version",
        optional=True,
    ),
    # ---- annotations -------------------------------------------------------------------------
    EnumValues(
        where="component AnnotationScopeEnum",
        what="scope `tag` exists",
        reason="posthog-api.md §5.2 ([2026])",
        component="AnnotationScopeEnum",
        values=("tag",),
    ),
    # ---- shared --------------------------------------------------------------------------------
    *(
        FieldRule(
            where=f"component {component}",
            what=f"`{name}` is null when the user is unknown",
            reason="posthog-api.md §1.9 (UserBasic ... null when unknown)",
            component=component,
            name=name,
            nullable=True,
        )
        for component, name in USER_BASIC_HOLDERS
    ),
)


def apply_all(contract: dict[str, Any]) -> dict[str, Any]:
    """Apply every documented difference to a (copied) contract document, in order."""
    for difference in DIFFERENCES:
        difference.apply(contract)
    return contract


def markdown_table() -> str:
    """The differences as the markdown table docs/conformance.md carries (kept in step by a test)."""
    rows = ["| where | what differs | recorded in |", "|---|---|---|"]
    for difference in DIFFERENCES:
        cells = (difference.where, difference.what, difference.reason)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
