"""Writes that reach PostHog twice: what the client does when an answer is lost on the way back.

The client sends a PATCH again after a dropped connection; if the first one had acted, PostHog
sees it twice. These tests make every PATCH arrive twice and check that apply still ends
exactly as declared: a dashboard's new text tiles are not doubled, and a second soft delete of
a dashboard (which PostHog answers with 404) still counts as deleted. A POST is never sent
again blindly: when its answer is lost and the look-up that should tell fails, apply stops.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.client import PostHogClient
from reconciler.errors import ApplyError, ServerError, TransportError
from tests.reliability import inprocess
from tests.reliability.observe import Api

DASHBOARD = """\
kind: Dashboard
name: Twice told
tags: [ops]
tiles:
{tiles}
"""


class EveryPatchTwice(PostHogClient):
    """A client whose PATCHes each reach PostHog twice, as after a lost answer and a retry."""

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if method.upper() == "PATCH":
            super().request(method, path, **kwargs)
        return super().request(method, path, **kwargs)


def write(root: Path, tiles: list[str]) -> Path:
    root.mkdir(exist_ok=True)
    items = "\n".join(f"  - text: {text}" for text in tiles)
    (root / "board.yaml").write_text(DASHBOARD.format(tiles=items), encoding="utf-8")
    return root


def text_tiles(api: Api) -> list[str]:
    [board] = [d for d in api.list("dashboards") if d["name"] == "Twice told"]
    full = api.get("dashboards", board["id"])
    return [t["text"]["body"] for t in full["tiles"] if t.get("text")]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, ["one", "two"]),  # created, then tiles added by the follow-up PATCH
        (["one"], ["one", "two", "three"]),  # an update that adds tiles
    ],
)
def test_added_text_tiles_are_not_doubled(
    quiet_emulator: Any, api: Api, tmp_path: Path, before: list[str] | None, after: list[str]
) -> None:
    root = tmp_path / "m"
    if before is not None:
        with inprocess.client_for(quiet_emulator) as client:
            inprocess.apply(client, write(root, before))
    with inprocess.client_for(quiet_emulator, EveryPatchTwice) as twice:
        inprocess.apply(twice, write(root, after))
    assert text_tiles(api) == after
    with inprocess.client_for(quiet_emulator) as client:
        assert inprocess.plan(client, root).plan.is_empty


def test_a_delete_that_arrives_twice_still_counts_as_deleted(
    quiet_emulator: Any, api: Api, tmp_path: Path
) -> None:
    root = tmp_path / "m"
    with inprocess.client_for(quiet_emulator) as client:
        inprocess.apply(client, write(root, ["gone soon"]))
    (root / "board.yaml").unlink()
    (root / "keep.yaml").write_text("kind: Cohort\nname: Keeper\nis_static: true\n")
    with inprocess.client_for(quiet_emulator, EveryPatchTwice) as twice:
        done = inprocess.apply(twice, root, prune=True)
    assert [c.action.value for c in done.changes] == ["create", "delete"]
    assert not [d for d in api.list("dashboards") if d["name"] == "Twice told"]
    with inprocess.client_for(quiet_emulator) as client:
        assert inprocess.plan(client, root, prune=True).plan.is_empty


class LostCreateThenBlindLookup(PostHogClient):
    """The first POST acts but its answer is lost; the lookup that follows fails with a 5xx."""

    posts = 0
    failed_lookups = 0

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if method.upper() == "POST":
            self.posts += 1
            answer = super().request(method, path, **kwargs)
            if self.posts == 1:
                raise TransportError("the answer was lost", ambiguous=True)
            return answer
        if method.upper() == "GET" and self.posts == 1 and not self.failed_lookups:
            self.failed_lookups += 1
            raise ServerError("PostHog failed", status=503, method="GET", url=path)
        return super().request(method, path, **kwargs)


def test_a_create_is_not_sent_again_when_the_lookup_cannot_tell(
    quiet_emulator: Any, api: Api, tmp_path: Path
) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "cohort.yaml").write_text("kind: Cohort\nname: Only once\nis_static: true\n")
    with inprocess.client_for(quiet_emulator, LostCreateThenBlindLookup) as flaky:
        with pytest.raises(ApplyError):
            inprocess.apply(flaky, root)
        assert flaky.posts == 1
    with inprocess.client_for(quiet_emulator) as client:
        inprocess.apply(client, root)
    assert [c["name"] for c in api.list("cohorts")].count("Only once") == 1


class FailsFirstPosts(PostHogClient):
    """PostHog answers the first three POSTs with a 503 before acting on them."""

    failures = 3

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if method.upper() == "POST" and self.failures:
            self.failures -= 1
            raise ServerError("PostHog failed", status=503, method="POST", url=path)
        return super().request(method, path, **kwargs)


def test_a_create_is_tried_four_times_with_growing_waits(
    quiet_emulator: Any, api: Api, tmp_path: Path
) -> None:
    from reconciler.apply import Applier

    root = tmp_path / "m"
    root.mkdir()
    (root / "cohort.yaml").write_text("kind: Cohort\nname: Patient\nis_static: true\n")
    waits: list[float] = []
    with inprocess.client_for(quiet_emulator, FailsFirstPosts) as flaky:
        planned = inprocess.plan(flaky, root)
        Applier(flaky, planned.live, planned.directory, sleep=waits.append).apply(planned.plan)
    assert [c["name"] for c in api.list("cohorts")].count("Patient") == 1
    assert len(waits) == 3 and waits == sorted(waits) and waits[0] > 0
