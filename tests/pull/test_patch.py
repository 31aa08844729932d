"""The edits that make one manifest say what PostHog has: one case per kind of drift."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from reconciler import paths
from reconciler.pull.edit import REMOVE, Edit, apply_edits
from reconciler.pull.patch import object_changes
from reconciler.resources import REGISTRY

FLAG = """
key: checkout
name: Checkout
tags: [Growth, beta]
filters:
  groups:
    - properties:
        - {key: email, value: ["@acme.com"], operator: icontains}
      rollout_percentage: 20
    - properties: [{type: cohort, value: Beta testers}]
  multivariate:
    variants:
      - {key: control, rollout_percentage: 50}
      - {key: test, rollout_percentage: 50}
  payloads:
    test: '{"color": "blue"}'
"""

TWINS = """
key: twins
filters:
  groups:
    - {properties: [], rollout_percentage: 20}
    - {properties: [], rollout_percentage: 20}
"""

OLD_NAME = """
key: contexts
evaluation_tags: [web]
"""

COHORT = """
name: Beta testers
description: People who asked
filters:
  properties:
    type: OR
    values:
      - type: AND
        values:
          - {key: email, type: person, value: "@acme.com", operator: icontains}
"""

DASHBOARD = """
name: Growth
description: Weekly numbers
tags: [growth]
tiles:
  - text: "# Hello"
  - text: Second
