"""Fixtures for end-to-end tests: a copy of examples/ and direct access to the emulator."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"


class Api:
    """Direct calls to the emulator, to play the part of someone using PostHog's UI."""

    def __init__(self, emulator: Any) -> None:
        self.base = f"{emulator.url}/api/projects/{emulator.project_id}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {emulator.api_key}"

    def list(self, collection: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        url: str | None = f"{self.base}/{collection}/?limit=1000"
        while url:
            page = self.session.get(url, timeout=10).json()
            out.extend(page["results"])
            url = page.get("next")
        return out

    def find(self, collection: str, **match: Any) -> dict[str, Any]:
        [found] = [o for o in self.list(collection) if all(o.get(k) == v for k, v in match.items())]
        return found

    def patch(self, collection: str, object_id: int, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.session.patch(f"{self.base}/{collection}/{object_id}/", json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.session.post(f"{self.base}/{collection}/", json=body, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest.fixture
def api(emulator: Any) -> Api:
    return Api(emulator)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    target = tmp_path / "manifests"
    shutil.copytree(EXAMPLES, target)
    return target


