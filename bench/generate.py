"""A synthetic PostHog project at scale: the live objects (as an emulator seed) and the
manifests that declare them, with a chosen share of the manifests changed.

Every object is generated once as a manifest document (names for references); the live
object is derived from it the way PostHog stores what phsync created: numeric ids for
references, payloads as JSON strings, phsync's markers (the tag, the description's last line,
the annotation's ``GIT`` creation type and invisible last character). So an unchanged
manifest plans as no change, and a plan of the whole project lists exactly the changed share.

Shapes follow real projects: flags with one to three condition groups mixing person
properties, cohort targeting and, rarely, a dependency on another flag; a fifth of them
multivariate with payloads; cohorts of nested AND/OR property groups, some including other
cohorts, a few static; dashboards with tags, a few with text tiles; annotations on the
project or on one dashboard.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from reconciler.resources import query_refs

MARKER_TAG = "managed-by-phsync"
COHORT_MARKER = "[managed by phsync]"
ANNOTATION_MARKER = "\u2063"
FOLDERS = {
    "FeatureFlag": "feature-flags",
    "Cohort": "cohorts",
    "Dashboard": "dashboards",
    "Annotation": "annotations",
    "Action": "actions",
    "Insight": "insights",
}

_TAGS = ("growth", "checkout", "billing", "onboarding", "mobile", "web", "search", "infra")
_COUNTRIES = ("US", "GB", "DE", "FR", "NL", "NO", "SE", "ES", "IT", "BR", "IN", "JP")
_PLANS = ("free", "starter", "pro", "enterprise")
_BROWSERS = ("Chrome", "Firefox", "Safari", "Edge")
_WORDS = (
    "checkout",
    "search",
    "pricing",
    "profile",
    "export",
    "onboarding",
    "dashboard",
    "billing",
    "invite",
    "mobile",
    "sidebar",
    "editor",
    "upload",
    "filters",
    "insights",
    "alerts",
)


_EPOCH = datetime(2024, 1, 1)
# Flags made in PostHog's UI before the project adopted phsync: PostHog generated a usage
# dashboard for each ("Generated Dashboard: KEY Usage"). One flag in three, as in a real
# project of 10,000 flags of which 3,000 were made by hand.
UI_MADE_EVERY = 3
made_in_ui = {"usage_dashboard": True}


@dataclass(frozen=True)
class Scale:
    flags: int = 10_000
    cohorts: int = 2_000
    dashboards: int = 500
    annotations: int = 5_000
    insights: int = 2_000
    actions: int = 200

    @property
    def total(self) -> int:
        return (
            self.flags + self.cohorts + self.dashboards + self.annotations + self.insights
            + self.actions
        )

    def scaled(self, factor: float) -> Scale:
        def n(value: int) -> int:
            return max(2, round(value * factor))

        return Scale(
            n(self.flags), n(self.cohorts), n(self.dashboards), n(self.annotations),
            n(self.insights), n(self.actions),
        )


FULL = Scale()


@dataclass
class Project:
    """Manifests (kind, document) in file order and the emulator seed of the live project."""

    manifests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    seed: dict[str, Any] = field(default_factory=dict)
    changed: list[tuple[str, str]] = field(default_factory=list)  # (kind, identity)

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind, _ in self.manifests:
            counts[kind] = counts.get(kind, 0) + 1
        return counts


def _name(rng: random.Random, index: int) -> str:
    return f"{rng.choice(_WORDS).capitalize()} {rng.choice(_WORDS)} {index:05d}"


# -- cohorts ------------------------------------------------------------------------------------


def _person_property(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.3:
        return {
            "type": "person",
            "key": "email",
            "operator": "icontains",
            "value": rng.choice(("@example.com", "@acme.io", "@corp.test")),
        }
    if roll < 0.55:
        return {
            "type": "person",
            "key": "country",
            "operator": "exact",
            "value": rng.sample(_COUNTRIES, rng.randint(1, 4)),
        }
    if roll < 0.75:
        return {"type": "person", "key": "plan", "operator": "exact", "value": rng.choice(_PLANS)}
    if roll < 0.85:
        return {"type": "person", "key": "beta_opt_in", "operator": "is_set"}
    if roll < 0.95:
        return {
            "type": "person",
            "key": "signup_days",
            "operator": "gt",
            "value": str(rng.randint(1, 365)),
        }
    return {
        "type": "person",
        "key": "$browser",
        "operator": "is_not",
        "value": rng.choice(_BROWSERS),
    }


def _cohort(rng: random.Random, index: int, names: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": "Cohort",
        "name": f"Cohort {_name(rng, index)}",
        "description": f"People who {rng.choice(_WORDS)} often ({index})",
    }
    if rng.random() < 0.05:
        doc["is_static"] = True
        return doc
    groups = []
    for _ in range(rng.randint(1, 3)):
        values = [_person_property(rng) for _ in range(rng.randint(1, 3))]
        if names and rng.random() < 0.1:
            values.append({"type": "cohort", "value": rng.choice(names)})
        if rng.random() < 0.1:
            values[0]["negation"] = True
        groups.append({"type": "AND", "values": values})
    doc["filters"] = {"properties": {"type": "OR", "values": groups}}
    return doc


def _live_cohort(doc: dict[str, Any], cohort_ids: dict[str, int], object_id: int) -> dict[str, Any]:
    def node(value: dict[str, Any]) -> dict[str, Any]:
        if value.get("type") in ("AND", "OR"):
            return {"type": value["type"], "values": [node(v) for v in value["values"]]}
        if value.get("type") == "cohort":
            return {
                "key": "id",
                "type": "cohort",
                "value": cohort_ids[value["value"]],
                "negation": bool(value.get("negation")),
            }
        return dict(value)

    live: dict[str, Any] = {
        "id": object_id,
        "name": doc["name"],
        "description": f"{doc['description']}\n\n{COHORT_MARKER}",
        "is_static": bool(doc.get("is_static")),
        "members": [],
    }
    if "filters" in doc:
        live["filters"] = {"properties": node(doc["filters"]["properties"])}
    return live


# -- feature flags ------------------------------------------------------------------------------


def _flag(rng: random.Random, index: int, cohorts: list[str], flags: list[str]) -> dict[str, Any]:
    key = f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}-{index:05d}"
    groups = []
    for _ in range(rng.choices((1, 2, 3), (0.5, 0.35, 0.15))[0]):
        properties = [
            _person_property(rng)
            for _ in range(rng.choices((0, 1, 2, 3), (0.3, 0.35, 0.25, 0.1))[0])
        ]
        if cohorts and rng.random() < 0.3:
            properties.append({"type": "cohort", "value": rng.choice(cohorts)})
        if flags and rng.random() < 0.02:
            properties.append({"type": "flag", "key": rng.choice(flags), "value": True})
        group: dict[str, Any] = {
            "properties": properties,
            "rollout_percentage": rng.choice((0, 5, 10, 25, 50, 100)),
        }
        groups.append(group)
    filters: dict[str, Any] = {"groups": groups}
    if rng.random() < 0.2:
        count = rng.randint(2, 4)
        share = 100 // count
        keys = ["control", "test", "test-b", "test-c"][:count]
        shares = [share + (100 - share * count if i == 0 else 0) for i in range(count)]
        variants: list[dict[str, Any]] = [
            {"key": k, "name": k.replace("-", " ").title(), "rollout_percentage": part}
            for k, part in zip(keys, shares, strict=True)
        ]
        filters["multivariate"] = {"variants": variants}
        filters["payloads"] = {
            k: {
                "color": rng.choice(("blue", "green", "red")),
                "limit": rng.randint(1, 50),
                "copy": f"Try the new {rng.choice(_WORDS)}",
            }
            for k in keys
            if rng.random() < 0.7
        }
    elif rng.random() < 0.15:
        filters["payloads"] = {"true": {"enabled_features": rng.sample(_WORDS, 3)}}
    doc: dict[str, Any] = {
        "kind": "FeatureFlag",
        "key": key,
        "name": f"{_name(rng, index)} rollout",
        "active": rng.random() < 0.9,
        "tags": sorted(rng.sample(_TAGS, rng.randint(0, 2))),
    }
    if rng.random() < 0.1:
        doc["ensure_experience_continuity"] = True
    doc["filters"] = filters
    return doc


def _live_flag(
    doc: dict[str, Any], cohort_ids: dict[str, int], flag_ids: dict[str, int], object_id: int
) -> dict[str, Any]:
    groups = []
    for group in doc["filters"]["groups"]:
        properties = []
        for prop in group["properties"]:
            prop = dict(prop)
            if prop["type"] == "cohort":
                prop = {"key": "id", "type": "cohort", "value": cohort_ids[prop["value"]]}
            elif prop["type"] == "flag":
                prop = {
                    "key": str(flag_ids[prop["key"]]),
                    "type": "flag",
                    "value": True,
                    "operator": "flag_evaluates_to",
                }
            properties.append(prop)
        groups.append({**group, "properties": properties, "variant": None})
    filters: dict[str, Any] = {"groups": groups, "payloads": {}}
    if "multivariate" in doc["filters"]:
        filters["multivariate"] = doc["filters"]["multivariate"]
    for key, value in (doc["filters"].get("payloads") or {}).items():
        filters["payloads"][key] = json.dumps(value)
    return {
        "id": object_id,
        "key": doc["key"],
        "name": doc["name"],
        "active": doc["active"],
        "tags": [*doc["tags"], MARKER_TAG],
        "ensure_experience_continuity": doc.get("ensure_experience_continuity", False),
        "filters": filters,
    }


# -- dashboards and annotations -----------------------------------------------------------------


def _dashboard(rng: random.Random, index: int) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": "Dashboard",
        "name": f"{_name(rng, index)} overview",
        "description": f"Key numbers for {rng.choice(_WORDS)}",
        "pinned": rng.random() < 0.1,
        "tags": sorted(rng.sample(_TAGS, rng.randint(0, 2))),
    }
    if rng.random() < 0.01:
        doc["tiles"] = [{"text": f"## {rng.choice(_WORDS).title()}\nRead me first."}]
    return doc


def _live_dashboard(doc: dict[str, Any], object_id: int) -> dict[str, Any]:
    live = {
        "id": object_id,
        "name": doc["name"],
        "description": doc["description"],
        "pinned": doc["pinned"],
        "tags": [*doc["tags"], MARKER_TAG],
    }
    if "tiles" in doc:
        live["tiles"] = [{"text": tile["text"]} for tile in doc["tiles"]]
    return live


def _annotation(rng: random.Random, index: int, dashboards: list[str]) -> dict[str, Any]:
    # Distinct places: the date is the annotation's identity.
    date = (_EPOCH + timedelta(minutes=index * 97)).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc: dict[str, Any] = {
        "kind": "Annotation",
        "name": f"deploy-{index:05d}",
        "content": f"Deploy {index // 100}.{index % 100}: {rng.choice(_WORDS)} changes",
        "date_marker": date,
        "scope": "project",
    }
    if dashboards and rng.random() < 0.2:
        doc["scope"] = "dashboard"
        doc["dashboard"] = rng.choice(dashboards)
    return doc


def _live_annotation(doc: dict[str, Any], dashboard_ids: dict[str, int], object_id: int) -> Any:
    return {
        "id": object_id,
        "content": doc["content"] + ANNOTATION_MARKER,
        "date_marker": doc["date_marker"],
        "scope": doc["scope"],
        "dashboard_id": dashboard_ids[doc["dashboard"]] if "dashboard" in doc else None,
        "creation_type": "GIT",
    }


# -- actions and insights -----------------------------------------------------------------------


def _action(rng: random.Random, index: int) -> dict[str, Any]:
    step: dict[str, Any] = {"event": "$pageview", "url": f"/{rng.choice(_WORDS)}/{index}"}
    if rng.random() < 0.3:
        step["url_matching"] = "exact"
    return {"kind": "Action", "name": f"Visited {_name(rng, index)}", "steps": [step]}


def _live_action(doc: dict[str, Any], object_id: int) -> dict[str, Any]:
    return {"id": object_id, "name": doc["name"], "tags": [MARKER_TAG], "steps": doc["steps"]}


_MATHS = ("total", "dau", "weekly_active", "monthly_active")


def _insight(
    rng: random.Random, index: int, actions: list[str], cohorts: list[str]
) -> dict[str, Any]:
    series: list[dict[str, Any]] = [
        {"kind": "EventsNode", "event": f"{rng.choice(_WORDS)} viewed", "math": rng.choice(_MATHS)}
    ]
    if actions and rng.random() < 0.5:
        series.append({"kind": "ActionsNode", "id": rng.choice(actions)})
    source: dict[str, Any] = {
        "kind": rng.choice(("TrendsQuery", "StickinessQuery", "LifecycleQuery")),
        "interval": rng.choice(("day", "week", "month")),
        "dateRange": {"date_from": f"-{rng.choice((7, 30, 90))}d"},
        "series": series,
    }
    if source["kind"] == "LifecycleQuery":
        source["series"] = series[:1]
        del source["series"][0]["math"]
    if cohorts and rng.random() < 0.3:
        source["properties"] = {
            "type": "AND",
            "values": [
                {
                    "type": "AND",
                    "values": [{"type": "cohort", "key": "id", "value": rng.choice(cohorts)}],
                }
            ],
        }
    return {
        "kind": "Insight",
        "name": f"{_name(rng, index)} trend",
        "tags": sorted(rng.sample(_TAGS, rng.randint(0, 2))),
        "query": {"kind": "InsightVizNode", "source": source},
    }


def _live_insight(
    doc: dict[str, Any], action_ids: dict[str, int], cohort_ids: dict[str, int], object_id: int
) -> dict[str, Any]:
    ids = {"Action": action_ids, "Cohort": cohort_ids}
    query = query_refs.rewrite(doc["query"], lambda kind, name: ids[kind][name])
    query["source"]["version"] = 2  # as PostHog stores it
    query["source"]["filterTestAccounts"] = False
    return {
        "id": object_id,
        "short_id": f"b{object_id:07d}",
        "name": doc["name"],
        "tags": [*doc["tags"], MARKER_TAG],
        "query": query,
    }


# -- changes ------------------------------------------------------------------------------------


def _change(rng: random.Random, kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The manifest with one realistic edit (the live object keeps the old values)."""
    new: dict[str, Any] = json.loads(json.dumps(doc))
    if kind == "FeatureFlag":
        group = new["filters"]["groups"][0]
        roll = rng.random()
        if roll < 0.6:
            group["rollout_percentage"] = (group["rollout_percentage"] + 10) % 101
        elif roll < 0.8:
            group["properties"].append(
                {"type": "person", "key": "plan", "operator": "exact", "value": "enterprise"}
            )
        else:
            new["tags"] = sorted({*new["tags"], "reviewed"})
    elif kind == "Cohort":
        new["description"] += " (revised)"
    elif kind == "Dashboard":
        new["description"] += " and trends"
    elif kind == "Insight":
        new["query"]["source"]["interval"] = "hour"
    elif kind == "Action":
        new["steps"][0]["url"] += "/done"
    else:
        new["content"] += " (rolled back)"
    return new


