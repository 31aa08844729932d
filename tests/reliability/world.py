"""A seeded, evolving set of manifests across all four kinds, with references between them.

A :class:`World` is what the manifests declare: it can be written to a directory, changed
(update a share, delete a share, add new objects) and handed to the checks in
:mod:`tests.reliability.observe`, which compare PostHog with it independently of phsync's own
diff. References always point at objects that exist in the world and never form cycles.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KIND_FILES = {
    "FeatureFlag": "flags",
    "Cohort": "cohorts",
    "Dashboard": "dashboards",
    "Annotation": "annotations",
}
IDENTITY = {"FeatureFlag": "key", "Cohort": "name", "Dashboard": "name", "Annotation": "name"}
PER_FILE = 12
COLORS = ("blue", "green", "purple", "black")


@dataclass
class World:
    """Manifests by kind and identity; ``rng`` drives every choice, so a seed repeats a run."""

    seed: int
    prefix: str = "rel"
    objects: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in KIND_FILES}
    )
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_FILES, 0))

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    # -- size -----------------------------------------------------------------------------

    def count(self) -> int:
        return sum(len(objs) for objs in self.objects.values())

    def counts(self) -> dict[str, int]:
        return {kind: len(objs) for kind, objs in self.objects.items()}

    # -- building -------------------------------------------------------------------------

    def populate(self, flags: int, cohorts: int, dashboards: int, annotations: int) -> int:
        """Add objects, referenced kinds first so references can point at them."""
        for _ in range(cohorts):
            self._add_cohort()
        for _ in range(dashboards):
            self._add_dashboard()
        for _ in range(flags):
            self._add_flag()
        for _ in range(annotations):
            self._add_annotation()
        return cohorts + dashboards + flags + annotations

    def _next(self, kind: str) -> int:
        self.counters[kind] += 1
        return self.counters[kind]

    def _add_cohort(self) -> None:
        n = self._next("Cohort")
        name = f"{self.prefix} cohort {n}"
        doc: dict[str, Any] = {"kind": "Cohort", "name": name, "description": f"audience {n}"}
        if self.rng.random() < 0.15:
            doc["is_static"] = True
        else:
            values: list[dict[str, Any]] = [
                {
                    "type": "AND",
                    "values": [
                        {
                            "type": "person",
                            "key": "plan",
                            "operator": "exact",
                            "value": self.rng.sample(["free", "pro", "team", "enterprise"], 2),
                        }
                    ],
                }
            ]
            dynamic = [c for c, d in self.objects["Cohort"].items() if not d.get("is_static")]
            if dynamic and self.rng.random() < 0.3:
                values.append(
                    {"type": "AND", "values": [{"type": "cohort", "value": self.rng.choice(dynamic)}]}
                )
            doc["filters"] = {"properties": {"type": "OR", "values": values}}
        self.objects["Cohort"][name] = doc

    def _add_dashboard(self) -> None:
        n = self._next("Dashboard")
        name = f"{self.prefix} dashboard {n}"
        doc: dict[str, Any] = {
            "kind": "Dashboard",
            "name": name,
            "description": f"numbers {n}",
            "pinned": self.rng.random() < 0.3,
            "tags": [f"team-{self.rng.randrange(5)}"],
        }
        if self.rng.random() < 0.3:
            doc["tiles"] = [{"text": f"## Notes {n}\nRead me first."}]
            if self.rng.random() < 0.5:
                doc["tiles"].append({"text": f"owner: team {n}", "color": self.rng.choice(COLORS)})
        self.objects["Dashboard"][name] = doc

    def _flag_filters(self, key: str) -> dict[str, Any]:
        groups: list[dict[str, Any]] = [
            {"properties": [], "rollout_percentage": self.rng.choice([0, 5, 10, 25, 50, 100])}
        ]
        dynamic = [c for c, d in self.objects["Cohort"].items() if not d.get("is_static")]
        if dynamic and self.rng.random() < 0.35:
            groups.append(
                {
                    "properties": [{"type": "cohort", "value": self.rng.choice(dynamic)}],
                    "rollout_percentage": 100,
                }
            )
        others = [k for k in self.objects["FeatureFlag"] if k != key]
        if others and self.rng.random() < 0.2:
            groups.append(
                {
                    "properties": [{"type": "flag", "key": self.rng.choice(others), "value": True}],
                    "rollout_percentage": 50,
                }
            )
        if self.rng.random() < 0.2:
            groups.append(
                {
                    "properties": [
                        {
                            "type": "person",
                            "key": "email",
                            "operator": "icontains",
                            "value": "@example.com",
                        }
                    ]
                }
            )
        filters: dict[str, Any] = {"groups": groups}
        if self.rng.random() < 0.2:
            first = self.rng.randrange(10, 90)
            filters["multivariate"] = {
                "variants": [
                    {"key": "control", "name": "Control", "rollout_percentage": first},
                    {"key": "test", "name": "Test", "rollout_percentage": 100 - first},
                ]
            }
            filters["payloads"] = {"test": {"colour": "green", "n": first}}
        return filters

    def _add_flag(self) -> None:
        n = self._next("FeatureFlag")
        key = f"{self.prefix}-flag-{n}"
        # A flag may depend only on flags that already exist: no cycles.
        doc: dict[str, Any] = {
            "kind": "FeatureFlag",
            "key": key,
            "name": f"Flag number {n}",
            "active": self.rng.random() < 0.8,
            "tags": [f"area-{self.rng.randrange(4)}"],
            "filters": self._flag_filters(key),
        }
        self.objects["FeatureFlag"][key] = doc

    def _add_annotation(self) -> None:
        n = self._next("Annotation")
        name = f"{self.prefix}-note-{n}"
        hour, day = n % 24, 1 + (n // 24) % 28
        month = 1 + (n // (24 * 28)) % 12
        doc: dict[str, Any] = {
            "kind": "Annotation",
            "name": name,
            "content": f"release {n} deployed",
            "date_marker": f"2026-{month:02d}-{day:02d}T{hour:02d}:{self.seed % 60:02d}:00Z",
        }
        dashboards = list(self.objects["Dashboard"])
        if dashboards and self.rng.random() < 0.3:
            doc["scope"] = "dashboard"
            doc["dashboard"] = self.rng.choice(dashboards)
        else:
            doc["scope"] = "project"
        self.objects["Annotation"][name] = doc

    # -- changing -------------------------------------------------------------------------

    def change(self, share: float) -> int:
        """Change fields of about ``share`` of the objects; return how many changed."""
        changed = 0
        for kind, objs in self.objects.items():
            for name in sorted(objs):
                if self.rng.random() >= share:
                    continue
                doc = objs[name]
                before = copy.deepcopy(doc)
                self._mutate(kind, doc)
                changed += doc != before
        return changed

    def _mutate(self, kind: str, doc: dict[str, Any]) -> None:
        tick = self.rng.randrange(1000, 9999)
        if kind == "FeatureFlag":
            choice = self.rng.randrange(3)
            if choice == 0:
                doc["name"] = f"{doc['name'].split(' (')[0]} (v{tick})"
            elif choice == 1:
                doc["active"] = not doc["active"]
            else:
                group = doc["filters"]["groups"][0]
                group["rollout_percentage"] = (group["rollout_percentage"] + 7) % 101
        elif kind == "Cohort":
            doc["description"] = f"{doc['description'].split(' (')[0]} (v{tick})"
        elif kind == "Dashboard":
            if "tiles" in doc and self.rng.random() < 0.5:
                doc["tiles"][0]["text"] = f"## Notes rewritten {tick}"
            else:
                doc["description"] = f"{doc['description'].split(' (')[0]} (v{tick})"
                doc["pinned"] = not doc["pinned"]
        else:
            doc["content"] = f"{doc['content'].split(' (')[0]} (v{tick})"

    def delete(self, share: float) -> int:
        """Remove about ``share`` of the objects, and every reference to them."""
        gone: dict[str, set[str]] = {kind: set() for kind in KIND_FILES}
        for kind, objs in self.objects.items():
            for name in sorted(objs):
                if self.rng.random() < share:
                    gone[kind].add(name)
        # Annotations on a removed dashboard go with it.
        for name, doc in self.objects["Annotation"].items():
            if doc.get("dashboard") in gone["Dashboard"]:
                gone["Annotation"].add(name)
        for kind, names in gone.items():
            for name in names:
                del self.objects[kind][name]
        for doc in self.objects["FeatureFlag"].values():
            groups = doc["filters"]["groups"]
            doc["filters"]["groups"] = [
                g for g in groups if not _refers(g, gone["Cohort"], gone["FeatureFlag"])
            ] or [{"properties": [], "rollout_percentage": 100}]
        for doc in self.objects["Cohort"].values():
            props = (doc.get("filters") or {}).get("properties")
            if props:
                props["values"] = [
                    v
                    for v in props["values"]
                    if not any(
                        c.get("type") == "cohort" and c.get("value") in gone["Cohort"]
                        for c in v["values"]
                    )
                ]
        return sum(len(names) for names in gone.values())

    def add(self, share: float) -> int:
        """Add about ``share`` new objects of each kind (at least one of each)."""
        counts = {kind: max(1, round(len(objs) * share)) for kind, objs in self.objects.items()}
        return self.populate(
            counts["FeatureFlag"], counts["Cohort"], counts["Dashboard"], counts["Annotation"]
        )

    # -- writing --------------------------------------------------------------------------

    def documents(self) -> list[dict[str, Any]]:
        return [doc for kind in KIND_FILES for doc in self.objects[kind].values()]

    def write(self, root: Path) -> Path:
        """Write the manifests into ``root`` (emptied first), several documents per file."""
        root.mkdir(parents=True, exist_ok=True)
        for old in root.rglob("*.yaml"):
            old.unlink()
        for kind, folder in KIND_FILES.items():
            docs = list(self.objects[kind].values())
            (root / folder).mkdir(exist_ok=True)
            for index in range(0, len(docs), PER_FILE):
                chunk = docs[index : index + PER_FILE]
                text = yaml.safe_dump_all(chunk, sort_keys=False, allow_unicode=True)
                (root / folder / f"part-{index // PER_FILE:03d}.yaml").write_text(
                    text, encoding="utf-8"
                )
        # The flags phsync creates here get no usage dashboard, so every object phsync does not
        # manage stays exactly as it was seeded.
        (root / "phsync.yaml").write_text("usage_dashboards: false\n", encoding="utf-8")
        return root


def _refers(group: dict[str, Any], cohorts: set[str], flags: set[str]) -> bool:
    for prop in group.get("properties") or []:
        if prop.get("type") == "cohort" and prop.get("value") in cohorts:
            return True
        if prop.get("type") == "flag" and prop.get("key") in flags:
            return True
    return False
