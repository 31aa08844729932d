"""PostHog's newer fields in manifests: evaluation contexts (and their older name), bucketing,
annotation emoji and visibility; canonical forms, bodies, risks, offline checks, export."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.diff import FieldChange
from reconciler.export import document
from reconciler.manifests.flag_fields import flag_newer_fields
from reconciler.model import Manifest, SourceLocation
from reconciler.resources import annotation, feature_flag
from reconciler.resources.base import Directory, LiveObject
from reconciler.risks import flag_warnings

FILTERS = {"groups": [{"properties": [], "rollout_percentage": 10}]}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"evaluation_contexts": ["web", "api", "web"]}, {"evaluation_contexts": ["api", "web"]}),
        ({"evaluation_tags": ["web"]}, {"evaluation_contexts": ["web"]}),
        ({"bucketing_identifier": None}, {"bucketing_identifier": "distinct_id"}),
        ({"bucketing_identifier": "device_id"}, {"bucketing_identifier": "device_id"}),
        ({}, {}),
    ],
    ids=["contexts-are-a-set", "older-name-mapped", "null-bucketing-is-distinct-id",
         "device-bucketing", "undeclared-not-compared"],
)
def test_flag_canonical_newer_fields(spec: dict[str, Any], expected: dict[str, Any]) -> None:
    out = feature_flag.canonical({"key": "f", "filters": FILTERS, **spec})
    newer = {k: v for k, v in out.items() if k in ("evaluation_contexts", "bucketing_identifier")}
    assert newer == expected


@pytest.mark.parametrize(
    ("raw", "contexts"),
    [
        ({"evaluation_contexts": ["web"], "evaluation_tags": ["old"]}, ["web"]),
        ({"evaluation_tags": ["web"]}, ["web"]),
        ({}, []),
    ],
    ids=["2026-name-wins", "2025-name-read", "none"],
)
def test_flag_from_live_reads_either_name(raw: dict[str, Any], contexts: list[str]) -> None:
    spec = feature_flag.from_live({"key": "f", "filters": FILTERS, **raw}, Directory())
    assert spec["evaluation_contexts"] == contexts
    assert spec["bucketing_identifier"] == "distinct_id"


def test_flag_bodies_send_the_current_names() -> None:
    desired = feature_flag.canonical(
        {"key": "f", "filters": FILTERS, "evaluation_tags": ["web"], "bucketing_identifier": "device_id"}
    )
    body = feature_flag.create_body(desired, Directory())
    assert body["evaluation_contexts"] == ["web"] and "evaluation_tags" not in body
    assert body["bucketing_identifier"] == "device_id"


@pytest.mark.parametrize(
    ("before", "after", "risky"),
    [
        ("distinct_id", "device_id", True),
        (None, "distinct_id", False),
    ],
    ids=["change-rebuckets", "same-bucketing"],
)
def test_a_bucketing_change_is_a_risk(before: str | None, after: str, risky: bool) -> None:
    fields = (FieldChange("bucketing_identifier", before, after),) if risky else ()
    found = flag_warnings(fields, {"bucketing_identifier": before}, {"bucketing_identifier": after})
    assert any("re-bucketed" in w for w in found) is risky


def _manifest(spec: dict[str, Any]) -> Manifest:
    return Manifest(
        kind="FeatureFlag",
        name="f",
        spec={"key": "f", "filters": FILTERS, **spec},
        location=SourceLocation("flags.yaml", 1, 1),
    )


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"evaluation_tags": ["a"], "evaluation_contexts": ["a"]}, "evaluation_tags"),
        ({"bucketing_identifier": "device_id", "ensure_experience_continuity": True},
         "bucketing_identifier"),
        ({"bucketing_identifier": "device_id", "evaluation_contexts": ["a"]}, None),
    ],
    ids=["two-names", "device-with-continuity", "fine"],
)
def test_offline_checks(spec: dict[str, Any], field: str | None) -> None:
    issues = flag_newer_fields(_manifest(spec))
    assert [i.path for i in issues] == ([field] if field else [])
    assert all(i.hint for i in issues)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"emoji": ""}, {"emoji": None}),
        ({"emoji": "🚀", "hidden_in_user_interface": True},
         {"emoji": "🚀", "hidden_in_user_interface": True}),
        ({}, {}),
    ],
    ids=["blank-emoji-is-none", "both", "undeclared"],
)
def test_annotation_canonical(spec: dict[str, Any], expected: dict[str, Any]) -> None:
    out = annotation.canonical({"content": "deploy", "date_marker": "2026-01-01", **spec})
    newer = {k: v for k, v in out.items() if k in ("emoji", "hidden_in_user_interface")}
    assert newer == expected


def test_annotation_body_and_export_round_trip() -> None:
    desired = annotation.canonical(
        {"content": "deploy", "date_marker": "2026-01-01", "emoji": "🚀",
         "hidden_in_user_interface": True}
    )
    body = annotation.create_body(desired, Directory())
    assert body["emoji"] == "🚀" and body["hidden_in_user_interface"] is True
    raw = {"id": 3, "content": body["content"], "date_marker": "2026-01-01T00:00:00Z",
           "scope": "project", "emoji": "🚀", "hidden_in_user_interface": True,
           "creation_type": "GIT"}
    spec = annotation.from_live(raw, Directory())
    obj = LiveObject("Annotation", 3, "deploy", True, raw, spec, "v")
    exported = document(obj, "deploy")
    assert exported["emoji"] == "🚀" and exported["hidden_in_user_interface"] is True
    plain = dict(raw, emoji=None, hidden_in_user_interface=False)
    quiet = document(LiveObject("Annotation", 3, "d", True, plain,
                                annotation.from_live(plain, Directory()), "v"), "d")
    assert "emoji" not in quiet and "hidden_in_user_interface" not in quiet
