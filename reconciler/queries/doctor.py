"""`phsync doctor`: is the connection to PostHog set up right, and if not, what to do.

Four checks, in order, each building on the one before:

1. the host is a PostHog instance and answers (asked without the key);
2. PostHog accepts the key (``GET /api/users/@me/``); when PostHog Cloud refuses it, the
   other Cloud region is asked too, since a key works only in its own region. The key is
   sent to no other host than the configured one and those two;
3. the project exists and the key reaches it;
4. the key has the scopes that the manifests in the given paths need.

:func:`diagnose` yields each :class:`Check` as soon as it is known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import requests

from reconciler.client import PostHogClient
from reconciler.client.errors import CLOUD_REGIONS, EU_HOST, US_HOST, other_hosts
from reconciler.client.transport import describe
from reconciler.errors import (
    ApiError,
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    PhsyncError,
)
from reconciler.queries.scopes import SCOPE_OBJECT, Need, grants, needed_scopes
from reconciler.resources import REGISTRY
from reconciler.settings import Settings, is_loopback


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: what was found and, on failure, what to do."""

    name: str
    status: Status
    summary: str
    fix: str | None = None
    details: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in (Status.PASS, Status.WARN)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["details"] = list(self.details)
        return data


ClientFactory = Callable[[Settings], PostHogClient]


