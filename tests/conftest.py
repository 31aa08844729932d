"""Shared fixtures: the emulator on loopback, and running the real `phsync` command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_phsync(
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    cwd: str | Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m reconciler ARGS` as a user would, with a clean PostHog environment."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    full_env["NO_COLOR"] = "1"
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


@pytest.fixture
def phsync() -> object:
    return run_phsync


@pytest.fixture
def emulator() -> Iterator[object]:
    """A fresh emulator with the demo seed, in memory, on a free loopback port."""
    from reconciler.emulator import Emulator, EmulatorConfig

    emu = Emulator(EmulatorConfig(port=0))
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def emulator_env(emulator: object) -> dict[str, str]:
    """Environment that points `phsync` at the emulator fixture."""
    return {
        "POSTHOG_HOST": emulator.url,  # type: ignore[attr-defined]
        "POSTHOG_PERSONAL_API_KEY": emulator.api_key,  # type: ignore[attr-defined]
        "POSTHOG_PROJECT_ID": str(emulator.project_id),  # type: ignore[attr-defined]
    }
