"""The plan for a terminal, Terraform-like; colour only when the caller asks for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

import click

from reconciler.model import Action
from reconciler.plan import Change, Plan
from reconciler.render.sentences import sentences
from reconciler.render.values import (
    SYMBOLS,
    describe,
    last_change_text,
    lines_for,
    quiet_adopt,
    request_lines,
    summary_line,
)

_COLORS = {
    Action.CREATE: "green",
    Action.ADOPT: "cyan",
    Action.UPDATE: "yellow",
    Action.DELETE: "red",
}


def change_lines(change: Change) -> list[str]:
    """The lines under one object: its fields when created or deleted, else its changes."""
    if change.action in (Action.CREATE, Action.DELETE):
        return [describe(field, change.action) for field in lines_for(change.fields, change.action)]
    return sentences(change.fields)


def _hygiene(plan: Plan, out: Callable[..., None]) -> None:
    """Expired flags, and new flags no code reads yet (deletes and turn-offs of flags code
    still reads are marked on their change)."""
    for text in plan.expired:
        out(f"Expired flag: {text}", fg="yellow")
    if plan.unreferenced_new:
        out(f"New flags no code reads yet: {', '.join(plan.unreferenced_new)}")


def render(plan: Plan, stream: TextIO, *, color: bool = False) -> None:
    def out(text: str = "", fg: str | None = None, bold: bool = False) -> None:
        stream.write((click.style(text, fg=fg, bold=bold) if color else text) + "\n")

    env = f"environment {plan.environment}: " if plan.environment else ""
    where = f" ({env}project {plan.project_id} at {plan.host})" if plan.host else ""
    if plan.is_empty:
        out(f"No changes. PostHog matches the manifests{where}.", bold=True)
        for note in plan.notes:
            out(f"Note: {note}")
        _violations(plan, out)
        _hygiene(plan, out)
        return
    out(f"phsync will make these changes{where}:", bold=True)
    out()
    quiet_before = False
    for change in plan.changes:
        symbol = SYMBOLS[change.action]
        ident = f", id {change.object_id}" if change.object_id is not None else ""
        source = f"  [{change.source}]" if change.source else ""
        if quiet_adopt(change):
            out(f"  {symbol} {change.key} (adopt, id {change.object_id}: marker only){source}",
                fg=_COLORS[change.action])
            quiet_before = True
            continue
        if quiet_before:
            out()
            quiet_before = False
        out(f"  {symbol} {change.key} ({change.action.value}{ident}){source}",
            fg=_COLORS[change.action], bold=True)
        for line in change_lines(change):
            out(f"      {line}")
        for warning in change.warnings:
            out(f"      ! {warning}", fg="magenta")
        for line in request_lines(change):
            out(f"      ⏳ {line}", fg="cyan")
        last = last_change_text(change.last_change)
        if last:
            out(f"      ({last})")
        out()
    if quiet_before:
        out()
    for note in plan.notes:
        out(f"Note: {note}")
    _hygiene(plan, out)
    _violations(plan, out)
    out(f"Plan: {summary_line(plan.summary())}.", bold=True)
    if plan.blocked:
        out("This plan breaks the policies of phsync.yaml; apply refuses it.", fg="red", bold=True)


def _violations(plan: Plan, out: Callable[..., None]) -> None:
    if not plan.violations:
        return
    out("Policy violations:", fg="red", bold=True)
    for violation in plan.violations:
        mark = "✗" if violation.level == "error" else "!"
        out(f"  {mark} {violation}", fg="red" if violation.level == "error" else "yellow")
