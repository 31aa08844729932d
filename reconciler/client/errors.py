"""PostHog's error answers, turned into phsync's exceptions with messages that say what to do.

Pure: takes a status, a body and a little context, returns an exception to raise. The bodies
are usually PostHog's envelope ``{"type", "code", "detail", "attr"}``, but some views answer
with ``{"error": ...}``, an empty body, swapped ``code``/``detail``, or (behind proxies) HTML.
Every text taken from a body is truncated and has the API key removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from reconciler.errors import (
    ApiError,
    ApprovalRequiredError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    PolicyConflictError,
    RateLimitedError,
    ServerError,
)

BODY_LIMIT = 500
# Codes of PostHog's approval gate, whose bodies phsync reads in full.
GATE_CODES = ("approval_required", "change_request_pending", "policy_conflict")
CONTEXTS_HINT = (  # for a project that requires evaluation contexts on new flags
    "give the flag's manifest `evaluation_contexts: [NAME, ...]` (e.g. web or api)"
)
DETAIL_LIMIT = 300
REDACTED = "***"

US_HOST = "https://us.posthog.com"
EU_HOST = "https://eu.posthog.com"
CLOUD_REGIONS = {
    "us.posthog.com": US_HOST,
    "app.posthog.com": US_HOST,
    "eu.posthog.com": EU_HOST,
}
KEY_KINDS = {
    "phx_": "personal API key",
    "phc_": "project API key",
    "phs_": "project secret API key",
    "pha_": "OAuth access token",
}


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced."""
    if not secret:
        return text
    return text.replace(secret, REDACTED)


