"""--target must name a manifest or a live object: a typo fails instead of planning nothing."""

from __future__ import annotations

import pytest

from reconciler.errors import PhsyncError
from reconciler.model import ResourceKey
from reconciler.targets import check_targets, parse_targets

from .helpers import live_state, manifest

MANIFESTS = [manifest("FeatureFlag", {"key": "new-checkout", "filters": {"groups": []}})]
LIVE = live_state(cohorts=[{"id": 3, "name": "Beta testers", "filters": {}, "description": ""}])


@pytest.mark.parametrize(
    "targets",
    [(), ("FeatureFlag/new-checkout",), ("featureflag/new-checkout",), ("Cohort/Beta testers",)],
)
def test_targets_that_name_something_pass(targets: tuple[str, ...]) -> None:
    check_targets(parse_targets(targets), MANIFESTS, LIVE)


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        (("FeatureFlag/new-chekout",), ["--target FeatureFlag/new-chekout; did you mean FeatureFlag/new-checkout?"]),
        (("Cohort/Beta testrs",), ["--target Cohort/Beta testrs; did you mean Cohort/Beta testers?"]),
        (("Dashboard/nothing-like-it",), ["--target Dashboard/nothing-like-it\n"]),
        (
            ("FeatureFlag/a-b-c", "Cohort/Beta tester", "FeatureFlag/new-checkout"),
            ["2 target(s)", "FeatureFlag/a-b-c\n", "did you mean Cohort/Beta testers?"],
        ),
    ],
)
def test_targets_that_match_nothing_fail_all_at_once(
    targets: tuple[str, ...], expected: list[str]
) -> None:
    with pytest.raises(PhsyncError) as raised:
        check_targets(parse_targets(targets), MANIFESTS, LIVE)
    text = str(raised.value) + "\n"
    for piece in expected:
        assert piece in text
    assert raised.value.exit_code == 1


def test_a_name_of_another_kind_is_suggested_with_its_kind() -> None:
    with pytest.raises(PhsyncError, match="did you mean Cohort/Beta testers"):
        check_targets((ResourceKey("Dashboard", "Beta testers"),), MANIFESTS, LIVE)
