"""What `phsync plan` writes: the plans on standard output, and saved plans for `apply --plan`."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click

from reconciler.plan import Plan
from reconciler.render import RENDERERS


def render_plans(plans: list[Plan], fmt: str, *, color: bool) -> None:
    """One plan as it is; several (one per environment) one after the other, or as one JSON."""
    if len(plans) == 1:
        RENDERERS[fmt](plans[0], sys.stdout, color=color)
    elif fmt == "json":
        click.echo(json.dumps({"environments": {p.environment: p.to_dict() for p in plans}},
                              indent=2, ensure_ascii=False, default=str))
    else:
        for index, one in enumerate(plans):
            if index:
                click.echo("\n---\n" if fmt == "markdown" else "")
            if fmt == "text":
                click.secho(f"== environment {one.environment}", bold=True, color=color)
            RENDERERS[fmt](one, sys.stdout, color=color)


def out_path(out: str, environment: str | None) -> str:
    """Where ``--out`` saves the plan: a file, or ``plan.json`` in a folder."""
    path = Path(out) / "plan.json" if out.endswith("/") or Path(out).is_dir() else Path(out)
    if environment is None:
        return str(path)
    return str(path.with_name(f"{path.stem}.{environment}{path.suffix or '.json'}"))


def save_plan(the_plan: Plan, out: str) -> None:
    """The plan as JSON at ``out``, written whole or not at all."""
    buffer = io.StringIO()
    RENDERERS["json"](the_plan, buffer)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(buffer.getvalue(), encoding="utf-8")
    partial.replace(target)
    click.echo(f"Saved the plan to {out}; apply exactly it with `phsync apply --plan {out}`.",
               err=True)
