"""Live objects as manifests, so that adopting phsync starts from an empty plan. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.live import is_generated_dashboard
from reconciler.model import IDENTITY_FIELD
from reconciler.resources.base import Json, LiveObject

FOLDERS = {
    "FeatureFlag": "feature-flags",
    "Cohort": "cohorts",
    "Action": "actions",
    "Insight": "insights",
    "Dashboard": "dashboards",
    "Annotation": "annotations",
}
# Values left out of written manifests: PostHog's defaults for its newer fields (a manifest
# without them does not compare them, so the plan after an export stays empty).
DEFAULTS: dict[str, dict[str, Any]] = {
    "FeatureFlag": {"evaluation_contexts": [], "bucketing_identifier": "distinct_id"},
    "Annotation": {"emoji": None, "hidden_in_user_interface": False},
}
# Field order in written manifests: identity first, then as PostHog's docs list them.
ORDER = {
    "FeatureFlag": ("key", "name", "active", "tags", "ensure_experience_continuity",
                    "evaluation_runtime", "evaluation_contexts", "bucketing_identifier",
                    "filters"),
    "Cohort": ("name", "description", "is_static", "filters"),
    "Action": ("name", "description", "tags", "steps"),
    "Insight": ("name", "description", "tags", "query"),
    "Dashboard": ("name", "description", "pinned", "tags", "tiles"),
    "Annotation": ("name", "content", "date_marker", "scope", "dashboard"),
}


@dataclass(frozen=True)
class ExportedManifest:
    relative_path: str
    document: dict[str, Any]


_VARIANT = frozenset({"key", "name", "rollout_percentage"})  # a flag variant's canonical keys


def tidy(value: Json) -> Json:
    """A canonical value as a person writes it in a manifest: without what the canonical form
    fills in by default (``negation: false``, a variant's empty ``name``). ``export`` writes
    whole objects this way, and ``pull`` the values it writes into existing manifests."""
    if isinstance(value, dict):
        unnamed_variant = value.keys() == _VARIANT and value["name"] == ""
        return {
            k: tidy(v)
            for k, v in value.items()
            if not (k == "negation" and v is False) and not (unnamed_variant and k == "name")
        }
    if isinstance(value, list):
        return [tidy(v) for v in value]
    return value


def slug(text: str) -> str:
    """A file name stem for ``text``; never starting with a dot, which would make the file
    hidden, and plan skips hidden files (with --prune it would delete the object)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.").lower() or "unnamed"


def document(obj: LiveObject, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = {k: v for k, v in tidy(obj.spec).items() if v is not None}
    spec[IDENTITY_FIELD[obj.kind]] = name
    if obj.kind == "Dashboard" and not spec.get("tiles"):
        spec.pop("tiles", None)
    for field, default in DEFAULTS.get(obj.kind, {}).items():
        if spec.get(field, default) == default:
            spec.pop(field, None)
    ordered: dict[str, Any] = {"kind": obj.kind}
    for field in ORDER[obj.kind]:
        if field in spec:
            ordered[field] = spec.pop(field)
    ordered.update(spec)
    return ordered


def exportable(obj: LiveObject, generated: frozenset[int] = frozenset()) -> bool:
    """Not PostHog's generated usage dashboards (it makes one itself for each flag made in its
    UI: not worth managing), nor insights that only they hold."""
    if obj.kind == "Insight":
        boards = set(obj.raw.get("dashboards") or [])
        return not (boards and boards <= generated)
    return not (obj.kind == "Dashboard" and is_generated_dashboard(obj.raw))


def export_objects(objects: Iterable[LiveObject]) -> tuple[list[ExportedManifest], list[str]]:
    """One manifest per object, in a stable order with stable, unique file names.

    Returns the manifests and the objects left out: a second live cohort or dashboard with a
    name already taken (phsync identifies those kinds by name) is skipped, and said so, naming
    the id exported instead: the one a plan pairs the manifest with. Annotations that share a
    moment each get a manifest, named after the moment and content (``-2``, ``-3`` where
    those repeat too).
    """
    out: list[ExportedManifest] = []
    skipped: list[str] = []
    used: dict[str, int] = {}
    names: Mapping[str, set[str]] = {kind: set() for kind in FOLDERS}
    kept: dict[tuple[str, str], int] = {}
    ordered = sorted(
        objects, key=lambda o: (list(FOLDERS).index(o.kind), o.name, not o.managed, o.id)
    )
    generated = frozenset(
        o.id for o in ordered if o.kind == "Dashboard" and not exportable(o)
    )
    for obj in ordered:
        if not exportable(obj, generated):
            continue
        name = obj.name
        if obj.kind != "Annotation" and name in names[obj.kind]:
            skipped.append(
                f"{obj.kind} {name!r} (id {obj.id}): id {kept[(obj.kind, name)]} has the same "
                "name and is the one exported (phsync names these by name, and a manifest "
                "takes the managed one, else the oldest)"
            )
            continue
        kept.setdefault((obj.kind, name), obj.id)
        if obj.kind == "Annotation":
            base, n = name, 2
            while name in names[obj.kind]:
                name, n = f"{base}-{n}", n + 1
        names[obj.kind].add(name)
        stem = f"{FOLDERS[obj.kind]}/{slug(name)}"
        count = used.get(stem, 0)
        used[stem] = count + 1
        path = f"{stem}.yaml" if count == 0 else f"{stem}-{count + 1}.yaml"
        out.append(ExportedManifest(path, document(obj, name)))
    return out, skipped
