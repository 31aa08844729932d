"""The resource kinds phsync manages, one module each, listed in dependency order."""

from __future__ import annotations

from reconciler.resources import annotation, cohort, dashboard, feature_flag
from reconciler.resources.base import ResourceKind

REGISTRY: dict[str, ResourceKind] = {
    "Cohort": cohort,
    "FeatureFlag": feature_flag,
    "Dashboard": dashboard,
    "Annotation": annotation,
}


def get_kind(name: str) -> ResourceKind:
    return REGISTRY[name]
