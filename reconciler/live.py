"""Reading the live project: one paginated list pass per kind, never one GET per object.

The one exception is a dashboard whose manifest declares text tiles: PostHog's dashboard list
leaves tiles out, so that dashboard alone is read in full. Export reads every dashboard in full
except the usage dashboards PostHog generates for flags (one per flag made in its UI: thousands
in a big project), which it skips from the list alone; the rest are read a few at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from reconciler.assembly import Assembly
from reconciler.model import KINDS, ResourceKey
from reconciler.plan import LiveState
from reconciler.resources import REGISTRY
from reconciler.resources.base import Directory, LiveObject

ProgressFn = Callable[[str], None]
# The reserved flag that holds the apply lock (see reconciler.lock): never a managed object.
LOCK_FLAG_KEY = "phsync-apply-lock"


class ApiClient(Protocol):
    """What the engine needs from :class:`reconciler.client.PostHogClient`."""

    def project_path(self, suffix: str) -> str: ...

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Any: ...

    def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> Any: ...


def managed_duplicates(live: LiveState) -> list[str]:
    """One line per identity that more than one managed object holds, oldest id first.

    Annotations may share a place: only those with the same place and content are copies."""
    lines = []
    for kind, objects in live.objects.items():
        adapter = REGISTRY[kind]
        groups: dict[str, list[LiveObject]] = {}
        for obj in objects:
            if obj.managed:
                same = adapter.identity(obj.spec)
                if kind == "Annotation":
                    same += f" {obj.spec.get('content')}"
                groups.setdefault(same, []).append(obj)
        for group in groups.values():
            if len(group) < 2:
                continue
            ids = sorted(obj.id for obj in group)
            lines.append(
                f"{kind} {group[0].name!r} exists {len(ids)} times in PostHog, each marked as "
                f"managed by phsync (ids {', '.join(map(str, ids))}): a duplicate, as when two "
                f"applies run at once; `apply --prune` keeps id {ids[0]} and deletes the others"
            )
    return lines


def ambiguous_names(live: LiveState) -> dict[ResourceKey, tuple[int, ...]]:
    """Names that several live objects hold, none of them managed by phsync: a reference by
    such a name could mean any of them. (A name with one managed holder means that one.)"""
    found: dict[ResourceKey, tuple[int, ...]] = {}
    for kind, objects in live.objects.items():
        if kind not in ("Cohort", "Dashboard", "Action"):
            continue
        groups: dict[str, list[LiveObject]] = {}
        for obj in objects:
            groups.setdefault(REGISTRY[kind].identity(obj.spec), []).append(obj)
        for name, group in groups.items():
            if len(group) > 1 and not any(obj.managed for obj in group):
                found[ResourceKey(kind, name)] = tuple(sorted(obj.id for obj in group))
    return found


GENERATED_DASHBOARD_PREFIX = "Generated Dashboard: "
# Full dashboard reads in flight at once: enough to hide the network's latency; the client's
# rate budget, shared by the threads, still paces them.
DASHBOARD_READERS = 4


def is_generated_dashboard(raw: Mapping[str, Any]) -> bool:
    """A usage dashboard PostHog made for a flag ("Generated Dashboard: KEY Usage", from a
    template), told apart by PostHog's list alone, so it never needs a read of its own."""
    name = str(raw.get("name") or "")
    return name.startswith(GENERATED_DASHBOARD_PREFIX) and raw.get("creation_mode") in (
        None,
        "template",
    )


def _read_dashboards(
    client: ApiClient, boards: list[dict[str, Any]], indexes: list[int]
) -> list[dict[str, Any]]:
    """The dashboards at ``indexes`` read in full, a few at once, in their order."""

    def read(index: int) -> dict[str, Any]:
        full: dict[str, Any] = client.request(
            "GET", client.project_path(f"dashboards/{boards[index]['id']}/")
        )
        return full

    if len(indexes) <= 1:
        return [read(i) for i in indexes]
    with ThreadPoolExecutor(max_workers=min(DASHBOARD_READERS, len(indexes))) as pool:
        return list(pool.map(read, indexes))


RawLists = dict[str, list[dict[str, Any]]]
# Kinds whose lists are read at once. Each list is its own chain of pages (each page names
# the next), so one kind is read a page at a time; reading the kinds side by side hides the
# network's latency of all but the longest chain. The client's rate budget paces them all.
LIST_READERS = 4
# How many more objects of a list arrive before those are made into live objects (a list page
# holds up to 1,000).
GROWING_STEP = 250
# The user records PostHog nests in every object (the same few people, thousands of times).
USER_FIELDS = ("created_by", "last_modified_by")


