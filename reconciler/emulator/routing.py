"""Route table machinery: path templates with an optional trailing slash, as PostHog's router.

A :class:`Route` names the scopes a personal API key needs (taken from the ``security`` of
PostHog's OpenAPI operations) and the throttle class that counts it. Handlers receive a
:class:`Call` and return a :class:`~reconciler.emulator.wire.Response`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reconciler.emulator.config import KeySpec
from reconciler.emulator.wire import JSON, Request, Response

if TYPE_CHECKING:
    from reconciler.emulator.app import App
    from reconciler.emulator.store import Store

PROJECT_PARAMS = ("project_id", "environment_id")


@dataclass
class Call:
    """One authenticated request on its way to a handler."""

    request: Request
    params: dict[str, str]
    app: App
    key: KeySpec | None = None
    project: JSON | None = None
    route: Route | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def pid(self) -> int:
        assert self.project is not None, "route without a project"
        return int(self.project["id"])

    @property
    def user(self) -> JSON:
        return self.app.user(self.key)

    def url(self, path: str) -> str:
        return self.request.absolute(path)

    def by_id(self, kind: str) -> JSON | None:
        """The stored object of ``kind`` named by the path's ``{id}``, or None."""
        try:
            return self.store.get(kind, int(self.params["id"]))
        except ValueError:
            return None

    def owned(self, kind: str) -> JSON | None:
        """Like :meth:`by_id`, but only an object of this request's project."""
        found = self.by_id(kind)
        return found if found is not None and found.get("project_id") == self.pid else None


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Route:
    """``method template`` → handler, with its required scopes and throttle class.

    ``scopes`` empty means the action does not support personal API keys (PostHog answers
    403); ``any_key`` routes accept every valid key whatever its scopes; ``public`` routes
    (the emulator's control API) skip authentication entirely.
    """

    method: str
    template: str
    handler: Handler
    scopes: tuple[str, ...] = ()
    rate_class: str | None = None
    public: bool = False
    any_key: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def project_param(self) -> str | None:
        for param in PROJECT_PARAMS:
            if "{" + param + "}" in self.template:
                return param
        return None

    @property
    def scope_object(self) -> str | None:
        return self.scopes[0].split(":")[0] if self.scopes else None


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.rstrip("/"))
    return re.compile(f"^{pattern}/?$")


@dataclass(frozen=True)
class Match:
    """The result of looking a request up: the route (None when only the path matched)."""

    route: Route | None
    template: str
    params: dict[str, str]
    allowed: tuple[Route, ...]


class Router:
    """Finds the route for a method and path; knows which methods a path allows."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self._templates: dict[str, list[Route]] = {}
        for route in routes:
            self._templates.setdefault(route.template, []).append(route)
        # Literal segments win over parameters (`feature_flags/activity/` before `{id}/`).
        ordered = sorted(self._templates.items(), key=lambda item: item[0].count("{"))
        self._compiled = [(_compile(t), t, rs) for t, rs in ordered]
        self.routes = tuple(routes)

    def match(self, method: str, path: str) -> Match | None:
        for pattern, template, routes in self._compiled:
            found = pattern.match(path)
            if not found:
                continue
            params = {k: v for k, v in found.groupdict().items()}
            wanted = "GET" if method == "HEAD" else method
            for route in routes:
                if route.method == wanted:
                    return Match(route, template, params, tuple(routes))
            return Match(None, template, params, tuple(routes))
        return None