class _NoAuth(requests.auth.AuthBase):
    """Sends no credentials (and keeps ``~/.netrc`` from adding any)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def region_of(origin: str) -> str:
    host = (urlsplit(origin).hostname or "").lower()
    if CLOUD_REGIONS.get(host) == US_HOST:
        return "PostHog Cloud (US)"
    if CLOUD_REGIONS.get(host) == EU_HOST:
        return "PostHog Cloud (EU)"
    if is_loopback(origin):
        return "a PostHog on this machine"
    return "a self-hosted PostHog"


def check_host(settings: Settings, session: requests.Session) -> Check:
    """Ask ``/api/users/@me/`` without the key: PostHog answers with its JSON error envelope."""
    details = tuple(f"warning: {w}" for w in settings.host_warnings)
    url = f"{settings.host}/api/users/@me/"
    try:
        answer = session.get(
            url,
            headers={"Accept": "application/json"},
            auth=_NoAuth(),
            timeout=settings.timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        failure = describe(exc, timeout=settings.timeout)
        return Check(
            "host",
            Status.FAIL,
            f"cannot reach {settings.host}: {failure.reason}",
            fix=failure.hint,
            details=details,
        )
    body = _json(answer)
    if 300 <= answer.status_code < 400:
        target = answer.headers.get("Location") or "elsewhere"
        parts = urlsplit(target)
        fix = (
            f"use --host {parts.scheme}://{parts.netloc}"
            if parts.scheme and parts.netloc
            else "check --host: give the PostHog instance's own address"
        )
        return Check(
            "host", Status.FAIL, f"{settings.host} redirects to {target}", fix=fix, details=details
        )
    if isinstance(body, dict) and (answer.status_code < 300 or {"type", "detail"} & set(body)):
        status = Status.WARN if details else Status.PASS
        summary = f"{settings.host} is {region_of(settings.host)}, and it answers"
        return Check("host", status, summary, details=details)
    what = "a web page" if answer.text.lstrip()[:1] == "<" else f"status {answer.status_code}"
    return Check(
        "host",
        Status.FAIL,
        f"{settings.host} answered with {what}, not with PostHog's API",
        fix="give the PostHog instance itself: https://us.posthog.com, https://eu.posthog.com, "
        "or your self-hosted PostHog's address (not an ingestion host like us.i.posthog.com)",
        details=details,
    )


def _json(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def check_key(settings: Settings, factory: ClientFactory) -> tuple[Check, PostHogClient | None]:
    """Whether PostHog accepts the key; the client to go on with when it does."""
    if not settings.api_key:
        return (
            Check(
                "key",
                Status.FAIL,
                "no personal API key is set",
                fix="set POSTHOG_PERSONAL_API_KEY (or POSTHOG_API_KEY), or pass --api-key-file; "
                "create a key in PostHog under Settings > Personal API keys",
            ),
            None,
        )
    client = factory(settings)
    try:
        me = client.get("/api/users/@me/")
    except PermissionDeniedError as exc:
        if exc.missing_scope:
            return (
                Check(
                    "key",
                    Status.PASS,
                    "PostHog accepts the key (it lacks 'user:read', so whose it is stays unknown)",
                ),
                client,
            )
        return Check("key", Status.FAIL, exc.message, fix=exc.hint), None
    except AuthenticationError as exc:
        client.close()
        return _refused(settings, exc, factory), None
    except PhsyncError as exc:
        client.close()
        return Check("key", Status.FAIL, exc.message, fix=exc.hint), None
    email = me.get("email") if isinstance(me, dict) else None
    who = f" of {email}" if email else ""
    return Check("key", Status.PASS, f"PostHog accepts the key{who}"), client


def _refused(settings: Settings, exc: AuthenticationError, factory: ClientFactory) -> Check:
    """The key was refused; on PostHog Cloud, find out whether the other region takes it."""
    summary = f"{settings.host} does not accept the key"
    for other in other_hosts(settings.host):
        region = "EU" if other == EU_HOST else "US"
        try:
            with factory(replace(settings, host=other, host_warnings=())) as elsewhere:
                elsewhere.get("/api/users/@me/")
        except PermissionDeniedError:
            pass  # accepted there, only short of a scope
        except PhsyncError:
            continue
        return Check(
            "key",
            Status.FAIL,
            f"{summary}, but {other} does: the key belongs to PostHog Cloud's {region} region",
            fix=f"use --host {other} (or POSTHOG_HOST={other})",
        )
    checked = " (nor does the other PostHog Cloud region)" if other_hosts(settings.host) else ""
    return Check("key", Status.FAIL, summary + checked, fix=exc.hint)


def check_project(settings: Settings, client: PostHogClient) -> tuple[Check, int | None]:
    """Whether the configured project exists and the key reaches it."""
    try:
        project_id = client.resolve_project()
        project = client.get(f"/api/projects/{project_id}/")
    except PermissionDeniedError as exc:
        if exc.missing_scope == "project:read":
            return (
                Check(
                    "project",
                    Status.WARN,
                    f"cannot read project {settings.project}: the key lacks 'project:read'",
                    fix=exc.hint,
                ),
                None,
            )
        return Check("project", Status.FAIL, exc.message, fix=exc.hint), None
    except (NotFoundError, ConfigError) as exc:
        return Check("project", Status.FAIL, exc.message, fix=exc.hint), None
    except PhsyncError as exc:
        return Check("project", Status.FAIL, exc.message, fix=exc.hint), None
    name = project.get("name") if isinstance(project, dict) else None
    label = f"{name!r} (id {project_id})" if name else f"id {project_id}"
    via = f", given as {settings.project}" if settings.project != str(project_id) else ""
    return Check("project", Status.PASS, f"project {label} exists and the key reaches it{via}"), (
        project_id
    )


def manifest_kinds(paths: Sequence[str]) -> tuple[set[str], int, int]:
    """The kinds of the manifests under ``paths``, how many manifests, and how many problems."""
    # Imported here: reading manifests pulls in jsonschema, which every other query and
    # check can do without (they share the `phsync` command's import time).
    from reconciler.config import expand_paths, guessing_paths
    from reconciler.manifests import load_paths

    manifests, issues = load_paths(expand_paths(paths), only_declared=guessing_paths(paths))
    return {m.kind for m in manifests if m.kind in REGISTRY}, len(manifests), len(issues)


def key_scopes(client: PostHogClient) -> list[str] | None:
    """The key's scopes from ``GET /api/personal_api_keys/@current/``; None if not told."""
    try:
        answer = client.get("/api/personal_api_keys/@current/")
    except ApiError:
        return None
    scopes = answer.get("scopes") if isinstance(answer, dict) else None
    if not isinstance(scopes, list):
        return None
    return [str(s) for s in scopes]


