"""Tables, field lists, JSON and JSONL written to a stream."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from reconciler.render.table import cell, render_fields, render_json, render_jsonl, render_table


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
