"""The library in-process against the emulator: faster than a subprocess per example."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reconciler import engine
from reconciler.client import PostHogClient
from reconciler.config import read_config
from reconciler.plan import Plan
from reconciler.render import RENDERERS
from reconciler.settings import load_settings


def client_for(emulator: Any, cls: type[PostHogClient] = PostHogClient, **kwargs: Any) -> Any:
    settings = load_settings(
        host=emulator.url,
        project=str(emulator.project_id),
        environ={"POSTHOG_PERSONAL_API_KEY": emulator.api_key},
    )
    return cls(settings, **kwargs)


def plan(client: PostHogClient, root: Path, *, prune: bool = False) -> engine.Planned:
    found = engine.load_manifests([str(root)])
    return engine.make_plan(
        found, client, prune=prune, host=client.origin, project_id=client.resolve_project()
    )


def save(the_plan: Plan, path: Path) -> Path:
    """The plan as `plan --out` writes it."""
    buffer = io.StringIO()
    RENDERERS["json"](the_plan, buffer)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def apply(client: PostHogClient, root: Path, *, prune: bool = False) -> Plan:
    planned = plan(client, root, prune=prune)
    config = read_config(root)  # as `phsync apply ROOT` reads its phsync.yaml
    engine.apply_planned(
        planned, client, usage_dashboards=config.usage_dashboards if config else None
    )
    return planned.plan
