"""PostHog's rules for feature flags that a JSON Schema cannot say: variants, payloads, variant
overrides and property filters; pure."""

from __future__ import annotations

import math
from typing import Any

from reconciler.errors import Issue
from reconciler.manifests.hints import did_you_mean
from reconciler.manifests.property_values import value_issues
from reconciler.manifests.ruletools import FieldPath, is_number, issue, mapping, sequence
from reconciler.model import Manifest


def _variants(manifest: Manifest) -> list[str] | None:
    """The flag's variant keys, or None for a boolean flag."""
    multivariate = mapping(manifest.spec.get("filters")).get("multivariate")
    if not isinstance(multivariate, dict):
        return None
    return [
        variant["key"]
        for variant in sequence(multivariate.get("variants"))
        if isinstance(variant, dict) and isinstance(variant.get("key"), str)
    ]


def flag_variants(manifest: Manifest) -> list[Issue]:
    """Variant rollouts sum to 100; variant keys are unique."""
    where: FieldPath = ("filters", "multivariate", "variants")
    filters = mapping(manifest.spec.get("filters"))
    variants = sequence(mapping(filters.get("multivariate")).get("variants"))
    if not variants:
        return []
    issues: list[Issue] = []
    rollouts: list[Any] = [mapping(variant).get("rollout_percentage") for variant in variants]
    if all(is_number(rollout) for rollout in rollouts):
        total = math.fsum(rollouts)
        if round(total, 6) != 100:
            issues.append(
                issue(
                    manifest,
                    where,
                    f"variant rollout percentages must sum to 100, got {total:g}",
                    "adjust the variants' rollout_percentage",
                )
            )
    first: dict[str, int] = {}
    for index, variant in enumerate(variants):
        key = mapping(variant).get("key")
        if not isinstance(key, str):
            continue
        if key in first:
            issues.append(
                issue(
                    manifest,
                    (*where, index, "key"),
                    f"duplicate variant key '{key}' (also variants[{first[key]}])",
                    "give each variant its own key",
                )
            )
        else:
            first[key] = index
    return issues


def flag_payloads(manifest: Manifest) -> list[Issue]:
    """A boolean flag's only payload key is 'true'; a multivariate flag's are variant keys."""
    payloads = mapping(mapping(manifest.spec.get("filters")).get("payloads"))
    variants = _variants(manifest)
    issues: list[Issue] = []
    for key in payloads:
        where: FieldPath = ("filters", "payloads", key)
        if variants is None and key != "true":
            issues.append(
                issue(
                    manifest,
                    where,
                    f"payload key '{key}' on a boolean flag; a boolean flag's payload key is "
                    "'true'",
                    "use `true:` as the key, or add variants in filters.multivariate",
                )
            )
        elif variants is not None and key not in variants:
            issues.append(
                issue(
                    manifest,
                    where,
                    f"payload key '{key}' is not a variant of this flag"
                    + did_you_mean(key, variants),
                    f"use one of the variant keys: {', '.join(dict.fromkeys(variants))}",
                )
            )
    return issues


def flag_group_variants(manifest: Manifest) -> list[Issue]:
    """A release condition's ``variant`` names one of the flag's variants."""
    variants = _variants(manifest)
    issues: list[Issue] = []
    for index, group in enumerate(sequence(mapping(manifest.spec.get("filters")).get("groups"))):
        variant = mapping(group).get("variant")
        if not isinstance(variant, str):
            continue
        where: FieldPath = ("filters", "groups", index, "variant")
        if variants is None:
            issues.append(
                issue(
                    manifest,
                    where,
                    f"variant override '{variant}' on a flag without variants",
                    "remove 'variant', or add variants in filters.multivariate",
                )
            )
        elif variant not in variants:
            issues.append(
                issue(
                    manifest,
                    where,
                    f"variant override '{variant}' does not exist"
                    + did_you_mean(variant, variants),
                    f"use one of the variant keys: {', '.join(dict.fromkeys(variants))}",
                )
            )
    return issues


def flag_properties(manifest: Manifest) -> list[Issue]:
    """Property types fit the flag's aggregation; values fit their operators."""
    filters = mapping(manifest.spec.get("filters"))
    flag_level = filters.get("aggregation_group_type_index")
    issues: list[Issue] = []
    for gindex, group in enumerate(sequence(filters.get("groups"))):
        group = mapping(group)
        aggregation = group.get("aggregation_group_type_index", flag_level)
        for pindex, prop in enumerate(sequence(group.get("properties"))):
            if not isinstance(prop, dict):
                continue
            where: FieldPath = ("filters", "groups", gindex, "properties", pindex)
            ptype = prop.get("type")
            if ptype in ("person", "group"):
                issues.extend(value_issues(manifest, prop, where))
            if isinstance(aggregation, int) and not isinstance(aggregation, bool):
                if ptype in ("person", "cohort", "flag"):
                    issues.append(
                        issue(
                            manifest,
                            (*where, "type"),
                            f"a flag aggregated by group type {aggregation} can only use group "
                            f"properties, not {ptype} properties",
                            "use type: group, or remove filters.aggregation_group_type_index",
                        )
                    )
                elif ptype == "group" and prop.get("group_type_index") not in (None, aggregation):
                    issues.append(
                        issue(
                            manifest,
                            (*where, "group_type_index"),
                            f"group_type_index {prop['group_type_index']} does not match the "
                            f"flag's aggregation_group_type_index {aggregation}",
                            f"set group_type_index: {aggregation}",
                        )
                    )
            elif ptype == "group" and aggregation is None:
                issues.append(
                    issue(
                        manifest,
                        (*where, "type"),
                        "a flag rolled out by person can only use person, cohort and flag "
                        "properties",
                        "set filters.aggregation_group_type_index to roll out by group",
                    )
                )
    return issues


