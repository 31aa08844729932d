"""Filters, rollouts and cohort criteria in words: pure, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.queries.cohorts import criteria
from reconciler.queries.flags import describe_condition, rollout_summary, variants
from reconciler.queries.words import NoNames, describe_behavioral, describe_group, describe_property


class Book:
    """Names for cohort 7 and flag 42 only."""

    def cohort(self, cohort_id: int) -> str | None:
        return {7: "Internal users"}.get(cohort_id)

    def flag(self, flag_id: int) -> str | None:
        return {42: "new-nav"}.get(flag_id)


PROPERTIES = [
    (
        {"key": "email", "type": "person", "operator": "icontains", "value": "@acme.com"},
        "email contains '@acme.com'",
    ),
    ({"key": "plan", "type": "person", "value": "pro"}, "plan is 'pro'"),
    (
        {"key": "plan", "type": "person", "operator": "exact", "value": ["pro", "team"]},
        "plan is one of 'pro', 'team'",
    ),
    (
        {"key": "plan", "type": "person", "operator": "is_not", "value": ["free"]},
        "plan is none of 'free'",
    ),
    ({"key": "age", "type": "person", "operator": "gte", "value": 18}, "age is at least 18"),
    ({"key": "score", "type": "person", "operator": "lt", "value": 2.5}, "score is less than 2.5"),
    ({"key": "email", "type": "person", "operator": "is_set", "value": "is_set"}, "email is set"),
    (
        {"key": "app", "type": "person", "operator": "semver_gte", "value": "2.1.0"},
        "app is a version at or above '2.1.0'",
    ),
    (
        {"key": "email", "type": "person", "operator": "regex", "value": "^a", "negation": True},
        "not (email matches '^a')",
    ),
    ({"key": "x", "type": "person", "operator": "brand_new_op", "value": 1}, "x brand_new_op 1"),
    ({"key": "id", "type": "cohort", "operator": "in", "value": 7}, "in cohort Internal users"),
    (
        {"key": "id", "type": "cohort", "operator": "not_in", "value": 7},
        "not in cohort Internal users",
    ),
    ({"key": "id", "type": "cohort", "value": 8, "cohort_name": "Beta"}, "in cohort Beta"),
    ({"key": "id", "type": "cohort", "value": 9}, "in cohort #9"),
    (
        {"key": "42", "type": "flag", "operator": "flag_evaluates_to", "value": True},
        "flag 'new-nav' is enabled",
    ),
    (
        {"key": "43", "type": "flag", "operator": "flag_evaluates_to", "value": False},
        "flag #43 is disabled",
    ),
    (
        {"key": "42", "type": "flag", "operator": "flag_evaluates_to", "value": "test"},
        "flag 'new-nav' is variant 'test'",
    ),
    (
        {"key": "industry", "type": "group", "group_type_index": 0, "value": "saas"},
        "group industry is 'saas'",
    ),
]


@pytest.mark.parametrize(("prop", "words"), PROPERTIES, ids=[w for _, w in PROPERTIES])
def test_property_in_words(prop: dict[str, Any], words: str) -> None:
    assert describe_property(prop, Book()) == words


CONDITIONS = [
    ({"properties": [], "rollout_percentage": 10}, "10% of everyone"),
    ({"properties": [], "rollout_percentage": None}, "100% of everyone"),
    ({"properties": [], "rollout_percentage": 12.5}, "12.5% of everyone"),
    (
        {"properties": [{"key": "id", "type": "cohort", "value": 7}], "rollout_percentage": 100},
        "100% of cohort Internal users",
    ),
    (
        {
            "properties": [
                {"key": "email", "type": "person", "operator": "icontains", "value": "@acme.com"},
                {"key": "plan", "type": "person", "value": "pro"},
            ],
            "rollout_percentage": 50,
        },
        "50% of persons where email contains '@acme.com' and plan is 'pro'",
    ),
    (
        {
            "properties": [{"key": "id", "type": "cohort", "operator": "not_in", "value": 7}],
            "rollout_percentage": 100,
        },
        "100% of persons where not in cohort Internal users",
    ),
    (
        {"properties": [], "rollout_percentage": 100, "variant": "test"},
        "100% of everyone (variant test)",
    ),
    (
        {"properties": [], "rollout_percentage": 30, "aggregation_group_type_index": 1},
        "30% of all groups (type 1)",
    ),
]


@pytest.mark.parametrize(("group", "words"), CONDITIONS, ids=[w for _, w in CONDITIONS])
def test_condition_in_words(group: dict[str, Any], words: str) -> None:
    assert describe_condition(group, Book()) == words


def test_rollout_of_two_conditions_reads_like_a_sentence() -> None:
    filters = {
        "groups": [
            {
                "properties": [{"key": "id", "type": "cohort", "value": 7}],
                "rollout_percentage": 100,
            },
            {"properties": [], "rollout_percentage": 10},
        ]
    }
    assert (
        rollout_summary(filters, Book())
        == "2 conditions: 100% of cohort Internal users; 10% of everyone"
    )


def test_a_flag_without_conditions_is_served_to_nobody() -> None:
    assert rollout_summary({"groups": []}, NoNames()) == "no conditions: served to nobody"
    assert rollout_summary({}, NoNames()) == "no conditions: served to nobody"


def test_variants_keep_their_split() -> None:
    filters = {
        "multivariate": {
            "variants": [
                {"key": "control", "rollout_percentage": 50},
                {"key": "test", "name": "Test", "rollout_percentage": 50},
            ]
        }
    }
    assert [str(v) for v in variants(filters)] == ["control 50%", "test 50%"]
    assert variants({"multivariate": None}) == ()


BEHAVIOURS = [
    (
        {
            "type": "behavioral",
            "key": "$pageview",
            "value": "performed_event",
            "time_value": 30,
            "time_interval": "day",
        },
        "performed '$pageview' in the last 30 days",
    ),
    (
        {
            "type": "behavioral",
            "key": "signup",
            "value": "performed_event_first_time",
            "time_value": 1,
            "time_interval": "week",
        },
        "performed 'signup' for the first time in the last 1 week",
    ),
    (
        {
            "type": "behavioral",
            "key": "buy",
            "value": "performed_event_multiple",
            "operator": "gte",
            "operator_value": 3,
        },
        "performed 'buy' a number of times that is at least 3",
    ),
    (
        {
            "type": "behavioral",
            "key": "login",
            "value": "stopped_performing_event",
            "negation": True,
        },
        "not (stopped performing 'login')",
    ),
]


@pytest.mark.parametrize(("prop", "words"), BEHAVIOURS, ids=[w for _, w in BEHAVIOURS])
def test_behaviour_in_words(prop: dict[str, Any], words: str) -> None:
    assert describe_behavioral(prop) == words


def test_nested_groups_get_parentheses_only_where_needed() -> None:
    tree = {
        "type": "OR",
        "values": [
            {
                "type": "AND",
                "values": [
                    {"key": "plan", "type": "person", "value": "pro"},
                    {"key": "country", "type": "person", "value": "DE"},
                ],
            },
            {"type": "AND", "values": [{"key": "id", "type": "cohort", "value": 7}]},
        ],
    }
    assert (
        describe_group(tree, Book())
        == "(plan is 'pro' and country is 'DE') or in cohort Internal users"
    )
    single = {"type": "OR", "values": [tree["values"][0]]}
    assert describe_group(single, Book()) == "plan is 'pro' and country is 'DE'"


CRITERIA = [
    ({"is_static": True}, "a static list of persons"),
    ({"filters": {"properties": {"type": "OR", "values": []}}}, "no criteria"),
    (
        {
            "filters": None,
            "groups": [{"properties": [{"key": "plan", "type": "person", "value": "pro"}]}],
        },
        "plan is 'pro'",
    ),
    (
        {
            "groups": [
                {"properties": [{"key": "a", "type": "person", "value": 1}]},
                {"properties": [{"key": "b", "type": "person", "value": 2}]},
            ]
        },
        "(a is 1) or (b is 2)",
    ),
]


@pytest.mark.parametrize(("raw", "words"), CRITERIA, ids=[w for _, w in CRITERIA])
def test_cohort_criteria(raw: dict[str, Any], words: str) -> None:
    assert criteria(raw, Book()) == words
