from __future__ import annotations

import pytest

from reconciler import paths


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        pytest.param("active", ("active",), id="field"),
        pytest.param("filters.groups[0].rollout_percentage", ("filters", "groups", 0, "rollout_percentage"), id="index"),
        pytest.param("filters.groups[*].variant", ("filters", "groups", "*", "variant"), id="wildcard"),
        pytest.param("tiles[2]", ("tiles", 2), id="trailing-index"),
    ],
)
def test_parse_and_render_round_trip(text: str, parts: tuple[object, ...]) -> None:
    assert paths.parse(text) == parts
    assert paths.render(parts) == text  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "a..b", "a[x]", "a[0"])
def test_parse_refuses_malformed_paths(bad: str) -> None:
    with pytest.raises(ValueError):
        paths.parse(bad)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        (("filters", "groups", "*", "variant"), ("filters", "groups", 3, "variant"), True),
        (("filters", "groups", "*", "variant"), ("filters", "groups", 3, "rollout_percentage"), False),
        (("filters",), ("filters", "payloads", "true"), True),
        (("filters", "groups", 0), ("filters", "groups", 1), False),
        (("active",), ("name",), False),
    ],
)
def test_matches(pattern: paths.Path, path: paths.Path, expected: bool) -> None:
    assert paths.matches(pattern, path) is expected


def test_expand_and_put() -> None:
    data = {"groups": [{"rollout_percentage": 10}, {"rollout_percentage": 20}]}
    found = list(paths.expand(("groups", "*", "rollout_percentage"), data))
    assert found == [("groups", 0, "rollout_percentage"), ("groups", 1, "rollout_percentage")]
    assert paths.put(data, ("groups", 1, "rollout_percentage"), 99)
    assert paths.get(data, ("groups", 1, "rollout_percentage")) == 99
    assert not paths.put(data, ("missing", "x"), 1)
