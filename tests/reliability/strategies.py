"""Hypothesis strategies for sets of valid manifests, built by hand from the kinds' JSON Schemas
and PostHog's rules (docs/manifests.md): every field a kind has, references that point at
declared objects and never form cycles, variant splits that sum to 100, unique identities."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

# Text as people type it: any letter, mark, number, punctuation, symbol or space.
TEXT_CHARS = st.characters(categories=("L", "M", "N", "P", "S", "Zs"))
KEY_CHARS = string.ascii_letters + string.digits + "_-"
VARIANT_CHARS = string.ascii_letters + string.digits + "_./-"
NAME_CHARS = string.ascii_letters + string.digits + "_.-"


def text(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(TEXT_CHARS, min_size=min_size, max_size=max_size)


# PostHog strips a cohort's or dashboard's name; validate refuses spaces at its ends.
names = text(1, 40).map(str.strip).filter(bool)
flag_keys = st.text(KEY_CHARS, min_size=1, max_size=40)
tag_lists = st.lists(text(1, 20), max_size=3, unique=True)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | text(0, 20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text(1, 8), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def person_condition(draw: st.DrawFn) -> dict[str, Any]:
    key = draw(st.sampled_from(["email", "plan", "country", "age", "$browser", "app_version"]))
    operator = draw(
        st.sampled_from(
            ["exact", "is_not", "icontains", "not_icontains", "gt", "lt", "is_set", "regex",
             "semver_gte", "is_date_after"]
        )
    )
    prop: dict[str, Any] = {"type": "person", "key": key, "operator": operator}
    if operator in ("exact", "is_not"):
        scalar = st.one_of(text(1, 12), st.integers(-1000, 1000), st.booleans())
        prop["value"] = draw(scalar | st.lists(scalar, min_size=1, max_size=3))
    elif operator in ("icontains", "not_icontains"):
        prop["value"] = draw(text(1, 12))
    elif operator in ("gt", "lt"):
        prop["value"] = draw(st.integers(-1000, 1000))
    elif operator == "regex":
        prop["value"] = draw(st.sampled_from(["^a.*", "[0-9]+", "@example\\.com$"]))
    elif operator == "semver_gte":
        prop["value"] = draw(st.sampled_from(["1.2.3", "2.0.0", "0.9.1"]))
    elif operator == "is_date_after":
        prop["value"] = draw(st.sampled_from(["-7d", "-24h", "2026-01-31"]))
    if draw(st.booleans()):
        prop["negation"] = draw(st.booleans())
    return prop


@st.composite
def cohorts(draw: st.DrawFn) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in draw(st.lists(names, max_size=4, unique=True)):
        doc: dict[str, Any] = {"kind": "Cohort", "name": name}
        if draw(st.booleans()):
            doc["description"] = draw(text(0, 60))
        if draw(st.integers(0, 4)) == 0:
            doc["is_static"] = True
        else:
            earlier = [c["name"] for c in out if not c.get("is_static")]
            values: list[dict[str, Any]] = [
                {"type": draw(st.sampled_from(["AND", "OR"])),
                 "values": draw(st.lists(person_condition(), min_size=1, max_size=3))}
            ]
            if earlier and draw(st.booleans()):
                values.append({"type": "cohort", "value": draw(st.sampled_from(earlier))})
            doc["filters"] = {"properties": {"type": draw(st.sampled_from(["AND", "OR"])),
                                             "values": values}}
        out.append(doc)
    return out


def rollout() -> st.SearchStrategy[Any]:
    return st.none() | st.integers(0, 100) | st.sampled_from([0.5, 12.5, 33.33, 99.9])


@st.composite
def flags(draw: st.DrawFn, cohort_names: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key in draw(st.lists(flag_keys, max_size=5, unique_by=str.lower)):
        doc: dict[str, Any] = {"kind": "FeatureFlag", "key": key}
        for field, strategy in (
            ("name", text(0, 40)),
            ("active", st.booleans()),
            ("tags", tag_lists),
            ("ensure_experience_continuity", st.booleans()),
            ("evaluation_runtime", st.sampled_from(["all", "server", "client"])),
        ):
            if draw(st.booleans()):
                doc[field] = draw(strategy)
        variants: list[dict[str, Any]] = []
        if draw(st.booleans()):
            keys = draw(st.lists(st.text(VARIANT_CHARS, min_size=1, max_size=12), min_size=1,
                                 max_size=4, unique=True))
            cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(keys) - 1,
                                        max_size=len(keys) - 1)))
            shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
            variants = [
                {"key": k, "name": draw(text(0, 12)), "rollout_percentage": share}
                for k, share in zip(keys, shares, strict=True)
            ]
        groups = []
        for _ in range(draw(st.integers(1, 3))):
            props = draw(st.lists(person_condition(), max_size=2))
            if cohort_names and draw(st.booleans()):
                props.append({"type": "cohort", "value": draw(st.sampled_from(cohort_names))})
            if out and draw(st.booleans()):
                props.append({"type": "flag", "key": draw(st.sampled_from([f["key"] for f in out])),
                              "value": True})
            group: dict[str, Any] = {"properties": props}
            share = draw(rollout())
            if share is not None or draw(st.booleans()):
                group["rollout_percentage"] = share
            if variants and draw(st.integers(0, 3)) == 0:
                group["variant"] = draw(st.sampled_from([v["key"] for v in variants]))
            if draw(st.integers(0, 3)) == 0:
                group["description"] = draw(text(1, 20))
            groups.append(group)
        filters: dict[str, Any] = {"groups": groups}
        payload_keys = [v["key"] for v in variants] if variants else ["true"]
        if variants:
            filters["multivariate"] = {"variants": variants}
        payloads = {k: draw(json_values.filter(lambda v: v is not None))
                    for k in payload_keys if draw(st.booleans())}
        if payloads:
            filters["payloads"] = payloads
        doc["filters"] = filters
        out.append(doc)
    return out


@st.composite
def actions(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for name in draw(st.lists(names, max_size=2, unique=True)):
        steps = []
        for _ in range(draw(st.integers(1, 2))):
            step: dict[str, Any] = {"event": draw(st.sampled_from(["$pageview", "$autocapture", "signed up"]))}
            if draw(st.booleans()):
                step["url"] = "/" + draw(text(1, 20)).strip()
                if draw(st.booleans()):
                    step["url_matching"] = draw(st.sampled_from(["contains", "exact", "regex"]))
            if draw(st.booleans()):
                condition = draw(person_condition())
                step["properties"] = [{k: v for k, v in condition.items() if k != "negation"}]
            steps.append(step)
        doc: dict[str, Any] = {"kind": "Action", "name": name, "steps": steps}
        if draw(st.booleans()):
            doc["tags"] = draw(tag_lists)
        out.append(doc)
    return out


@st.composite
def insights(draw: st.DrawFn, action_names: list[str], cohort_names: list[str]) -> list[dict[str, Any]]:
    out = []
    for name in draw(st.lists(names, max_size=3, unique=True)):
        series: list[dict[str, Any]] = [{"kind": "EventsNode", "event": draw(text(1, 20)).strip() or "x"}]
        if draw(st.booleans()):
            series[0]["math"] = draw(st.sampled_from(["total", "dau", "weekly_active"]))
        if action_names and draw(st.booleans()):
            series.append({"kind": "ActionsNode", "id": draw(st.sampled_from(action_names))})
        kind = draw(st.sampled_from(["TrendsQuery", "FunnelsQuery", "StickinessQuery"]))
        source: dict[str, Any] = {"kind": kind, "series": series}
        if kind != "FunnelsQuery" and draw(st.booleans()):
            source["interval"] = draw(st.sampled_from(["day", "week", "month"]))
        if draw(st.booleans()):
            source["dateRange"] = {"date_from": draw(st.sampled_from(["-7d", "-30d", "-90d"]))}
        if cohort_names and draw(st.booleans()):
            source["properties"] = {"type": "AND", "values": [{"type": "AND", "values": [
                {"type": "cohort", "key": "id", "value": draw(st.sampled_from(cohort_names))}]}]}
        doc: dict[str, Any] = {"kind": "Insight", "name": name,
                               "query": {"kind": "InsightVizNode", "source": source}}
        for field, strategy in (("description", text(0, 60)), ("tags", tag_lists)):
            if draw(st.booleans()):
                doc[field] = draw(strategy)
        out.append(doc)
    return out


@st.composite
def dashboards(draw: st.DrawFn, insight_names: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    out = []
    for name in draw(st.lists(names, max_size=3, unique=True)):
        doc: dict[str, Any] = {"kind": "Dashboard", "name": name}
        for field, strategy in (("description", text(0, 60)), ("pinned", st.booleans()),
                                ("tags", tag_lists)):
            if draw(st.booleans()):
                doc[field] = draw(strategy)
        if draw(st.booleans()):
            tiles = []
            held = draw(st.lists(st.sampled_from(insight_names), unique=True)) if insight_names else []
            for _ in range(draw(st.integers(0, 3))):
                tile: dict[str, Any] = {"text": draw(text(1, 80))}
                if draw(st.booleans()):
                    tile["color"] = draw(st.sampled_from(["blue", "green", "purple", "black"]))
                if draw(st.booleans()):
                    tile["layouts"] = {"sm": {"x": draw(st.integers(0, 6)), "y": len(tiles) * 5,
                                              "w": draw(st.integers(1, 6)), "h": 5}}
                tiles.append(tile)
            for insight in held:  # after the text tiles, each at its own row
                tiles.append({"insight": insight, "layouts": {"sm": {"x": 0, "y": len(tiles) * 5,
                                                                      "w": 6, "h": 5}}})
            doc["tiles"] = tiles
        out.append(doc)
    return out


ZONES = [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]


@st.composite
def annotations(draw: st.DrawFn, dashboard_names: list[str]) -> list[dict[str, Any]]:
    out = []
    moments = draw(st.lists(
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(
            lambda d: d.replace(microsecond=0)),
        max_size=4, unique=True))
    labels = draw(st.lists(st.text(NAME_CHARS, min_size=1, max_size=20), min_size=len(moments),
                           max_size=len(moments), unique=True))
    for moment, label in zip(moments, labels, strict=True):
        zone = draw(st.sampled_from(ZONES))
        local = moment.replace(tzinfo=UTC).astimezone(zone)
        doc: dict[str, Any] = {
            "kind": "Annotation",
            "name": label,
            "content": draw(text(1, 60)),
            "date_marker": local.isoformat(),
        }
        scope = draw(st.sampled_from(["project", "organization", "dashboard", None]))
        if scope == "dashboard" and dashboard_names:
            doc["scope"] = "dashboard"
            doc["dashboard"] = draw(st.sampled_from(dashboard_names))
        elif scope in ("project", "organization"):
            doc["scope"] = scope
        out.append(doc)
    return out


@st.composite
def manifest_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A valid set of manifests of every kind (any of them may be missing)."""
    found_cohorts = draw(cohorts())
    usable = [c["name"] for c in found_cohorts if not c.get("is_static")]
    found_actions = draw(actions())
    found_insights = draw(insights([a["name"] for a in found_actions], [c["name"] for c in found_cohorts]))
    found_dashboards = draw(dashboards(tuple(i["name"] for i in found_insights)))
    return [
        *found_cohorts,
        *found_actions,
        *draw(flags(usable)),
        *found_insights,
        *found_dashboards,
        *draw(annotations([d["name"] for d in found_dashboards])),
    ]


