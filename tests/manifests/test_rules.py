"""PostHog's offline rules: each one with cases that pass and cases that fail."""

from __future__ import annotations

import re

import pytest

from .helpers import described, flag, problems

GOOD = None


def _check(text: str, expected: str | None) -> None:
    """``expected`` is ``LINE path: message``; columns are tested with the YAML layer."""
    found = [
        re.sub(r"^(\d+):\d+ ", r"\1 ", item) for item in described(problems(text, check_refs=False))
    ]
    if expected is None:
        assert found == []
    else:
        assert found == [expected]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            """\
            groups: [{}]
            multivariate:
              variants:
                - {key: a, rollout_percentage: 33.33}
                - {key: b, rollout_percentage: 33.33}
                - {key: c, rollout_percentage: 33.34}
            """,
            GOOD,
        ),
        (
            """\
            groups: [{}]
            multivariate:
              variants:
                - {key: a, rollout_percentage: 50}
                - {key: b, rollout_percentage: 40}
            """,
            "6 filters.multivariate.variants: variant rollout percentages must sum to 100, got 90",
        ),
        (
            """\
            groups: [{}]
            multivariate:
              variants:
                - {key: a, rollout_percentage: 50}
                - {key: a, rollout_percentage: 50}
            """,
            "8 filters.multivariate.variants[1].key: duplicate variant key 'a' (also variants[0])",
        ),
        ("groups: [{}]\nmultivariate: null\n", GOOD),
    ],
    ids=["thirds-sum-to-100", "sum-not-100", "duplicate-key", "null-is-boolean"],
)
def test_variants(filters: str, expected: str | None) -> None:
    _check(flag(filters), expected)


MULTIVARIATE = """\
groups: [{}]
multivariate:
  variants:
    - {key: control, rollout_percentage: 50}
    - {key: test, rollout_percentage: 50}
"""


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ("groups: [{}]\npayloads: {true: {a: 1}}\n", GOOD),
        ("groups: [{}]\npayloads: {'true': [1, 2]}\n", GOOD),
        (
            "groups: [{}]\npayloads: {false: 1}\n",
            "5 filters.payloads.false: payload key 'false' on a boolean flag; a boolean "
            "flag's payload key is 'true'",
        ),
        (MULTIVARIATE + "payloads: {control: x, test: 1}\n", GOOD),
        (
            MULTIVARIATE + "payloads: {tset: 1}\n",
            "9 filters.payloads.tset: payload key 'tset' is not a variant of this flag; did "
            "you mean 'test'?",
        ),
        (
            MULTIVARIATE + "payloads: {true: 1}\n",
            "9 filters.payloads.true: payload key 'true' is not a variant of this flag",
        ),
    ],
    ids=[
        "boolean-true",
        "boolean-quoted-true-any-json",
        "boolean-other-key",
        "variant-keys",
        "not-a-variant",
        "true-on-multivariate",
    ],
)
def test_payload_keys(filters: str, expected: str | None) -> None:
    _check(flag(filters), expected)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (MULTIVARIATE.replace("groups: [{}]", "groups: [{variant: test}]"), GOOD),
        (
            MULTIVARIATE.replace("groups: [{}]", "groups: [{variant: tst}]"),
            "4 filters.groups[0].variant: variant override 'tst' does not exist; did you "
            "mean 'test'?",
        ),
        (
            "groups: [{variant: test}]\n",
            "4 filters.groups[0].variant: variant override 'test' on a flag without variants",
        ),
        ("groups: [{variant: null}]\n", GOOD),
    ],
    ids=["existing", "missing", "boolean-flag", "null"],
)
def test_group_variant(filters: str, expected: str | None) -> None:
    _check(flag(filters), expected)


