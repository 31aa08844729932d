"""A client killed part-way through a request: nothing may act on what it sent."""

from __future__ import annotations

import socket
from typing import Any

from tests.reliability.observe import Api


def test_a_request_cut_short_by_a_killed_client_does_nothing(quiet_emulator: Any, api: Api) -> None:
    """A client killed after its headers, before its body: the emulator must not act on it."""
    before = api.list("annotations")
    body = b'{"content": "half", "date_marker": "2026-01-01T00:00:00Z"}'
    with socket.create_connection(("127.0.0.1", quiet_emulator.port), timeout=5) as conn:
        conn.sendall(
            f"POST /api/projects/{quiet_emulator.project_id}/annotations/ HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: Bearer {quiet_emulator.api_key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[:0]
        )
    api.list("annotations")  # the server has finished with the cut connection by now
    assert api.list("annotations") == before
