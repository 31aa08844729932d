"""The HTTP session phsync talks to PostHog through: pooled connections without urllib3's own
retries (phsync's client decides those), the key as an auth object, and PostHog's encodings."""

from __future__ import annotations

import json as json_module
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from reconciler.settings import Secret

POOL_SIZE = 16
# The body is read in pieces of up to this size (``requests`` reads 10 KiB at a time). Each
# piece takes Python's interpreter lock again; while the manifests are parsed on the main
# thread, every take waits up to the switch interval, so a page of a thousand flags read
# 10 KiB at a time waited longer for the lock than for the network.
BODY_CHUNK = 4 << 20


class BearerAuth(requests.auth.AuthBase):
    """Sets ``Authorization: Bearer`` on each request; an auth object, so that ``~/.netrc``
    can never replace it, and its ``repr`` shows nothing."""

    def __init__(self, key: Secret) -> None:
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._key.reveal()}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(***)"


def new_session() -> requests.Session:
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


def read_body(response: requests.Response) -> None:
    """Read a streamed response's whole body into it (``response.content`` then holds it),
    in few large reads; transport failures raise ``requests``' own exceptions, as without
    streaming."""
    response._content = b"".join(response.iter_content(BODY_CHUNK))


def json_or_error(response: requests.Response) -> Any:
    """The parsed body, or the ValueError that parsing raised (returned, not raised, so that it
    never becomes the context of the error phsync raises)."""
    try:
        return response.json()
    except ValueError as exc:
        return ValueError(str(exc))