def _condition(prop: str, aggregation: str = "") -> str:
    return flag(f"{aggregation}groups:\n  - properties:\n      - {prop}\n")


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ("{type: person, key: email, value: a@b.c}", GOOD),
        ("{type: person, key: email, operator: exact, value: [a, b]}", GOOD),
        ("{type: person, key: email, operator: is_not, value: 3}", GOOD),
        ("{type: person, key: email, operator: exact, value: true}", GOOD),
        (
            "{type: person, key: email, operator: exact, value: []}",
            "6 value: an empty list matches nothing",
        ),
        ("{type: person, key: email, operator: is_set}", GOOD),
        ("{type: person, key: email, operator: is_not_set, value: is_not_set}", GOOD),
        (
            "{type: person, key: email, operator: is_set, value: x}",
            "6 value: operator is_set takes no value",
        ),
        ("{type: person, key: email, operator: exact}", "6 : operator exact needs a value"),
        ("{type: person, key: email, value: null}", "6 value: operator exact needs a value"),
        ("{type: person, key: email, operator: regex, value: '^a.*@acme'}", GOOD),
        (
            "{type: person, key: email, operator: regex, value: 5}",
            "6 value: operator regex needs a string, got a number",
        ),
        (
            "{type: person, key: email, operator: not_regex, value: '(a'}",
            "6 value: '(a' is not a valid regular expression: missing ), unterminated "
            "subpattern at position 0",
        ),
        ("{type: person, key: email, operator: icontains, value: acme}", GOOD),
        ("{type: person, key: email, operator: icontains, value: 42}", GOOD),
        (
            "{type: person, key: email, operator: not_icontains, value: [a]}",
            "6 value: operator not_icontains needs a string, got a list",
        ),
        ("{type: person, key: email, operator: icontains_multi, value: [a, b]}", GOOD),
        (
            "{type: person, key: email, operator: icontains_multi, value: a}",
            "6 value: operator icontains_multi needs a list of strings, got a string",
        ),
        ("{type: person, key: age, operator: gt, value: 18}", GOOD),
        ("{type: person, key: age, operator: lte, value: '18.5'}", GOOD),
        (
            "{type: person, key: age, operator: gte, value: old}",
            "6 value: operator gte needs a number, got a string",
        ),
        (
            "{type: person, key: age, operator: lt, value: true}",
            "6 value: operator lt needs a number, got true",
        ),
        ("{type: person, key: v, operator: semver_gte, value: '1.2.3'}", GOOD),
        (
            "{type: person, key: v, operator: semver_eq, value: 1.2}",
            "6 value: operator semver_eq needs a version string, got a number",
        ),
        ("{type: person, key: d, operator: is_date_after, value: '-7d'}", GOOD),
        ("{type: person, key: d, operator: is_date_before, value: 2026-01-31}", GOOD),
        ("{type: person, key: d, operator: is_date_exact, value: '2026-01-31T10:00:00Z'}", GOOD),
        (
            "{type: person, key: d, operator: is_date_after, value: last week}",
            "6 value: operator is_date_after needs a date, got 'last week'",
        ),
        (
            "{type: person, key: d, operator: is_date_after, value: 7}",
            "6 value: operator is_date_after needs a date, got a number",
        ),
    ],
    ids=[
        "exact-default",
        "exact-list",
        "is-not-number",
        "exact-bool",
        "exact-empty-list",
        "is-set",
        "is-not-set-with-its-own-name",
        "is-set-with-value",
        "missing-value",
        "null-value",
        "regex",
        "regex-number",
        "regex-invalid",
        "icontains",
        "icontains-number",
        "icontains-list",
        "icontains-multi",
        "icontains-multi-text",
        "gt-number",
        "lte-numeric-text",
        "gte-text",
        "lt-bool",
        "semver",
        "semver-number",
        "date-relative",
        "date-yaml-date",
        "date-time",
        "date-words",
        "date-number",
    ],
)
def test_property_values_fit_their_operator(prop: str, expected: str | None) -> None:
    text = _condition(prop)
    if expected is not None:  # "LINE field: message" for the condition's own fields
        line, rest = expected.split(" ", 1)
        field, message = rest.split(":", 1)
        where = "filters.groups[0].properties[0]" + (f".{field}" if field else "")
        expected = f"{line} {where}:{message}"
    _check(text, expected)


@pytest.mark.parametrize(
    ("aggregation", "prop", "expected"),
    [
        (
            "aggregation_group_type_index: 1\n",
            "{type: group, group_type_index: 1, key: plan, value: pro}",
            GOOD,
        ),
        (
            "aggregation_group_type_index: 1\n",
            "{type: group, group_type_index: 0, key: plan, value: pro}",
            "7 filters.groups[0].properties[0].group_type_index: group_type_index 0 does not "
            "match the flag's aggregation_group_type_index 1",
        ),
        (
            "aggregation_group_type_index: 1\n",
            "{type: person, key: email, value: x}",
            "7 filters.groups[0].properties[0].type: a flag aggregated by group type 1 can only "
            "use group properties, not person properties",
        ),
        (
            "",
            "{type: group, group_type_index: 0, key: plan, value: pro}",
            "6 filters.groups[0].properties[0].type: a flag rolled out by person can only use "
            "person, cohort and flag properties",
        ),
        ("aggregation_group_type_index: null\n", "{type: person, key: email, value: x}", GOOD),
    ],
    ids=[
        "group-ok",
        "group-index-mismatch",
        "person-on-group-flag",
        "group-on-person-flag",
        "null",
    ],
)
def test_property_types_fit_the_aggregation(
    aggregation: str, prop: str, expected: str | None
) -> None:
    _check(_condition(prop, aggregation), expected)


