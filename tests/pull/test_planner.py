"""plan_pull: per file the edits, and what is reported instead of written."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from reconciler import paths
from reconciler.config import Environment, Override
from reconciler.manifests import parse_text
from reconciler.model import Manifest, ResourceKey
from reconciler.plan import LiveState, build_plan
from reconciler.pull import REMOVE, Edit, plan_pull, sites
from reconciler.pull.overrides import effective, might_be
from reconciler.resources import REGISTRY
from reconciler.resources.base import LiveObject

FILE = """\
kind: Cohort
name: Beta testers
description: People who asked
---
kind: FeatureFlag
key: checkout
name: Checkout
filters:
  groups:
    - properties: [{type: cohort, value: Beta testers}]
      rollout_percentage: 20
"""
KEY = ResourceKey("FeatureFlag", "checkout")


def _manifests() -> list[Manifest]:
    found, issues = parse_text(FILE, "flags.yaml")
    assert not issues
    return found


def _live(manifests: list[Manifest], changes: dict[str, dict[str, Any]]) -> LiveState:
    """Live objects as the manifests say, then with ``changes`` (field path -> value)."""
    objects: dict[str, list[LiveObject]] = {}
    for index, manifest in enumerate(manifests, start=1):
        spec = yaml.safe_load(yaml.safe_dump(manifest.spec))
        for path, value in changes.get(manifest.name, {}).items():
            paths.put(spec, paths.parse(path), value)
        canonical = REGISTRY[manifest.kind].canonical(spec)
        objects.setdefault(manifest.kind, []).append(
            LiveObject(manifest.kind, index, manifest.name, True, {}, canonical, "v1")
        )
    return LiveState(objects)


def _pull(changes: dict[str, dict[str, Any]], environment: Environment | None = None,
          pass_env: bool = True, extra_live: list[LiveObject] = ()) -> Any:
    manifests = _manifests()
    active = effective_manifests(manifests, environment)
    live = _live(active, changes)
    for obj in extra_live:
        live.objects.setdefault(obj.kind, []).append(obj)  # type: ignore[attr-defined]
    plan = build_plan(active, live)
    found = sites([environment] if environment else [], fallback=None)
    return plan_pull(
        plan, live, manifests, sites=found,
        environment=environment.name if environment and pass_env else None,
        config_file="phsync.yaml",
    )


def effective_manifests(manifests: list[Manifest], environment: Environment | None) -> list[Manifest]:
    from dataclasses import replace
    if environment is None:
        return manifests
    active = sites([environment])
    return [replace(m, spec=effective(m.spec, [s for s in active if s.target == m.key]))
            for m in manifests]


def test_an_edit_per_drifted_value_in_its_own_document() -> None:
    pulled = _pull({"checkout": {"filters.groups[0].rollout_percentage": 60}})
    assert pulled.edits == {
        "flags.yaml": (Edit(1, ("filters", "groups", 0, "rollout_percentage"), 60),)
    }
    [written] = pulled.written
    assert (written.key, written.line, written.before, written.after) == (KEY, 11, 20, 60)
    assert pulled.findings == () and pulled.new == ()


def test_no_drift_no_edit() -> None:
    assert _pull({}).is_empty


STAGING = Environment(
    "staging",
    overrides=(Override(KEY, (("filters.groups[0].rollout_percentage", 100),)),),
)


def test_with_env_the_override_is_written() -> None:
    pulled = _pull({"checkout": {"filters.groups[0].rollout_percentage": 80}}, STAGING)
    assert pulled.edits == {
        "phsync.yaml": (
            Edit(0, ("environments", "staging", "overrides", 0, "set",
                     "filters.groups[0].rollout_percentage"), 80),
        )
    }
    assert pulled.written[0].override == "environments.staging.overrides[0]"


def test_with_env_fields_no_override_sets_go_to_the_manifest() -> None:
    pulled = _pull({"checkout": {"name": "Checkout v2"}}, STAGING)
    assert pulled.edits == {"flags.yaml": (Edit(1, ("name",), "Checkout v2"),)}


def test_without_env_an_overridden_field_is_reported_not_written() -> None:
    pulled = _pull(
        {"checkout": {"filters.groups[0].rollout_percentage": 100, "name": "New"}},
        STAGING, pass_env=False,
    )
    # The plan compared the base manifest: rollout 20 there, 100 in PostHog (staging's value).
    assert pulled.edits == {"flags.yaml": (Edit(1, ("name",), "New"),)}
    [finding] = pulled.findings
    assert "overrides[0].set.filters.groups[0].rollout_percentage" in finding.where
    assert "--env staging" in finding.hint


def test_deleted_in_posthog_is_reported() -> None:
    manifests = _manifests()
    live = _live(manifests[:1], {})
    plan = build_plan(manifests, live)
    pulled = plan_pull(plan, live, manifests)
    assert pulled.is_empty
    [finding] = pulled.findings
    assert finding.key == KEY and finding.where == "flags.yaml:5:1"


def test_objects_no_manifest_declares_are_listed() -> None:
    other = LiveObject("FeatureFlag", 9, "made-in-ui", False, {}, {"key": "made-in-ui"}, "v1")
    lock = LiveObject("FeatureFlag", 10, "phsync-apply-lock", True, {}, {"key": "phsync-apply-lock"}, "v1")
    pulled = _pull({}, extra_live=[other, lock])
    assert [o.name for o in pulled.new] == ["made-in-ui"]


def test_a_removed_description_is_removed() -> None:
    pulled = _pull({"Beta testers": {"description": ""}})
    assert pulled.edits == {"flags.yaml": (Edit(0, ("description",), ""),)}
    assert REMOVE is not None


def test_with_env_a_value_holding_an_overridden_field_keeps_the_base_value_there() -> None:
    manifests = _manifests()
    active = effective_manifests(manifests, STAGING)
    live = _live(active, {})
    flag = next(o for o in live.objects["FeatureFlag"])
    groups = [{"properties": [], "rollout_percentage": 5}, *flag.spec["filters"]["groups"]]
    flag.spec["filters"]["groups"] = groups  # a condition put first, in PostHog
    pulled = plan_pull(build_plan(active, live), live, manifests, sites=sites([STAGING]),
                       environment="staging", config_file="phsync.yaml")
    [whole] = pulled.edits["flags.yaml"]
    assert whole.path == ("filters", "groups")
    rollouts = [g["rollout_percentage"] for g in whole.value]  # type: ignore[attr-defined]
    assert rollouts == [20, 100]  # the base's own 20 where staging sets groups[0]
    assert pulled.edits["phsync.yaml"][0].value == 5


def test_an_object_renamed_in_posthog_gets_its_new_name() -> None:
    manifests = _manifests()
    live = _live(manifests, {"Beta testers": {"name": "Beta people"}})
    cohort = live.objects["Cohort"][0]
    renamed = LiveObject("Cohort", cohort.id, "Beta people", True, {}, cohort.spec, "v1")
    live.objects["Cohort"][0] = renamed  # type: ignore[index]
    pulled = plan_pull(build_plan(manifests, live), live, manifests)
    assert pulled.edits["flags.yaml"][0] == Edit(0, ("name",), "Beta people")
    assert pulled.new == ()


def test_two_renames_of_one_kind_are_reported_not_guessed() -> None:
    text = FILE + "---\nkind: Cohort\nname: Second\n"
    manifests, _ = parse_text(text, "flags.yaml")
    live = _live(manifests, {})
    cohorts = live.objects["Cohort"]
    live.objects["Cohort"] = [  # type: ignore[index]
        LiveObject("Cohort", o.id, o.name + " 2", True, {}, {**o.spec, "name": o.name + " 2"},
                   "v1")
        for o in cohorts
    ]
    pulled = plan_pull(build_plan(manifests, live), live, manifests)
    assert "flags.yaml" not in pulled.edits
    assert len([f for f in pulled.findings if "no such object" in f.message]) == 2
    assert sorted(o.name for o in pulled.new) == ["Beta testers 2", "Second 2"]


@pytest.mark.parametrize(
    ("host", "project", "could_be"),
    [
        (None, None, True),
        ("https://eu.posthog.com/", "20001", True),
        ("https://eu.posthog.com", "20002", False),
        ("https://us.posthog.com", "20001", False),
        ("eu.posthog.com", "Web app", True),  # a project named: cannot tell
    ],
)
def test_which_environments_could_be_the_posthog_read(
    host: str | None, project: str | None, could_be: bool
) -> None:
    environment = Environment("e", host=host, project=project)
    assert might_be(environment, "https://eu.posthog.com", 20001) is could_be
