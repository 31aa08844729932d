from __future__ import annotations

from typing import Any

import pytest

from reconciler.diff import FieldChange, diff

CASES = [
    pytest.param({"active": True}, {"active": True, "id": 4}, (), [], id="server-only-fields-ignored"),
    pytest.param({"active": True}, {"active": False}, (), [FieldChange("active", False, True)], id="scalar"),
    pytest.param({"active": True}, {}, (), [FieldChange("active", None, True)], id="missing-live"),
    pytest.param({"v": True}, {"v": 1}, (), [FieldChange("v", 1, True)], id="true-is-not-one"),
    pytest.param(
        {"filters": {"groups": [{"rollout_percentage": 100}]}},
        {"filters": {"groups": [{"rollout_percentage": 10}]}},
        (),
        [FieldChange("filters.groups[0].rollout_percentage", 10, 100)],
        id="nested-path-named",
    ),
    pytest.param(
        {"filters": {"groups": [{"rollout_percentage": 100}]}},
        {"filters": {"groups": [{"rollout_percentage": 10}]}},
        [("filters", "groups", "*", "rollout_percentage")],
        [],
        id="ignored-path",
    ),
    pytest.param(
        {"tags": ["a", "b"]},
        {"tags": ["a"]},
        (),
        [FieldChange("tags", ["a"], ["a", "b"])],
        id="scalar-lists-whole",
    ),
    pytest.param(
        {"filters": {"groups": [{"p": 1}, {"p": 2}]}},
        {"filters": {"groups": [{"p": 1}]}},
        (),
        [FieldChange("filters.groups[1]", None, {"p": 2}, "added")],
        id="list-without-identity-by-position",
    ),
]


@pytest.mark.parametrize(("desired", "live", "ignore", "expected"), CASES)
def test_diff(desired: dict[str, Any], live: dict[str, Any], ignore: Any, expected: list[FieldChange]) -> None:
    assert list(diff(desired, live, ignore=ignore)) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (True, 1, False),
        (1, True, False),
        ([True], [1], False),
        ({"a": False}, {"a": 0}, False),
        (50, 50.0, True),
        ({"a": [1, {"b": 2.0}]}, {"a": [1, {"b": 2}]}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ([1, 2], [2, 1], False),
        (None, {}, False),
        ("x", "x", True),
    ],
)
def test_same_is_equality_that_keeps_booleans_apart(a: Any, b: Any, expected: bool) -> None:
    from reconciler.diff import same

    assert same(a, b) is expected
    assert same(b, a) is expected
