"""Names inside an insight's query: where a query points at an action or a cohort. Pure.

Manifests name actions (``{kind: ActionsNode, id: NAME}``, retention entities of type
``actions``) and cohorts (property filters ``{type: cohort, value: NAME}``, cohort
breakdowns) where PostHog stores numeric ids. :func:`targets` finds those places and
:func:`rewrite` swaps the value at each of them, either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from reconciler import paths

Target = tuple[str, paths.Path]  # the kind referred to, and the path of the value in the query


def targets(query: Any, where: paths.Path = ()) -> Iterator[Target]:
    """Every action and cohort reference in ``query``, in document order."""
    if isinstance(query, list):
        for index, item in enumerate(query):
            yield from targets(item, (*where, index))
        return
    if not isinstance(query, dict):
        return
    if "id" in query and (query.get("kind") in _ACTION_NODES or query.get("type") == "actions"):
        yield "Action", (*where, "id")
    if query.get("type") == "cohort" and "value" in query and "values" not in query:
        yield "Cohort", (*where, "value")
    breakdown = query.get("breakdown")
    if query.get("breakdown_type") == "cohort":
        items = breakdown if isinstance(breakdown, list) else [breakdown]
        for index, item in enumerate(items):
            if item not in ("all", 0, None):
                yield "Cohort", (*where, "breakdown", *((index,) if items is breakdown else ()))
    for key, value in query.items():
        if isinstance(value, dict | list):
            yield from targets(value, (*where, key))


_ACTION_NODES = ("ActionsNode", "FunnelExclusionActionsNode")


def rewrite(query: Any, swap: Callable[[str, Any], Any]) -> Any:
    """A copy of ``query`` with ``swap(kind, value)`` at every reference."""
    out = _copied(query)
    for kind, path in list(targets(out)):
        paths.put(out, path, swap(kind, paths.get(out, path)))
    return out


def _copied(value: Any) -> Any:
    """A copy of a JSON value (mappings and lists copied all the way down, scalars shared):
    what ``copy.deepcopy`` gives for JSON, at a fraction of its cost (a plan copies the query
    of every insight in the project)."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value
