"""PostHogClient: every request phsync makes to PostHog goes through here.

It authenticates, paces requests within PostHog's rate limits, retries what is safe to retry
(see :mod:`reconciler.client.retry`), reads all of PostHog's list envelopes, and turns failures
into :mod:`reconciler.errors` exceptions. The API key is sent only to the configured origin and
never appears in a message, log line or ``repr``.
"""

from __future__ import annotations

import difflib
import json as json_module
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from reconciler import __version__
from reconciler.client.errors import (
    RequestContext,
    error_from_response,
    key_kind,
    project_not_found,
    rate_limited_error,
    redact,
    unusable_answer,
)
from reconciler.client.pagination import (
    PageProgress,
    ProgressCallback,
    default_page_size,
    next_page,
    page_results,
    page_total,
    same_origin_url,
)
from reconciler.client.ratelimit import RateBudget, rate_class_for
from reconciler.client.retry import (
    RETRIED_STATUSES,
    RetryPolicy,
    is_idempotent,
    is_write,
    parse_retry_after,
    retry_after_from_detail,
)
from reconciler.client.transport import TransportFailure, describe, transport_error
from reconciler.errors import ApiError, ConfigError, PermissionDeniedError, PhsyncError
from reconciler.settings import Secret, Settings

log = logging.getLogger(__name__)

UUID_PATTERN = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE
)
PROJECT_IN_PATH = re.compile(r"^/api/(?:projects|environments)/([^/]+)/")
CURRENT = "@current"
POOL_SIZE = 16


class _BearerAuth(requests.auth.AuthBase):
    """Sets ``Authorization: Bearer`` on each request; an auth object, so that ``~/.netrc``
    can never replace it, and its ``repr`` shows nothing."""

    def __init__(self, key: Secret) -> None:
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._key.reveal()}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(***)"


