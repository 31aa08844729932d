"""How an emulator is configured: listening address, data, keys, rate limits and faults.

Everything here is a frozen value plus the parsers the CLI uses for its option syntax
(``KEY=SCOPE,SCOPE@PROJECT``, ``480/minute,4800/hour``), so that the command and the Python
API accept the same spellings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_API_KEY = "phx_emulator"
DEFAULT_PORT = 8010

CRUD = "crud"
ANALYTICS = "analytics"
RATE_CLASSES = (CRUD, ANALYTICS)

_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``seconds``, as DRF's ``"480/minute"``."""

    count: int
    seconds: int

    def __str__(self) -> str:
        names = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}
        return f"{self.count}/{names.get(self.seconds, f'{self.seconds}s')}"


DEFAULT_RATES: Mapping[str, tuple[Rate, ...]] = {
    CRUD: (Rate(480, 60), Rate(4800, 3600)),
    ANALYTICS: (Rate(240, 60), Rate(1200, 3600)),
}


@dataclass(frozen=True)
class KeySpec:
    """A personal API key the emulator accepts: its scopes and the projects it is limited to."""

    key: str
    scopes: tuple[str, ...] = ("*",)
    scoped_teams: tuple[int, ...] = ()
    label: str = "emulator key"
    user_id: int | None = None  # the user the key acts as; None: the seed's user


@dataclass(frozen=True)
class FaultConfig:
    """Faults injected into ``/api/`` requests; shares are 0..1 and drawn from ``seed``."""

    latency_ms: int = 0
    error_rate: float = 0.0
    drop_before_rate: float = 0.0
    drop_after_rate: float = 0.0
    throttle_rate: float = 0.0
    retry_after: int = 1
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_before_rate", "drop_after_rate", "throttle_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if self.retry_after < 0:
            raise ValueError("retry_after must not be negative")

    @property
    def active(self) -> bool:
        return bool(
            self.latency_ms
            or self.error_rate
            or self.drop_before_rate
            or self.drop_after_rate
            or self.throttle_rate
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
            "drop_before_rate": self.drop_before_rate,
            "drop_after_rate": self.drop_after_rate,
            "throttle_rate": self.throttle_rate,
            "retry_after": self.retry_after,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> FaultConfig:
        unknown = set(data) - set(cls().to_dict())
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        seed = data.get("seed")
        return cls(
            latency_ms=int(str(data.get("latency_ms", 0))),
            error_rate=float(str(data.get("error_rate", 0.0))),
            drop_before_rate=float(str(data.get("drop_before_rate", 0.0))),
            drop_after_rate=float(str(data.get("drop_after_rate", 0.0))),
            throttle_rate=float(str(data.get("throttle_rate", 0.0))),
            retry_after=int(str(data.get("retry_after", 1))),
            seed=None if seed is None else int(str(seed)),
        )


KeysOption = Mapping[str, "Sequence[str] | KeySpec"]
RatesOption = Mapping[str, "str | Sequence[Rate] | None"]


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything an :class:`~reconciler.emulator.Emulator` needs.

    ``data_path`` None keeps data in memory; a file keeps it across restarts (the seed is
    loaded only when the file is new). ``seed`` is ``"demo"`` (the built-in seed), a path to
    a seed JSON file, or None for an empty project. ``api_keys`` maps a key to its scopes
    (or a :class:`KeySpec`); None accepts ``phx_emulator`` with every scope. ``rate_limits``
    maps ``crud``/``analytics`` to a spec like ``"480/minute,4800/hour"`` (None or ``"off"``
    disables that class); missing classes keep PostHog's defaults; ``rate_limits_enabled``
    False turns throttling off. ``property_delay`` is how long a person property write takes
    to become visible (PostHog applies it asynchronously through ingestion).
    """

    host: str = "127.0.0.1"
    port: int = 0
    data_path: str | Path | None = None
    seed: str | Path | None = "demo"
    api_keys: KeysOption | None = None
    rate_limits: RatesOption | None = None
    faults: FaultConfig | None = None
    rate_limits_enabled: bool = True
    property_delay: float = 0.5

    def key_specs(self) -> tuple[KeySpec, ...]:
        if self.api_keys is None:
            return (KeySpec(DEFAULT_API_KEY, ("*",), (), "emulator default key"),)
        specs: list[KeySpec] = []
        for key, value in self.api_keys.items():
            if isinstance(value, KeySpec):
                specs.append(
                    value
                    if value.key == key
                    else KeySpec(key, value.scopes, value.scoped_teams, value.label)
                )
            elif isinstance(value, str):
                specs.append(parse_key_spec(f"{key}={value}"))
            else:
                specs.append(KeySpec(key, tuple(value) or ("*",)))
        return tuple(specs)

    def rates(self) -> dict[str, tuple[Rate, ...]]:
        rates = dict(DEFAULT_RATES)
        if not self.rate_limits_enabled:
            return {name: () for name in rates}
        for name, value in (self.rate_limits or {}).items():
            if name not in RATE_CLASSES:
                raise ValueError(f"unknown rate-limit class {name!r} (use crud or analytics)")
            if value is None:
                rates[name] = ()
            elif isinstance(value, str):
                rates[name] = parse_rates(value)
            else:
                rates[name] = tuple(value)
        return rates


_SCOPE = re.compile(r"^(\*|[a-z_]+:(read|write))$")


def parse_key_spec(text: str) -> KeySpec:
    """Parse ``KEY``, ``KEY=SCOPE,SCOPE`` or ``KEY=SCOPE,...@PROJECT,PROJECT``."""
    key, _, rest = text.partition("=")
    key = key.strip()
    if not key:
        raise ValueError("an API key must not be empty")
    scopes_text, _, teams_text = rest.partition("@")
    scopes = tuple(s.strip() for s in scopes_text.split(",") if s.strip()) or ("*",)
    for scope in scopes:
        if not _SCOPE.match(scope):
            raise ValueError(f"bad scope {scope!r}: use '*' or OBJECT:read / OBJECT:write")
    try:
        teams = tuple(int(t) for t in teams_text.split(",") if t.strip())
    except ValueError:
        raise ValueError(f"bad project list {teams_text!r}: use project ids") from None
    return KeySpec(key, scopes, teams, "emulator key")


def parse_rates(text: str) -> tuple[Rate, ...]:
    """Parse ``"480/minute,4800/hour"``; ``"off"`` means no limit."""
    text = text.strip()
    if text.lower() in ("off", "none", ""):
        return ()
    rates: list[Rate] = []
    for part in text.split(","):
        count, _, period = part.strip().partition("/")
        match = re.fullmatch(r"(\d*)\s*([a-z]+)", period.strip().lower())
        if not count.strip().isdigit() or not match:
            raise ValueError(f"bad rate {part.strip()!r}: use COUNT/second|minute|hour|day")
        multiplier = int(match.group(1) or 1)
        unit = match.group(2).rstrip("s") if match.group(2) not in ("s",) else "s"
        if unit not in _PERIODS:
            raise ValueError(f"bad rate period {period!r}: use second, minute, hour or day")
        rates.append(Rate(int(count), multiplier * _PERIODS[unit]))
    return tuple(rates)


def parse_rate_option(text: str) -> tuple[str, tuple[Rate, ...]]:
    """Parse the CLI's ``CLASS=SPEC``, e.g. ``crud=480/minute,4800/hour``."""
    name, sep, spec = text.partition("=")
    name = name.strip()
    if not sep or name not in RATE_CLASSES:
        raise ValueError(f"bad rate limit {text!r}: use crud=SPEC or analytics=SPEC")
    return name, parse_rates(spec)
