"""The baselines phsync is measured against, each run as its own process by :mod:`bench.run`.

    python -m bench.baselines yaml DIR
        PyYAML's C loader (``yaml.load_all`` with ``CSafeLoader``) over every manifest file.
    python -m bench.baselines floor URL PROJECT [--page-size N]
        The I/O floor: every list page of the four kinds with requests, JSON parsed, nothing
        else (the key comes from POSTHOG_PERSONAL_API_KEY).
    python -m bench.baselines terraform URL PROJECT --ids KIND=N... [--sample SHARE]
        The Terraform model: one GET per managed object, for an evenly spread sample of the
        ids 1..N of each kind; the time is extrapolated to every object.

Each prints one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

COLLECTIONS = ("cohorts", "actions", "feature_flags", "insights", "dashboards", "annotations")


def parse_yaml(root: Path) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    documents = 0
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
    for path in files:
        documents += sum(1 for _ in yaml.load_all(path.read_bytes(), Loader=loader))
    return {"files": len(files), "documents": documents, "loader": loader.__name__}


def _session(key: str) -> Any:
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    return session


def io_floor(url: str, project: int, key: str, page_size: int) -> dict[str, Any]:
    """Download and parse every list page; count pages and objects."""
    session = _session(key)
    pages = objects = 0
    for collection in COLLECTIONS:
        link: str | None = f"{url}/api/projects/{project}/{collection}/?limit={page_size}"
        while link:
            response = session.get(link, timeout=600)
            response.raise_for_status()
            page = response.json()
            pages += 1
            objects += len(page["results"])
            link = page.get("next")
    return {"requests": pages, "objects": objects}


def terraform(
    url: str, project: int, key: str, ids: dict[str, int], sample: float
) -> dict[str, Any]:
    """One GET per object for a sample of each kind; the whole project's time extrapolated."""
    session = _session(key)
    total_objects = sum(ids.values())
    measured = 0
    estimate = 0.0
    for collection, count in ids.items():
        step = max(1, round(1 / sample)) if sample < 1 else 1
        chosen = range(1, count + 1, step)
        started = time.perf_counter()
        for object_id in chosen:
            response = session.get(
                f"{url}/api/projects/{project}/{collection}/{object_id}/", timeout=600
            )
            response.raise_for_status()
            response.json()
        elapsed = time.perf_counter() - started
        measured += len(chosen)
        estimate += elapsed / len(chosen) * count
    return {"requests": total_objects, "sampled": measured, "estimated_wall": estimate}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.baselines")
    sub = parser.add_subparsers(dest="which", required=True)
    yaml_cmd = sub.add_parser("yaml")
    yaml_cmd.add_argument("root", type=Path)
    floor_cmd = sub.add_parser("floor")
    floor_cmd.add_argument("url")
    floor_cmd.add_argument("project", type=int)
    floor_cmd.add_argument("--page-size", type=int, default=1000)
    tf_cmd = sub.add_parser("terraform")
    tf_cmd.add_argument("url")
    tf_cmd.add_argument("project", type=int)
    tf_cmd.add_argument("--ids", nargs="+", required=True, help="COLLECTION=COUNT")
    tf_cmd.add_argument("--sample", type=float, default=1.0)
    args = parser.parse_args(argv)
    key = os.environ.get("POSTHOG_PERSONAL_API_KEY", "")
    if args.which == "yaml":
        result = parse_yaml(args.root)
    elif args.which == "floor":
        result = io_floor(args.url, args.project, key, args.page_size)
    else:
        ids = {name: int(count) for name, _, count in (item.partition("=") for item in args.ids)}
        result = terraform(args.url, args.project, key, ids, args.sample)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