def _new_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def query_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query parameters as PostHog reads them: lists and objects as JSON (``properties``,
    ``distinct_ids``), booleans as ``true``/``false``; None values are left out."""
    if params is None:
        return None
    encoded: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            encoded[name] = "true" if value else "false"
        elif isinstance(value, list | tuple | dict):
            encoded[name] = json_module.dumps(value, separators=(",", ":"))
        else:
            encoded[name] = str(value)
    return encoded


def _json_or_error(response: requests.Response) -> Any:
    """The parsed body, or the ValueError that parsing raised (returned, not raised, so that it
    never becomes the context of the error phsync raises)."""
    try:
        return response.json()
    except ValueError as exc:
        return ValueError(str(exc))


class PostHogClient:
    """A PostHog REST API client for one host, project and key; safe to share between threads.

    ``budget`` paces requests (pass one budget to every client of a process that uses the same
    key); ``retry`` bounds retries and the total wait for 429 answers. ``sleep``, ``clock`` and
    ``rand`` are for tests.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        budget: RateBudget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._key = settings.require_key()
        self.settings = settings
        self.origin = settings.host
        self._session = session if session is not None else _new_session()
        self._budget = budget if budget is not None else RateBudget(clock=clock, sleep=sleep)
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        self._auth = _BearerAuth(self._key)
        self._headers = {"User-Agent": f"phsync/{__version__}", "Accept": "application/json"}
        self._key_kind = key_kind(self._key.reveal())
        self._project_id: int | None = None
        self._project_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostHogClient(host={self.origin!r}, project={self.settings.project!r})"

    @property
    def budget(self) -> RateBudget:
        return self._budget

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> PostHogClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        rate_class: str | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request; return the parsed JSON body, or None for an empty body.

        ``path`` is relative to the host (``/api/projects/1/feature_flags/``) or an absolute
        URL on the configured origin; ``params`` are encoded by :func:`query_params`.
        ``rate_class`` defaults to the class of the path (:func:`rate_class_for`);
        ``idempotent`` overrides the method's own retry rule.
        """
        method = method.upper()
        try:
            url = self._url(path)
            response = self._send(
                method,
                url,
                params=params,
                json=json,
                rate_class=rate_class or rate_class_for(urlsplit(url).path),
                idempotent=idempotent,
            )
            if not response.content or not response.content.strip():
                return None
            parsed = _json_or_error(response)
            if isinstance(parsed, ValueError):
                raise unusable_answer(
                    response.status_code, self._redact(response.text), self._context(method, url)
                )
            return parsed
        except PhsyncError as exc:
            raise self._scrubbed(exc) from None

    def get(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        rate_class: str | None = None,
    ) -> Any:
        return self.request("GET", path, params=params, rate_class=rate_class)

    def post(
        self,
        path: str,
        json: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        rate_class: str | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        return self.request(
            "POST", path, params=params, json=json, rate_class=rate_class, idempotent=idempotent
        )

    def patch(
        self,
        path: str,
        json: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        rate_class: str | None = None,
    ) -> Any:
        return self.request("PATCH", path, params=params, json=json, rate_class=rate_class)

    def delete(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        rate_class: str | None = None,
    ) -> Any:
        return self.request("DELETE", path, params=params, rate_class=rate_class)

    def paginate(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        rate_class: str | None = None,
        page_size: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list, fetched lazily page by page, whatever PostHog's envelope.

        ``page_size`` (sent as ``limit``) defaults by path, see
        :mod:`reconciler.client.pagination`; a ``limit`` in ``params`` wins. ``progress`` is
        called after each page.
        """
        query: dict[str, Any] = dict(params or {})
        query.setdefault("limit", page_size or default_page_size(path))
        url = self._url(path)
        rate = rate_class or rate_class_for(urlsplit(url).path)
        current: dict[str, Any] | None = query
        seen = {url}
        pages = items = 0
        while True:
            page = self.request("GET", url, params=current, rate_class=rate)
            results = page_results(page)
            if results is None:
                raise self._odd_answer(url, "did not answer with a list")
            pages += 1
            items += len(results)
            if progress is not None:
                progress(PageProgress(pages=pages, items=items, total=page_total(page)))
            yield from results
            step = next_page(page, current or {})
            if step is None:
                return
            if step.params is not None:
                current = step.params
                continue
            link = step.url or ""
            target = same_origin_url(link, self.origin)
            if target is None:
                raise self._odd_answer(
                    url,
                    f"links its next page on another host ({self._redact(self._origin_of(link))}); "
                    "phsync "
                    "sends the API key only to the configured host, so it stopped",
                    hint="if that host is the same PostHog behind a proxy, use it as --host, "
                    "or have the proxy pass the original Host header on",
                )
            if target in seen:
                raise self._odd_answer(url, "links a next page that it already returned")
            seen.add(target)
            url, current = target, None

    # -- the project ----------------------------------------------------------------------

    def resolve_project(self, ref: str | None = None) -> int:
        """The numeric id of a project given as an id, ``@current``, a UUID or a name.

        Without ``ref``, the configured project (resolved once, then cached).
        """
        if ref is not None:
            return self._resolve(ref)
        with self._project_lock:
            if self._project_id is None:
                self._project_id = self._resolve(self.settings.project)
            return self._project_id

    def project_path(self, suffix: str = "") -> str:
        """``/api/projects/{id}/{suffix}`` for the configured project."""
        return f"/api/projects/{self.resolve_project()}/{suffix.lstrip('/')}"

    def _resolve(self, ref: str) -> int:
        text = ref.strip()
        if text.isdigit():
            return int(text)
        if text == CURRENT:
            return self._current_project()
        if UUID_PATTERN.match(text):
            for project in self.paginate("/api/projects/"):
                if str(project.get("uuid", "")).lower() == text.lower():
                    return int(project["id"])
            ctx = self._context("GET", self.origin + "/api/projects/")
            raise project_not_found(replace(ctx, project=text))
        return self._project_named(text)

    def _project_named(self, name: str) -> int:
        """A project by its name, among the projects the key sees; a name two share is refused."""
        projects = list(self.paginate("/api/projects/"))
        named = [p for p in projects if str(p.get("name") or "") == name]
        if not named:
            named = [p for p in projects if str(p.get("name") or "").casefold() == name.casefold()]
        if len(named) == 1:
            return int(named[0]["id"])
        if named:
            ids = ", ".join(str(p["id"]) for p in named)
            raise ConfigError(
                f"{len(named)} projects are named {name!r} (ids {ids})",
                hint="give the project's numeric id or UUID (`phsync projects list` shows both)",
            )
        names = sorted(str(p.get("name") or "") for p in projects)
        close = difflib.get_close_matches(name, names, n=1)
        raise ConfigError(
            f"no project the key can see is named {name!r}"
            + (f"; did you mean {close[0]!r}?" if close else ""),
            hint="give the project's numeric id, UUID or name (`phsync projects list` shows "
            "them)",
        )

    def _current_project(self) -> int:
        try:
            me = self.get("/api/users/@me/")
        except PermissionDeniedError as first:
            try:
                current = self.get("/api/projects/@current/")
            except PermissionDeniedError:
                raise PermissionDeniedError(
                    f"cannot find out the current project on {self.origin}: {first.detail}",
                    hint="give the key the scope 'user:read' (or 'project:read'), or name the "
                    "project with --project ID",
                    status=first.status,
                    method=first.method,
                    url=first.url,
                    code=first.code,
                    attr=first.attr,
                    detail=first.detail,
                    body=first.body,
                ) from None
            return int(current["id"])
        team = me.get("team") if isinstance(me, dict) else None
        if not isinstance(team, dict) or team.get("id") is None:
            raise ConfigError(
                f"the user of this key has no current project on {self.origin}",
                hint="name the project with --project ID",
            )
        return int(team.get("project_id") or team["id"])

    # -- internals ------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        rate_class: str,
        idempotent: bool | None,
    ) -> requests.Response:
        """Send with pacing and retries; return a 2xx response or raise."""
        policy = self._retry
        retries = 0
        rate_waited = 0.0
        rate_hits = 0
        while True:
            self._budget.acquire(rate_class)
            started = self._clock()
            outcome = self._attempt(method, url, params=params, json=json)
            if isinstance(outcome, TransportFailure):
                safe = not outcome.sent or is_idempotent(method, idempotent)
                if outcome.retryable and safe and retries + 1 < policy.attempts:
                    retries += 1
                    delay = policy.backoff(retries, self._rand())
                    log.info(
                        "%s %s: %s; retrying in %.1f s (attempt %d of %d)",
                        method,
                        self._redact(url),
                        self._redact(outcome.reason),
                        delay,
                        retries + 1,
                        policy.attempts,
                    )
                    self._sleep(delay)
                    continue
                raise transport_error(
                    outcome,
                    origin=self.origin,
                    what=f"{method} {urlsplit(url).path}",
                    ambiguous=outcome.sent and is_write(method),
                    attempts=retries + 1,
                )
            response = outcome
            status = response.status_code
            log.debug(
                "%s %s -> %d in %.2f s",
                method,
                self._redact(response.url or url),
                status,
                self._clock() - started,
            )
            if status == 429:
                rate_hits += 1
                wait = self._rate_limit_wait(
                    response, method, url, rate_class, hits=rate_hits, waited=rate_waited
                )
                self._sleep(wait)
                rate_waited += wait
                continue
            if (
                status in RETRIED_STATUSES
                and is_idempotent(method, idempotent)
                and retries + 1 < policy.attempts
            ):
                retries += 1
                delay = policy.backoff(retries, self._rand())
                asked = parse_retry_after(response.headers.get("Retry-After"))
                if asked:
                    delay = max(delay, min(asked, policy.max_delay))
                log.info(
                    "%s %s answered %d; retrying in %.1f s (attempt %d of %d)",
                    method,
                    self._redact(url),
                    status,
                    delay,
                    retries + 1,
                    policy.attempts,
                )
                self._sleep(delay)
                continue
            if status >= 300:
                raise error_from_response(
                    status,
                    self._redact(response.text),
                    self._context(method, response.url or url, retries + 1),
                    location=response.headers.get("Location"),
                )
            return response

    def _rate_limit_wait(
        self,
        response: requests.Response,
        method: str,
        url: str,
        rate_class: str,
        *,
        hits: int,
        waited: float,
    ) -> float:
        """Seconds to wait after a 429: all that PostHog asks, or raise if that is too long."""
        policy = self._retry
        asked = parse_retry_after(response.headers.get("Retry-After"))
        if asked is None:
            asked = retry_after_from_detail(response.text)
        wait = asked if asked else policy.backoff(hits, self._rand())
        if waited + wait > policy.max_rate_wait:
            rules = ", ".join(str(rule) for rule in self._budget.limits(rate_class))
            raise rate_limited_error(
                self._redact(response.text),
                self._context(method, url, hits),
                waited=waited,
                asked=wait,
                limit=policy.max_rate_wait,
                limits=f"{rate_class} requests {rules}",
            )
        log.warning(
            "PostHog rate-limited %s %s; waiting %.0f s as it asks, then trying again",
            method,
            urlsplit(url).path,
            wait,
        )
        return wait

    def _attempt(
        self, method: str, url: str, *, params: Mapping[str, Any] | None, json: Any
    ) -> requests.Response | TransportFailure:
        """One request on the wire; ``requests``' exceptions (which hold the prepared request,
        key included) are described here and go no further."""
        try:
            return self._session.request(
                method,
                url,
                params=query_params(params),
                json=json,
                headers=self._headers,
                auth=self._auth,
                timeout=self.settings.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return describe(exc, timeout=self.settings.timeout)

    def _url(self, path: str) -> str:
        if "://" in path.split("?", 1)[0]:
            target = same_origin_url(path, self.origin)
            if target is None:
                raise ConfigError(
                    f"refusing to send the API key to {self._redact(self._origin_of(path))}: "
                    "phsync talks "
                    f"only to {self.origin}"
                )
            return target
        return self.origin + "/" + path.lstrip("/")

    def _context(self, method: str, url: str, attempts: int = 1) -> RequestContext:
        in_path = PROJECT_IN_PATH.match(urlsplit(url).path)
        if in_path:
            project = in_path.group(1)
        elif self._project_id is not None:
            project = str(self._project_id)
        else:
            project = self.settings.project
        return RequestContext(
            method=method,
            url=self._redact(url),
            origin=self.origin,
            project=project,
            key_kind=self._key_kind,
            attempts=attempts,
        )

    def _odd_answer(self, url: str, what: str, *, hint: str | None = None) -> ApiError:
        path = urlsplit(url).path
        return ApiError(
            f"PostHog's answer to GET {path} {what}",
            hint=hint,
            status=200,
            method="GET",
            url=self._redact(url),
        )

    def _scrubbed(self, exc: PhsyncError) -> PhsyncError:
        """``exc`` with the key removed from every text it holds (whatever built it)."""
        for name, value in vars(exc).items():
            if isinstance(value, str):
                setattr(exc, name, self._redact(value))
        exc.args = tuple(self._redact(a) if isinstance(a, str) else a for a in exc.args)
        return exc

    def _redact(self, text: str) -> str:
        return redact(text, self._key.reveal())

    @staticmethod
    def _origin_of(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
