"""`phsync refs` for people (text) and for a pull-request comment (markdown)."""

from __future__ import annotations

from reconciler.coderefs import CodeRef, Findings

MAX_LISTED = 200  # references listed in full; the count is always given


def more(refs: list[CodeRef] | tuple[CodeRef, ...], shown: int = 1) -> str:
    """``src/web/app.ts:2 (and 3 more)``."""
    head = ", ".join(ref.where for ref in refs[:shown])
    rest = len(refs) - shown
    return f"{head} (and {rest} more)" if rest > 0 else head


def _undeclared_note(live: bool | None, suggestion: str | None) -> str:
    notes = []
    if suggestion:
        notes.append(f"did you mean {suggestion}?")
    if live is True:
        notes.append("exists in PostHog")
    elif live is False:
        notes.append("not in PostHog either")
    return f" ({'; '.join(notes)})" if notes else ""


def render_refs(result: Findings, *, markdown: bool = False) -> str:
    files = len({ref.file for ref in result.refs})
    lines: list[str] = []
    head = "## Flag references\n\n" if markdown else ""
    lines.append(
        f"{head}{len(result.refs)} references to {len({r.key for r in result.refs})} flag keys "
        f"in {files} files; {len(result.declared)} flags declared."
    )
    bullet = "- " if markdown else "  "
    code = (lambda text: f"`{text}`") if markdown else (lambda text: text)
    if result.unreferenced:
        lines.append("")
        lines.append(
            ("### " if markdown else "")
            + f"Declared but not referenced ({len(result.unreferenced)}): candidates for removal"
        )
        for key in result.unreferenced:
            source = result.sources.get(key)
            lines.append(f"{bullet}{code(key)}" + (f"  {source}" if source else ""))
    if result.undeclared:
        lines.append("")
        lines.append(
            ("### " if markdown else "") + f"Referenced but not declared ({len(result.undeclared)})"
        )
        for item in result.undeclared:
            note = _undeclared_note(item.live, item.suggestion)
            lines.append(f"{bullet}{code(item.key)}  {more(item.refs, 3)}{note}")
    if result.refs:
        lines.append("")
        lines.append(("### " if markdown else "") + "References")
        if markdown:
            lines.append("")
            lines.append("| flag | where | form |\n|---|---|---|")
        for ref in result.refs[:MAX_LISTED]:
            if markdown:
                lines.append(f"| `{ref.key}` | `{ref.where}` | `{ref.form}` |")
            else:
                lines.append(f"  {ref.key}  {ref.where}  {ref.form}")
        if len(result.refs) > MAX_LISTED:
            lines.append(f"{bullet}... and {len(result.refs) - MAX_LISTED} more (--format json)")
    if not result.any:
        lines.append("")
        lines.append("Every declared flag is referenced and every referenced key is declared.")
    return "\n".join(lines) + "\n"
