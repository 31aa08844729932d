"""`phsync flags stale`: which live flags look finished and untouched (pure classify), and the
command against the emulator, which serves updated_at and last_called_at as PostHog does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.cli import main
from reconciler.queries.stale import classify, finished_state

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z")


def _flag(groups: list[dict[str, Any]], variants: list[dict[str, Any]] | None = None,
          active: bool = True, **extra: Any) -> dict[str, Any]:  # fmt: skip
    filters: dict[str, Any] = {"groups": groups}
    if variants:
        filters["multivariate"] = {"variants": variants}
    return {"id": 1, "key": "f", "active": active, "filters": filters, **extra}


EVERYONE = [{"properties": [], "rollout_percentage": 100}]
PARTIAL = [{"properties": [], "rollout_percentage": 40}]
TARGETED = [{"properties": [{"key": "plan", "value": "pro"}], "rollout_percentage": 100}]


@pytest.mark.parametrize(
    ("flag", "state"),
    [
        (_flag(EVERYONE), "released to everyone"),
        (_flag([{"properties": [], "rollout_percentage": None}]), "released to everyone"),
        (_flag([*TARGETED, *EVERYONE]), "released to everyone"),
        (_flag(PARTIAL), ""),
        (_flag(TARGETED), ""),
        (_flag(PARTIAL, active=False), "off"),
        (_flag(EVERYONE, [{"key": "a", "rollout_percentage": 100},
                          {"key": "b", "rollout_percentage": 0}]), "variant a for everyone"),
        (_flag(EVERYONE, [{"key": "a", "rollout_percentage": 50},
                          {"key": "b", "rollout_percentage": 50}]), ""),
    ],
)  # fmt: skip
def test_finished_state(flag: dict[str, Any], state: str) -> None:
    assert finished_state(flag) == state


@pytest.mark.parametrize(
    ("flag", "activity", "reasons"),
    [
        (_flag(EVERYONE, updated_at=_ago(40)), None, ["released to everyone, unchanged for 40 days"]),
        (_flag(EVERYONE, updated_at=_ago(40)), _ago(3), []),  # the activity log saw a change
        (_flag(EVERYONE, updated_at=_ago(10)), None, []),
        (_flag(PARTIAL, updated_at=_ago(90)), None, []),  # still rolling out
        (_flag(PARTIAL, updated_at=_ago(90), last_called_at=_ago(31)), None,
         ["not called for 31 days"]),
        (_flag(PARTIAL, active=False, updated_at=_ago(60), last_called_at=_ago(45)), None,
         ["off, unchanged for 60 days", "not called for 45 days"]),
        (_flag(EVERYONE, created_at=_ago(50), updated_at=None), None,
         ["released to everyone, unchanged for 50 days"]),
    ],
)  # fmt: skip
def test_classify(flag: dict[str, Any], activity: str | None, reasons: list[str]) -> None:
    found = classify(flag, NOW, 30, activity)
    assert (list(found.reasons) if found else []) == reasons


def _seed(path: Path) -> Path:
    old = (datetime.now(UTC) - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    flags = [
        {"id": 11, "key": "done-rollout", "filters": {"groups": EVERYONE},
         "created_at": old, "updated_at": old},
        {"id": 12, "key": "rolling", "filters": {"groups": PARTIAL},
         "created_at": old, "updated_at": old},
        {"id": 13, "key": "forgotten", "filters": {"groups": PARTIAL},
         "created_at": old, "updated_at": old, "last_called_at": old},
    ]  # fmt: skip
    path.write_text(json.dumps({"feature_flags": flags}), encoding="utf-8")
    return path


def test_flags_stale_against_the_emulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.emulator import Emulator, EmulatorConfig

    emu = Emulator(EmulatorConfig(port=0, seed=_seed(tmp_path / "seed.json")))
    emu.start()
    try:
        (tmp_path / "flags").mkdir()
        (tmp_path / "flags" / "done.yaml").write_text(
            "kind: FeatureFlag\nkey: done-rollout\nowner: '@growth'\n"
            "filters: {groups: [{rollout_percentage: 100}]}\n"
        )
        monkeypatch.chdir(tmp_path)
        for name, value in {
            "POSTHOG_HOST": emu.url, "POSTHOG_PERSONAL_API_KEY": emu.api_key,
            "POSTHOG_PROJECT_ID": str(emu.project_id),
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        # PostHog serves last_called_at and updated_at, and takes neither from a client.
        headers = {"Authorization": f"Bearer {emu.api_key}"}
        url = f"{emu.url}/api/projects/{emu.project_id}/feature_flags/13/"
        before = requests.get(url, headers=headers, timeout=10).json()
        after = requests.patch(
            url, json={"last_called_at": None, "name": "x"}, headers=headers, timeout=10
        ).json()
        assert after["last_called_at"] == before["last_called_at"] is not None
        assert after["updated_at"] > before["updated_at"]

        with pytest.raises(SystemExit):
            main(["flags", "stale", "flags", "--days", "30", "--output", "json"])
        found = {flag["key"]: flag for flag in json.loads(capsys.readouterr().out)}
        assert set(found) == {"done-rollout", "forgotten"}
        assert found["done-rollout"]["reasons"][0].startswith("released to everyone, unchanged")
        assert found["done-rollout"]["manifest"] == "flags/done.yaml:1:1"
        assert found["done-rollout"]["owner"] == "@growth"
        assert found["forgotten"]["reasons"][0].startswith("not called for 9")
        assert found["forgotten"]["manifest"] is None

        with pytest.raises(SystemExit):
            main(["flags", "stale", "flags"])
        out = capsys.readouterr().out
        assert "done-rollout" in out and "(not declared)" in out
        assert "2 stale flags (--days 30)" in out
    finally:
        emu.stop()
