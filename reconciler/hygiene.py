"""Flag hygiene in the plan (pure): deletes and turn-offs of flags that code still reads, and
new flags that no code reads yet. The scan itself (I/O) is :func:`scan_configured`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from reconciler.coderefs import CodeRef, compile_forms, scan
from reconciler.config import ProjectConfig
from reconciler.model import Action
from reconciler.plan import Change, Plan


def scan_configured(roots: Sequence[str], config: ProjectConfig | None) -> list[CodeRef]:
    """The references in ``roots``, read with the patterns and excludes of phsync.yaml."""
    settings = config.code_refs if config is not None else None
    forms = compile_forms(list(settings.patterns) if settings else [])
    return scan(roots, forms, settings.exclude if settings else ())


def where_text(places: Sequence[str], shown: int = 1) -> str:
    """``src/web/app.ts:2 (and 3 more)``."""
    rest = len(places) - shown
    head = ", ".join(places[:shown])
    return f"{head} (and {rest} more)" if rest > 0 else head


def turns_off(change: Change) -> bool:
    """An update or adoption that sets an active flag's ``active`` to false."""
    return change.action in (Action.UPDATE, Action.ADOPT) and any(
        field.path == "active" and field.before is not False and field.after is False
        for field in change.fields
    )


def annotate(plan: Plan, refs: Sequence[CodeRef]) -> Plan:
    """``plan`` with each flag delete and turn-off that code still reads marked with where
    (``Change.references`` and a warning), and the new flags no code reads listed."""
    by_key: dict[str, list[str]] = {}
    for ref in sorted(refs):
        by_key.setdefault(ref.key, []).append(ref.where)
    changes: list[Change] = []
    unreferenced: list[str] = []
    for change in plan.changes:
        if change.key.kind != "FeatureFlag":
            changes.append(change)
            continue
        places = by_key.get(change.key.name, [])
        if change.action is Action.CREATE and not places:
            unreferenced.append(change.key.name)
        if places and (change.action is Action.DELETE or turns_off(change)):
            change = replace(
                change,
                references=tuple(places),
                warnings=(*change.warnings, f"still referenced at {where_text(places)}"),
            )
        changes.append(change)
    return replace(
        plan, changes=tuple(changes), code_scanned=True, unreferenced_new=tuple(unreferenced)
    )
