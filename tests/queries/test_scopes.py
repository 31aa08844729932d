"""Which scopes manifests need and which a key lacks: pure."""

from __future__ import annotations

import pytest

from reconciler.queries.scopes import grants, missing_scopes, needed_scopes


def test_no_manifests_need_nothing() -> None:
    assert needed_scopes(set()) == ()


def test_reads_of_every_kind_and_writes_of_the_kinds_present() -> None:
    scopes = [need.scope for need in needed_scopes({"FeatureFlag", "Annotation"})]
    assert scopes == [
        "cohort:read",
        "action:read",
        "feature_flag:read",
        "insight:read",
        "dashboard:read",
        "annotation:read",
        "feature_flag:write",
        "annotation:write",
    ]


@pytest.mark.parametrize(
    ("key_scopes", "scope", "granted"),
    [
        (["*"], "cohort:write", True),
        ([], "cohort:write", True),  # legacy keys without scopes may do anything
        (["cohort:write"], "cohort:read", True),
        (["cohort:read"], "cohort:write", False),
        (["cohort:read"], "cohort:read", True),
        (["feature_flag:write"], "cohort:read", False),
    ],
)
def test_grants(key_scopes: list[str], scope: str, granted: bool) -> None:
    assert grants(key_scopes, scope) is granted


def test_missing_scopes_keep_their_reasons() -> None:
    needs = needed_scopes({"Cohort"})
    held = ["cohort:read", "action:read", "feature_flag:read", "insight:read", "dashboard:read"]
    missing = missing_scopes(held, needs)
    assert [(n.scope, n.reason) for n in missing] == [
        ("annotation:read", "plan reads every kind"),
        ("cohort:write", "apply writes Cohort manifests"),
    ]
