"""References between manifests: listing them, dangling names, cycles, and dependency order."""

from __future__ import annotations

import pytest

from reconciler.manifests import check_references, dependency_order, references
from reconciler.model import Reference, ResourceKey

from .helpers import FIXTURES, described, parse, problems


def test_references_lists_every_name_with_its_path() -> None:
    manifests, _ = parse((FIXTURES / "valid" / "flags" / "checkout.yaml").read_text())
    assert list(references(manifests[0])) == [
        Reference(
            ResourceKey("FeatureFlag", "new-checkout"),
            ResourceKey("Cohort", "Beta testers"),
            ("filters", "groups", 0, "properties", 1, "value"),
        ),
        Reference(
            ResourceKey("FeatureFlag", "new-checkout"),
            ResourceKey("FeatureFlag", "onboarding-v2"),
            ("filters", "groups", 0, "properties", 2, "key"),
        ),
    ]


@pytest.mark.parametrize(
    ("text", "targets"),
    [
        (
            "kind: Cohort\nname: a\nfilters:\n  properties:\n    type: OR\n    values:\n"
            "      - {type: cohort, value: b}\n"
            "      - {type: AND, values: [{type: cohort, value: c}, {type: person, key: k, "
            "operator: exact, value: d}]}\n",
            [
                ("Cohort/b", "filters.properties.values[0].value"),
                ("Cohort/c", "filters.properties.values[1].values[0].value"),
            ],
        ),
        (
            "kind: Annotation\nname: a\ncontent: c\ndate_marker: 2026-01-01T00:00:00Z\n"
            "scope: dashboard\ndashboard: Growth\n",
            [("Dashboard/Growth", "dashboard")],
        ),
        ("kind: Dashboard\nname: Growth\n", []),
        (
            "kind: FeatureFlag\nkey: f\nfilters:\n  groups:\n    - properties: [{type: cohort, "
            "value: 7}, {type: flag, key: ''}, oops]\n",
            [],
        ),
    ],
    ids=["nested-cohorts", "annotation-dashboard", "none", "malformed-ignored"],
)
def test_references_by_kind(text: str, targets: list[tuple[str, str]]) -> None:
    from reconciler.paths import render

    (manifest,), _ = parse(text)
    assert [(str(r.target), render(r.path)) for r in references(manifest)] == targets


FLAG_ON_COHORT = """\
kind: FeatureFlag
key: f
filters:
  groups:
    - properties:
        - {type: cohort, value: Beta testrs}
"""


def test_dangling_reference_says_what_to_do_and_suggests_a_name() -> None:
    text = FLAG_ON_COHORT + "---\nkind: Cohort\nname: Beta testers\nis_static: true\n"
    (issue,) = problems(text)
    assert (issue.line, issue.path) == (6, "filters.groups[0].properties[0].value")
    assert issue.message == (
        "no manifest declares Cohort 'Beta testrs'; did you mean 'Beta testers'?"
    )
    assert issue.hint is not None
    assert "--allow-external-refs" in issue.hint and "live" in issue.hint


def test_dangling_reference_is_accepted_when_known_or_unchecked() -> None:
    assert problems(FLAG_ON_COHORT, known=[ResourceKey("Cohort", "Beta testrs")]) == []
    assert problems(FLAG_ON_COHORT, check_refs=False) == []
    assert len(problems(FLAG_ON_COHORT, known=[ResourceKey("Dashboard", "Beta testrs")])) == 1


@pytest.mark.parametrize(
    ("declared", "live", "suggestion"),
    [
        ("", ["Beta testers"], "; did you mean 'Beta testers'?"),  # only in PostHog
        ("---\nkind: Cohort\nname: Beta testers\nis_static: true\n", [], "; did you mean 'Beta testers'?"),
        ("", ["Someone else"], ""),
    ],
    ids=["live", "manifest", "nothing-close"],
)
def test_in_a_plan_a_missing_reference_names_both_places(
    declared: str, live: list[str], suggestion: str
) -> None:
    manifests, _ = parse(FLAG_ON_COHORT + declared)
    (issue,) = check_references(
        manifests, known=[ResourceKey("Cohort", name) for name in live], live=True
    )
    assert issue.message == (
        f"no manifest and no object in PostHog has Cohort 'Beta testrs'{suggestion}"
    )
    assert issue.hint is not None and "--allow-external-refs" not in issue.hint


def _flag(key: str, *depends: str) -> str:
    props = ", ".join(f"{{type: flag, key: {d}, value: true}}" for d in depends)
    return f"kind: FeatureFlag\nkey: {key}\nfilters:\n  groups:\n    - properties: [{props}]\n"


