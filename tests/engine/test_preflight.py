"""Which scopes an apply needs, and how a refusal names every missing one; pure."""

from __future__ import annotations

import pytest

from reconciler.model import Action, ResourceKey
from reconciler.plan import Change, Plan
from reconciler.preflight import apply_needs, refusal
from reconciler.queries.scopes import missing_scopes

READS = ["feature_flag:read", "cohort:read", "dashboard:read", "annotation:read", "action:read",
         "insight:read"]


def plan(*changes: tuple[Action, str, str]) -> Plan:
    return Plan(changes=tuple(Change(a, ResourceKey(k, n)) for a, k, n in changes))


@pytest.mark.parametrize(
    ("the_plan", "writes"),
    [
        (plan(), []),
        (plan((Action.CREATE, "Cohort", "Beta")), ["cohort:write"]),
        (
            plan((Action.UPDATE, "FeatureFlag", "a"), (Action.CREATE, "Cohort", "b"),
                 (Action.DELETE, "Annotation", "c"), (Action.CREATE, "FeatureFlag", "d")),
            ["feature_flag:write", "cohort:write", "annotation:write"],
        ),
    ],
)
def test_every_read_and_a_write_per_kind_changed(the_plan: Plan, writes: list[str]) -> None:
    scopes = [need.scope for need in apply_needs(the_plan)]
    assert sorted(scopes) == sorted(READS + writes)


@pytest.mark.parametrize(
    ("key_scopes", "missing"),
    [
        (["*"], []),
        ([], []),  # a legacy key without scopes may do anything
        (["feature_flag:write", "cohort:read", "dashboard:read", "annotation:read", "action:read",
          "insight:read"],
         ["cohort:write", "annotation:write"]),
        (["feature_flag:read"], ["cohort:read", "dashboard:read", "annotation:read", "action:read",
                                 "insight:read", "cohort:write", "annotation:write",
                                 "feature_flag:write"]),
    ],
)
def test_all_missing_scopes_at_once(key_scopes: list[str], missing: list[str]) -> None:
    the_plan = plan((Action.UPDATE, "FeatureFlag", "a"), (Action.CREATE, "Cohort", "b"),
                    (Action.CREATE, "Annotation", "c"))
    lacking = missing_scopes(key_scopes, apply_needs(the_plan))
    assert sorted(n.scope for n in lacking) == sorted(missing)
    if lacking:
        message = str(refusal(lacking, doing="this apply"))
        assert all(f"'{scope}'" in message for scope in missing)
        assert "the plan creates Cohort/b" in message or "cohort:write" not in missing
