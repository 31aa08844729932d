"""`phsync.yaml`: the configuration file at the root of a repository of manifests.

```yaml
paths: [cohorts, flags]            # where the manifests are, relative to this file
environments:                      # several PostHog targets for one set of manifests
  staging:
    host: https://eu.posthog.com
    project: 12345
    api_key_env: POSTHOG_STAGING_KEY
    overrides:                     # per-environment values of any manifest field
      - target: FeatureFlag/new-checkout
        set:
          filters.groups[0].rollout_percentage: 100
code_refs:                         # where the application reads flags (`phsync refs`, plan)
  paths: [../web/src]              # source trees, relative to this file
  patterns: [useFlag]              # wrappers: a function name, or a regex with (?P<key>...)
  exclude: ["**/*.test.ts"]        # gitignore-style, on top of .gitignore
policies:                          # rules every plan is checked against
  max_rollout_increase: 25         # points per change, on each condition matched by identity
  max_new_condition_rollout: 50    # a condition added to an existing flag releases to at most 50 %
  protect_active_flags: true
  require_description: true
  require_owner_tag: "owner:"
  protected: [FeatureFlag/billing-kill-switch]
  max_deletes: 5
  forbid_scheduled_changes: true   # a PostHog schedule that would move a managed flag fails
  protect_referenced_flags: true   # no delete of a flag that code_refs.paths still read
  fail_on_expired_flags: true      # a flag past its `expires:` date fails the plan
  warn_only: [require_description]
usage_dashboards: false            # no PostHog usage dashboard for flags phsync creates
```

A directory given on the command line that holds a ``phsync.yaml`` with ``paths`` stands for
those paths; with no PATH, the current directory is used that way.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from reconciler import paths as fieldpaths
from reconciler.errors import ConfigError
from reconciler.model import KINDS, Manifest, ResourceKey

CONFIG_NAME = "phsync.yaml"
TOP_KEYS = ("paths", "environments", "code_refs", "policies", "usage_dashboards")
CODE_REFS_KEYS = ("paths", "patterns", "exclude")
ENVIRONMENT_KEYS = ("host", "project", "api_key_env", "overrides")
POLICY_RULES = (
    "max_rollout_increase",
    "max_new_condition_rollout",
    "protect_active_flags",
    "require_description",
    "require_owner_tag",
    "protected",
    "max_deletes",
    "forbid_scheduled_changes",
    "protect_referenced_flags",
    "fail_on_expired_flags",
)
ALL_ENVIRONMENTS = "all"


@dataclass(frozen=True)
class Override:
    target: ResourceKey
    values: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Environment:
    name: str
    host: str | None = None
    project: str | None = None
    api_key_env: str | None = None
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True)
class Policies:
    max_rollout_increase: float | None = None
    max_new_condition_rollout: float | None = None
    protect_active_flags: bool = False
    require_description: bool = False
    require_owner_tag: str | None = None
    protected: tuple[ResourceKey, ...] = ()
    max_deletes: int | None = None
    forbid_scheduled_changes: bool = False
    protect_referenced_flags: bool = False
    fail_on_expired_flags: bool = False
    warn_only: frozenset[str] = frozenset()

    @property
    def any(self) -> bool:
        return self != Policies(warn_only=self.warn_only)


@dataclass(frozen=True)
class CodeRefs:
    """Where the application's source is (relative to phsync.yaml) and how it reads flags."""

    paths: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    paths: tuple[str, ...] = ()
    environments: Mapping[str, Environment] = field(default_factory=dict)
    policies: Policies = Policies()
    # Whether PostHog makes its usage dashboard for each flag phsync creates; None leaves it to
    # PostHog (which makes one).
    usage_dashboards: bool | None = None
    code_refs: CodeRefs = CodeRefs()

    def code_paths(self) -> tuple[str, ...]:
        """``code_refs.paths`` as paths usable from the current directory."""
        return tuple(str(self.root / path) for path in self.code_refs.paths)

    @property
    def source(self) -> Path:
        return self.root / CONFIG_NAME


def _unknown(where: str, key: object, known: Sequence[str]) -> ConfigError:
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "known settings: " + ", ".join(known)
    return ConfigError(f"{where}: unknown setting {key!r}", hint=hint)


