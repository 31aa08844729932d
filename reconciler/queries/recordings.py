"""Session recordings, read-only: `phsync recordings list|get`.

A recording's playback page on the instance is ``{host}/project/{project_id}/replay/{id}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from reconciler.client import PostHogClient, ProgressCallback
from reconciler.errors import NotFoundError
from reconciler.queries.common import not_found, page_size_for, text
from reconciler.queries.persons import find_person, summarise_person

DEFAULT_SINCE = "-30d"


@dataclass(frozen=True)
class Recording:
    """A session recording as phsync shows it; ``duration`` in seconds."""

    id: str
    start_time: str | None
    end_time: str | None
    duration: float | None
    active_seconds: float | None
    person: str | None
    person_uuid: str | None
    distinct_id: str | None
    start_url: str | None
    click_count: int | None
    console_error_count: int | None
    viewed: bool
    ongoing: bool
    url: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def playback_url(host: str, project_id: int, session_id: str) -> str:
    return f"{host.rstrip('/')}/project/{project_id}/replay/{session_id}"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def summarise_recording(raw: Mapping[str, Any], *, host: str, project_id: int) -> Recording:
    person_raw = raw.get("person") if isinstance(raw.get("person"), Mapping) else None
    person = summarise_person(person_raw) if person_raw else None
    who = None
    if person is not None:
        first_id = person.distinct_ids[0] if person.distinct_ids else None
        who = person.name or person.email or first_id
    session_id = str(raw.get("id"))
    return Recording(
        id=session_id,
        start_time=text(raw.get("start_time")),
        end_time=text(raw.get("end_time")),
        duration=_number(raw.get("recording_duration")),
        active_seconds=_number(raw.get("active_seconds")),
        person=who or text(raw.get("distinct_id")),
        person_uuid=person.uuid if person else None,
        distinct_id=text(raw.get("distinct_id")),
        start_url=text(raw.get("start_url")),
        click_count=_count(raw.get("click_count")),
        console_error_count=_count(raw.get("console_error_count")),
        viewed=bool(raw.get("viewed")),
        ongoing=bool(raw.get("ongoing")),
        url=playback_url(host, project_id, session_id),
    )


def iter_recordings(
    client: PostHogClient,
    *,
    person: str | None = None,
    since: str | None = None,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[Recording]:
    """Recordings, newest first, lazily. ``person`` is an id, a UUID or a distinct id;
    ``since`` an ISO timestamp (PostHog's ``date_from``; see :func:`parse_moment`)."""
    path = client.project_path("session_recordings/")
    params: dict[str, Any] = {"date_from": since or DEFAULT_SINCE}
    if person:
        found = find_person(client, person)
        uuid = found.get("uuid")
        if not uuid:
            raise not_found(f"PostHog gave no UUID for the person {person!r}", url=path)
        params["person_uuid"] = str(uuid)
    project_id = client.resolve_project()
    pages = client.paginate(path, params, page_size=page_size_for(limit, path), progress=progress)
    for raw in pages:
        yield summarise_recording(raw, host=client.origin, project_id=project_id)


def get_recording(client: PostHogClient, session_id: str) -> Recording:
    path = client.project_path(f"session_recordings/{quote(session_id, safe='')}/")
    try:
        raw = client.get(path)
    except NotFoundError:
        raise not_found(
            f"no session recording with the id {session_id!r}",
            url=path,
            hint="`phsync recordings list` shows recent recordings (--since to look further back)",
        ) from None
    return summarise_recording(raw, host=client.origin, project_id=client.resolve_project())