def _cohort(name: str, *includes: str) -> str:
    values = ", ".join(f"{{type: cohort, value: {i}}}" for i in includes)
    return (
        f"kind: Cohort\nname: {name}\nfilters: {{properties: {{type: AND, values: [{values}]}}}}\n"
    )


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        ([_flag("a", "b"), _flag("b")], []),
        (
            [_flag("a", "a")],
            ["5:33 filters.groups[0].properties[0].key: FeatureFlag 'a' depends on itself"],
        ),
        (
            [_flag("a", "b"), _flag("b", "c"), _flag("c", "a")],
            [
                "5:33 filters.groups[0].properties[0].key: reference cycle: FeatureFlag 'a' -> "
                "FeatureFlag 'b' -> FeatureFlag 'c' -> FeatureFlag 'a'"
            ],
        ),
        (
            [_cohort("x", "y"), _cohort("y", "x"), _cohort("z", "z")],
            [
                "3:59 filters.properties.values[0].value: reference cycle: Cohort 'x' -> Cohort 'y' "
                "-> Cohort 'x'",
                "11:59 filters.properties.values[0].value: Cohort 'z' includes itself",
            ],
        ),
        (
            [_flag("a", "b", "c"), _flag("b", "a"), _flag("c", "a")],
            [
                "5:33 filters.groups[0].properties[0].key: reference cycle: FeatureFlag 'a' -> "
                "FeatureFlag 'b' -> FeatureFlag 'a'"
            ],
        ),
    ],
    ids=["chain", "self", "three-flags", "cohorts", "one-component-one-issue"],
)
def test_cycles(docs: list[str], expected: list[str]) -> None:
    assert described(problems("---\n".join(docs))) == expected


def test_behavioral_cohort_in_a_flag_is_refused_also_through_includes() -> None:
    behavioral = (
        "kind: Cohort\nname: active\nfilters:\n  properties:\n    type: AND\n    values:\n"
        "      - {type: behavioral, key: $pageview, value: performed_event, event_type: events,"
        " time_value: 7, time_interval: day}\n"
    )
    text = "---\n".join(
        [
            behavioral,
            _cohort("wrapper", "active"),
            "kind: FeatureFlag\nkey: f\nfilters:\n  groups:\n    - properties: "
            "[{type: cohort, value: active}, {type: cohort, value: wrapper}]\n",
        ]
    )
    assert [i.message for i in problems(text)] == [
        "cohort 'active' has conditions on events; PostHog does not allow such cohorts in "
        "feature flags",
        "cohort 'wrapper' has conditions on events (through the cohort 'active' it includes); "
        "PostHog does not allow such cohorts in feature flags",
    ]


def _keys(texts: list[str]) -> list[str]:
    manifests, issues = parse("---\n".join(texts))
    assert issues == []
    return [str(m.key) for m in dependency_order(manifests)]


DASHBOARD = "kind: Dashboard\nname: D\n"
ANNOTATION = (
    "kind: Annotation\nname: n\ncontent: c\ndate_marker: 2026-01-01T00:00:00Z\nscope: dashboard\n"
    "dashboard: D\n"
)


@pytest.mark.parametrize(
    ("texts", "order"),
    [
        (
            [_flag("a", "b"), _flag("b", "c"), _flag("c")],
            ["FeatureFlag/c", "FeatureFlag/b", "FeatureFlag/a"],
        ),
        (
            [ANNOTATION, DASHBOARD, _flag("a"), _cohort("x")],
            ["Cohort/x", "FeatureFlag/a", "Dashboard/D", "Annotation/n"],
        ),
        (
            [_flag("b"), _flag("a")],
            ["FeatureFlag/b", "FeatureFlag/a"],
        ),
        (
            [_cohort("x", "y"), _flag("f"), _cohort("y")],
            ["Cohort/y", "Cohort/x", "FeatureFlag/f"],
        ),
        (
            [_flag("a", "outside"), _flag("b", "c"), _flag("c", "b"), _flag("d")],
            ["FeatureFlag/a", "FeatureFlag/d", "FeatureFlag/b", "FeatureFlag/c"],
        ),
    ],
    ids=[
        "chain-reversed",
        "kind-order-breaks-ties",
        "stable-input-order",
        "cohort-before-the-cohort-that-includes-it",
        "outside-refs-ignored-cycles-last",
    ],
)
def test_dependency_order(texts: list[str], order: list[str]) -> None:
    assert _keys(texts) == order


def test_dependency_order_puts_every_target_first_in_the_fixtures() -> None:
    from reconciler.manifests import load_paths

    manifests, _ = load_paths([FIXTURES / "valid"])
    ordered = dependency_order(manifests)
    assert sorted(map(id, ordered)) == sorted(map(id, manifests))
    place = {m.key: index for index, m in enumerate(ordered)}
    for manifest in ordered:
        for ref in references(manifest):
            if ref.target in place:
                assert place[ref.target] < place[manifest.key], ref


def test_check_references_alone_reports_cycles_even_without_dangling_check() -> None:
    manifests, _ = parse(_flag("a", "a", "gone"))
    issues = check_references(manifests, dangling=False)
    assert [i.message for i in issues] == ["FeatureFlag 'a' depends on itself"]
