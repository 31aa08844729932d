"""Writes that refuse to overwrite what someone changed in PostHog since the plan was made.

Feature flags carry a ``version`` that PostHog counts up on every save. An update sends the
version the plan read and the flag's fields as they were then (``original_flag``); PostHog
answers 409 when the flag has moved on *and* one of the fields being written changed since
(edits of other fields are merged, as PostHog's own editor does). Cohorts, dashboards and
annotations have no version: phsync reads the object again right before writing it and
compares it with the plan's content hash. That narrows the window to the time between that
read and the write; it does not close it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.activity import last_change
from reconciler.assembly import to_live_object
from reconciler.errors import ChangedSincePlanError
from reconciler.live import ApiClient
from reconciler.plan import Change
from reconciler.resources.base import Directory, LiveObject


def with_version(body: Mapping[str, Any], live: LiveObject) -> dict[str, Any]:
    """A flag's PATCH body carrying the version and the field values the plan saw."""
    out = dict(body)
    if live.raw.get("version") is not None:
        out["version"] = live.raw["version"]
        out["original_flag"] = {field: live.raw.get(field) for field in body}
    return out


def check_unchanged(
    client: ApiClient, change: Change, live: LiveObject, url: str, directory: Directory
) -> None:
    """Read the object again; stop if its content is no longer what the plan compared."""
    raw = dict(client.request("GET", url))
    if "tiles" not in live.raw:
        raw.pop("tiles", None)  # the plan read it from the list, which has no tiles
    now = to_live_object(change.key.kind, raw, directory)
    if now.version != live.version:
        raise changed_since_plan(client, change)


def changed_since_plan(client: ApiClient, change: Change) -> ChangedSincePlanError:
    """The error for a change whose object moved on: who changed it, and what to do."""
    assert change.object_id is not None
    found = last_change(client, change.key.kind, change.object_id)
    who = f" by {found['by']}" if found and found.get("by") else ""
    return ChangedSincePlanError(
        f"{change.key} changed in PostHog{who} since the plan; plan again "
        "(phsync did not overwrite it)",
        hint="run `phsync plan` to see the change, then apply again",
    )
