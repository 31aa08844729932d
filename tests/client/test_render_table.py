"""Tables, field lists, JSON and JSONL written to a stream."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from reconciler.render.table import (
    cell,
    fit,
    moment,
    render_fields,
    render_json,
    render_jsonl,
    render_table,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (3, "3"),
        (2.5, "2.5"),
        ("two\nlines  here", "two lines here"),
        ({"a": [1, 2]}, '{"a":[1,2]}'),
        ("x" * 70, "x" * 59 + "…"),
    ],
)
def test_cell(value: Any, expected: str) -> None:
    assert cell(value) == expected


def test_render_table_aligns_columns_under_headers() -> None:
    out = io.StringIO()
    rows = [{"id": 1, "name": "Prod", "organization": "Acme"}, {"id": 22, "name": None}]
    render_table(rows, ["id", "name", "organization"], out)
    assert out.getvalue() == ("ID  NAME  ORGANIZATION\n1   Prod  Acme\n22\n")


def test_render_table_renames_headers_and_keeps_long_cells_when_asked() -> None:
    out = io.StringIO()
    render_table([{"key": "k" * 80}], ["key"], out, headers={"key": "FLAG"}, max_width=None)
    assert out.getvalue() == "FLAG\n" + "k" * 80 + "\n"


def test_render_table_without_rows_writes_the_header() -> None:
    out = io.StringIO()
    render_table([], ["id", "created_at"], out)
    assert out.getvalue() == "ID  CREATED AT\n"


def test_render_fields() -> None:
    out = io.StringIO()
    render_fields([("email", "a@b.c"), ("organization", None)], out)
    assert out.getvalue() == "email         a@b.c\norganization\n"


def test_render_json_and_jsonl() -> None:
    out = io.StringIO()
    render_json({"b": "é", "a": 1}, out)
    assert out.getvalue() == '{\n  "b": "é",\n  "a": 1\n}\n'
    lines = io.StringIO()
    render_jsonl(iter([{"id": 1}, {"id": 2}]), lines)
    assert [json.loads(line) for line in lines.getvalue().splitlines()] == [{"id": 1}, {"id": 2}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-01T14:03:07.123456Z", "2026-05-01 14:03:07 UTC"),
        ("2026-05-01T16:03:07+02:00", "2026-05-01 14:03:07 UTC"),
        ("2026-05-01T14:03:07", "2026-05-01 14:03:07 UTC"),  # no zone: PostHog means UTC
        ("2026-05-01", "2026-05-01"),  # a date is not a moment
        ("v2026-05-01T14:03", "v2026-05-01T14:03"),
    ],
)
def test_timestamps_to_the_second_with_the_zone_named(
    text: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert moment(text) == expected
    finally:
        monkeypatch.undo()
        time.tzset()


def test_timestamps_in_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        assert moment("2026-05-01T14:03:07Z") == "2026-05-01 16:03:07 CEST"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("widths", "floors", "limit", "expected"),
    [
        ([10, 40, 5], [2, 4, 5], 100, [10, 40, 5]),  # fits already
        ([10, 40, 5], [2, 4, 5], 39, [10, 20, 5]),  # the widest gives way
        ([30, 30], [4, 4], 32, [15, 15]),  # equally wide: both give way
        ([30, 30], [4, 4], 10, [8, 8]),  # never below MIN_COLUMN
        ([12, 30], [12, 4], 10, [12, 8]),  # nor below a title
    ],
)
def test_fit(widths: list[int], floors: list[int], limit: int, expected: list[int]) -> None:
    assert fit(widths, floors, limit) == expected


def test_tables_fit_columns_with_an_ellipsis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    out = io.StringIO()
    render_table([{"key": "a", "name": "x" * 50}], ["key", "name"], out)
    lines = out.getvalue().splitlines()
    assert max(map(len, lines)) <= 30 and lines[1].endswith("…")
    monkeypatch.delenv("COLUMNS")
    out = io.StringIO()  # not a terminal, no COLUMNS: whole values (up to the cell limit)
    render_table([{"key": "a", "name": "x" * 50}], ["key", "name"], out)
    assert "x" * 50 in out.getvalue()
