"""The per-environment overrides of phsync.yaml, as pull sees them: which manifest fields
each one sets, and where it is written. Pure.

A drifted field that an override sets is not the base manifest's to record. With ``--env
NAME``, pull writes NAME's overrides in phsync.yaml. Without it, an environment whose host or
numeric project differs from the PostHog pull read cannot be that PostHog, and its overrides
do not matter; any other environment might be (its project given by name, or the very same
host and project), so pull writes no field that its overrides set, and names the override.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler import paths
from reconciler.config import Environment
from reconciler.errors import ConfigError
from reconciler.model import ResourceKey, SourceLocation
from reconciler.settings import normalise_host

Path = tuple[str | int, ...]


@dataclass(frozen=True, eq=False)  # each one is one place in the file
class Site:
    """One ``set`` entry of one override: ``environments.ENV.overrides[INDEX].set.KEY``."""

    environment: str
    index: int
    key: str
    path: paths.Path
    value: Any
    target: ResourceKey
    location: SourceLocation | None = None

    @property
    def config_path(self) -> Path:
        """Where the value sits in phsync.yaml."""
        return ("environments", self.environment, "overrides", self.index, "set", self.key)

    def __str__(self) -> str:
        where = f"{self.location.file}:{self.location.line}: " if self.location else ""
        return f"{where}environments.{self.environment}.overrides[{self.index}].set.{self.key}"


def sites(
    environments: Sequence[Environment],
    positions: Mapping[Path, SourceLocation] | None = None,
    fallback: SourceLocation | None = None,
) -> list[Site]:
    """Every override value of ``environments``, with its place in phsync.yaml."""
    out = []
    for environment in environments:
        for index, override in enumerate(environment.overrides):
            for key, value in override.values:
                site = Site(
                    environment.name, index, key, paths.parse(key), value, override.target
                )
                where = (positions or {}).get(site.config_path, fallback)
                out.append(replace(site, location=where))
    return out


def effective(spec: Mapping[str, Any], active: Sequence[Site]) -> dict[str, Any]:
    """``spec`` with the active environment's values put in (as the plan compared it)."""
    out = copy.deepcopy(dict(spec))
    for site in active:
        paths.put(out, site.path, copy.deepcopy(site.value))
    return out


def related(site: Site, path: Path) -> bool:
    """Whether an edit at ``path`` writes what ``site`` sets, or a value holding it."""
    return paths.matches(site.path, path) or paths.matches(path, site.path)



def might_be(environment: Environment, origin: str, project_id: int | str) -> bool:
    """Whether ``environment`` could be the PostHog project at ``origin`` (pure): not when its
    host has another origin, nor when its project is another number."""
    if environment.host:
        try:
            if normalise_host(environment.host).origin != origin:
                return False
        except ConfigError:
            return True
    project = (environment.project or "").strip()
    return not (project.isdigit() and project != str(project_id))
