"""What apply says while and after it works: progress, the question's recap, the summary."""

from __future__ import annotations

import click

from reconciler.apply import Outcome
from reconciler.plan import Plan
from reconciler.render.values import summary_line

EXIT_AWAITING = 4  # apply did all it could; PostHog holds some changes for approval


def report(outcome: Outcome, done: int, total: int) -> None:
    click.echo(f"[{done}/{total}] {outcome.describe()}", err=True)


def recap(the_plan: Plan, host: str, project_id: int) -> str:
    """What the question is about, just above it (the plan above may be long)."""
    lines = [
        "",
        f"Host {host}, project {project_id}"
        + (f", environment {the_plan.environment}" if the_plan.environment else "")
        + f": {summary_line(the_plan.summary())}.",
    ]
    risky = [(c, w) for c in the_plan.changes for w in c.warnings]
    if risky:
        lines.append(f"Risky changes ({len(risky)}):")
        lines += [f"  {change.key}: {warning}" for change, warning in risky]
    else:
        lines.append("No risky changes.")
    return "\n".join(lines)


def notice(message: str) -> None:
    click.secho(message, fg="yellow", err=True)


def finished(outcomes: list[Outcome]) -> int:
    """The closing summary; exit 4 when PostHog holds changes for approval."""
    counts = {action: 0 for action in ("create", "adopt", "update", "delete")}
    awaiting = [o for o in outcomes if o.awaiting is not None]
    for outcome in outcomes:
        if outcome.awaiting is None:
            counts[outcome.change.action.value] += 1
    done = summary_line(counts).replace("to ", "")
    if not awaiting:
        click.echo(f"Apply complete: {done}.")
        return 0
    applied = len(outcomes) - len(awaiting)
    click.echo(
        f"Apply complete: {applied} applied ({done}), {len(awaiting)} awaiting approval in "
        "PostHog:"
    )
    for outcome in awaiting:
        click.echo(f"  {outcome.describe()}")
    click.echo(
        "Nothing failed. Approvers accept each change request in PostHog, which then applies "
        "it; running apply again opens no second request."
    )
    return EXIT_AWAITING
