"""Builders for manifests and live state used by the pure engine tests."""

from __future__ import annotations

from typing import Any

from reconciler.assembly import build_directory, to_live_object
from reconciler.model import IDENTITY_FIELD, Manifest, SourceLocation
from reconciler.plan import LiveState


def manifest(kind: str, spec: dict[str, Any], ignore: tuple[str, ...] = (), line: int = 1) -> Manifest:
    return Manifest(
        kind=kind,
        name=str(spec[IDENTITY_FIELD[kind]]),
        spec=spec,
        location=SourceLocation(f"{kind.lower()}.yaml", line, 1),
        ignore=ignore,
    )


def live_state(**raw_by_kind: list[dict[str, Any]]) -> LiveState:
    kinds = {"flags": "FeatureFlag", "cohorts": "Cohort", "dashboards": "Dashboard", "annotations": "Annotation"}
    raws = {kinds[name]: objs for name, objs in raw_by_kind.items()}
    directory = build_directory(raws)
    return LiveState({kind: [to_live_object(kind, r, directory) for r in objs] for kind, objs in raws.items()})
