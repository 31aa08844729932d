from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import (
    Environment,
    Override,
    apply_overrides,
    expand_paths,
    find_config,
    read_config,
    select_environments,
)
from reconciler.errors import ConfigError
from reconciler.model import ResourceKey

from .helpers import manifest


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "phsync.yaml").write_text(text)
    return tmp_path


def test_reads_environments_and_policies(tmp_path: Path) -> None:
    config = read_config(_write(tmp_path, """
paths: [flags]
environments:
  staging:
    host: https://eu.posthog.com
    project: 7
    api_key_env: KEY
    overrides:
      - target: featureflag/a
        set: {active: false}
policies:
  max_rollout_increase: 25
  protected: [Cohort/Beta]
  warn_only: [protected]
"""))
    assert config is not None
    staging = config.environments["staging"]
    assert (staging.host, staging.project, staging.api_key_env) == ("https://eu.posthog.com", "7", "KEY")
    assert staging.overrides == (Override(ResourceKey("FeatureFlag", "a"), (("active", False),)),)
    assert config.policies.max_rollout_increase == 25
    assert config.policies.protected == (ResourceKey("Cohort", "Beta"),)
    assert config.policies.warn_only == {"protected"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("pathz: []", "did you mean 'paths'", id="unknown-top"),
        pytest.param("environments: {all: {}}", "reserved", id="all-reserved"),
        pytest.param("environments: {a: {hots: x}}", "did you mean 'host'", id="unknown-env-key"),
        pytest.param("environments: {a: {overrides: [{target: Widget/x, set: {a: 1}}]}}", "unknown kind", id="bad-target"),
        pytest.param("environments: {a: {overrides: [{target: FeatureFlag/x, set: {'a..b': 1}}]}}", "field path", id="bad-path"),
        pytest.param("policies: {max_rollout: 5}", "did you mean 'max_rollout_increase'", id="unknown-rule"),
        pytest.param("policies: {warn_only: [nope]}", "unknown setting 'nope'", id="bad-warn-only"),
        pytest.param("policies: {max_deletes: many}", "whole number", id="bad-number"),
        pytest.param("- a\n- b", "mapping", id="not-mapping"),
    ],
)
def test_bad_config_is_explained(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_config(_write(tmp_path, text))
    assert message in str(caught.value)


def test_paths_and_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "paths: [flags, cohorts]")
    assert expand_paths([str(tmp_path)]) == [str(tmp_path / "flags"), str(tmp_path / "cohorts")]
    monkeypatch.chdir(tmp_path)
    assert expand_paths([]) == ["flags", "cohorts"]
    assert find_config([]) is not None


def test_select_environments(tmp_path: Path) -> None:
    config = read_config(_write(tmp_path, "environments: {a: {}, b: {}}"))
    assert [e.name for e in select_environments(config, "all") if e] == ["a", "b"]
    assert select_environments(config, None) == [None]
    with pytest.raises(ConfigError, match="known: a, b"):
        select_environments(config, "c")
    with pytest.raises(ConfigError, match="no environments"):
        select_environments(None, "a")


def test_overrides_change_a_copy() -> None:
    base = [manifest("FeatureFlag", {"key": "f", "filters": {"groups": [{"rollout_percentage": 10}]}})]
    env = Environment("s", overrides=(Override(ResourceKey("FeatureFlag", "f"), (("filters.groups[0].rollout_percentage", 100),)),))
    [changed] = apply_overrides(base, env)
    assert changed.spec["filters"]["groups"][0]["rollout_percentage"] == 100
    assert base[0].spec["filters"]["groups"][0]["rollout_percentage"] == 10
    missing = Environment("s", overrides=(Override(ResourceKey("FeatureFlag", "zz"), (("active", True),)),))
    with pytest.raises(ConfigError, match="no manifest declares"):
        apply_overrides(base, missing)
