"""The plan as a pull-request comment: summary first, risky changes in words, then details.

The result never exceeds GitHub's comment limit; when the details do not fit they are cut
with a note saying so.
"""

from __future__ import annotations

from typing import TextIO

from reconciler.model import Action
from reconciler.plan import Change, Plan
from reconciler.render.sentences import sentences
from reconciler.render.values import (
    APPROVALS_NOTE,
    SYMBOLS,
    compact,
    last_change_text,
    lines_for,
    quiet_adopt,
    request_lines,
    summary_line,
)

GITHUB_COMMENT_LIMIT = 65_536
_MARGIN = 400
MAX_RISKS = 50


def _cell(text: str) -> str:
    return "`" + text.replace("|", "\\|").replace("`", "'").replace("\n", " ") + "`"


def _code(text: str) -> str:
    """A code span outside tables: no backtick or line break can end it early."""
    return "`" + text.replace("`", "'").replace("\n", " ") + "`"


def _details(change: Change) -> str:
    ident = f" (id {change.object_id})" if change.object_id is not None else ""
    count = len(change.fields)
    head = (
        f"<details><summary>{SYMBOLS[change.action]} {change.action.value} "
        f"<code>{change.key}</code>{ident}: {count} {_noun(change, count)}</summary>\n\n"
    )
    lines = [head]
    if change.source:
        lines.append(f"Manifest: `{change.source}`\n\n")
    last = last_change_text(change.last_change)
    if last:
        lines.append(f"PostHog: {last}\n\n")
    lines.extend(f"⏳ {_link(line, change)}\n\n" for line in request_lines(change))
    if change.fields:
        if change.action in (Action.CREATE, Action.DELETE):
            lines.append("| field | value |\n|---|---|\n")
            for field in lines_for(change.fields, change.action):
                value = field.after if change.action is Action.CREATE else field.before
                lines.append(f"| {_cell(field.path)} | {_cell(compact(value, 300))} |\n")
        else:
            for sentence in sentences(change.fields, mark=_code, label=_code, limit=300):
                lines.append(f"- {sentence}\n")
    lines.append("\n</details>\n")
    return "".join(lines)


def _adoptions(changes: list[Change]) -> str:
    """Adoptions that change no field, folded into one section."""
    count = len(changes)
    lines = [
        f"<details><summary>{SYMBOLS[Action.ADOPT]} {count} to adopt: phsync writes its "
        f"marker, no field changes</summary>\n\n"
    ]
    lines.extend(f"- <code>{c.key}</code> (id {c.object_id})\n" for c in changes)
    lines.append("\n</details>\n\n")
    return "".join(lines)


def _hygiene(plan: Plan) -> str:
    """Flags still read by code that the plan deletes or turns off, expired flags, and new
    flags no code reads yet (informational): only what applies, nothing when none does."""
    lines: list[str] = []
    for change in plan.changes:
        if change.references:
            verb = "deleted" if change.action is Action.DELETE else "turned off"
            rest = len(change.references) - 1
            more = f" (and {rest} more)" if rest > 0 else ""
            lines.append(
                f"- `{change.key.name}` is {verb} but still read at "
                f"`{change.references[0]}`{more}\n"
            )
    for text in plan.expired:  # "key expired on DATE, owner X (file:line)"
        key, _, said = text.partition(" ")
        lines.append(f"- {_code(key)} {said}\n")
    if plan.unreferenced_new:
        names = ", ".join(_code(name) for name in plan.unreferenced_new[:20])
        extra = len(plan.unreferenced_new) - 20
        lines.append(
            f"- new, not read by any code yet: {names}"
            + (f" and {extra} more" if extra > 0 else "")
            + " _(for information)_\n"
        )
    if not lines:
        return ""
    return "**🧹 Flag hygiene**\n\n" + "".join(lines) + "\n"


def to_markdown(plan: Plan, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    if plan.is_empty:
        env = f" ({plan.environment})" if plan.environment else ""
        head = f"### phsync plan{env}: no changes\n\nPostHog matches the manifests.\n"
        notes = "".join(f"\n_Note: {note}_\n" for note in plan.notes)
        hygiene = _hygiene(plan)
        violations = "\n" + _violations(plan) if plan.violations else ""
        return head + notes + violations + ("\n" + hygiene if hygiene else "")
    env = f" ({plan.environment})" if plan.environment else ""
    parts = [f"### phsync plan{env}: {summary_line(plan.summary())}\n\n"]
    if plan.host:
        parts.append(f"Project `{plan.project_id}` on `{plan.host}`.\n\n")
    if plan.violations:
        parts.append(_violations(plan))
    risky = [(change, warning) for change in plan.changes for warning in change.warnings]
    if risky:
        parts.append("**⚠️ Risky changes**\n\n")
        parts.extend(f"- `{change.key}`: {warning}\n" for change, warning in risky[:MAX_RISKS])
        if len(risky) > MAX_RISKS:
            parts.append(f"- …and {len(risky) - MAX_RISKS} more risky change(s) below\n")
        parts.append("\n")
    parts.append(_hygiene(plan))
    parts.extend(f"_Note: {note}_\n\n" for note in plan.notes)
    waiting = [c for c in plan.changes if c.change_requests]
    if waiting:
        parts.append(f"**⏳ Awaiting approval in PostHog**\n\n{APPROVALS_NOTE}\n\n")
        parts.extend(
            f"- `{c.key}`: {_link(f'change request {r.short_id}', c, r.url)} "
            f"({r.approvals_text()})\n"
            for c in waiting
            for r in c.change_requests
        )
        parts.append("\n")
    quiet = [change for change in plan.changes if quiet_adopt(change)]
    if quiet:
        parts.append(_adoptions(quiet))
    text = "".join(parts)
    shown = [change for change in plan.changes if not quiet_adopt(change)]
    for index, change in enumerate(shown):
        block = _details(change)
        if len(text) + len(block) > limit - _MARGIN:
            left = len(shown) - index
            text += (
                f"\n_…{left} more change(s) not shown: the comment would exceed GitHub's limit. "
                "Run `phsync plan` locally or see the job log for the full plan._\n"
            )
            break
        text += block
    return text


def _violations(plan: Plan) -> str:
    title = "⛔ Policy violations" if plan.blocked else "Policy warnings"
    parts = [f"**{title}**\n\n"]
    for v in plan.violations:
        where = f"`{v.key}`: " if v.key else ""
        level = "" if v.level == "error" else " (warning)"
        parts.append(f"- {where}{v.message} — rule `{v.rule}`{level}. Fix: {v.fix}\n")
    return "".join(parts) + "\n"


def _link(text: str, change: Change, url: str = "") -> str:
    """``text`` as a link to its change request (the plain URL at the end of a line)."""
    for request in change.change_requests:
        if request.url and text.endswith(" " + request.url):
            return f"{text[: -len(request.url) - 1]} ([open in PostHog]({request.url}))"
    return f"[{text}]({url})" if url else text


def render(plan: Plan, stream: TextIO, *, color: bool = False) -> None:
    stream.write(to_markdown(plan))


def _noun(change: Change, count: int) -> str:
    noun = "field" if change.action in (Action.CREATE, Action.DELETE) else "change"
    return noun if count == 1 else noun + "s"