"""


def _live(kind: str, text: str, edit: Any) -> dict[str, Any]:
    spec = yaml.safe_load(text)
    edit(spec)
    return REGISTRY[kind].canonical(spec)


def _set(path: str, value: Any) -> Any:
    return lambda spec: paths.put(spec, paths.parse(path), value)


def _do(*steps: Any) -> Any:
    def run(spec: Any) -> None:
        for step in steps:
            step(spec)

    return run


def _append(path: str, value: Any) -> Any:
    return lambda spec: paths.get(spec, paths.parse(path)).append(value)


def _delete(path: str) -> Any:
    parsed = paths.parse(path)
    return lambda spec: paths.get(spec, parsed[:-1]).pop(parsed[-1])


CASES = [
    ("rollout", "FeatureFlag", FLAG, _set("filters.groups[0].rollout_percentage", 50),
     [(("filters", "groups", 0, "rollout_percentage"), 50)]),
    ("condition value", "FeatureFlag", FLAG,
     _set("filters.groups[0].properties[0].value", ["@acme.io"]),
     [(("filters", "groups", 0, "properties", 0, "value", 0), "@acme.io")]),
    ("default left out, now another value", "FeatureFlag", FLAG,
     _set("filters.groups[1].rollout_percentage", 30),
     [(("filters", "groups", 1, "rollout_percentage"), 30)]),
    ("switched off", "FeatureFlag", FLAG, _set("active", False), [(("active",), False)]),
    ("variant split", "FeatureFlag", FLAG,
     _do(_set("filters.multivariate.variants[0].rollout_percentage", 70),
         _set("filters.multivariate.variants[1].rollout_percentage", 30)),
     [(("filters", "multivariate", "variants", 1, "rollout_percentage"), 30),
      (("filters", "multivariate", "variants", 0, "rollout_percentage"), 70)]),
    ("payload as YAML", "FeatureFlag", FLAG,
     _set("filters.payloads.test", {"color": "red"}),
     [(("filters", "payloads", "test"), {"color": "red"})]),
    ("condition appended", "FeatureFlag", FLAG,
     _append("filters.groups", {"properties": [], "rollout_percentage": 5}),
     [(("filters", "groups", 2), {"properties": [], "rollout_percentage": 5})]),
    ("condition removed", "FeatureFlag", FLAG, _delete("filters.groups[0]"),
     [(("filters", "groups", 0), REMOVE)]),
    ("condition inserted first: the list is written whole", "FeatureFlag", FLAG,
     lambda spec: spec["filters"]["groups"].insert(0, {"properties": []}),
     [(("filters", "groups"), "WHOLE")]),
    ("of two equal conditions, the first changed", "FeatureFlag", TWINS,
     _set("filters.groups[0].rollout_percentage", 30),
     [(("filters", "groups", 0, "rollout_percentage"), 30)]),
    ("tags keep their spelling", "FeatureFlag", FLAG, _set("tags", ["growth", "new"]),
     [(("tags", 1), REMOVE), (("tags", 1), "new")]),
    ("variant appended, its payload added", "FeatureFlag", FLAG,
     _do(_set("filters.multivariate.variants[1].rollout_percentage", 25),
         _append("filters.multivariate.variants",
                 {"key": "third", "name": "Third", "rollout_percentage": 25}),
         _set("filters.payloads.third", {"n": 3})),
     [(("filters", "multivariate", "variants", 2),
       {"key": "third", "name": "Third", "rollout_percentage": 25}),
      (("filters", "multivariate", "variants", 1, "rollout_percentage"), 25),
      (("filters", "payloads", "third"), {"n": 3})]),
    ("payload removed", "FeatureFlag", FLAG, _delete("filters.payloads.test"),
     [(("filters", "payloads"), REMOVE)]),
    ("contexts under their older name", "FeatureFlag", OLD_NAME,
     _set("evaluation_tags", ["web", "mobile"]), [(("evaluation_tags", 1), "mobile")]),
    ("cohort filter", "Cohort", COHORT,
     _set("filters.properties.values[0].values[0].value", "@acme.io"),
     [(("filters", "properties", "values", 0, "values", 0, "value"), "@acme.io")]),
    ("cohort description", "Cohort", COHORT, _set("description", "Everyone who asked"),
     [(("description",), "Everyone who asked")]),
    ("dashboard name and tile", "Dashboard", DASHBOARD,
     _do(_set("description", "Daily"), _set("tiles[1].text", "Third")),
     [(("description",), "Daily"), (("tiles", 1, "text"), "Third")]),
]


@pytest.mark.parametrize(
    ("kind", "text", "edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_edits(kind: str, text: str, edit: Any, expected: list[Any]) -> None:
    written = yaml.safe_load(text)
    live = _live(kind, text, edit)
    changes, left = object_changes(kind, written, live)
    assert left == []
    if expected and expected[0][1] == "WHOLE":
        assert [p for p, _ in changes] == [p for p, _ in expected]
    else:
        assert changes == expected
    after = apply_edits(written, [Edit(0, p, v) for p, v in changes])
    assert REGISTRY[kind].canonical(after) == live


def test_ignored_paths_are_left_alone() -> None:
    written = yaml.safe_load(FLAG)
    live = _live(
        "FeatureFlag",
        FLAG,
        _do(_set("filters.groups[0].rollout_percentage", 50), _set("name", "Checkout v2")),
    )
    ignore = (paths.parse("filters.groups[*].rollout_percentage"),)
    changes, _ = object_changes("FeatureFlag", written, live, ignore)
    assert changes == [(("name",), "Checkout v2")]


def test_nothing_to_write_without_drift() -> None:
    written = yaml.safe_load(FLAG)
    assert object_changes("FeatureFlag", written, _live("FeatureFlag", FLAG, _do())) == ([], [])


def test_a_list_written_whole_keeps_the_manifests_spelling_of_the_items_it_had() -> None:
    written = yaml.safe_load(FLAG)
    live = _live("FeatureFlag", FLAG, lambda spec: spec["filters"]["groups"].insert(
        0, {"properties": [], "rollout_percentage": 5}))
    [(path, value)] = object_changes("FeatureFlag", written, live)[0]
    assert path == ("filters", "groups")
    assert value == [{"properties": [], "rollout_percentage": 5}, *written["filters"]["groups"]]


def test_an_unnamed_new_variant_is_written_without_its_empty_name() -> None:
    written = yaml.safe_load(FLAG)
    live = _live("FeatureFlag", FLAG, _do(
        _set("filters.multivariate.variants[1].rollout_percentage", 30),
        _append("filters.multivariate.variants", {"key": "c", "rollout_percentage": 20})))
    changes, _ = object_changes("FeatureFlag", written, live)
    assert (("filters", "multivariate", "variants", 2), {"key": "c", "rollout_percentage": 20}) in changes
