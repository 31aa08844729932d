"""The emulator's own control API under ``/_emulator/`` (no authentication; PostHog has no
such path): request statistics, fault settings and a health check."""

from __future__ import annotations

from reconciler.emulator.config import FaultConfig
from reconciler.emulator.routing import Call
from reconciler.emulator.wire import Problem, Response, ok


def health(call: Call) -> Response:
    return ok({"status": "ok", "project_id": int(call.app.user()["current_project"])})


def get_stats(call: Call) -> Response:
    return ok(call.app.stats_snapshot())


def reset_stats(call: Call) -> Response:
    call.app.stats.reset()
    if call.request.arg("throttle") not in (None, "false", "0"):
        call.app.throttle.reset()
    return ok(call.app.stats_snapshot())


def get_faults(call: Call) -> Response:
    return ok(call.app.faults.config.to_dict())


def put_faults(call: Call) -> Response:
    data = call.request.json_object()
    if call.request.method == "PATCH":
        data = {**call.app.faults.config.to_dict(), **data}
    try:
        faults = FaultConfig.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise Problem(400, "validation_error", "invalid_input", str(exc)) from None
    call.app.set_faults(faults)
    return ok(faults.to_dict())


def reset_throttle(call: Call) -> Response:
    call.app.throttle.reset()
    return ok({"throttle": "reset"})


def add_user(call: Call) -> Response:
    """Another user and the API key that acts as them: ``{"email", "api_key"}``."""
    data = call.request.json_object()
    email, key = data.get("email"), data.get("api_key")
    if not isinstance(email, str) or not email or not isinstance(key, str) or not key:
        raise Problem(400, "validation_error", "invalid_input", "give an email and an api_key")
    if key in call.app.keys:
        raise Problem(400, "validation_error", "invalid_input", "that api_key is taken")
    user = call.app.add_user(email, key, str(data.get("first_name") or ""))
    return ok({"id": user["id"], "email": email, "api_key": key}, 201)
