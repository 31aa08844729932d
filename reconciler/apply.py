"""Carrying out a plan: dependency order, bounded parallelism, and no duplicates.

Creates, adoptions and updates run in waves: an object's wave comes after every object it
refers to, and the objects of one wave run in parallel (at most ``parallelism`` at once, all
inside the client's rate budget). Deletes run after, kinds in reverse dependency order.
A create whose outcome is unknown (a dropped connection, a timeout, a 5xx) is never simply
sent again: the object is first looked up by its identity.
On the first failure nothing new starts; what was done and what was not is reported.
Ctrl-C does the same (see :mod:`reconciler.interrupt`): the first one starts nothing new and
waits for the changes in flight, a second one stops waiting.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any

from reconciler import guarded, paths
from reconciler.assembly import to_live_object
from reconciler.client.retry import RetryPolicy
from reconciler.errors import (
    ApplyError,
    ApplyInterruptedError,
    ConflictError,
    NotFoundError,
    PhsyncError,
    ServerError,
    TransportError,
)
from reconciler.gated_writes import Awaiting, patch_flag
from reconciler.interrupt import HardInterrupt, InterruptWatcher, interrupted_report
from reconciler.live import ApiClient
from reconciler.model import Action, ResourceKey
from reconciler.placement import place_insights, settle_tiles
from reconciler.plan import Change, LiveState, Plan
from reconciler.resources import REGISTRY, annotation
from reconciler.resources.base import Directory, LiveObject, UnresolvedReference
from reconciler.waves import delete_waves, waves

__all__ = ["Applier", "Outcome", "delete_waves", "waves"]

CREATE_ATTEMPTS = 4  # as many tries as the client gives a request it may repeat
_RETRY = RetryPolicy()
# Kinds whose list filters on the identity with ?search= (flags by key, cohorts by name).
_SEARCHABLE = frozenset({"FeatureFlag", "Cohort"})


@dataclass(frozen=True)
class Outcome:
    """A change carried out, or (``awaiting``) held by PostHog for approval."""

    change: Change
    object_id: int | None
    awaiting: Awaiting | None = None

    def describe(self) -> str:
        if self.awaiting is not None:
            request = self.awaiting.request
            status = "still awaiting" if request.already_open else "awaiting"
            held = self.awaiting.held_back
            then = f"; then phsync sends {', '.join(held)}" if held else ""
            return (
                f"{status} approval in PostHog: {self.change.key} (id {self.object_id}): "
                f"{request.describe()}{then}"
            )
        past = {"create": "created", "adopt": "adopted", "update": "updated", "delete": "deleted"}
        return f"{past[self.change.action.value]} {self.change.key} (id {self.object_id})"


ProgressFn = Callable[[Outcome, int, int], None]
NoticeFn = Callable[[str], None]
_POLL_SECONDS = 0.05  # how soon the executor loop notices a stop request


class Applier:
    """Applies one plan against one client; holds the shared directory of names and ids."""

    def __init__(
        self,
        client: ApiClient,
        live: LiveState,
        directory: Directory,
        *,
        parallelism: int = 4,
        progress: ProgressFn | None = None,
        sleep: Callable[[float], None] = time.sleep,
        notice: NoticeFn | None = None,
        usage_dashboards: bool | None = None,
    ) -> None:
        self.client = client
        self.usage_dashboards = usage_dashboards
        self._sleep = sleep
        self.live = live
        self.directory = directory
        self.parallelism = max(1, parallelism)
        self.progress = progress
        self.notice = notice
        self._lock = threading.Lock()
        self._done: list[Outcome] = []
        self._running: set[ResourceKey] = set()
        self._watcher = InterruptWatcher(on_first=self._on_first_interrupt)
        self._total = 0
        self._where: tuple[str, int | str | None] = ("", None)
        self._by_id: dict[tuple[str, int], LiveObject] = {
            (obj.kind, obj.id): obj for objs in live.objects.values() for obj in objs
        }

    def apply(self, plan: Plan) -> list[Outcome]:
        upserts = [c for c in plan.changes if c.action is not Action.DELETE]
        deletes = [c for c in plan.changes if c.action is Action.DELETE]
        self._total = len(plan.changes)
        self._where = (plan.host, plan.project_id)
        stages = [*waves(upserts), *delete_waves(deletes, self.live)]
        with self._watcher:
            for stage in stages:
                if self._watcher.stop.is_set():
                    break
                self._run_stage(stage, plan)
        if self._watcher.stop.is_set():
            raise self._interrupted(plan, in_flight=())
        return list(self._done)

    def _run_stage(self, stage: list[Change], plan: Plan) -> None:
        """Run one wave; on a failure or a stop request start nothing more, let the changes
        in flight finish (a second Ctrl-C stops waiting for them)."""
        pool = ThreadPoolExecutor(max_workers=min(self.parallelism, len(stage)))
        futures: dict[Future[Outcome | None], Change] = {}
        try:
            for change in stage:
                futures[pool.submit(self._start, change)] = change
            pending: set[Future[Outcome | None]] = set(futures)
            failed: list[Future[Outcome | None]] = []
            while pending and not failed and not self._watcher.stop.is_set():
                finished, pending = wait(
                    pending, timeout=_POLL_SECONDS, return_when=FIRST_EXCEPTION
                )
                failed = [f for f in finished if f.exception() is not None]
            for future in futures:
                future.cancel()
            wait(futures)
            failed = [f for f in futures if not f.cancelled() and f.exception() is not None]
            if failed and not self._watcher.stop.is_set():  # (stopped: the report says all)
                self._fail(plan, futures[failed[0]], failed[0].exception())
        except HardInterrupt:
            raise self._interrupted(plan, in_flight=tuple(self._running)) from None
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _start(self, change: Change) -> Outcome | None:
        """Carry out one change unless a stop was requested before it started."""
        with self._lock:
            if self._watcher.stop.is_set():
                return None
            self._running.add(change.key)
        try:
            return self._one(change)
        finally:
            with self._lock:
                self._running.discard(change.key)

    def _on_first_interrupt(self) -> None:
        if self.notice is None:
            return
        count = len(self._running)
        waiting = (
            f"waiting for the {count} change(s) in flight to finish (their requests are "
            "under way: seconds, usually); press Ctrl-C again to stop waiting"
            if count
            else "no change is in flight"
        )
        self.notice(f"Interrupted: starting no new changes; {waiting}.")

    def _interrupted(
        self, plan: Plan, in_flight: tuple[ResourceKey, ...]
    ) -> ApplyInterruptedError:
        done = [(o.change.key, o.describe()) for o in self._done]
        return interrupted_report([c.key for c in plan.changes], done, in_flight)

    def _record(self, outcome: Outcome) -> None:
        with self._lock:
            self._done.append(outcome)
            if self.progress:
                self.progress(outcome, len(self._done), self._total)

    def _fail(self, plan: Plan, change: Change, exc: BaseException | None) -> None:
        done_keys = {o.change.key for o in self._done}
        not_done = [str(c.key) for c in plan.changes if c.key not in done_keys]
        reason = str(exc) if exc is not None else "unknown error"
        done = ", ".join(o.describe() for o in self._done) or "nothing"
        raise ApplyError(
            f"apply stopped at {change.key} ({change.action.value}): {reason}\n"
            f"  done ({len(self._done)}): {done}\n"
            f"  not done ({len(not_done)}): " + ", ".join(not_done),
            done=[o.describe() for o in self._done],
            not_done=not_done,
            hint="fix the cause and run apply again; it picks up where this one stopped",
        ) from exc

    # -- one change -----------------------------------------------------------------------

    def _one(self, change: Change) -> Outcome:
        adapter = REGISTRY[change.key.kind]
        base = self.client.project_path(f"{adapter.collection}/")
        try:
            if change.action is Action.CREATE:
                return self._create(change, base)
            if change.action is Action.DELETE:
                self._delete(f"{base}{change.object_id}/")
                return self._finish(change, change.object_id)
            return self._update(change, base)
        except UnresolvedReference as exc:
            raise PhsyncError(
                f"{change.key} refers to {exc.key}, which exists neither in the manifests "
                "nor in PostHog"
            ) from None

    def _delete(self, url: str) -> None:
        """Soft delete; an object already gone counts as deleted.

        The client repeats a PATCH whose answer was lost; if the first one went through,
        PostHog answers the second with 404 for a dashboard (it hides deleted dashboards from
        everything but an undelete). The object is gone, as wanted.
        """
        try:
            self.client.request("PATCH", url, json={"deleted": True})
        except NotFoundError:
            return

    def _finish(
        self, change: Change, object_id: int | None, awaiting: Awaiting | None = None
    ) -> Outcome:
        outcome = Outcome(change, object_id, awaiting)
        self._record(outcome)
        return outcome

    def _update(self, change: Change, base: str) -> Outcome:
        assert change.desired is not None and change.object_id is not None
        adapter = REGISTRY[change.key.kind]
        live = self._by_id.get((change.key.kind, change.object_id))
        if live is None:
            raise PhsyncError(f"{change.key} (id {change.object_id}) is no longer in PostHog")
        ignore = tuple(paths.parse(p) for p in change.ignore)
        body = _stamped(
            change,
            adapter.update_body(change.desired, change.field_names, live, self.directory, ignore),
        )
        url = f"{base}{change.object_id}/"
        carried = change.carried_by_request
        if carried is not None:  # an open change request already asks for it: send nothing
            still = replace(carried, already_open=True)
            return self._finish(change, change.object_id, Awaiting(still))
        awaiting = None
        if change.key.kind != "FeatureFlag":
            guarded.check_unchanged(self.client, change, live, url, self.directory)
        try:
            if change.key.kind == "FeatureFlag":
                body = guarded.with_version(body, live)
                host, project_id = self._where
                awaiting = patch_flag(self.client, url, body, host=host, project_id=project_id)
            else:
                self._patch(change, url, body)
        except ConflictError:
            raise guarded.changed_since_plan(self.client, change) from None
        return self._finish(change, change.object_id, awaiting)

    def _create(self, change: Change, base: str) -> Outcome:
        assert change.desired is not None
        adapter = REGISTRY[change.key.kind]
        body = _stamped(change, adapter.create_body(change.desired, self.directory))
        if change.key.kind == "FeatureFlag" and self.usage_dashboards is not None:
            body["_should_create_usage_dashboard"] = self.usage_dashboards  # phsync.yaml
        created: Mapping[str, Any] | None = None
        for attempt in range(CREATE_ATTEMPTS):
            try:
                created = self.client.request("POST", base, json=body)
                break
            except (TransportError, ServerError) as exc:
                if isinstance(exc, TransportError) and not exc.ambiguous and attempt == 0:
                    continue
                created = self._find_existing(change, base)
                if created is not None:
                    break
                if attempt == CREATE_ATTEMPTS - 1 or self._watcher.stop.is_set():
                    raise  # (after Ctrl-C: no waiting to try again)
                # Not there: PostHog failed before acting. Wait as the client waits before
                # repeating a safe request, so a short outage does not use up every try.
                self._sleep(_RETRY.backoff(attempt + 1, random.random()))
        assert created is not None
        object_id = int(created["id"])
        self.directory.add(change.key.kind, adapter.identity(change.desired), object_id)
        followup = adapter.create_followup(change.desired, created)
        if followup:
            self._patch(change, f"{base}{object_id}/", followup)
        return self._finish(change, object_id)

    def _patch(self, change: Change, url: str, body: Mapping[str, Any]) -> None:
        placed = None
        if change.key.kind == "Dashboard" and "tiles" in body and change.desired:
            placed = place_insights(self.client, change.desired, url, self.directory)
        if placed is not None:  # the tiles again, now that the new insight tiles exist
            live = to_live_object("Dashboard", placed, self.directory)
            tiles = REGISTRY["Dashboard"].update_body(
                change.desired or {}, frozenset({"tiles"}), live, self.directory
            )["tiles"]
            body = {**body, "tiles": tiles}
        self.client.request("PATCH", url, json=body)
        if change.key.kind == "Dashboard" and (_adds_tiles(body) or placed is not None):
            settle_tiles(self.client, change, url, self.directory, CREATE_ATTEMPTS)

    def _find_existing(self, change: Change, base: str) -> Mapping[str, Any] | None:
        """After a create whose outcome is unknown: is the object there already?

        A look-up that fails cannot tell, so it stops the apply rather than answer "no":
        sending the create again could make a second object.
        """
        assert change.desired is not None
        adapter = REGISTRY[change.key.kind]
        want = adapter.identity(change.desired)
        params = {"search": want} if change.key.kind in _SEARCHABLE else None
        handle = _stamped(change, adapter.create_body(change.desired, self.directory))
        try:
            for raw in self.client.paginate(base, params):
                obj = to_live_object(change.key.kind, raw, self.directory)
                if not obj.managed or adapter.identity(obj.spec) != want:
                    continue
                # Several annotations may share a place: the one sent carries its handle.
                if change.key.kind != "Annotation" or raw.get("content") == handle["content"]:
                    return dict(raw)
        except PhsyncError as exc:
            raise PhsyncError(
                f"cannot tell whether {change.key} was created: its answer was lost and "
                f"looking it up failed ({exc.message}); phsync does not send it again blindly",
                hint="run apply again: it reads the project first and creates only what is "
                "missing",
            ) from None
        return None


def _stamped(change: Change, body: dict[str, Any]) -> dict[str, Any]:
    """An annotation's body with its manifest's handle in the content (see the annotation
    module); other kinds' bodies as they are."""
    if change.key.kind == "Annotation":
        return annotation.stamp(body, change.key.name)
    return body


def _adds_tiles(body: Mapping[str, Any]) -> bool:
    """Whether a dashboard PATCH creates tiles (entries without an id)."""
    return any(isinstance(t, Mapping) and "id" not in t for t in body.get("tiles") or ())
