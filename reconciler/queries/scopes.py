"""Which personal-API-key scopes phsync needs for a set of manifests, and which a key lacks.

Pure. A scope is ``<object>:read`` or ``<object>:write``; ``*`` grants everything, ``x:write``
also grants ``x:read``, and a key with no scopes at all (PostHog's legacy keys) may do anything.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from reconciler.model import KINDS

SCOPE_OBJECT: Mapping[str, str] = {
    "FeatureFlag": "feature_flag",
    "Cohort": "cohort",
    "Dashboard": "dashboard",
    "Annotation": "annotation",
    "Action": "action",
    "Insight": "insight",
}


@dataclass(frozen=True)
class Need:
    """A scope phsync needs, and why."""

    scope: str
    reason: str


def needed_scopes(kinds: Collection[str]) -> tuple[Need, ...]:
    """The scopes `plan` and `apply` need for manifests of ``kinds``.

    A plan reads every kind (to find references and unmanaged objects), so the read scopes of
    all four kinds are needed as soon as there is a manifest; writes only for the kinds present.
    """
    if not kinds:
        return ()
    needs = [Need(f"{SCOPE_OBJECT[kind]}:read", "plan reads every kind") for kind in KINDS]
    needs += [
        Need(f"{SCOPE_OBJECT[kind]}:write", f"apply writes {kind} manifests")
        for kind in KINDS
        if kind in kinds
    ]
    return tuple(needs)


def grants(key_scopes: Collection[str], scope: str) -> bool:
    """Whether a key with ``key_scopes`` may do what ``scope`` allows."""
    if not key_scopes or "*" in key_scopes or scope in key_scopes:
        return True
    thing, _, action = scope.partition(":")
    return action == "read" and f"{thing}:write" in key_scopes


def missing_scopes(key_scopes: Collection[str], needs: Iterable[Need]) -> tuple[Need, ...]:
    return tuple(need for need in needs if not grants(key_scopes, need.scope))
