"""Canonical list items in a reviewer's words, and the list rules of the kinds that have them.

Pure. Words follow the manifest's own vocabulary (``email icontains "@partner.com"``, ``cohort
Beta testers``), since that is what a reviewer has just read in the pull request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reconciler import paths
from reconciler.items import ListRule, content

_CUT = 60


def cut(text: str, limit: int = _CUT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value_words(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(value_words(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, default=str)


def percent(value: Any) -> str:
    if value is None:
        return "100 %"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g} %"
    return str(value)


def property_words(prop: Mapping[str, Any]) -> str:
    """One property filter: ``email icontains "@partner.com"``, ``cohort Beta testers``."""
    negated = "not " if prop.get("negation") else ""
    ptype = prop.get("type")
    if ptype == "cohort":
        return f"{negated}cohort {prop.get('value')}"
    if ptype == "flag":
        return f"{negated}flag {prop.get('key')} evaluates to {value_words(prop.get('value'))}"
    words = f"{negated}{prop.get('key')} {prop.get('operator') or 'exact'}"
    if "value" in prop:
        words += f" {value_words(prop['value'])}"
    if ptype not in (None, "person", "cohort", "flag"):
        words = f"{ptype} {words}"
    return words


def _properties_words(properties: Any) -> str:
    if not properties:
        return "everyone"
    return " and ".join(property_words(p) for p in properties)


# -- feature flags ---------------------------------------------------------------------------


def condition_identity(group: Mapping[str, Any]) -> str:
    """A condition is the same condition while its properties, group type and variant override
    stay; its rollout and description may change."""
    return content(
        [
            group.get("properties") or [],
            group.get("aggregation_group_type_index"),
            group.get("variant"),
        ]
    )


def condition_label(group: Mapping[str, Any]) -> str:
    words = _properties_words(group.get("properties"))
    if group.get("variant"):
        words += f" → variant {group['variant']}"
    return cut(words)


def condition_summary(group: Mapping[str, Any]) -> str:
    return f"{condition_label(group)}, {percent(group.get('rollout_percentage'))}"


def _variant_summary(variant: Mapping[str, Any]) -> str:
    name = f", name {value_words(variant['name'])}" if variant.get("name") else ""
    return percent(variant.get("rollout_percentage")) + name


CONDITIONS = ListRule(
    noun="condition",
    identity=condition_identity,
    label=condition_label,
    summary=condition_summary,
)
VARIANTS = ListRule(
    noun="variant",
    identity=lambda variant: str(variant.get("key")),
    label=lambda variant: str(variant.get("key")),
    summary=_variant_summary,
    by_position=False,
)


PAYLOADS = ListRule(
    noun="payload",
    identity=content,
    label=lambda payload: cut(value_words(payload)),
    summary=lambda payload: cut(value_words(payload), 120),
    by_position=False,
)


def flag_lists(path: paths.Path) -> ListRule | None:
    if path == ("filters", "groups"):
        return CONDITIONS
    if path == ("filters", "multivariate", "variants"):
        return VARIANTS
    if path == ("filters", "payloads"):
        return PAYLOADS  # a mapping: payloads are named by their variant's key
    return None


# -- cohorts ---------------------------------------------------------------------------------


def _is_group(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get("type") in ("AND", "OR") and "values" in node


def cohort_node_words(node: Mapping[str, Any]) -> str:
    if _is_group(node):
        inner = f" {node['type']} ".join(cohort_node_words(v) for v in node.get("values") or [])
        return f"({inner})" if inner else "(empty group)"
    return property_words(node)


COHORT_FILTERS = ListRule(
    noun="filter",
    identity=content,
    label=lambda node: cut(cohort_node_words(node)),
    summary=lambda node: cut(cohort_node_words(node), 120),
    fill=_is_group,
)


def cohort_lists(path: paths.Path) -> ListRule | None:
    """Filters and filter groups at any depth of ``filters.properties``, matched by content."""
    if len(path) >= 3 and path[:2] == ("filters", "properties") and path[-1] == "values":
        return COHORT_FILTERS
    return None


# -- dashboards ------------------------------------------------------------------------------


def _tile_label(tile: Mapping[str, Any]) -> str:
    if tile.get("insight") is not None:
        return cut(f"insight {tile['insight']}", 40)
    text = str(tile.get("text") or "")
    return cut(next((line for line in text.splitlines() if line.strip()), ""), 40)


TILES = ListRule(
    noun="tile",
    identity=lambda tile: (
        f"insight {tile['insight']}" if tile.get("insight") is not None
        else "text " + str(tile.get("text") or "")
    ),
    label=_tile_label,
    summary=lambda tile: value_words(_tile_label(tile)),
    fill=lambda tile: tile.get("insight") is None,
)


def dashboard_lists(path: paths.Path) -> ListRule | None:
    return TILES if path == ("tiles",) else None


# -- actions ---------------------------------------------------------------------------------


def step_words(step: Mapping[str, Any]) -> str:
    """One action step: ``$pageview, url contains "/checkout/done"``."""
    parts = [str(step["event"])] if step.get("event") else []
    for field in ("url", "text", "href"):
        if step.get(field):
            parts.append(f"{field} {step.get(field + '_matching')} {value_words(step[field])}")
    if step.get("selector"):
        parts.append(f"selector {value_words(step['selector'])}")
    parts.extend(property_words(prop) for prop in step.get("properties") or [])
    return ", ".join(parts) or "any event"


STEPS = ListRule(
    noun="step",
    identity=content,
    label=lambda step: cut(step_words(step)),
    summary=lambda step: cut(step_words(step), 120),
    fill=lambda step: True,
)


def action_lists(path: paths.Path) -> ListRule | None:
    return STEPS if path == ("steps",) else None


# -- insights --------------------------------------------------------------------------------


def series_words(node: Mapping[str, Any]) -> str:
    """One series of a query: ``user signed up (total)``, ``action Checkout completed``."""
    if node.get("kind") == "ActionsNode":
        words = f"action {node.get('id')}"
    else:
        words = str(node.get("event") or node.get("custom_name") or "all events")
    return f"{words} ({node['math']})" if node.get("math") else words


SERIES = ListRule(
    noun="series",
    identity=lambda node: content([node.get("kind"), node.get("event"), node.get("id")]),
    label=lambda node: cut(series_words(node)),
    summary=lambda node: cut(series_words(node), 120),
    fill=lambda node: True,
)
QUERY_FILTERS = ListRule(
    noun="filter",
    identity=content,
    label=lambda node: cut(cohort_node_words(node)),
    summary=lambda node: cut(cohort_node_words(node), 120),
    fill=_is_group,
)


def insight_lists(path: paths.Path) -> ListRule | None:
    """Series by event or action (then by position), property filters by content."""
    if path[:1] != ("query",):
        return None
    if path[-1] == "series":
        return SERIES
    if path[-1] == "values" and "properties" in path:
        return QUERY_FILTERS
    return None
