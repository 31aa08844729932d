"""Backoff and Retry-After parsing, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconciler.client import RetryPolicy
from reconciler.client.retry import is_idempotent, is_write, parse_retry_after

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("37", 37.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", 0.0),
        ("Sun, 01 Mar 2026 12:01:30 GMT", 90.0),
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("retry", "rand", "expected"),
    [
        (1, 0.5, 0.5),
        (2, 0.5, 1.0),
        (3, 0.5, 2.0),
        (5, 0.5, 8.0),
        (9, 0.5, 8.0),  # capped
        (1, 0.0, 0.4),  # -20 %
        (1, 1.0, 0.6),  # +20 %
    ],
)
def test_backoff(retry: int, rand: float, expected: float) -> None:
    assert RetryPolicy().backoff(retry, rand) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("method", "override", "expected"),
    [
        ("GET", None, True),
        ("patch", None, True),
        ("DELETE", None, True),
        ("POST", None, False),
        ("POST", True, True),
        ("GET", False, False),
    ],
)
def test_is_idempotent(method: str, override: bool | None, expected: bool) -> None:
    assert is_idempotent(method, override) is expected


def test_is_write() -> None:
    assert [is_write(m) for m in ("GET", "HEAD", "POST", "PATCH", "DELETE")] == [
        False,
        False,
        True,
        True,
        True,
    ]
