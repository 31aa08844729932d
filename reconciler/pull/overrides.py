"""The per-environment overrides of phsync.yaml, as pull sees them: which manifest fields
each one sets, and where it is written. Pure.

A drifted field that an override sets is not the base manifest's to record. With ``--env
NAME``, pull writes NAME's overrides in phsync.yaml; without it, pull cannot tell which
environment PostHog is, so it writes no field that any environment overrides and names the
override instead.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler import paths
from reconciler.config import Environment
from reconciler.model import ResourceKey, SourceLocation

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