def probe_reads(client: PostHogClient, needs: Sequence[Need]) -> dict[str, bool | None]:
    """Which read scopes the key has, by one cheap list read each; writes stay unknown."""
    known: dict[str, bool | None] = {}
    collections = {f"{thing}:read": kind for kind, thing in SCOPE_OBJECT.items()}
    for need in needs:
        kind = collections.get(need.scope)
        if kind is None:
            known[need.scope] = None
            continue
        path = client.project_path(f"{REGISTRY[kind].collection}/")
        try:
            client.get(path, params={"limit": 1})
        except PermissionDeniedError as exc:
            known[need.scope] = False if exc.missing_scope else None
        except ApiError:
            known[need.scope] = None
        else:
            known[need.scope] = True
    return known


def check_scopes(client: PostHogClient, paths: Sequence[str], *, project_ok: bool) -> Check:
    where = ", ".join(paths) if paths else "."
    try:
        kinds, count, problems = manifest_kinds(paths or ["."])
    except PhsyncError as exc:
        return Check("scopes", Status.FAIL, f"cannot read the manifests: {exc.message}", exc.hint)
    unread = (
        (f"{_plural(problems, 'problem')} reading manifests; `phsync validate` lists them",)
        if problems
        else ()
    )
    needs = needed_scopes(kinds)
    if not needs:
        return Check(
            "scopes",
            Status.PASS,
            f"no manifests under {where}, so no scopes to check",
            details=unread,
        )
    scopes = key_scopes(client)
    has: dict[str, bool | None]
    if scopes is not None:
        has = {need.scope: grants(scopes, need.scope) for need in needs}
        source = "the key's scopes"
    elif project_ok:
        has = probe_reads(client, needs)
        source = "trial reads (PostHog did not list the key's scopes)"
    else:
        has = {need.scope: None for need in needs}
        source = "nothing (PostHog did not list the key's scopes)"
    lacking = [n for n in needs if has.get(n.scope) is False]
    unknown = [n for n in needs if has.get(n.scope) is None]
    subject = f"{_plural(count, 'manifest')} under {where} ({', '.join(sorted(kinds))})"
    lines = [f"lacks {n.scope}: {n.reason}" for n in lacking]
    lines += [f"unknown {n.scope}: {n.reason}" for n in unknown]
    if lacking:
        names = ", ".join(f"'{n.scope}'" for n in lacking)
        return Check(
            "scopes",
            Status.FAIL,
            f"the key lacks {names}, which {subject} need",
            fix="edit the key in PostHog (Settings > Personal API keys) and add those scopes",
            details=(*lines, *unread),
        )
    if unknown:
        return Check(
            "scopes",
            Status.WARN,
            f"could not tell whether the key has every scope that {subject} need "
            f"(judged from {source})",
            fix="check the key's scopes in PostHog (Settings > Personal API keys)",
            details=(*lines, *unread),
        )
    return Check(
        "scopes",
        Status.PASS,
        f"the key has all {len(needs)} scopes that {subject} need (from {source})",
        details=unread,
    )


def diagnose(
    settings: Settings,
    *,
    paths: Sequence[str] = (),
    session: requests.Session | None = None,
    factory: ClientFactory = PostHogClient,
) -> Iterator[Check]:
    """Run the checks in order; a failed check skips the ones that depend on it."""
    probe = session if session is not None else requests.Session()
    try:
        host = check_host(settings, probe)
    finally:
        if session is None:
            probe.close()
    yield host
    if not host.ok:
        yield from _skipped(("key", "project", "scopes"), "the host check failed")
        return
    key, client = check_key(settings, factory)
    yield key
    if client is None:
        yield from _skipped(("project", "scopes"), "the key check failed")
        return
    with client:
        project, project_id = check_project(settings, client)
        yield project
        if project.status is Status.FAIL:
            yield from _skipped(("scopes",), "the project check failed")
            return
        yield check_scopes(client, paths, project_ok=project_id is not None)
        if project_id is not None:
            from reconciler.queries.approvals import check_approvals  # (it builds on Check)

            yield check_approvals(client)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _skipped(names: Sequence[str], why: str) -> Iterator[Check]:
    for name in names:
        yield Check(name, Status.SKIP, f"not checked: {why}")
