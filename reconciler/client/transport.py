"""What went wrong when no HTTP answer came back, and whether the request was sent at all.

The difference matters for writes: a request that never left (the name did not resolve, the
connection was refused or timed out while connecting) can be sent again safely; one that was
sent and then lost its answer may have acted, so a POST must not be repeated blindly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import (
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
)

from reconciler.errors import TransportError


@dataclass(frozen=True)
class TransportFailure:
    """A failure without an HTTP answer, described for retry decisions and for people."""

    reason: str
    sent: bool  # the request may have reached the server
    retryable: bool  # worth another try (subject to ``sent`` for writes)
    hint: str


def describe(exc: requests.RequestException, *, timeout: float) -> TransportFailure:
    """Classify an exception from ``requests`` (never its text verbatim: it can be long)."""
    check_host = "check the instance URL (--host or POSTHOG_HOST) and your network"
    if isinstance(exc, requests.exceptions.SSLError):
        url = str(getattr(exc.request, "url", "") or "")
        plain = _plain_http_twin(url)
        return TransportFailure(
            reason=f"TLS failed: {_ssl_reason(exc)}",
            sent=False,
            retryable=False,
            hint=f"did you mean {plain}? A local server such as `phsync emulator` speaks plain "
            "HTTP"
            if plain
            else "check the instance URL and its certificate (a proxy that intercepts TLS needs "
            "REQUESTS_CA_BUNDLE pointing at its CA)",
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TransportFailure(
            reason=f"no connection within {timeout:g} s",
            sent=False,
            retryable=True,
            hint=check_host,
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return TransportFailure(
            reason=f"no answer within {timeout:g} s",
            sent=True,
            retryable=True,
            hint="PostHog may be slow right now; try again, or raise --timeout",
        )
    cause = _root_cause(exc)
    if isinstance(cause, NameResolutionError):
        return TransportFailure(
            reason="the host name does not resolve", sent=False, retryable=True, hint=check_host
        )
    if isinstance(cause, NewConnectionError):
        text = str(cause)
        reason = "connection refused" if "refused" in text.lower() else _errno_reason(text)
        return TransportFailure(reason=reason, sent=False, retryable=True, hint=check_host)
    dropped = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    if isinstance(exc, dropped):
        return TransportFailure(
            reason="the connection dropped before an answer came back",
            sent=True,
            retryable=True,
            hint="the network or a proxy closed the connection; try again",
        )
    return TransportFailure(
        reason=f"the request failed ({type(exc).__name__})",
        sent=True,
        retryable=False,
        hint=check_host,
    )


def transport_error(
    failure: TransportFailure, *, origin: str, what: str, ambiguous: bool, attempts: int
) -> TransportError:
    tries = f" (tried {attempts} times)" if attempts > 1 else ""
    if ambiguous:
        return TransportError(
            f"cannot tell whether {what} reached {origin}: {failure.reason}{tries}",
            hint="it may have taken effect; phsync looks before it writes again",
            ambiguous=True,
        )
    return TransportError(
        f"cannot reach {origin}: {failure.reason}{tries}", hint=failure.hint, ambiguous=False
    )


def _root_cause(exc: BaseException) -> BaseException | None:
    first = exc.args[0] if exc.args else None
    if isinstance(first, MaxRetryError):
        return first.reason
    return first if isinstance(first, BaseException) else None


def _ssl_reason(exc: BaseException) -> str:
    text = str(exc)
    match = re.search(r"\[SSL[^\]]*\]\s*([^()\"']+)", text)
    if match:
        return match.group(1).strip().rstrip(".")
    return "the TLS handshake did not succeed"


def _errno_reason(text: str) -> str:
    match = re.search(r"\[Errno -?\d+\]\s*([^\"')]+)", text)
    return f"cannot connect: {match.group(1).strip()}" if match else "cannot connect"


def _plain_http_twin(url: str) -> str | None:
    """``http://`` and the origin of an ``https://`` loopback URL, else None."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    if parts.scheme != "https" or not loopback:
        return None
    return f"http://{parts.netloc}"
