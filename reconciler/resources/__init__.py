"""The resource kinds phsync manages, one module each, listed in dependency order."""

from __future__ import annotations

from reconciler.resources import action, annotation, cohort, dashboard, feature_flag, insight
from reconciler.resources.base import ResourceKind

REGISTRY: dict[str, ResourceKind] = {
    "Cohort": cohort,
    "Action": action,
    "FeatureFlag": feature_flag,
    "Insight": insight,
    "Dashboard": dashboard,
    "Annotation": annotation,
}


def get_kind(name: str) -> ResourceKind:
    return REGISTRY[name]