IDENTITY = {"FeatureFlag": "key", "Cohort": "name", "Dashboard": "name", "Annotation": "name",
            "Action": "name", "Insight": "name"}


def renamed(docs: list[dict[str, Any]], names: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """``docs`` with objects renamed per ``names[kind][old] = new``, references included."""
    import copy

    out = copy.deepcopy(docs)
    cohorts_, flags_ = names.get("Cohort", {}), names.get("FeatureFlag", {})
    for doc in out:
        field = IDENTITY[doc["kind"]]
        doc[field] = names.get(doc["kind"], {}).get(doc[field], doc[field])
        if doc["kind"] == "FeatureFlag":
            for group in doc["filters"]["groups"]:
                for prop in group["properties"]:
                    if prop["type"] == "cohort":
                        prop["value"] = cohorts_.get(prop["value"], prop["value"])
                    elif prop["type"] == "flag":
                        prop["key"] = flags_.get(prop["key"], prop["key"])
        elif doc["kind"] == "Cohort" and "filters" in doc:
            for value in doc["filters"]["properties"]["values"]:
                if value.get("type") == "cohort":
                    value["value"] = cohorts_.get(value["value"], value["value"])
        elif doc["kind"] == "Insight":
            for node in doc["query"]["source"]["series"]:
                if node["kind"] == "ActionsNode":
                    node["id"] = names.get("Action", {}).get(node["id"], node["id"])
            for group in doc["query"]["source"].get("properties", {}).get("values", []):
                for value in group["values"]:
                    value["value"] = cohorts_.get(value["value"], value["value"])
        elif doc["kind"] == "Dashboard":
            for tile in doc.get("tiles", []):
                if "insight" in tile:
                    tile["insight"] = names.get("Insight", {}).get(tile["insight"], tile["insight"])
        elif doc["kind"] == "Annotation" and "dashboard" in doc:
            doc["dashboard"] = names.get("Dashboard", {}).get(doc["dashboard"], doc["dashboard"])
    return out


@st.composite
def successive_sets(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two manifest sets where the second redeclares some of the first's objects (same kind
    and identity, new fields), drops others and adds its own: updates, deletes and creates."""
    first = draw(manifest_sets())
    second = draw(manifest_sets())
    names: dict[str, dict[str, str]] = {}
    for kind, field in IDENTITY.items():
        if kind == "Annotation":
            continue  # an annotation is matched by its place, not by its name
        old = [d[field] for d in first if d["kind"] == kind]
        new = [d[field] for d in second if d["kind"] == kind]
        keep = draw(st.integers(0, min(len(old), len(new))))
        names[kind] = dict(zip(new[:keep], old[:keep], strict=True))
    return first, renamed(second, names)