class _SharedUsers:
    """One copy of each distinct user record: a project read whole holds tens of thousands of
    identical ``created_by`` dicts, which cost more memory than some kinds' own fields."""

    def __init__(self) -> None:
        self._seen: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}

    def share(self, raw: dict[str, Any]) -> None:
        for field in USER_FIELDS:
            user = raw.get(field)
            if not isinstance(user, dict):
                continue
            try:
                raw[field] = self._seen.setdefault(tuple(user.items()), user)
            except TypeError:  # a value that cannot be hashed: keep this record as it is
                continue


def read_lists(
    client: ApiClient,
    *,
    kinds: Collection[str] = KINDS,
    progress: ProgressFn | None = None,
    stop: Callable[[], bool] = lambda: False,
    into: Assembly | None = None,
) -> RawLists:
    """Every kind's list pages (up to :data:`LIST_READERS` kinds at once, each in its order);
    ``stop()`` is asked between objects and ends the reading early (what was read so far is
    returned, and is not to be planned against). Each list is handed to ``into`` as it grows
    and once whole (never a list cut short), on the thread that reads it. The first error
    stops the other readers."""
    failed = threading.Event()
    users = _SharedUsers()

    def halted() -> bool:
        return failed.is_set() or stop()

    def read(kind: str) -> list[dict[str, Any]]:
        adapter = REGISTRY[kind]
        if progress:
            progress(f"reading {adapter.collection}")
        found: list[dict[str, Any]] = []
        try:
            for raw in client.paginate(client.project_path(f"{adapter.collection}/")):
                if kind == "FeatureFlag" and raw.get("key") == LOCK_FLAG_KEY:
                    continue  # phsync's apply lock: never planned, exported or pruned
                users.share(raw)
                found.append(raw)
                if halted():
                    return found
                if into is not None and len(found) % GROWING_STEP == 0:
                    into.growing(kind, found)
            if into is not None:
                into.arrived(kind, found)
        except BaseException:
            failed.set()
            raise
        return found

    ordered = list(kinds)
    if len(ordered) <= 1:
        return {kind: read(kind) for kind in ordered}
    with ThreadPoolExecutor(max_workers=min(LIST_READERS, len(ordered))) as pool:
        return dict(zip(ordered, pool.map(read, ordered), strict=True))


def read_live(
    client: ApiClient,
    *,
    kinds: Collection[str] = KINDS,
    progress: ProgressFn | None = None,
    stop: Callable[[], bool] = lambda: False,
    into: Assembly | None = None,
) -> Assembly:
    """Every kind's list, made into live objects as it arrives (``into``, or a new
    :class:`Assembly`; see :func:`read_lists` for ``stop``)."""
    assembly = into if into is not None else Assembly(kinds)
    try:
        read_lists(client, kinds=kinds, progress=progress, stop=stop, into=assembly)
    finally:
        assembly.end()
    return assembly


def live_from_lists(
    client: ApiClient,
    assembly: Assembly,
    *,
    dashboards_with_tiles: Collection[str] = (),
    every_dashboard_in_full: bool = False,
    progress: ProgressFn | None = None,
) -> tuple[LiveState, Directory]:
    """The live state from the lists, the dashboards that need it read in full."""
    wanted = set(dashboards_with_tiles)
    boards = assembly.lists().get("Dashboard", [])
    to_read = [
        index
        for index, raw in enumerate(boards)
        if (every_dashboard_in_full and not is_generated_dashboard(raw))
        or raw.get("name") in wanted
    ]
    if to_read and progress:
        progress(f"reading {len(to_read)} dashboards in full")
    fulls = _read_dashboards(client, boards, to_read)
    return assembly.finished(dict(zip(to_read, fulls, strict=True)))


def fetch_live(
    client: ApiClient,
    *,
    kinds: Collection[str] = KINDS,
    dashboards_with_tiles: Collection[str] = (),
    every_dashboard_in_full: bool = False,
    progress: ProgressFn | None = None,
) -> tuple[LiveState, Directory]:
    """List every kind once, then read in full the dashboards whose manifests declare tiles."""
    return live_from_lists(
        client,
        read_live(client, kinds=kinds, progress=progress),
        dashboards_with_tiles=dashboards_with_tiles,
        every_dashboard_in_full=every_dashboard_in_full,
        progress=progress,
    )
