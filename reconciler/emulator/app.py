"""The request pipeline: faults, authentication, scopes, project access, throttling, handler.

The order follows PostHog (DRF's ``initial()``): authenticate, then the scope permission
(which first resolves the project for keys limited to projects), then project membership,
then throttles, then the method. Faults are applied before any of that, only to ``/api/``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.emulator import clock
from reconciler.emulator import seed as seeding
from reconciler.emulator.auth import UNSUPPORTED, authenticate, check_scopes
from reconciler.emulator.config import EmulatorConfig, FaultConfig, KeySpec
from reconciler.emulator.faults import Decision, FaultInjector
from reconciler.emulator.routing import Call, Match, Route, Router
from reconciler.emulator.stats import Stats
from reconciler.emulator.store import Store
from reconciler.emulator.throttle import Throttle, throttled_detail
from reconciler.emulator.wire import (
    JSON,
    Problem,
    Request,
    Response,
    method_not_allowed,
    not_found,
    permission_denied,
    server_error,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """A response to send, or ``drop`` to close the connection without answering."""

    response: Response | None
    drop: bool = False


class App:
    """Everything the emulator knows, and the one entry point ``handle(request)``."""

    def __init__(self, config: EmulatorConfig, routes: tuple[Route, ...]) -> None:
        self.config = config
        self.store = Store(config.data_path)
        if self.store.is_new:
            if config.data_path is None:
                _seed_from_template(self.store, config.seed)
            else:
                with self.store.transaction():
                    seeding.load(self.store, config.seed)
        self.keys: dict[str, KeySpec] = {spec.key: spec for spec in config.key_specs()}
        self.throttle = Throttle(config.rates())
        self.faults = FaultInjector(config.faults)
        self.stats = Stats()
        self.router = Router(routes)
        self._timers: list[threading.Timer] = []
        self._pending: list[Callable[[], None]] = []
        self._timer_lock = threading.Lock()

    # -- shared lookups used by handlers --------------------------------------------------

    def user(self, key: KeySpec | None = None) -> JSON:
        """The user ``key`` acts as (the seed's user for keys of no one in particular)."""
        if key is not None and key.user_id is not None:
            found = self.store.get("user", key.user_id)
            if found is not None:
                return found
        users = self.store.all("user")
        return users[0]

    def add_user(self, email: str, api_key: str, first_name: str = "") -> JSON:
        """Another member of the seed user's organizations, with a key that acts as them
        (a second person to approve change requests)."""
        owner = self.user()
        with self.store.transaction():
            user: JSON = {
                "email": email,
                "first_name": first_name,
                "last_name": "",
                "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{email}")),
                "distinct_id": f"user-{email}",
                "current_project": owner["current_project"],
                "organizations": list(owner.get("organizations", [])),
                "date_joined": clock.now_iso(),
            }
            self.store.insert("user", user)
        self.keys[api_key] = KeySpec(api_key, ("*",), (), f"key of {email}", int(user["id"]))
        return user

    def resolve_project(self, raw: str) -> JSON:
        """A project the user may use, or PostHog's 404 / 403."""
        user = self.user()
        if raw == "@current":
            project_id = int(user["current_project"])
        else:
            try:
                project_id = int(raw)
            except ValueError:
                raise not_found("Project not found.") from None
        project = self.store.get("project", project_id)
        if project is None:
            raise not_found("Project not found.")
        if project["organization"] not in user.get("organizations", []):
            raise permission_denied("You don't have access to the project.")
        return project

    def later(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` in its own transaction after ``delay`` seconds (flushed on stop)."""

        def run() -> None:
            with self._timer_lock:
                if action not in self._pending:
                    return
                self._pending.remove(action)
            try:
                with self.store.transaction():
                    action()
            except Exception:  # a background write must never kill the server
                log.exception("delayed write failed")

        with self._timer_lock:
            self._pending.append(action)
            timer = threading.Timer(delay, run)
            timer.daemon = True
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def flush(self) -> None:
        """Apply delayed writes now (used on shutdown so a data file keeps them)."""
        with self._timer_lock:
            pending, self._pending = self._pending, []
            for timer in self._timers:
                timer.cancel()
            self._timers = []
        for action in pending:
            with self.store.transaction():
                action()

    def set_faults(self, faults: FaultConfig) -> None:
        self.faults.configure(faults)

    # -- the pipeline ------------------------------------------------------------------------

    def handle(self, request: Request) -> Outcome:
        match = self.router.match(request.method, request.path)
        if request.path.startswith("/_emulator"):
            return Outcome(self._dispatch(request, match))
        if not request.path.startswith("/api/"):
            return Outcome(not_found().response())
        route = match.route if match else None
        rate_class = _rate_class(match)
        name = f"{request.method} {match.template}" if match else f"{request.method} (no route)"
        decision = self.faults.decide()
        if decision.latency_ms:
            time.sleep(decision.latency_ms / 1000)
        injected = self._injected(decision)
        if decision.drop_before:
            self.stats.record(name, "dropped", rate_class)
            return Outcome(None, drop=True)
        response = injected or self._dispatch(request, match)
        if decision.drop_after:
            self.stats.record(name, "dropped", rate_class)
            return Outcome(None, drop=True)
        self.stats.record(name, response.status, rate_class if route or match else None)
        return Outcome(response)

    def _injected(self, decision: Decision) -> Response | None:
        if decision.throttle:
            wait = max(1, self.faults.config.retry_after)
            return Problem(
                429,
                "throttled_error",
                "throttled",
                throttled_detail(wait),
                headers={"Retry-After": str(wait)},
            ).response()
        if decision.error_status is not None:
            response = server_error().response()
            response.status = decision.error_status
            return response
        return None

    def _dispatch(self, request: Request, match: Match | None) -> Response:
        try:
            return self._run(request, match)
        except Problem as problem:
            return problem.response()
        except Exception:
            log.exception("emulator handler failed for %s %s", request.method, request.path)
            return server_error().response()

    def _run(self, request: Request, match: Match | None) -> Response:
        if match is None:
            raise not_found("Endpoint not found.")
        route = match.route
        if route is not None and route.public:
            return route.handler(Call(request, match.params, self, route=route))
        key = authenticate(request, self.keys)
        call = Call(request, match.params, self, key, route=route)
        if route is None:
            return self._unmapped_method(call, match)
        if not route.scopes and not route.any_key:
            raise permission_denied(UNSUPPORTED)
        project_param = route.project_param
        if key.scoped_teams and route.scope_object != "user":
            team = (
                self.resolve_project(match.params[project_param])
                if project_param
                else self.store.get("project", int(self.user()["current_project"]))
            )
            if team is not None and int(team["id"]) not in key.scoped_teams:
                raise permission_denied(
                    f"API key does not have access to the requested project: ID {team['id']}."
                )
        check_scopes(key, route.scopes)
        if project_param:
            call.project = self.resolve_project(match.params[project_param])
        wait = self.throttle.check(key.key, route.rate_class)
        if wait is not None:
            raise Problem(
                429,
                "throttled_error",
                "throttled",
                throttled_detail(wait),
                headers={"Retry-After": str(wait)},
            )
        with self.store.transaction():
            response = route.handler(call)
        if request.method == "HEAD":
            response.body = None
        return response

    def _unmapped_method(self, call: Call, match: Match) -> Response:
        """DRF runs permissions before the 405: a scoped key sees PostHog's 403 first."""
        assert call.key is not None
        write_patch = call.request.method == "PATCH"
        scope_object = next((r.scope_object for r in match.allowed if r.scope_object), None)
        if call.key.scopes and not (write_patch and scope_object):
            raise permission_denied(UNSUPPORTED)
        if write_patch and scope_object:
            check_scopes(call.key, [f"{scope_object}:write"])
        raise method_not_allowed(call.request.method)

    def stats_snapshot(self) -> dict[str, Any]:
        return self.stats.snapshot()

    def close(self) -> None:
        self.flush()
        self.store.close()


# Seeded in-memory databases, reused by copy for the next emulator with the same seed: tests
# start hundreds of emulators, and loading the demo seed costs more than copying it. A
# template is used for a few minutes only, so that relative dates ("now-2h") stay recent.
_TEMPLATE_SECONDS = 300.0
_templates: dict[str, tuple[float, Store]] = {}
_templates_lock = threading.Lock()


def _seed_from_template(store: Store, source: str | Path | None) -> None:
    key = str(source)
    if source is not None and key != "demo":
        path = Path(source)
        key = f"{path.resolve()}:{path.stat().st_mtime_ns}"
    with _templates_lock:
        found = _templates.get(key)
        if found is None or time.monotonic() - found[0] > _TEMPLATE_SECONDS:
            template = Store(None)
            with template.transaction():
                seeding.load(template, source)
            found = (time.monotonic(), template)
            _templates[key] = found
        found[1].copy_to(store)


def _rate_class(match: Match | None) -> str | None:
    if match is None:
        return None
    if match.route is not None:
        return match.route.rate_class
    return next((r.rate_class for r in match.allowed if r.rate_class), None)
