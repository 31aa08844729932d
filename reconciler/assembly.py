"""Live objects from PostHog's lists: the names and ids of every object (the directory) and
each object in canonical form.

A project's lists arrive page by page, and turning them into live objects is CPU work (ids
become names, PostHog's forms become phsync's). :class:`Assembly` does it as the pages arrive,
on the threads that read them: the work fills the time the reading leaves free, rather than
waiting for the last page of the longest list. An object is made once the lists of the kinds
it names are whole; one that named an object of a list still arriving (a flag that depends on
another flag) is made again once that list is whole, since a later page may change which
object holds a name.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from reconciler.model import KINDS, ResourceKey
from reconciler.plan import LiveState
from reconciler.resources import REGISTRY
from reconciler.resources.base import Directory, LiveObject

Raw = dict[str, Any]


def _identity_of_raw(kind: str, raw: Mapping[str, Any]) -> str | None:
    if kind == "FeatureFlag":
        return raw.get("key")
    if kind in ("Cohort", "Dashboard", "Action", "Insight"):
        return raw.get("name")
    return None


def directory_part(kind: str, objects: Collection[Raw]) -> Directory:
    """Names <-> ids of one kind's live objects; where names repeat, a managed object wins
    (the oldest).

    A managed object that repeats the name of an older managed one (two applies that ran at
    once both created it) gets no name of its own: a reference to it reads as ``#ID``, so a
    plan points it at the object that stays before ``--prune`` deletes the newer one.
    """
    directory = Directory()
    adapter = REGISTRY[kind]
    ordered = sorted(objects, key=lambda raw: (adapter.is_managed(raw), -int(raw["id"])))
    for raw in ordered:
        name = _identity_of_raw(kind, raw)
        if name is not None:
            directory.add(kind, name, int(raw["id"]))
    for raw in ordered:
        name = _identity_of_raw(kind, raw)
        object_id = int(raw["id"])
        kept = directory.ids.get(ResourceKey(kind, name)) if name is not None else None
        if kept is not None and kept != object_id and adapter.is_managed(raw):
            del directory.names[(kind, object_id)]
    return directory


def build_directory(raw_by_kind: Mapping[str, Collection[Raw]]) -> Directory:
    """Names <-> ids of every live object in the lists (see :func:`directory_part`)."""
    directory = Directory()
    for kind, objects in raw_by_kind.items():
        directory.include(directory_part(kind, objects))
    return directory


def to_live_object(kind: str, raw: Raw, directory: Directory) -> LiveObject:
    adapter = REGISTRY[kind]
    spec = adapter.from_live(raw, directory)
    return LiveObject(
        kind=kind,
        id=int(raw["id"]),
        name=adapter.display_name(spec),
        managed=adapter.is_managed(raw),
        raw=raw,
        spec=spec,
        version=adapter.version(raw, spec),
    )


class _Watching(Directory):
    """The names of the kinds read whole so far, noting whether a name of a kind still being
    read was asked for (that answer may change)."""

    def __init__(self, whole: Directory, pending: Collection[str]) -> None:
        super().__init__(ids=whole.ids, names=whole.names)
        self.pending = pending
        self.asked_pending = False

    def name_of(self, kind: str, object_id: Any) -> str:
        if kind in self.pending:
            self.asked_pending = True
        return super().name_of(kind, object_id)


class Assembly:
    """The live objects of ``kinds``, made as their lists arrive. Each kind's reading thread
    calls :meth:`growing` as its list grows and :meth:`arrived` once with the whole list;
    :meth:`finished` once every kind has arrived."""

    def __init__(self, kinds: Collection[str] = KINDS) -> None:
        self.kinds = tuple(kinds)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a kind made, or the reading ended
        self._ended = False
        self._lists: dict[str, list[Raw]] = {}
        self._parts: dict[str, Directory] = {}
        self._objects: dict[str, list[LiveObject]] = {}
        self._taken: set[str] = set()
        # Objects made before their list was whole, and which of them to make again.
        self._early: dict[str, list[LiveObject]] = {}
        self._again: dict[str, list[int]] = {}

    @classmethod
    def of(cls, raw_by_kind: Mapping[str, list[Raw]]) -> Assembly:
        """The assembly of lists read already."""
        assembly = cls(raw_by_kind)
        for kind, objects in raw_by_kind.items():
            assembly.arrived(kind, objects)
        return assembly

    def lists(self) -> dict[str, list[Raw]]:
        """The lists as they arrived, in the order of ``kinds``."""
        return {kind: self._lists[kind] for kind in self.kinds if kind in self._lists}

    def made(self) -> dict[str, int]:
        """How many objects of each kind are made so far."""
        with self._lock:
            counts = {kind: len(objects) for kind, objects in self._early.items()}
            counts.update((kind, len(objects)) for kind, objects in self._objects.items())
        return counts

    def growing(self, kind: str, objects: list[Raw]) -> None:
        """``kind``'s list so far (the same list, longer at each call, on the thread that reads
        it): make the objects not made yet, once the other kinds they name are whole."""
        with self._lock:
            named = [other for other in REGISTRY[kind].refers_to if other in self.kinds]
            if any(other not in self._parts for other in named if other != kind):
                return
            whole = self._names_for(kind)
            pending = [other for other in named if other not in self._parts]
        early = self._early.setdefault(kind, [])
        again = self._again.setdefault(kind, [])
        watching = _Watching(whole, pending)
        for raw in objects[len(early) :]:
            watching.asked_pending = False
            early.append(to_live_object(kind, raw, watching))
            if watching.asked_pending:
                again.append(len(early) - 1)

    def arrived(self, kind: str, objects: list[Raw]) -> None:
        """``kind``'s whole list is in: make every kind that is ready now and that no other
        thread has taken."""
        part = directory_part(kind, objects)
        with self._lock:
            self._lists[kind] = objects
            self._parts[kind] = part
            ready = [
                waiting
                for waiting in self._lists
                if waiting not in self._taken and self._named_are_in(waiting)
            ]
            self._taken.update(ready)
        for waiting in ready:
            made = self._make(waiting)
            with self._changed:
                self._objects[waiting] = made
                self._changed.notify_all()

    def end(self) -> None:
        """The reading is over (whole, failed or stopped): :meth:`as_made` waits no more."""
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def as_made(self) -> Iterator[tuple[str, list[LiveObject]]]:
        """Each kind and its live objects as soon as they are made, until every kind is or
        the reading ends; for a thread other than the readers."""
        given: set[str] = set()
        while len(given) < len(self.kinds):
            with self._changed:
                ready = self._changed.wait_for(
                    lambda: [k for k in self.kinds if k in self._objects and k not in given]
                    or self._ended
                )
            if not isinstance(ready, list):  # ended, and nothing more was made
                return
            for kind in ready:
                given.add(kind)
                yield kind, self._objects[kind]

    def _make(self, kind: str) -> list[LiveObject]:
        """Every object of ``kind``, whose list and the lists it names are whole: those made
        early are kept, unless they named an object of a list that was not whole then."""
        with self._lock:
            objects = self._lists[kind]
            made, again = self._early.pop(kind, []), self._again.pop(kind, [])
            directory = self._names_for(kind)
        for index in again:
            made[index] = to_live_object(kind, objects[index], directory)
        made.extend(to_live_object(kind, raw, directory) for raw in objects[len(made) :])
        return made

    def _named_are_in(self, kind: str) -> bool:
        named = REGISTRY[kind].refers_to
        return all(other in self._parts for other in named if other in self.kinds)

    def _names_for(self, kind: str) -> Directory:
        directory = Directory()
        for other in REGISTRY[kind].refers_to:
            if other in self._parts:
                directory.include(self._parts[other])
        return directory

    def finished(self, read_again: Mapping[int, Raw] | None = None) -> tuple[LiveState, Directory]:
        """The live state and the directory; ``read_again`` holds dashboards read in full
        since their list arrived (by their index in it), which replace the listed ones."""
        missing = [kind for kind in self.kinds if kind not in self._objects]
        if missing:
            raise RuntimeError(f"the lists of {', '.join(missing)} were not all read")
        if read_again:
            boards, made = self._lists["Dashboard"], self._objects["Dashboard"]
            directory = self._names_for("Dashboard")
            for index, full in read_again.items():
                boards[index] = full
                made[index] = to_live_object("Dashboard", full, directory)
        directory = Directory()
        for kind in self.kinds:
            directory.include(self._parts[kind])
        return LiveState(objects={kind: self._objects[kind] for kind in self.kinds}), directory
