"""One apply at a time per project: a lock held in PostHog itself.

Two CI jobs applying at once share nothing but the PostHog project, so the lock lives there:
one reserved feature flag, ``phsync-apply-lock``, inactive and rolled out to nobody, made once
(without a usage dashboard) by the first apply that needs it and never deleted. Its ``name``
(the description PostHog's UI shows) says whether the lock is free or who holds it:

    phsync apply lock: free
    phsync apply lock: held by ci@runner-7 (pid 41, RUN URL) since 2026-12-04T10:02:11Z {"token": …}

An apply takes the lock with a compare-and-swap: a PATCH of the name that carries the flag's
``version`` and the free name it read (``original_flag``), which PostHog refuses with 409 when
another apply changed the name first. It releases it the same way, only if it still holds it.
The lock flag is not a managed object: plans, exports and prunes never see it.
"""

from __future__ import annotations

import getpass
import json
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.errors import (
    ApplyInterruptedError,
    BadRequestError,
    ConflictError,
    LockHeldError,
    PhsyncError,
)
from reconciler.live import LOCK_FLAG_KEY, ApiClient

PREFIX = "phsync apply lock: "
FREE = PREFIX + "free"
POLL_SECONDS = 2.0
DEFAULT_TIMEOUT = 180.0


# The lock flag's id and version while free: when an apply finds them unchanged as it takes the
# lock, no apply held the lock since they were read. ABSENT: there was no lock flag yet.
Mark = tuple[Any, Any]
ABSENT: Mark = (None, None)


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as its flag says."""

    who: str
    since: str
    token: str

    def describe(self) -> str:
        return f"{self.who} since {self.since}"


def current_holder_text(environ: Mapping[str, str] | None = None) -> str:
    """``user@host (pid N, CI run URL)``: enough for a waiting job to say who it waits for."""
    env = os.environ if environ is None else environ
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    parts = [f"pid {os.getpid()}"]
    run = _ci_run(env)
    if run:
        parts.append(run)
    return f"{user}@{socket.gethostname()} ({', '.join(parts)})"


def _ci_run(env: Mapping[str, str]) -> str | None:
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return env.get("CI_JOB_URL") or None  # GitLab


def held_text(who: str, since: str, token: str) -> str:
    return f"{PREFIX}held by {who} since {since} {json.dumps({'token': token})}"


def parse(name: Any) -> Holder | None:
    """The holder a lock flag's name records, or None when the lock is free."""
    text = str(name or "")
    if not text.startswith(PREFIX + "held by "):
        return None
    body, _, tail = text[len(PREFIX + "held by "):].rpartition(" {")
    try:
        token = str(json.loads("{" + tail)["token"])
    except (ValueError, KeyError, TypeError):
        token = ""
    who, _, since = body.rpartition(" since ")
    return Holder(who=who or body, since=since, token=token)


