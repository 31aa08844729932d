"""A data file keeps everything across restarts; seeding happens only for a new file."""

from __future__ import annotations

from pathlib import Path

from emulator.conftest import Client
from reconciler.emulator import Emulator, EmulatorConfig


def test_data_survives_a_restart_and_is_seeded_once(tmp_path: Path) -> None:
    path = tmp_path / "data.sqlite"
    config = EmulatorConfig(port=0, data_path=path, property_delay=30)
    first = Emulator(config).start()
    client = Client(first)
    created = client.post(
        client.p + "/feature_flags/",
        json={"key": "persisted", "_should_create_usage_dashboard": False},
    ).json()
    client.post(client.p + "/persons/1001/update_property/", json={"key": "k", "value": "v"})
    count = client.get(client.p + "/feature_flags/").json()["count"]
    first.stop()  # the pending property write is flushed, not lost

    second = Emulator(config).start()
    try:
        client = Client(second)
        flag = client.get(client.p + f"/feature_flags/{created['id']}/").json()
        assert flag["key"] == "persisted" and flag["version"] == 1
        assert client.get(client.p + "/feature_flags/").json()["count"] == count
        assert client.get(client.p + "/persons/1001/").json()["properties"]["k"] == "v"
        again = client.post(
            client.p + "/feature_flags/",
            json={"key": "after-restart", "_should_create_usage_dashboard": False},
        ).json()
        assert again["id"] > created["id"]
    finally:
        second.stop()


def test_empty_seed_has_one_project_and_user() -> None:
    emu = Emulator(EmulatorConfig(port=0, seed=None)).start()
    try:
        client = Client(emu)
        assert [p["id"] for p in client.get("/api/projects/").json()["results"]] == [1]
        assert client.get(client.p + "/feature_flags/").json()["count"] == 0
        assert client.get("/api/users/@me/").json()["email"] == "demo@example.com"
    finally:
        emu.stop()