def test_group_level_aggregation_overrides_the_flag_level() -> None:
    text = flag(
        "groups:\n"
        "  - aggregation_group_type_index: 2\n"
        "    properties: [{type: group, group_type_index: 2, key: plan, value: pro}]\n"
    )
    _check(text, GOOD)


COHORT = "kind: Cohort\nname: c\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (COHORT + "is_static: true\n", GOOD),
        (
            COHORT + "is_static: true\nfilters: {properties: {type: AND, values: []}}\n",
            "4 filters: a static cohort has no filters (its members are a fixed list)",
        ),
        (COHORT, "1 : missing required field 'filters' (a dynamic cohort needs conditions)"),
        (COHORT + "is_static: false\nfilters: {properties: {type: AND, values: []}}\n", GOOD),
        (
            COHORT + "filters:\n  properties:\n    type: OR\n    values:\n"
            "      - type: AND\n        values:\n"
            "          - {type: person, key: email, operator: icontains}\n",
            "9 filters.properties.values[0].values[0]: operator icontains needs a value",
        ),
        (
            COHORT
            + "filters: {properties: {type: AND, values: [{type: person, key: e, value: x}]}}\n",
            "3 filters.properties.values[0]: missing required field 'operator'",
        ),
        (
            COHORT
            + "filters: {properties: {type: AND, values: [{type: cohort, value: c2, operator: in}]}}\n",
            "3 filters.properties.values[0].operator: unknown field 'operator'",
        ),
    ],
    ids=[
        "static",
        "static-with-filters",
        "dynamic-without-filters",
        "dynamic",
        "nested-person-value",
        "cohort-person-needs-operator",
        "cohort-in-cohort-has-no-operator",
    ],
)
def test_cohort_rules(text: str, expected: str | None) -> None:
    _check(text, expected)


def _behavioral(fields: str) -> str:
    return (
        COHORT
        + "filters:\n  properties:\n    type: AND\n    values:\n"
        + f"      - {{type: behavioral, key: $pageview, event_type: events, {fields}}}\n"
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("value: performed_event, time_value: 30, time_interval: day", GOOD),
        ("value: performed_event, explicit_datetime: '-30d'", GOOD),
        (
            "value: performed_event",
            "7 filters.properties.values[0]: a 'performed_event' condition needs a time window",
        ),
        (
            "value: performed_event_multiple, time_value: 30, time_interval: day",
            "7 filters.properties.values[0]: a 'performed_event_multiple' condition needs "
            "operator_value",
        ),
        (
            "value: performed_event_multiple, operator: gte, operator_value: 3, time_value: 7, "
            "time_interval: week",
            GOOD,
        ),
        (
            "value: stopped_performing_event, time_value: 7, time_interval: day",
            "7 filters.properties.values[0]: a 'stopped_performing_event' condition needs "
            "seq_time_value, seq_time_interval",
        ),
        (
            "value: performed_event_sequence, time_value: 7, time_interval: day, seq_event: x, "
            "seq_event_type: events, seq_time_value: 1, seq_time_interval: day",
            GOOD,
        ),
        (
            "value: did_event, time_value: 7, time_interval: day",
            "7 filters.properties.values[0].value: must be one of: performed_event, "
            "performed_event_multiple, performed_event_first_time, performed_event_sequence, "
            "performed_event_regularly, stopped_performing_event, restarted_performing_event "
            "(got 'did_event')",
        ),
    ],
    ids=[
        "window",
        "explicit-datetime",
        "no-window",
        "multiple-needs-count",
        "multiple",
        "stopped-needs-second-window",
        "sequence",
        "unknown-value",
    ],
)
def test_behavioral_conditions(fields: str, expected: str | None) -> None:
    _check(_behavioral(fields), expected)


ANNOTATION = "kind: Annotation\nname: a\ncontent: c\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ANNOTATION + "date_marker: 2026-11-01T10:00:00Z\n", GOOD),
        (ANNOTATION + "date_marker: 2026-11-01T10:00:00Z\nscope: organization\n", GOOD),
        (ANNOTATION + "date_marker: 2026-11-01T10:00:00Z\nscope: dashboard\ndashboard: D\n", GOOD),
        (
            ANNOTATION + "date_marker: 2026-11-01T10:00:00Z\nscope: dashboard\n",
            "5 scope: scope 'dashboard' needs the dashboard's name in 'dashboard'",
        ),
        (
            ANNOTATION + "date_marker: 2026-11-01T10:00:00Z\ndashboard: D\n",
            "5 dashboard: 'dashboard' is only allowed with scope: dashboard (scope is 'project')",
        ),
        (
            ANNOTATION + "date_marker: 2026-11-01\n",
            "4 date_marker: '2026-11-01' has no time of day",
        ),
        (
            ANNOTATION + "date_marker: 'Nov 1st, 10am'\n",
            "4 date_marker: 'Nov 1st, 10am' is not an ISO 8601 date-time",
        ),
        (
            ANNOTATION + "date_marker: '2026-11-01T25:00'\n",
            "4 date_marker: '2026-11-01T25:00' is not an ISO 8601 date-time",
        ),
        (ANNOTATION, "1 : missing required field 'date_marker'"),
        (
            ANNOTATION + "date_marker: 2026-11-01T10:00:00Z\nscope: insight\n",
            "5 scope: must be one of: project, organization, dashboard (got 'insight')",
        ),
    ],
    ids=[
        "project",
        "organization",
        "dashboard",
        "dashboard-scope-without-name",
        "name-without-dashboard-scope",
        "date-only",
        "words",
        "bad-hour",
        "missing-date",
        "unsupported-scope",
    ],
)
def test_annotation_rules(text: str, expected: str | None) -> None:
    _check(text, expected if expected is None else expected)


