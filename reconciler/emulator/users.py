"""The emulator's one user, as PostHog's ``UserBasic`` and ``/api/users/@me/`` show it."""

from __future__ import annotations

from reconciler.emulator.store import JSON


def user_basic(user: JSON | None) -> JSON | None:
    """``UserBasic``, the shape of ``created_by`` and ``last_modified_by``."""
    if user is None:
        return None
    return {
        "id": user["id"],
        "uuid": user["uuid"],
        "distinct_id": user.get("distinct_id"),
        "first_name": user.get("first_name", ""),
        "last_name": user.get("last_name", ""),
        "email": user["email"],
        "is_email_verified": user.get("is_email_verified", True),
        "hedgehog_config": None,
        "role_at_organization": user.get("role_at_organization"),
    }
