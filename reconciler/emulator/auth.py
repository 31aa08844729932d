"""Personal API key authentication and scope checks, as PostHog's auth and permissions.

The key is looked for in the ``Authorization: Bearer`` header, then ``personal_api_key`` in a
JSON body, then the query string; only the first one found is tried.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from reconciler.emulator.config import KeySpec
from reconciler.emulator.wire import Problem, Request

_BEARER = re.compile(r"^Bearer\s+(\S.+)$")

UNSUPPORTED = "This action does not support Personal API Key access"


def find_key(request: Request) -> tuple[str, str] | None:
    """The candidate key and where it was found, or None when the request carries none."""
    header = request.headers.get("authorization")
    if header is not None:
        match = _BEARER.match(header)
        if match:
            return match.group(1).strip(), "Authorization header"
    if request.body.strip():
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            data = None
        if isinstance(data, dict) and "personal_api_key" in data:
            return str(data["personal_api_key"]), "body"
    key = request.arg("personal_api_key")
    if key is not None:
        return key, "query string"
    return None


def authenticate(request: Request, keys: Mapping[str, KeySpec]) -> KeySpec:
    """The key's spec, or a 401 exactly as PostHog words it."""
    found = find_key(request)
    if found is None:
        raise Problem(
            401,
            "authentication_error",
            "not_authenticated",
            "Authentication credentials were not provided.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    value, source = found
    spec = keys.get(value)
    if spec is None:
        raise Problem(
            401,
            "authentication_error",
            "authentication_failed",
            f"Personal API key found in request {source} is invalid.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return spec


def missing_scope(key_scopes: Sequence[str], required: Sequence[str]) -> str | None:
    """The first required scope the key lacks (``x:write`` satisfies ``x:read``), or None."""
    if not key_scopes or "*" in key_scopes:
        return None
    for scope in required:
        valid = {scope}
        if scope.endswith(":read"):
            valid.add(scope[: -len(":read")] + ":write")
        if not valid & set(key_scopes):
            return scope
    return None


def check_scopes(key: KeySpec, required: Sequence[str]) -> None:
    lacking = missing_scope(key.scopes, required)
    if lacking is not None:
        raise Problem(
            403,
            "authentication_error",
            "permission_denied",
            f"API key missing required scope '{lacking}'",
        )
