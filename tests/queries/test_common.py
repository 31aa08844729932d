"""The shared helpers: taking N of a lazy list, dates, command-line values, lookups."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from reconciler.errors import ConfigError
from reconciler.queries.common import (
    ambiguous,
    duration,
    exact_matches,
    id_ref,
    page_size_for,
    parse_assignments,
    parse_moment,
    parse_value,
    percent,
    take,
)

NOW = datetime(2024, 5, 10, 12, 0, 0, tzinfo=UTC)


def counting(n: int, seen: list[int]) -> Iterator[int]:
    for i in range(n):
        seen.append(i)
        yield i


@pytest.mark.parametrize(
    ("available", "limit", "items", "more"),
    [
        (5, 3, (0, 1, 2), True),
        (3, 3, (0, 1, 2), False),
        (2, 3, (0, 1), False),
        (4, None, (0, 1, 2, 3), False),
    ],
    ids=["more-exist", "exactly-full", "fewer", "all"],
)
def test_take(available: int, limit: int | None, items: tuple[int, ...], more: bool) -> None:
    seen: list[int] = []
    taken = take(counting(available, seen), limit)
    assert (taken.items, taken.more) == (items, more)
    if limit is not None:
        assert len(seen) <= limit + 1  # reads at most one item beyond the limit


@pytest.mark.parametrize(
    ("limit", "path", "size"),
    [
        (None, "/api/projects/1/feature_flags/", None),
        (100, "/api/projects/1/feature_flags/", 101),
        (5000, "/api/projects/1/feature_flags/", 1000),
        (5000, "/api/projects/1/persons/", 500),
        (1, "/api/projects/1/session_recordings/", 2),
    ],
)
def test_page_size_for(limit: int | None, path: str, size: int | None) -> None:
    assert page_size_for(limit, path) == size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-7d", "2024-05-03T12:00:00Z"),
        ("7d", "2024-05-03T12:00:00Z"),
        ("-12h", "2024-05-10T00:00:00Z"),
        ("12h", "2024-05-10T00:00:00Z"),
        ("-2w", "2024-04-26T12:00:00Z"),
        ("-1m", "2024-04-10T12:00:00Z"),
        ("2024-05-01", "2024-05-01T00:00:00Z"),
        ("2024-05-01T10:30:00Z", "2024-05-01T10:30:00Z"),
        ("2024-05-01T12:30:00+02:00", "2024-05-01T10:30:00Z"),
        ("2024-05-01T10:30:00", "2024-05-01T10:30:00Z"),
    ],
)
def test_parse_moment(text: str, expected: str) -> None:
    assert parse_moment(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "+7d", "-7x", "2024-13-01"])
def test_parse_moment_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ConfigError, match="cannot read the date") as caught:
        parse_moment(text, now=NOW)
    assert "-7d" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("true", True),
        ('["a", "b"]', ["a", "b"]),
        ("pro", "pro"),
        ('"42"', "42"),
        ("007", "007"),
        ("null", None),
    ],
)
def test_parse_value(text: str, value: Any) -> None:
    assert parse_value(text) == value


def test_parse_assignments_keeps_order_and_later_equals_signs() -> None:
    assert parse_assignments(["plan=pro", "q=a=b", "empty="], option="--var") == {
        "plan": "pro",
        "q": "a=b",
        "empty": "",
    }
    with pytest.raises(ConfigError, match="--var 'plan' is not of the form KEY=VALUE"):
        parse_assignments(["plan"], option="--var")


def test_id_ref() -> None:
    assert id_ref("#12") == 12
    assert id_ref(" #7 ") == 7
    assert id_ref("12") is None
    assert id_ref("#x") is None


def test_exact_matches_prefers_exact_case() -> None:
    items = [{"name": "Beta"}, {"name": "beta"}, {"name": "Beta users"}]
    assert exact_matches(items, "name", "Beta") == [{"name": "Beta"}]
    assert exact_matches(items, "name", "BETA") == [{"name": "Beta"}, {"name": "beta"}]
    assert exact_matches(items, "name", "gamma") == []


def test_ambiguous_names_the_ids_and_how_to_pick_one() -> None:
    error = ambiguous("cohort", "Beta", [9, 4], command="cohorts get")
    assert str(error.message) == "2 cohorts are named 'Beta' (ids 4, 9)"
    assert "phsync cohorts get '#4'" in (error.hint or "")


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, ""), (45, "45s"), (192, "3m 12s"), (3723.4, "1h 02m"), (0, "0s")]
)
def test_duration(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("value", "text"), [(None, "100%"), (10, "10%"), (12.5, "12.5%"), (50.0, "50%")]
)
def test_percent(value: float | None, text: str) -> None:
    assert percent(value) == text
