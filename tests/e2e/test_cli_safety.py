"""What CI relies on, end to end: scope preflight, --target that names nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import Emulator, EmulatorConfig
from tests.conftest import run_phsync

from .conftest import Api

LIMITED = "phx_limited_for_tests"
READS = "feature_flag:read,cohort:read,dashboard:read,annotation:read,action:read,insight:read"


@pytest.fixture
def limited() -> Iterator[Any]:
    """An emulator whose second key may write flags only, and whose third may read flags only."""
    emu = Emulator(
        EmulatorConfig(
            port=0,
            api_keys={
                "phx_emulator": ("*",),
                LIMITED: ("feature_flag:write", *READS.split(",")),
                "phx_flags_only": ("feature_flag:read",),
            },
        )
    )
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


def _env(emu: Any, key: str) -> dict[str, str]:
    return {"POSTHOG_HOST": emu.url, "POSTHOG_PERSONAL_API_KEY": key,
            "POSTHOG_PROJECT_ID": str(emu.project_id)}


def test_apply_refuses_before_any_write_naming_every_missing_scope(limited: Any, repo: Path) -> None:
    result = run_phsync("apply", "--yes", str(repo), env=_env(limited, LIMITED))
    assert result.returncode == 1, result.stderr
    assert "lacks 5 scope(s) that this apply needs: 'cohort:write', 'action:write', " \
        "'insight:write', 'dashboard:write', 'annotation:write'" in result.stderr
    assert "Settings > Personal API keys" in result.stderr
    flags = Api(limited).list("feature_flags")
    assert not [f for f in flags if "managed-by-phsync" in (f.get("tags") or [])]


@pytest.mark.parametrize("command", ["plan", "pull"])
def test_a_plan_names_every_missing_read_scope_at_once(
    command: str, limited: Any, repo: Path
) -> None:
    result = run_phsync(command, "--dry-run" if command == "pull" else "--no-activity",
                        str(repo), env=_env(limited, "phx_flags_only"))
    assert result.returncode == 1, result.stderr
    assert "'cohort:read', 'action:read', 'insight:read', 'dashboard:read', 'annotation:read'" \
        in result.stderr


def test_a_target_that_names_nothing_fails_with_a_suggestion(
    emulator_env: dict[str, str], repo: Path
) -> None:
    for command in (["plan"], ["apply", "--yes"]):
        result = run_phsync(*command, "--target", "FeatureFlag/new-chekout", str(repo),
                            env=emulator_env)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "did you mean FeatureFlag/new-checkout?" in result.stderr
        assert "No changes" not in result.stdout
