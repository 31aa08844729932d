"""`phsync.yaml`: the configuration file at the root of a repository of manifests.

Today it lists which paths hold manifests (``paths``), relative to the file. A directory given
on the command line that holds a ``phsync.yaml`` with ``paths`` stands for those paths; with no
PATH, the current directory is used that way.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import ConfigError

CONFIG_NAME = "phsync.yaml"
KNOWN_KEYS = ("paths",)


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    paths: tuple[str, ...] = ()


def read_config(directory: Path) -> ProjectConfig | None:
    path = directory / CONFIG_NAME
    if not path.is_file():
        return None
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of settings")
    for key in data:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
            known = "known settings: " + ", ".join(KNOWN_KEYS)
            hint = f"did you mean {close[0]!r}?" if close else known
            raise ConfigError(f"{path}: unknown setting {key!r}", hint=hint)
    paths = data.get("paths") or []
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ConfigError(f"{path}: `paths` must be a list of paths relative to the file")
    return ProjectConfig(root=directory, paths=tuple(paths))


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
