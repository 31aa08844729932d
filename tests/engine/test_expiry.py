"""`expires:` and `owner:` on flags: phsync's own fields, never sent to PostHog; expired flags
called out by validate and plan, and failed by the policy fail_on_expired_flags."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.config import Policies
from reconciler.expiry import expired_flags
from reconciler.manifests import parse_text, validate
from reconciler.plan import build_plan
from reconciler.policy import check_policies
from reconciler.resources import REGISTRY

from .helpers import live_state

TEXT = """\
kind: FeatureFlag
key: old-banner
expires: 2026-01-31
owner: "@growth"
filters: {groups: [{rollout_percentage: 100}]}
---
kind: FeatureFlag
key: later
expires: 2027-06-30
filters: {groups: [{rollout_percentage: 100}]}
---
kind: FeatureFlag
key: timeless
filters: {groups: [{rollout_percentage: 100}]}
"""


def _manifests(text: str = TEXT) -> list:  # type: ignore[type-arg]
    manifests, issues = parse_text(text, "flags.yaml")
    assert issues == []
    return manifests


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2026, 1, 31), []), (date(2026, 2, 1), ["old-banner"]),
     (date(2027, 7, 1), ["old-banner", "later"])],
)  # fmt: skip
def test_a_flag_is_expired_the_day_after_its_date(today: date, expected: list[str]) -> None:
    assert [flag.key.name for flag in expired_flags(_manifests(), today)] == expected


def test_expired_flags_name_their_owner_and_place() -> None:
    [flag, later] = expired_flags(_manifests(), date(2027, 7, 1))
    assert str(flag) == "old-banner expired on 2026-01-31, owner @growth (flags.yaml:3)"
    assert str(later).endswith("later expired on 2027-06-30, no owner (flags.yaml:9)")


def test_expires_and_owner_are_never_sent_to_posthog() -> None:
    [flag, *_] = _manifests()
    assert "expires" not in flag.spec and "owner" not in flag.spec
    assert "expires" not in REGISTRY["FeatureFlag"].canonical(flag.spec)
    assert (flag.expires, flag.owner) == ("2026-01-31", "@growth")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: FeatureFlag\nkey: a\nexpires: 2026-02-30\nfilters: {groups: []}\n", "not a valid date"),
        ("kind: FeatureFlag\nkey: a\nexpires: soon\nfilters: {groups: []}\n", "expires"),
        ("kind: FeatureFlag\nkey: a\nowner: 5\nfilters: {groups: []}\n", "owner"),
        ("kind: Cohort\nname: c\nowner: x\nfilters: {properties: {type: AND, values: []}}\n", "owner"),
    ],
)  # fmt: skip
def test_bad_expires_and_owner_are_reported(text: str, message: str) -> None:
    manifests, issues = parse_text(text, "x.yaml")
    found = [str(i) for i in [*issues, *validate(manifests, check_refs=False)]]
    assert found and any(message in line for line in found), found


def test_plan_lists_expired_flags_and_the_policy_fails_them() -> None:
    manifests = _manifests()
    live = live_state(flags=[])
    plan = build_plan(manifests, live)
    expired = expired_flags(manifests, date(2026, 6, 1))
    found = check_policies(plan, live, manifests, Policies(fail_on_expired_flags=True), expired)
    assert [(v.rule, str(v.key)) for v in found] == [
        ("fail_on_expired_flags", "FeatureFlag/old-banner")
    ]
    assert "expired on 2026-01-31 (owner @growth)" in found[0].message
    assert "flags.yaml:3" in found[0].fix
    assert check_policies(plan, live, manifests, Policies(), expired) == []


def test_validate_calls_out_expired_flags_and_fails_under_the_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "flags").mkdir()
    (tmp_path / "flags" / "f.yaml").write_text(TEXT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main(["validate", "flags"])
    out = capsys.readouterr().out
    assert exited.value.code in (0, None)
    assert "flags/f.yaml:3: warning: flag old-banner expired on 2026-01-31 (owner @growth)" in out
    (tmp_path / "phsync.yaml").write_text(
        "paths: [flags]\npolicies: {fail_on_expired_flags: true}\n"
    )
    with pytest.raises(SystemExit) as exited:
        main(["validate"])
    out = capsys.readouterr().out
    assert exited.value.code == 1
    assert "flags/f.yaml:3: error: flag old-banner expired on 2026-01-31" in out
