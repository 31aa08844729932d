"""What pull says it wrote and what it left: lines of text for a person. Pure."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.pull.planner import PullPlan, Written

_CUT = 70
_LISTED = 10


@dataclass(frozen=True)
class FileText:
    """One file pull changes: its text before and after."""

    path: str
    before: str
    after: str

    def unified_diff(self) -> str:
        """As git shows it (``a/`` and ``b/`` before a relative path); a new file from
        /dev/null."""
        relative = not os.path.isabs(self.path)
        old = f"a/{self.path}" if relative else self.path
        new = f"b/{self.path}" if relative else self.path
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=old if self.before else "/dev/null",
                tofile=new,
            )
        )


def value_text(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))
    return text if len(text) <= _CUT else text[: _CUT - 1] + "…"


def _line(item: Written) -> str:
    if item.removed:
        return f"  - {item.path} (was {value_text(item.before)})"
    if item.added:
        return f"  + {item.path}: {value_text(item.after)}"
    if _nested_list(item.before) and _nested_list(item.after):
        return f"  ~ {item.path}: {len(item.before)} → {len(item.after)} items, written whole"
    return f"  ~ {item.path}: {value_text(item.before)} → {value_text(item.after)}"


def _nested_list(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, dict | list) for v in value)


def summary(pulled: PullPlan, *, dry_run: bool, new_dir: str | None = None) -> Iterator[str]:
    """Per object, each value written and where; then what was not written, and why."""
    heading: tuple[Any, ...] | None = None
    for item in pulled.written:
        here = (item.key, item.file, item.override)
        if here != heading:
            heading = here
            where = f"{item.file}:{item.line}"
            if item.override:
                where += f" ({item.override})"
            by = f", changed in PostHog by {item.by}" if item.by else ""
            yield f"{item.key}  {where}{by}"
        yield _line(item)
    if pulled.findings:
        yield "Not written:"
        yield from (f"  {finding}" for finding in pulled.findings)
    if pulled.new:
        names = ", ".join(str(obj.key) for obj in pulled.new[:_LISTED])
        more = f" and {len(pulled.new) - _LISTED} more" if len(pulled.new) > _LISTED else ""
        if new_dir:
            verb = "would be written" if dry_run else "written"
            yield f"In PostHog, no manifest ({len(pulled.new)}), {verb} in {new_dir}: {names}{more}"
        else:
            yield (
                f"In PostHog, no manifest ({len(pulled.new)}): {names}{more} "
                "(pass --new DIR to write manifests for them)"
            )
    objects = len({item.key for item in pulled.written})
    files = len(pulled.edits)
    if not objects and pulled.findings:
        yield "Nothing written: what differs is listed under \"Not written\", with what to do."
    elif not objects:
        yield "Nothing to pull: the manifests already say what PostHog has."
    elif dry_run:
        yield f"Would pull {objects} object(s) into {files} file(s) (dry run: nothing written)."
    else:
        yield f"Pulled {objects} object(s) into {files} file(s)."


def diffs(files: Sequence[FileText]) -> str:
    return "".join(file.unified_diff() for file in files)