def _key(text: object, where: str) -> ResourceKey:
    try:
        key = ResourceKey.parse(str(text))
    except ValueError:
        raise ConfigError(
            f"{where}: {text!r} is not KIND/NAME, e.g. FeatureFlag/new-checkout"
        ) from None
    kinds = {kind.lower(): kind for kind in KINDS}
    if key.kind.lower() not in kinds:
        raise ConfigError(f"{where}: unknown kind {key.kind!r}", hint="kinds: " + ", ".join(KINDS))
    return ResourceKey(kinds[key.kind.lower()], key.name)


def _environment(name: str, data: Any, where: str) -> Environment:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: environment {name!r} must be a mapping (host, project, ...)")
    for key in data:
        if key not in ENVIRONMENT_KEYS:
            raise _unknown(f"{where}: environment {name!r}", key, ENVIRONMENT_KEYS)
    overrides = []
    for index, item in enumerate(data.get("overrides") or []):
        at = f"{where}: environments.{name}.overrides[{index}]"
        if not isinstance(item, dict) or set(item) != {"target", "set"}:
            raise ConfigError(f"{at}: write `target: KIND/NAME` and `set: {{field.path: value}}`")
        if not isinstance(item["set"], dict) or not item["set"]:
            raise ConfigError(f"{at}: `set` must map field paths to values")
        for path in item["set"]:
            try:
                fieldpaths.parse(str(path))
            except ValueError as exc:
                raise ConfigError(f"{at}: {exc}") from None
        overrides.append(
            Override(_key(item["target"], at), tuple((str(k), v) for k, v in item["set"].items()))
        )
    project = data.get("project")
    return Environment(
        name=name,
        host=data.get("host"),
        project=None if project is None else str(project),
        api_key_env=data.get("api_key_env"),
        overrides=tuple(overrides),
    )


def _policies(data: Any, where: str) -> Policies:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: `policies` must be a mapping of rules")
    for key in data:
        if key not in (*POLICY_RULES, "warn_only"):
            raise _unknown(f"{where}: policies", key, (*POLICY_RULES, "warn_only"))
    warn_only = data.get("warn_only") or []
    for rule in warn_only:
        if rule not in POLICY_RULES:
            raise _unknown(f"{where}: policies.warn_only", rule, POLICY_RULES)
    limit = data.get("max_rollout_increase")
    new_limit = data.get("max_new_condition_rollout")
    deletes = data.get("max_deletes")
    if limit is not None and not _number(limit):
        raise ConfigError(f"{where}: policies.max_rollout_increase must be a number of points")
    if new_limit is not None and not (_number(new_limit) and 0 <= new_limit <= 100):
        raise ConfigError(
            f"{where}: policies.max_new_condition_rollout must be a percentage from 0 to 100"
        )
    if deletes is not None and not isinstance(deletes, int):
        raise ConfigError(f"{where}: policies.max_deletes must be a whole number")
    return Policies(
        max_rollout_increase=limit,
        max_new_condition_rollout=new_limit,
        protect_active_flags=bool(data.get("protect_active_flags")),
        require_description=bool(data.get("require_description")),
        require_owner_tag=data.get("require_owner_tag") or None,
        protected=tuple(
            _key(k, f"{where}: policies.protected") for k in data.get("protected") or []
        ),
        max_deletes=deletes,
        forbid_scheduled_changes=bool(data.get("forbid_scheduled_changes")),
        protect_referenced_flags=bool(data.get("protect_referenced_flags")),
        fail_on_expired_flags=bool(data.get("fail_on_expired_flags")),
        warn_only=frozenset(warn_only),
    )