def _identity(kind: str, doc: dict[str, Any]) -> str:
    return str(doc["key"] if kind == "FeatureFlag" else doc["name"])


def generate(scale: Scale = FULL, *, changed: float = 0.05, seed: int = 1) -> Project:
    """The project at ``scale`` with ``changed`` (0..1) of each kind's manifests edited."""
    rng = random.Random(seed)
    project = Project()
    cohorts: list[dict[str, Any]] = []
    cohort_ids: dict[str, int] = {}
    for index in range(scale.cohorts):
        doc = _cohort(rng, index, [c["name"] for c in cohorts[-200:]])
        cohorts.append(doc)
        cohort_ids[doc["name"]] = index + 1
    flags: list[dict[str, Any]] = []
    flag_ids: dict[str, int] = {}
    cohort_names = list(cohort_ids)
    for index in range(scale.flags):
        doc = _flag(rng, index, cohort_names, [f["key"] for f in flags[-500:]])
        flags.append(doc)
        flag_ids[doc["key"]] = index + 1
    dashboards = [_dashboard(rng, index) for index in range(scale.dashboards)]
    dashboard_ids = {d["name"]: index + 1 for index, d in enumerate(dashboards)}
    annotations = [_annotation(rng, i, list(dashboard_ids)) for i in range(scale.annotations)]
    actions = [_action(rng, index) for index in range(scale.actions)]
    action_ids = {a["name"]: index + 1 for index, a in enumerate(actions)}
    insights = [
        _insight(rng, index, list(action_ids), cohort_names[:50])
        for index in range(scale.insights)
    ]

    project.seed = {
        "organizations": [
            {"id": "0190f1a0-0000-7000-8000-000000000001", "name": "Bench", "slug": "bench"}
        ],
        "user": {"email": "bench@example.com", "first_name": "Bench"},
        "projects": [{"id": 1, "name": "Bench project"}],
        "cohorts": [_live_cohort(d, cohort_ids, cohort_ids[d["name"]]) for d in cohorts],
        "feature_flags": [
            {**_live_flag(d, cohort_ids, flag_ids, flag_ids[d["key"]]), **made_in_ui}
            if index % UI_MADE_EVERY == 0
            else _live_flag(d, cohort_ids, flag_ids, flag_ids[d["key"]])
            for index, d in enumerate(flags)
        ],
        "dashboards": [_live_dashboard(d, dashboard_ids[d["name"]]) for d in dashboards],
        "annotations": [
            _live_annotation(d, dashboard_ids, index + 1) for index, d in enumerate(annotations)
        ],
        "actions": [_live_action(d, action_ids[d["name"]]) for d in actions],
        "insights": [
            _live_insight(d, action_ids, cohort_ids, index + 1) for index, d in enumerate(insights)
        ],
    }
    for kind, docs in (
        ("Cohort", cohorts),
        ("FeatureFlag", flags),
        ("Dashboard", dashboards),
        ("Annotation", annotations),
        ("Action", actions),
        ("Insight", insights),
    ):
        picked = set(rng.sample(range(len(docs)), round(len(docs) * changed)))
        for index, doc in enumerate(docs):
            if index in picked:
                doc = _change(rng, kind, doc)
                project.changed.append((kind, _identity(kind, doc)))
            project.manifests.append((kind, doc))
    return project


def manifest_files(project: Project) -> Iterator[tuple[str, str]]:
    """(relative path, YAML text): one file per object, as ``phsync export`` lays them out."""
    for kind, doc in project.manifests:
        yield f"{FOLDERS[kind]}/{_identity(kind, doc).lower().replace(' ', '-')}.yaml", _dump(doc)


def _dump(doc: dict[str, Any]) -> str:
    """Block-style YAML, fields in the manifest's order (libyaml's emitter, for speed)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=1000))


def write_manifests(project: Project, root: Path) -> int:
    """Write every manifest under ``root``; returns the number of files."""
    for folder in FOLDERS.values():
        (root / folder).mkdir(parents=True, exist_ok=True)
    count = 0
    for relative, text in manifest_files(project):
        (root / relative).write_text(text, encoding="utf-8")
        count += 1
    return count


def write_seed(project: Project, path: Path) -> None:
    path.write_text(json.dumps(project.seed), encoding="utf-8")
