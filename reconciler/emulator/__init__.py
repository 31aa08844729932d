"""A local, SQLite-backed emulator of PostHog's private REST API.

    from reconciler.emulator import Emulator, EmulatorConfig
    emu = Emulator(EmulatorConfig(port=0)).start()
    emu.url, emu.api_key, emu.project_id
    emu.stop()

Paths, bodies, error envelopes, pagination, soft-delete rules, scopes and rate-limit answers
follow PostHog (see docs/emulator.md for what is and is not emulated).
"""

from __future__ import annotations

from reconciler.emulator.config import (
    DEFAULT_API_KEY,
    EmulatorConfig,
    FaultConfig,
    KeySpec,
    Rate,
    parse_key_spec,
    parse_rate_option,
    parse_rates,
)
from reconciler.emulator.server import Emulator

__all__ = [
    "DEFAULT_API_KEY",
    "Emulator",
    "EmulatorConfig",
    "FaultConfig",
    "KeySpec",
    "Rate",
    "parse_key_spec",
    "parse_rate_option",
    "parse_rates",
]
