"""Serve an emulator in its own process, so that its CPU never counts against phsync's.

    python -m bench.emulator_proc --seed SEED.json [--data FILE] [--crud-rate 120/minute]
                                  [--latency-ms 50]

Prints one JSON line (url, api_key, project_id) once it is listening, then serves until its
standard input closes or it is terminated. Without ``--data`` the emulator keeps its data in
memory (seeded from ``--seed`` at each start, so every run starts from the same state);
``--data`` is a SQLite file, seeded when new and reused as it is otherwise.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from reconciler.emulator import Emulator, EmulatorConfig, FaultConfig


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    rates = args.crud_rate
    return EmulatorConfig(
        port=0,
        data_path=args.data,
        seed=args.seed,
        rate_limits={"crud": rates, "analytics": rates} if rates else None,
        rate_limits_enabled=bool(rates),
        faults=FaultConfig(latency_ms=args.latency_ms) if args.latency_ms else None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.emulator_proc")
    parser.add_argument("--data")
    parser.add_argument("--seed")
    parser.add_argument("--crud-rate", help="e.g. 120/minute; no limit when left out")
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args(argv)
    emulator = Emulator(config_from(args)).start()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    info = {"url": emulator.url, "api_key": emulator.api_key, "project_id": emulator.project_id}
    print(json.dumps(info), flush=True)

    def watch_stdin() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    stop.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
