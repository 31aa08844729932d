"""phsync's emulator commands."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from reconciler.emulator import (
    DEFAULT_API_KEY,
    Emulator,
    EmulatorConfig,
    FaultConfig,
    KeySpec,
    Rate,
    parse_key_spec,
    parse_rate_option,
)
from reconciler.emulator.config import DEFAULT_PORT, DEFAULT_RATES
from reconciler.errors import ConfigError


def _keys(values: tuple[str, ...]) -> dict[str, KeySpec] | None:
    if not values:
        return None
    try:
        specs = [parse_key_spec(value) for value in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--api-key") from None
    return {spec.key: spec for spec in specs}


def _rates(values: tuple[str, ...]) -> dict[str, tuple[Rate, ...]]:
    rates: dict[str, tuple[Rate, ...]] = {}
    for value in values:
        try:
            name, parsed = parse_rate_option(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--rate-limit") from None
        rates[name] = parsed
    return rates


def _describe_key(spec: KeySpec, number: int) -> str:
    scopes = "every scope" if spec.scopes == ("*",) else ", ".join(spec.scopes)
    where = f", projects {', '.join(map(str, spec.scoped_teams))}" if spec.scoped_teams else ""
    shown = (
        spec.key
        if spec.key == DEFAULT_API_KEY
        else f"{key_prefix(spec.key)}… (--api-key number {number})"
    )
    return f"  {shown}: {scopes}{where}"


def key_prefix(key: str) -> str:
    """Enough of a key given on the command line to tell it from the others, never more than
    a third of it (it is a secret): ``phx_`` and up to 8 more characters."""
    return key[: min(len(key) // 3, 12)]


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0 picks a free one).",
)
@click.option(
    "--data",
    "data",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file that keeps the data across restarts (seeded only when new). "
    "Without it, data lives in memory.",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    metavar="KEY[=SCOPE,...][@PROJECT,...]",
    help="Accept this personal API key, with these scopes (default '*') and only "
    "for these project ids. Repeatable. Without it: phx_emulator with every scope.",
)
@click.option(
    "--seed",
    "seed_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Seed a new database from this JSON file instead of the built-in demo.",
)
@click.option("--no-seed", is_flag=True, help="Start empty: one organization, project, user.")
@click.option(
    "--rate-limit",
    "rate_limits",
    multiple=True,
    metavar="CLASS=SPEC",
    help="Override a throttle class: crud=480/minute,4800/hour or "
    "analytics=240/minute,1200/hour (PostHog's defaults); SPEC 'off' disables it.",
)
@click.option("--no-rate-limit", is_flag=True, help="Never answer 429 for rate limits.")
@click.option(
    "--latency-ms",
    default=0,
    type=click.IntRange(min=0),
    help="Fault: add this delay to every /api/ request.",
)
@click.option(
    "--error-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    help="Fault: share of /api/ requests answered 500/502/503 before acting.",
)
@click.option(
    "--drop-before-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    help="Fault: share of requests whose connection is closed before acting.",
)
@click.option(
    "--drop-after-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    help="Fault: share of requests that act, then close without an answer.",
)
@click.option(
    "--throttle-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    help="Fault: share of requests answered 429 with Retry-After.",
)
@click.option(
    "--retry-after",
    default=1,
    type=click.IntRange(min=0),
    show_default=True,
    help="Retry-After seconds of injected 429s.",
)
@click.option("--fault-seed", type=int, help="Seed for fault draws, so runs repeat.")
@click.option(
    "--property-delay",
    default=0.5,
    type=click.FloatRange(min=0),
    show_default=True,
    help="Seconds before a person property write becomes visible.",
)
def emulator(
    host: str,
    port: int,
    data: Path | None,
    api_keys: tuple[str, ...],
    seed_file: Path | None,
    no_seed: bool,
    rate_limits: tuple[str, ...],
    no_rate_limit: bool,
    latency_ms: int,
    error_rate: float,
    drop_before_rate: float,
    drop_after_rate: float,
    throttle_rate: float,
    retry_after: int,
    fault_seed: int | None,
    property_delay: float,
) -> None:
    """Run a local PostHog API emulator (SQLite-backed) for trying phsync without PostHog.

    It serves PostHog's private API paths for projects, the current user, feature flags,
    cohorts, dashboards, annotations, persons, session recordings and Endpoints, with
    PostHog's error bodies, pagination, soft deletes, scopes and rate limits. Endpoint
    `run` returns the rows stored in the seed: HogQL is not executed.

    The control API (no key needed) lives under /_emulator/: GET stats/, POST stats/reset/,
    GET or PUT faults/, GET health/. Stop with Ctrl-C.
    """
    if seed_file and no_seed:
        raise click.UsageError("--seed and --no-seed cannot be used together")
    rates = _rates(rate_limits)
    try:
        faults = FaultConfig(
            latency_ms=latency_ms,
            error_rate=error_rate,
            drop_before_rate=drop_before_rate,
            drop_after_rate=drop_after_rate,
            throttle_rate=throttle_rate,
            retry_after=retry_after,
            seed=fault_seed,
        )
        config = EmulatorConfig(
            host=host,
            port=port,
            data_path=data,
            seed=None if no_seed else (seed_file or "demo"),
            api_keys=_keys(api_keys),
            rate_limits=dict(rates) or None,
            faults=faults,
            rate_limits_enabled=not no_rate_limit,
            property_delay=property_delay,
        )
        server = Emulator(config)
        server.bind()
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"cannot use {data} as the emulator's data file: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot start the emulator on {host}:{port}: {exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"cannot load the emulator seed: {exc}") from exc
    _announce(server, config, faults)
    try:
        with _stopped_by_signals():
            server.serve_forever()
    except KeyboardInterrupt:
        click.echo("\nStopped.", err=True)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM stop the emulator cleanly, even when it was started with
    SIGINT ignored, as a script's background jobs are: Python then sets no handler of its own,
    and the only way to stop it would be SIGKILL."""
    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    for number in STOP_SIGNALS:
        signal.signal(number, _stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _announce(server: Emulator, config: EmulatorConfig, faults: FaultConfig) -> None:
    click.echo(f"PostHog API emulator listening on {server.url}")
    click.echo(f"Data: {config.data_path or 'in memory (gone when it stops)'}")
    click.echo("Accepted personal API keys:")
    for number, spec in enumerate(config.key_specs(), 1):
        click.echo(_describe_key(spec, number))
    if not config.rate_limits_enabled:
        click.echo("Rate limits: off")
    else:
        rates = config.rates()
        shown = ", ".join(
            f"{name} {' + '.join(map(str, rates[name])) or 'off'}" for name in DEFAULT_RATES
        )
        click.echo(f"Rate limits per key: {shown}")
    if faults.active:
        click.echo(f"Faults: {faults.to_dict()}")
    click.echo("\nPoint phsync at it:")
    click.echo(f"  export POSTHOG_HOST={server.url}")
    click.echo(
        f"  export POSTHOG_PERSONAL_API_KEY={server.api_key}"
        if server.api_key == DEFAULT_API_KEY
        else "  export POSTHOG_PERSONAL_API_KEY=<one of the keys above>"
    )
    click.echo(f"  export POSTHOG_PROJECT_ID={server.project_id}")
    click.echo("Control API: GET /_emulator/stats/, PUT /_emulator/faults/. Ctrl-C stops.")


COMMANDS: list[click.Command] = [emulator]