class ApplyLock:
    """Takes and releases the project's apply lock through ``client``."""

    def __init__(
        self,
        client: ApiClient,
        *,
        who: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.who = who or current_holder_text()
        self.token = uuid.uuid4().hex
        self._sleep = sleep
        self._clock = clock
        self._now = now
        self._path = client.project_path("feature_flags/")

    # -- reading and making the flag ---------------------------------------------------------

    def _find(self) -> dict[str, Any] | None:
        for raw in self.client.paginate(self._path, {"search": LOCK_FLAG_KEY}):
            if raw.get("key") == LOCK_FLAG_KEY and not raw.get("deleted"):
                return dict(raw)
        return None

    def _flag(self) -> tuple[dict[str, Any], bool]:
        """The lock flag, and whether this call made it."""
        found = self._find()
        if found is not None:
            return found, False
        body = {
            "key": LOCK_FLAG_KEY,
            "name": FREE,
            "active": False,
            "filters": {"groups": [{"properties": [], "rollout_percentage": 0}]},
            "_should_create_usage_dashboard": False,
        }
        try:
            return dict(self.client.request("POST", self._path, json=body)), True
        except BadRequestError:  # another apply made it first
            found = self._find()
            if found is None:
                raise
            return found, False

    def _swap(self, flag: Mapping[str, Any], name: str) -> bool:
        """Set the flag's name if nobody changed it since ``flag`` was read."""
        body = {
            "name": name,
            "version": flag.get("version"),
            "original_flag": {"name": flag.get("name")},
        }
        try:
            answer = self.client.request("PATCH", f"{self._path}{flag['id']}/", json=body)
        except ConflictError:
            return False
        return bool(answer.get("name") == name)

    # -- the lock ------------------------------------------------------------------------------

    def holder(self) -> Holder | None:
        found = self._find()
        return parse(found.get("name")) if found else None

    def free_mark(self) -> Mark | None:
        """What the lock looks like now if it is free (None while an apply holds it): when
        :meth:`acquire` later finds it just so, no apply held it in between, so whatever was
        read since then is as fresh as if read under the lock."""
        found = self._find()
        if found is None:
            return ABSENT
        if parse(found.get("name")) is not None:
            return None
        return (found.get("id"), found.get("version"))

    def acquire(
        self, timeout: float = DEFAULT_TIMEOUT, waiting: Callable[[Holder], None] | None = None
    ) -> Mark:
        """Take the lock, waiting up to ``timeout`` seconds while another apply holds it; the
        lock's mark just before this apply took it (compare with :meth:`free_mark`)."""
        deadline = self._clock() + timeout
        told: str | None = None
        while True:
            flag, made_now = self._flag()
            holder = parse(flag.get("name"))
            if holder is None:
                since = self._now().strftime("%Y-%m-%dT%H:%M:%SZ")
                if self._swap(flag, held_text(self.who, since, self.token)):
                    return ABSENT if made_now else (flag.get("id"), flag.get("version"))
                continue  # another apply took it between our read and our write
            if self._clock() >= deadline:
                raise LockHeldError(
                    f"another apply holds this project's lock: {holder.describe()}; "
                    f"phsync waited {timeout:g}s and stopped without changing anything",
                    hint="wait for it to finish (or raise --lock-timeout); if that apply died, "
                    "free the lock with `phsync unlock`",
                )
            if waiting and told != holder.token:
                waiting(holder)
                told = holder.token
            left = max(0.0, deadline - self._clock())
            self._sleep(min(left, POLL_SECONDS * (0.5 + random.random())))

    def release(self) -> bool:
        """Free the lock if this apply still holds it; False if someone freed or took it."""
        for _ in range(3):
            flag = self._find()
            holder = parse(flag.get("name")) if flag else None
            if flag is None or holder is None or holder.token != self.token:
                return False
            if self._swap(flag, FREE):
                return True
        return False

    def force_release(self) -> Holder | None:
        """Free the lock whoever holds it (``phsync unlock``); the holder it had, or None."""
        for _ in range(3):
            flag = self._find()
            holder = parse(flag.get("name")) if flag else None
            if flag is None or holder is None:
                return None
            if self._swap(flag, FREE):
                return holder
        raise LockHeldError("the lock changed hands while phsync tried to free it; try again")

    @contextmanager
    def held(
        self, timeout: float = DEFAULT_TIMEOUT, waiting: Callable[[Holder], None] | None = None
    ) -> Iterator[Mark]:
        """The lock held for the block, which gets the lock's mark from before it was taken."""
        mark = self.acquire(timeout, waiting)
        try:
            yield mark
        except ApplyInterruptedError as exc:
            if exc.in_flight:  # a second Ctrl-C: stop at once, leaving the lock to `unlock`
                note = (
                    "the project's apply lock is still held by this apply (it stopped at once, "
                    "without the requests that freeing it takes): `phsync unlock` frees it"
                )
                exc.hint = f"{exc.hint}\n  {note}" if exc.hint else note
                raise
            with suppress(PhsyncError):
                self.release()
            raise
        except BaseException:
            with suppress(PhsyncError):  # the first error is the one to report
                self.release()
            raise
        self.release()
