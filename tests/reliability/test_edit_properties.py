"""Properties of the structural diff for random edits of list items (Hypothesis).

Manifests with conditions, variants, payloads and text tiles are applied to a fresh emulator;
then their lists are edited at random (items inserted, removed, reordered, changed). For every
such edit:

- the plan's changes of each update, as a deepdiff delta applied to the live canonical form,
  give the desired one (the plan shows every difference, and shows it as it is);
- applying the plan yields the manifests: the next plan is empty.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reconciler.diff import as_delta
from reconciler.model import Action
from reconciler.resources import REGISTRY
from tests.reliability import inprocess
from tests.reliability.conftest import start_emulator
from tests.reliability.strategies import dashboards, flags, person_condition, text
from tests.reliability.test_properties import SETTINGS, shown, write


def _shuffle(draw: st.DrawFn, items: list[Any]) -> list[Any]:
    return list(draw(st.permutations(items))) if items else items


def _edit_groups(draw: st.DrawFn, groups: list[Any], variants: list[str]) -> list[Any]:
    groups = _shuffle(draw, groups) if draw(st.booleans()) else groups
    if len(groups) > 1 and draw(st.booleans()):
        groups.pop(draw(st.integers(0, len(groups) - 1)))
    if draw(st.booleans()):
        new: dict[str, Any] = {"properties": draw(st.lists(person_condition(), max_size=2)),
                               "rollout_percentage": draw(st.integers(0, 100))}
        groups.insert(draw(st.integers(0, len(groups))), new)
    if groups and draw(st.booleans()):
        groups[draw(st.integers(0, len(groups) - 1))]["rollout_percentage"] = draw(st.integers(0, 100))
    for group in groups:
        if group.get("variant") not in (None, *variants):
            del group["variant"]
    return groups


def _edit_variants(draw: st.DrawFn, filters: dict[str, Any]) -> None:
    variants = filters.get("multivariate", {}).get("variants") or []
    if not variants:
        return
    variants = _shuffle(draw, variants) if draw(st.booleans()) else variants
    if len(variants) > 1 and draw(st.booleans()):
        gone = variants.pop(draw(st.integers(0, len(variants) - 1)))
        variants[0]["rollout_percentage"] += gone["rollout_percentage"]
        filters.get("payloads", {}).pop(gone["key"], None)
    if draw(st.booleans()):
        share = variants[0]["rollout_percentage"]
        variants[0]["rollout_percentage"] = share // 2
        variants.append({"key": "added-variant", "name": "", "rollout_percentage": share - share // 2})
    filters["multivariate"]["variants"] = variants
    payloads = filters.get("payloads") or {}
    if payloads and draw(st.booleans()):
        payloads[draw(st.sampled_from(sorted(payloads)))] = {"edited": draw(text(0, 10))}


def _edit_tiles(draw: st.DrawFn, tiles: list[Any]) -> list[Any]:
    tiles = _shuffle(draw, tiles) if draw(st.booleans()) else tiles
    if tiles and draw(st.booleans()):
        tiles.pop(draw(st.integers(0, len(tiles) - 1)))
    if draw(st.booleans()):
        tiles.insert(draw(st.integers(0, len(tiles))), {"text": draw(text(1, 30))})
    if tiles and draw(st.booleans()):
        tiles[draw(st.integers(0, len(tiles) - 1))]["text"] = draw(text(1, 30))
    for index, tile in enumerate(tiles):  # PostHog orders tiles by their layouts
        if "layouts" in tile:
            tile["layouts"]["sm"]["y"] = index * 5
    return tiles


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    before = [*draw(flags([])), *draw(dashboards())]
    after = copy.deepcopy(before)
    for doc in after:
        if doc["kind"] == "FeatureFlag":
            filters = doc["filters"]
            _edit_variants(draw, filters)
            keys = [v["key"] for v in filters.get("multivariate", {}).get("variants") or []]
            filters["groups"] = _edit_groups(draw, filters["groups"], keys)
            if not filters["groups"]:
                filters["groups"] = [{"properties": [], "rollout_percentage": 50}]
        elif doc.get("tiles") is not None:
            doc["tiles"] = _edit_tiles(draw, doc["tiles"])
    return before, after


@SETTINGS
@given(edits())
def test_list_edits_plan_as_delta_and_apply_converges(sets: tuple[list[Any], list[Any]]) -> None:
    before, after = sets
    if not before:
        return
    emulator = start_emulator(seed=None)
    try:
        with tempfile.TemporaryDirectory() as tmp, inprocess.client_for(emulator) as client:
            inprocess.apply(client, write(before, Path(tmp) / "before"))
            root = write(after, Path(tmp) / "after")
            planned = inprocess.plan(client, root)
            live = {(o.kind, o.id): o for objs in planned.live.objects.values() for o in objs}
            for change in planned.plan.changes:
                assert change.action is Action.UPDATE, shown(planned)
                adapter = REGISTRY[change.key.kind]
                desired = change.desired or {}
                current = adapter.align(desired, live[(change.key.kind, change.object_id)].spec)
                current = {field: current.get(field) for field in desired}
                assert current + as_delta(change.fields) == desired, shown(planned)
            inprocess.apply(client, root)
            again = inprocess.plan(client, root)
            assert again.plan.is_empty, shown(again)
    finally:
        emulator.stop()