@pytest.mark.parametrize(
    ("kind_body", "ignore", "expected"),
    [
        (
            "kind: FeatureFlag\nkey: f\nfilters: {groups: [{}]}\n",
            "[active, 'filters.groups[*].rollout_percentage']",
            GOOD,
        ),
        (
            "kind: FeatureFlag\nkey: f\nfilters: {groups: [{}]}\n",
            "['filters.payloads.anything.deep']",
            GOOD,
        ),
        (
            "kind: FeatureFlag\nkey: f\nfilters: {groups: [{}]}\n",
            "['filters.groups[0].properties[*].value']",
            GOOD,
        ),
        (
            "kind: FeatureFlag\nkey: f\nfilters: {groups: [{}]}\n",
            "[actve]",
            "4 ignore[0]: ignore path 'actve': unknown field 'actve'; did you mean 'active'?",
        ),
        (
            "kind: FeatureFlag\nkey: f\nfilters: {groups: [{}]}\n",
            "['filters.groups.rollout']",
            "4 ignore[0]: ignore path 'filters.groups.rollout': 'filters.groups' is a list, "
            "use [N] or [*]",
        ),
        (
            "kind: FeatureFlag\nkey: f\nfilters: {groups: [{}]}\n",
            "['active[0]']",
            "4 ignore[0]: ignore path 'active[0]': 'active' is not a list",
        ),
        (
            "kind: FeatureFlag\nkey: f\nfilters: {groups: [{}]}\n",
            "[key]",
            "4 ignore[0]: 'key' is this object's identity and cannot be ignored",
        ),
        (
            "kind: FeatureFlag\nkey: f\nfilters: {groups: [{}]}\n",
            "[kind]",
            "4 ignore[0]: ignore path 'kind': unknown field 'kind'",
        ),
        (
            "kind: Dashboard\nname: D\n",
            "['tiles[*].layouts.sm']",
            GOOD,
        ),
        (
            "kind: Dashboard\nname: D\n",
            "['tiles[*].text.body']",
            "3 ignore[0]: ignore path 'tiles[*].text.body': 'tiles[*].text' has no fields",
        ),
        (
            "kind: Dashboard\nname: D\n",
            "['a..b']",
            "3 ignore[0]: 'a..b' is not allowed: a field path: names joined by dots, with [N] "
            "or [*] for list items, e.g. filters.groups[*].rollout_percentage",
        ),
    ],
    ids=[
        "fields-and-wildcards",
        "inside-free-form-payloads",
        "nested-property-value",
        "misspelt",
        "list-without-index",
        "index-on-a-scalar",
        "identity",
        "phsync-field",
        "dashboard-layouts",
        "below-a-scalar",
        "unreadable",
    ],
)
def test_ignore_paths(kind_body: str, ignore: str, expected: str | None) -> None:
    _check(kind_body + f"ignore: {ignore}\n", expected)


def test_duplicate_identity_names_both_places() -> None:
    text = "kind: Dashboard\nname: D\n---\nkind: Cohort\nname: D\nis_static: true\n---\n"
    found = problems(text + "kind: Dashboard\nname: D\n")
    assert described(found) == ["9:1 name: duplicate Dashboard 'D': also declared at m.yaml:2:1"]


def test_duplicate_identity_across_files() -> None:
    from reconciler.manifests import parse_text, validate

    first, _ = parse_text("kind: Cohort\nname: Beta\nis_static: true\n", "a.yaml")
    second, _ = parse_text("# x\nkind: Cohort\nname: Beta\nis_static: true\n", "b.yaml")
    (issue,) = validate([*first, *second])
    assert str(issue) == (
        "b.yaml:3:1: name: duplicate Cohort 'Beta': also declared at a.yaml:2:1 "
        "(give each Cohort its own name, or remove one of them)"
    )
