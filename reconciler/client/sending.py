"""Sending one request: pacing within the rate budget, retrying what is safe to retry, waiting
as PostHog asks after a 429, and turning what comes back into a response or an exception."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from reconciler.client.errors import (
    RequestContext,
    error_from_response,
    rate_limited_error,
)
from reconciler.client.ratelimit import RateBudget
from reconciler.client.retry import (
    RETRIED_STATUSES,
    RetryPolicy,
    is_idempotent,
    is_write,
    parse_retry_after,
    retry_after_from_detail,
)
from reconciler.client.session import BearerAuth, query_params, read_body
from reconciler.client.transport import TransportFailure, describe, transport_error

log = logging.getLogger(__name__)


class Sender:
    """Sends requests on one session for a client; safe to share between threads.

    ``redact`` removes the key from a text; ``context`` describes a request for errors (the
    client's own, which knows the project).
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        budget: RateBudget,
        retry: RetryPolicy,
        timeout: float,
        auth: BearerAuth,
        headers: Mapping[str, str],
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        rand: Callable[[], float],
        origin: str,
        redact: Callable[[str], str],
        context: Callable[[str, str, int], RequestContext],
    ) -> None:
        self._session = session
        self._origin = origin
        self._budget = budget
        self._retry = retry
        self._timeout = timeout
        self._auth = auth
        self._headers = dict(headers)
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        self._hide = redact
        self._context = context

    def send(
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
                        self._hide(url),
                        self._hide(outcome.reason),
                        delay,
                        retries + 1,
                        policy.attempts,
                    )
                    self._sleep(delay)
                    continue
                raise transport_error(
                    outcome,
                    origin=self._origin,
                    what=f"{method} {urlsplit(url).path}",
                    ambiguous=outcome.sent and is_write(method),
                    attempts=retries + 1,
                )
            response = outcome
            status = response.status_code
            log.debug(
                "%s %s -> %d in %.2f s",
                method,
                self._hide(response.url or url),
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
                    self._hide(url),
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
                    self._hide(response.text),
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
                self._hide(response.text),
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
            response = self._session.request(
                method,
                url,
                params=query_params(params),
                json=json,
                headers=self._headers,
                auth=self._auth,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
            )
            with response:
                read_body(response)
            return response
        except requests.RequestException as exc:
            return describe(exc, timeout=self._timeout)
