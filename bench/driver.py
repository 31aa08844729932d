"""Apply throughput: phsync's own engine and client, with the rate budget the run asks for.

    python -m bench.driver DIR --host URL --project ID [--limit 120/60] [--changes N]
                           [--parallelism 4]

The command-line ``phsync`` paces itself with PostHog's limits (480 a minute), which are
constants of its client. To measure pacing under a scaled-down limit, or no pacing at all, this
driver builds the same :class:`PostHogClient` with a :class:`RateBudget` of the limit the
emulator enforces (``--limit REQUESTS/SECONDS``; none: no limit), plans as ``phsync plan``
does, asks the emulator to forget the plan's reads (throttle history and counters), then
applies the first ``--changes`` changes of the plan and times that write phase alone.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace

import requests

from reconciler import engine
from reconciler.client import ANALYTICS, CRUD, PostHogClient, RateBudget, RateLimit
from reconciler.settings import Secret, Settings

UNLIMITED = (RateLimit(10**9, 1.0),)


def budget(limit: str | None) -> RateBudget:
    if not limit:
        return RateBudget({CRUD: UNLIMITED, ANALYTICS: UNLIMITED})
    count, _, seconds = limit.partition("/")
    rule = (RateLimit(int(count), float(seconds)),)
    return RateBudget({CRUD: rule, ANALYTICS: rule})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.driver")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--host", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--limit", help="REQUESTS/SECONDS, e.g. 120/60; none: unlimited")
    parser.add_argument("--changes", type=int, help="apply only the first N changes")
    parser.add_argument("--parallelism", type=int, default=4)
    args = parser.parse_args(argv)
    settings = Settings(
        host=args.host,
        project=args.project,
        api_key=Secret(os.environ["POSTHOG_PERSONAL_API_KEY"]),
        allow_insecure=True,
        timeout=600.0,
    )
    found = engine.load_manifests(args.paths)
    with PostHogClient(settings, budget=budget(None)) as reader:
        planned = engine.make_plan(found, reader, host=args.host, project_id=args.project)
    changes = planned.plan.changes[: args.changes] if args.changes else planned.plan.changes
    planned = replace(planned, plan=replace(planned.plan, changes=changes))
    requests.post(f"{args.host}/_emulator/stats/reset/?throttle=true", timeout=60)
    with PostHogClient(settings, budget=budget(args.limit)) as writer:
        started, cpu = time.perf_counter(), time.process_time()
        outcomes = engine.apply_planned(planned, writer, parallelism=args.parallelism)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    stats = requests.get(f"{args.host}/_emulator/stats/", timeout=60).json()
    print(json.dumps({"writes": len(outcomes), "seconds": elapsed, "cpu": cpu, "stats": stats}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