def truncate(text: str, limit: int = BODY_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def key_kind(key: str) -> str:
    """What sort of PostHog credential ``key`` looks like, from its public prefix only."""
    return KEY_KINDS.get(key[:4], "unrecognised key")


@dataclass(frozen=True)
class ErrorBody:
    """What phsync could read out of an error body."""

    text: str
    code: str | None = None
    detail: str | None = None
    attr: str | None = None
    type: str | None = None
    is_html: bool = False
    data: Any = None  # the whole parsed body, for the approval gate's answers only


def parse_error_body(text: str) -> ErrorBody:
    """Read PostHog's envelope, or make the best of whatever else came back."""
    stripped = text.strip()
    if not stripped:
        return ErrorBody(text="")
    short = truncate(stripped)
    try:
        data = json.loads(stripped)
    except ValueError:
        if stripped[:1] == "<":
            return ErrorBody(text=short, is_html=True)
        return ErrorBody(text=short, detail=truncate(" ".join(stripped.split()), DETAIL_LIMIT))
    body = _from_json(data, short)
    if isinstance(data, dict) and data.get("code") in GATE_CODES:
        body = replace(body, data=data)
    return body


def _from_json(data: Any, short: str) -> ErrorBody:
    if isinstance(data, list):
        return ErrorBody(text=short, detail=_text(data[0]) if data else None)
    if not isinstance(data, dict):
        return ErrorBody(text=short, detail=_text(data))
    if any(name in data for name in ("detail", "code", "attr", "type")):
        code, detail = _opt(data.get("code")), _opt(data.get("detail"))
        if _looks_like_code(detail) and not _looks_like_code(code) and code:
            code, detail = detail, code  # persons' hand-built validation bodies swap the two
        return ErrorBody(
            text=short,
            code=code,
            detail=detail,
            attr=_opt(data.get("attr")),
            type=_opt(data.get("type")),
        )
    for name in ("error", "message", "errors"):
        if name in data:
            return ErrorBody(text=short, detail=_text(data[name]))
    # DRF's default shape: {"field": ["message", ...]}
    for field, messages in data.items():
        if field == "success":
            continue
        first = messages[0] if isinstance(messages, list) and messages else messages
        attr = None if field in ("non_field_errors", "__all__") else str(field)
        return ErrorBody(text=short, attr=attr, detail=_text(first))
    return ErrorBody(text=short)


def _opt(value: Any) -> str | None:
    return None if value is None else _text(value)


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return truncate(text, DETAIL_LIMIT)


def _looks_like_code(value: str | None) -> bool:
    return bool(value) and " " not in (value or "") and (value or "").islower()


@dataclass(frozen=True)
class RequestContext:
    """What the error message needs to know about the request that failed."""

    method: str
    url: str
    origin: str
    project: str
    key_kind: str = "personal API key"
    attempts: int = 1

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def what(self) -> str:
        return f"{self.method} {self.path}"


def other_hosts(origin: str) -> tuple[str, ...]:
    """PostHog Cloud hosts where a key refused by ``origin`` might belong instead."""
    host = (urlsplit(origin).hostname or "").lower()
    if host in CLOUD_REGIONS:
        own = CLOUD_REGIONS[host]
        return tuple(other for other in (US_HOST, EU_HOST) if other != own)
    return ()


def is_posthog_cloud(origin: str) -> bool:
    return (urlsplit(origin).hostname or "").lower() in CLOUD_REGIONS


def error_from_response(
    status: int, body_text: str, ctx: RequestContext, *, location: str | None = None
) -> ApiError:
    """The exception for an error answer (``body_text`` must already be redacted)."""
    body = parse_error_body(body_text)
    if body.is_html:
        return _html_answer(status, body, ctx)
    builders = {
        400: _bad_request,
        401: _unauthenticated,
        403: _forbidden,
        404: _not_found,
        405: _method_not_allowed,
        409: _conflict,
    }
    if status in builders:
        return builders[status](body, ctx)
    if status >= 500:
        return _server_error(status, body, ctx)
    if 300 <= status < 400:
        return _redirect(status, body, ctx, location)
    detail = f": {body.detail}" if body.detail else ""
    return ApiError(
        f"PostHog answered {status} to {ctx.what}{detail}", **_fields(status, body, ctx)
    )


def _fields(status: int, body: ErrorBody, ctx: RequestContext) -> dict[str, Any]:
    return {
        "data": body.data,
        "status": status,
        "method": ctx.method,
        "url": ctx.url,
        "code": body.code,
        "attr": body.attr,
        "detail": body.detail,
        "body": body.text,
    }


def _bad_request(body: ErrorBody, ctx: RequestContext) -> ApiError:
    data = body.data if isinstance(body.data, dict) else {}
    if body.code == "policy_conflict":
        count = len(data.get("conflicting_policies") or []) or "several"
        advice = _text(data.get("guidance") or "send the changes as separate writes")
        message = f"{ctx.what} matches {count} approval policies of the project at once"
        return PolicyConflictError(message, hint=advice, **_fields(400, body, ctx))
    detail = body.detail or "no reason given"
    subject = body.attr if body.attr else "the request"
    hint = CONTEXTS_HINT if "evaluation context is required" in detail else None
    return BadRequestError(
        f"PostHog refused {subject}: {detail} ({ctx.what})", hint=hint, **_fields(400, body, ctx)
    )


def _unauthenticated(body: ErrorBody, ctx: RequestContext) -> ApiError:
    detail = f" ({body.detail})" if body.detail else ""
    message = f"PostHog at {ctx.origin} did not accept the API key{detail}"
    if ctx.key_kind not in ("personal API key", "unrecognised key"):
        hint = (
            f"the key looks like a {ctx.key_kind}, which cannot use this API; create a personal "
            "API key (phx_...) in PostHog under Settings > Personal API keys"
        )
    elif other := other_hosts(ctx.origin):
        region = "EU" if other[0] == EU_HOST else "US"
        hint = (
            f"check that the personal API key is complete and not revoked; if your project is "
            f"in PostHog's {region} region, the key works only there: use --host {other[0]}"
        )
    else:
        hint = (
            f"check that the personal API key was created on {ctx.origin} itself (a PostHog "
            "Cloud key, https://us.posthog.com or https://eu.posthog.com, does not work on a "
            "self-hosted instance) and is not revoked; and that --host is the right instance"
        )
    return AuthenticationError(message, hint=hint, **_fields(401, body, ctx))


def _forbidden(body: ErrorBody, ctx: RequestContext) -> ApiError:
    detail = body.detail or "permission denied"
    probe = PermissionDeniedError("", **_fields(403, body, ctx))
    scope = probe.missing_scope
    if scope:
        message = f"the API key lacks the scope '{scope}' needed for {ctx.what}"
        hint = (
            f"edit the key in PostHog (Settings > Personal API keys) and add '{scope}', "
            "or use a key that has it"
        )
    elif "access to the requested project" in detail or "access to the project" in detail:
        message = f"no access to project {ctx.project} on {ctx.origin}: {detail}"
        hint = (
            "allow the key to reach this project (Settings > Personal API keys), or pick "
            "another with --project; `phsync projects list` shows the projects the key can see"
        )
    elif "access to the requested organization" in detail:
        message = f"no access to this organization on {ctx.origin}: {detail}"
        hint = "allow the key to reach the organization (Settings > Personal API keys)"
    else:
        message = f"PostHog refused {ctx.what}: {detail}"
        hint = None
    return PermissionDeniedError(message, hint=hint, **_fields(403, body, ctx))


def _not_found(body: ErrorBody, ctx: RequestContext) -> ApiError:
    detail = body.detail or ""
    if "project not found" in detail.lower():
        return project_not_found(ctx, body)
    if detail.lower().startswith("endpoint not found"):
        return NotFoundError(
            f"{ctx.origin} has no API endpoint {ctx.path}",
            hint="check that --host is your PostHog instance (not its ingestion host) and that "
            "the instance is recent enough",
            **_fields(404, body, ctx),
        )
    suffix = f": {detail}" if detail else ""
    return NotFoundError(f"not found: {ctx.what}{suffix}", **_fields(404, body, ctx))


def project_not_found(ctx: RequestContext, body: ErrorBody | None = None) -> NotFoundError:
    """The 404 for a project that the instance does not know (wrong id or wrong instance)."""
    body = body or ErrorBody(text="")
    regions = other_hosts(ctx.origin)
    elsewhere = f"; or it lives on {regions[0]}: try --host {regions[0]}" if regions else ""
    return NotFoundError(
        f"project {ctx.project} not found on {ctx.origin} (wrong id or wrong instance?)",
        hint=f"`phsync projects list` shows the projects this key can see{elsewhere}",
        **_fields(404, body, ctx),
    )


def _method_not_allowed(body: ErrorBody, ctx: RequestContext) -> ApiError:
    detail = f": {body.detail}" if body.detail else ""
    return MethodNotAllowedError(
        f"PostHog does not allow {ctx.what}{detail}", **_fields(405, body, ctx)
    )


def _conflict(body: ErrorBody, ctx: RequestContext) -> ApiError:
    if body.code in ("approval_required", "change_request_pending"):
        data = body.data if isinstance(body.data, dict) else {}
        said = _text(data.get("message") or data.get("error") or "approval required")
        hint = "an approver accepts the change request in PostHog, which then applies it"
        message = f"{ctx.what} needs approval in PostHog: {said}"
        return ApprovalRequiredError(message, hint=hint, **_fields(409, body, ctx))
    detail = body.detail or "the object changed meanwhile"
    return ConflictError(
        f"PostHog reported a conflict on {ctx.what}: {detail}",
        hint="someone changed it in PostHog meanwhile; run `phsync plan` again",
        **_fields(409, body, ctx),
    )


def _server_error(status: int, body: ErrorBody, ctx: RequestContext) -> ApiError:
    detail = f": {body.detail}" if body.detail else ""
    tries = f" (tried {ctx.attempts} times)" if ctx.attempts > 1 else ""
    hint = "the problem is on PostHog's side; try again later"
    if is_posthog_cloud(ctx.origin):
        hint += " (https://status.posthog.com shows incidents)"
    if ctx.method == "POST":
        hint = "it may have taken effect anyway; " + hint
    return ServerError(
        f"PostHog at {ctx.origin} failed with {status} on {ctx.what}{tries}{detail}",
        hint=hint,
        **_fields(status, body, ctx),
    )


def _redirect(status: int, body: ErrorBody, ctx: RequestContext, location: str | None) -> ApiError:
    target = location or "somewhere unnamed"
    parts = urlsplit(target)
    new_origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
    hint = (
        f"if that is your PostHog, use --host {new_origin}"
        if new_origin and new_origin != ctx.origin
        else "check --host: phsync does not follow redirects with the API key"
    )
    return ApiError(
        f"PostHog redirected {ctx.what} ({status}) to {target}",
        hint=hint,
        **_fields(status, body, ctx),
    )


def _html_answer(status: int, body: ErrorBody, ctx: RequestContext) -> ApiError:
    return ApiError(
        f"{ctx.origin} answered {status} to {ctx.what} with a web page, not PostHog's API",
        hint="check that --host is your PostHog instance (for PostHog Cloud "
        "https://us.posthog.com or https://eu.posthog.com), not a proxy or a marketing page",
        **_fields(status, body, ctx),
    )


def unusable_answer(status: int, body_text: str, ctx: RequestContext) -> ApiError:
    """A success status whose body is not JSON: not PostHog's API, most likely."""
    body = parse_error_body(body_text)
    return (
        _html_answer(status, body, ctx)
        if body.is_html
        else ApiError(
            f"{ctx.origin} answered {ctx.what} with a body that is not JSON",
            hint="check that --host is your PostHog instance",
            **_fields(status, body, ctx),
        )
    )


def rate_limited_error(
    body_text: str,
    ctx: RequestContext,
    *,
    waited: float,
    asked: float,
    limit: float,
    limits: str,
) -> RateLimitedError:
    """429 again, and waiting as PostHog asks would pass the total wait phsync allows."""
    body = parse_error_body(body_text)
    return RateLimitedError(
        f"PostHog kept refusing {ctx.what} with 429 (too many requests): phsync waited "
        f"{waited:.0f} s in total, and PostHog asks for {asked:.0f} s more, beyond the "
        f"{limit:.0f} s that phsync waits at most",
        hint=f"PostHog's limits ({limits}) are shared with every other tool or run that uses "
        "the same key or project; run again later, when they are quieter",
        **_fields(429, body, ctx),
    )
