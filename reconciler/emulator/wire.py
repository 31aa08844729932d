"""The HTTP edge as values: a parsed request, a response, and PostHog's error bodies.

Handlers raise :class:`Problem` (rendered as drf-exceptions-hog's ``{type, code, detail,
attr}`` envelope) or return a :class:`Response`; nothing here touches a socket.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

JSON = dict[str, Any]


@dataclass(frozen=True)
class Request:
    """One HTTP request as the emulator sees it."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes = b""
    scheme: str = "http"

    @classmethod
    def build(
        cls, method: str, target: str, headers: Mapping[str, str], body: bytes = b""
    ) -> Request:
        parts = urlsplit(target)
        return cls(
            method=method.upper(),
            path=parts.path or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
        )

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter, like Django's ``QueryDict.get``."""
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    @property
    def host(self) -> str:
        return self.headers.get("host", "localhost")

    def absolute(self, path: str) -> str:
        return f"{self.scheme}://{self.host}{path}"

    def json(self) -> Any:
        """The body parsed as JSON; an empty body is ``{}``; a bad body is a 400 parse error."""
        if not self.body.strip():
            return {}
        content_type = self.headers.get("content-type", "application/json").lower()
        if content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
            raise Problem(
                415,
                "invalid_request",
                "unsupported_media_type",
                f'Unsupported media type "{content_type}" in request.',
            )
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Problem(
                400, "invalid_request", "parse_error", f"JSON parse error - {exc}"
            ) from None

    def json_object(self) -> JSON:
        data = self.json()
        if not isinstance(data, dict):
            raise Problem(
                400,
                "validation_error",
                "invalid_input",
                f"Invalid data. Expected a dictionary, but got {_type_name(data)}.",
                attr=None,
            )
        return data


def _type_name(value: Any) -> str:
    return {list: "list", str: "str", int: "int", float: "float", bool: "bool"}.get(
        type(value), type(value).__name__
    )


@dataclass
class Response:
    """What a handler answers. ``body`` None means an empty body (e.g. 405 on DELETE)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode()


def ok(body: Any, status: int = 200) -> Response:
    return Response(status, body)


def empty(status: int) -> Response:
    return Response(status, None)


class Problem(Exception):
    """An error PostHog renders through drf-exceptions-hog (or an ad-hoc body)."""

    def __init__(
        self,
        status: int,
        type_: str,
        code: str,
        detail: str,
        *,
        attr: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.type = type_
        self.code = code
        self.detail = detail
        self.attr = attr
        self.headers = dict(headers or {})
        self.custom_body = body

    def response(self) -> Response:
        body = self.custom_body
        if body is None:
            body = {"type": self.type, "code": self.code, "detail": self.detail, "attr": self.attr}
        return Response(self.status, body, dict(self.headers))


def validation(detail: str, *, attr: str | None = None, code: str = "invalid_input") -> Problem:
    return Problem(400, "validation_error", code, detail, attr=attr)


def required(attr: str) -> Problem:
    return Problem(400, "validation_error", "required", "This field is required.", attr=attr)


def not_found(detail: str = "Not found.") -> Problem:
    return Problem(404, "invalid_request", "not_found", detail)


def permission_denied(detail: str) -> Problem:
    return Problem(403, "authentication_error", "permission_denied", detail)


def method_not_allowed(method: str) -> Problem:
    return Problem(405, "invalid_request", "method_not_allowed", f'Method "{method}" not allowed.')


def server_error() -> Problem:
    return Problem(500, "server_error", "error", "A server error occurred.")


def ad_hoc(status: int, body: Any) -> Problem:
    """A body that bypasses the envelope, e.g. ``{"error": ...}`` from the Endpoints run view."""
    return Problem(status, "", "", str(body), body=body)
