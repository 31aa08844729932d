"""PostHogClient: every request phsync makes to PostHog goes through here.

It authenticates, paces requests within PostHog's rate limits, retries what is safe to retry
(the loop in :mod:`reconciler.client.sending`, the rules in :mod:`reconciler.client.retry`),
reads all of PostHog's list envelopes, and turns failures into :mod:`reconciler.errors`
exceptions. The API key is sent only to the configured origin and
never appears in a message, log line or ``repr``.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from reconciler import __version__
from reconciler.client import projects
from reconciler.client.errors import (
    RequestContext,
    key_kind,
    redact,
    unusable_answer,
)
from reconciler.client.pagination import (
    ProgressCallback,
    same_origin_url,
    walk_pages,
)
from reconciler.client.ratelimit import RateBudget, rate_class_for
from reconciler.client.retry import (
    RetryPolicy,
)
from reconciler.client.sending import Sender
from reconciler.client.session import (
    BearerAuth,
    json_or_error,
    new_session,
)
from reconciler.errors import ApiError, ConfigError, PhsyncError
from reconciler.settings import Settings

PROJECT_IN_PATH = re.compile(r"^/api/(?:projects|environments)/([^/]+)/")


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
        self._session = session if session is not None else new_session()
        self._budget = budget if budget is not None else RateBudget(clock=clock, sleep=sleep)
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        self._auth = BearerAuth(self._key)
        self._headers = {"User-Agent": f"phsync/{__version__}", "Accept": "application/json"}
        self._key_kind = key_kind(self._key.reveal())
        self._project_id: int | None = None
        self._project_lock = threading.Lock()
        self._sender = Sender(
            self._session,
            budget=self._budget,
            retry=self._retry,
            timeout=settings.timeout,
            auth=self._auth,
            headers=self._headers,
            sleep=sleep,
            clock=clock,
            rand=rand,
            origin=self.origin,
            redact=self._redact,
            context=self.context,
        )

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
            url = self.url_for(path)
            response = self._sender.send(
                method,
                url,
                params=params,
                json=json,
                rate_class=rate_class or rate_class_for(urlsplit(url).path),
                idempotent=idempotent,
            )
            if not response.content or not response.content.strip():
                return None
            parsed = json_or_error(response)
            if isinstance(parsed, ValueError):
                raise unusable_answer(
                    response.status_code, self._redact(response.text), self.context(method, url)
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
        return walk_pages(
            self, path, params, rate_class=rate_class, page_size=page_size, progress=progress
        )

    # -- the project ----------------------------------------------------------------------

    def resolve_project(self, ref: str | None = None) -> int:
        """The numeric id of a project given as an id, ``@current``, a UUID or a name.

        Without ``ref``, the configured project (resolved once, then cached).
        """
        if ref is not None:
            return projects.resolve(self, ref)
        with self._project_lock:
            if self._project_id is None:
                self._project_id = projects.resolve(self, self.settings.project)
            return self._project_id

    def project_path(self, suffix: str = "") -> str:
        """``/api/projects/{id}/{suffix}`` for the configured project."""
        return f"/api/projects/{self.resolve_project()}/{suffix.lstrip('/')}"

    # -- internals ------------------------------------------------------------------------

    def url_for(self, path: str) -> str:
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

    def context(self, method: str, url: str, attempts: int = 1) -> RequestContext:
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

    def odd_answer(self, url: str, what: str, *, hint: str | None = None) -> ApiError:
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

    def shown_origin(self, url: str) -> str:
        """The origin of ``url`` as phsync may show it (nothing secret in it)."""
        return self._redact(self._origin_of(url))

    @staticmethod
    def _origin_of(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
