"""A property of `phsync pull`: whatever someone changes in PostHog's UI on managed objects,
pulling records it so that the next plan is empty, and a second pull changes nothing.

The changes go through the emulator's API, as PostHog's UI sends them: a condition's
rollout or property value, a condition added (first or last), a variant split, a payload, a flag switched on or off, a
cohort's filter or description, a dashboard's name or description, a flag's tags. Ten examples by default (PHSYNC_PULL_EXAMPLES for more).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT

from .conftest import Api
from .test_pull import _run, _texts

EXAMPLES = int(os.environ.get("PHSYNC_PULL_EXAMPLES", "10"))
WORDS = st.text(alphabet="abcdefghij -.@", min_size=1, max_size=12).map(str.strip).filter(bool)
PERCENT = st.integers(min_value=0, max_value=100)
# Rollouts that no manifest ignores: (flag, condition index). Staging overrides two of them,
# but staging is another PostHog project than the emulator's, so they are pulled too.
ROLLOUTS = [("express-pay", 0), ("express-pay", 1), ("dark-mode", 0), ("enterprise-sso", 0),
            ("search-v2", 0), ("search-v2", 1), ("onboarding-v2-tooltips", 0),
            ("new-checkout", 0)]
PERSON_VALUES = [("enterprise-sso", 0, 0), ("search-v2", 0, 0)]
COHORT_VALUES = [("Internal users", 0, 0), ("Beta testers", 0, 0), ("Paying customers", 0, 0)]


@pytest.fixture(scope="module")
def unlimited() -> Iterator[Any]:
    """An emulator without rate limits: the examples read the project many times a second."""
    from reconciler.emulator import Emulator, EmulatorConfig

    emulator = Emulator(EmulatorConfig(port=0, rate_limits_enabled=False)).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def workspace(unlimited: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Api, Path]:
    """The examples applied to that emulator, and a copy of them that pull rewrites."""
    env = {"POSTHOG_HOST": unlimited.url, "POSTHOG_PERSONAL_API_KEY": unlimited.api_key,
           "POSTHOG_PROJECT_ID": str(unlimited.project_id)}
    repo = tmp_path_factory.mktemp("pull") / "manifests"
    shutil.copytree(ROOT / "examples", repo)
    assert _run(env, "apply", "--yes", str(repo)).exit_code == 0
    return env, Api(unlimited), repo


def _flag(api: Api, key: str) -> dict[str, Any]:
    return api.find("feature_flags", key=key)


def rollout(api: Api, pick: tuple[str, int], value: int) -> None:
    flag = _flag(api, pick[0])
    flag["filters"]["groups"][pick[1]]["rollout_percentage"] = value
    api.patch("feature_flags", flag["id"], {"filters": flag["filters"]})


def condition_value(api: Api, pick: tuple[str, int, int], value: str) -> None:
    flag = _flag(api, pick[0])
    flag["filters"]["groups"][pick[1]]["properties"][pick[2]]["value"] = value
    api.patch("feature_flags", flag["id"], {"filters": flag["filters"]})


def variants(api: Api, first: int, second: int) -> None:
    low, high = sorted((first, second))
    flag = _flag(api, "pricing-page-experiment")
    split = [low, high - low, 100 - high]
    for variant, share in zip(flag["filters"]["multivariate"]["variants"], split, strict=True):
        variant["rollout_percentage"] = share
    api.patch("feature_flags", flag["id"], {"filters": flag["filters"]})


def payload(api: Api, variant: str, headline: str) -> None:
    flag = _flag(api, "pricing-page-experiment")
    flag["filters"]["payloads"][variant] = json.dumps({"headline": headline})
    api.patch("feature_flags", flag["id"], {"filters": flag["filters"]})


def add_condition(api: Api, key: str, first: bool, value: int) -> None:
    flag = _flag(api, key)
    condition = {"properties": [{"key": "plan", "type": "person", "operator": "exact",
                                 "value": "trial"}], "rollout_percentage": value}
    groups = flag["filters"]["groups"]
    groups.insert(0 if first else len(groups), condition)
    api.patch("feature_flags", flag["id"], {"filters": flag["filters"]})


def switch(api: Api, key: str) -> None:
    flag = _flag(api, key)
    api.patch("feature_flags", flag["id"], {"active": not flag["active"]})


def banner(api: Api, message: str) -> None:
    """The payload of a boolean flag, under the key "true" (quoted in its manifest)."""
    flag = _flag(api, "maintenance-banner")
    flag["filters"]["payloads"]["true"] = json.dumps({"message": message})
    api.patch("feature_flags", flag["id"], {"filters": flag["filters"]})


def cohort_description(api: Api, name: str, text: str) -> None:
    cohort = api.find("cohorts", name=name)
    api.patch("cohorts", cohort["id"], {"description": f"{text}\n\n[managed by phsync]"})


def cohort_value(api: Api, pick: tuple[str, int, int], value: str) -> None:
    cohort = api.find("cohorts", name=pick[0])
    node = cohort["filters"]["properties"]["values"][pick[1]]["values"][pick[2]]
    if node.get("type") == "cohort":
        return  # a reference to another cohort: not a text value
    node["value"] = value
    api.patch("cohorts", cohort["id"], {"filters": cohort["filters"]})


def dashboard(api: Api, field: str, name: str, value: str) -> None:
    found = [d for d in api.list("dashboards") if d["name"] in (name, f"{name} {value}")]
    if found:
        text = f"{name} {value}" if field == "name" else value
        api.patch("dashboards", found[0]["id"], {field: text})


def tags(api: Api, key: str, tag: str) -> None:
    flag = _flag(api, key)
    api.patch("feature_flags", flag["id"], {"tags": sorted({*flag["tags"], tag.replace(" ", "-")})})


EDITS = st.one_of(
    st.tuples(st.just(rollout), st.sampled_from(ROLLOUTS), PERCENT),
    st.tuples(st.just(condition_value), st.sampled_from(PERSON_VALUES), WORDS),
    st.tuples(st.just(variants), PERCENT, PERCENT),
    st.tuples(st.just(payload), st.sampled_from(["control", "annual-first"]), WORDS),
    st.tuples(st.just(cohort_value), st.sampled_from(COHORT_VALUES), WORDS),
    st.tuples(st.just(dashboard), st.sampled_from(["name", "description"]),
              st.sampled_from(["Checkout health", "Growth"]), WORDS),
    st.tuples(st.just(tags), st.sampled_from(["dark-mode", "search-v2"]), WORDS),
    st.tuples(st.just(add_condition), st.sampled_from(["dark-mode", "express-pay"]),
              st.booleans(), PERCENT),
    st.tuples(st.just(switch), st.sampled_from(["dark-mode", "maintenance-banner"])),
    st.tuples(st.just(banner), WORDS),
    st.tuples(st.just(cohort_description), st.sampled_from(["Beta testers", "Paying customers"]),
              WORDS),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(edits=st.lists(EDITS, min_size=1, max_size=3))
def test_pull_then_plan_is_empty_and_a_second_pull_changes_nothing(
    edits: list[tuple[Any, ...]], workspace: tuple[dict[str, str], Api, Path]
) -> None:
    emulator_env, api, repo = workspace  # each example starts where the last one ended
    for edit, *args in edits:
        edit(api, *args)
    pulled = _run(emulator_env, "pull", str(repo))
    assert pulled.exit_code == 0, pulled.output
    assert "Not written" not in pulled.stdout, pulled.stdout
    plan = _run(emulator_env, "plan", "--detailed-exitcode", "--no-activity", str(repo))
    assert plan.exit_code == 0, f"{edits}\n{pulled.stdout}\n{plan.stdout}"
    after = _texts(repo)
    again = _run(emulator_env, "pull", str(repo))
    assert again.exit_code == 0 and "Nothing to pull" in again.stdout, again.stdout
    assert _texts(repo) == after