def _code_refs(data: Any, where: str) -> CodeRefs:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: `code_refs` must be a mapping (paths, patterns, exclude)")
    for key in data:
        if key not in CODE_REFS_KEYS:
            raise _unknown(f"{where}: code_refs", key, CODE_REFS_KEYS)
    lists: dict[str, tuple[str, ...]] = {}
    for key in CODE_REFS_KEYS:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: code_refs.{key} must be a list of strings")
        lists[key] = tuple(value)
    from reconciler.coderefs import user_pattern

    for index, text in enumerate(lists["patterns"]):
        try:
            user_pattern(text)
        except ValueError as exc:
            raise ConfigError(
                f"{where}: code_refs.patterns[{index}]: {exc}",
                hint="e.g. `patterns: [useFlag, 'flagOn\\((?P<key>[\\w-]+)\\)']`",
            ) from None
    return CodeRefs(lists["paths"], lists["patterns"], lists["exclude"])


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_config(directory: Path) -> ProjectConfig | None:
    path = directory / CONFIG_NAME
    if not path.is_file():
        return None
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    where = str(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a mapping of settings")
    for key in data:
        if key not in TOP_KEYS:
            raise _unknown(where, key, TOP_KEYS)
    paths = data.get("paths") or []
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ConfigError(f"{where}: `paths` must be a list of paths relative to the file")
    environments = data.get("environments") or {}
    if not isinstance(environments, dict):
        raise ConfigError(f"{where}: `environments` must map names to settings")
    if ALL_ENVIRONMENTS in environments:
        raise ConfigError(f"{where}: `{ALL_ENVIRONMENTS}` is reserved for --env all")
    usage_dashboards = data.get("usage_dashboards")
    if usage_dashboards is not None and not isinstance(usage_dashboards, bool):
        raise ConfigError(
            f"{where}: `usage_dashboards` must be true or false, not {usage_dashboards!r}",
            hint="usage_dashboards: false stops PostHog making a dashboard per created flag",
        )
    return ProjectConfig(
        root=directory,
        usage_dashboards=usage_dashboards,
        paths=tuple(paths),
        environments={
            str(name): _environment(str(name), env, where) for name, env in environments.items()
        },
        policies=_policies(data.get("policies") or {}, where),
        code_refs=_code_refs(data.get("code_refs") or {}, where),
    )


def find_config(paths: Sequence[str]) -> ProjectConfig | None:
    """The phsync.yaml of the first directory PATH that has one, else of the current directory."""
    for given in [*paths, "."]:
        directory = Path(given)
        if directory.is_dir():
            config = read_config(directory)
            if config is not None:
                return config
    return None


def guessing_paths(paths: Sequence[str]) -> bool:
    """No PATH given and no phsync.yaml here: the current directory is only a guess at where
    the manifests are, so only files that declare a phsync kind are read."""
    return not paths and read_config(Path(".")) is None


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Command-line PATHs with each configured directory replaced by its configured paths."""
    out: list[str] = []
    for given in paths or ["."]:
        directory = Path(given)
        config = read_config(directory) if directory.is_dir() else None
        if config is not None and config.paths:
            out.extend(str(directory / p) for p in config.paths)
        else:
            out.append(given)
    return out


def select_environments(config: ProjectConfig | None, name: str | None) -> list[Environment | None]:
    """The environments --env names: none (use plain settings), one, or all of them."""
    if name is None:
        return [None]
    if config is None or not config.environments:
        raise ConfigError(
            f"--env {name}: no environments are defined",
            hint=f"define them under `environments:` in {CONFIG_NAME}",
        )
    if name == ALL_ENVIRONMENTS:
        return list(config.environments.values())
    if name not in config.environments:
        known = ", ".join(config.environments)
        raise ConfigError(
            f"--env {name}: no such environment in {config.source}",
            hint=f"known: {known}, or all",
        )
    return [config.environments[name]]


def apply_overrides(
    manifests: Sequence[Manifest], environment: Environment | None
) -> list[Manifest]:
    """The manifests as ``environment`` sees them (pure; the originals are left unchanged)."""
    if environment is None or not environment.overrides:
        return list(manifests)
    by_key = {m.key: index for index, m in enumerate(manifests)}
    out = list(manifests)
    for override in environment.overrides:
        index = by_key.get(override.target)
        if index is None:
            raise ConfigError(
                f"environment {environment.name!r} overrides {override.target}, "
                "which no manifest declares",
                hint="fix the target in phsync.yaml (KIND/NAME, the name as in the manifest)",
            )
        manifest = out[index]
        spec = copy.deepcopy(manifest.spec)
        for text, value in override.values:
            path = fieldpaths.parse(text)
            if not fieldpaths.put(spec, path, value):
                raise ConfigError(
                    f"environment {environment.name!r}: cannot set {text} on {override.target}: "
                    "its parent is not in the manifest"
                )
        out[index] = replace(manifest, spec=spec)
    return out
