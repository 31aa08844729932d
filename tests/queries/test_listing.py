"""How the query commands write a listing: table, JSON, JSON lines, the "more" note, progress."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from reconciler.cli.listing import Progress, emit
from reconciler.client import PageProgress


def numbers(n: int) -> Iterator[int]:
    yield from range(n)


def write(output: str, available: int, limit: int | None) -> None:
    emit(
        numbers(available),
        limit=limit,
        output=output,
        noun="things",
        columns=["n", "square"],
        row=lambda i: {"n": i, "square": i * i},
        as_dict=lambda i: {"n": i},
    )


def test_table_with_more_to_come(capsys: pytest.CaptureFixture[str]) -> None:
    write("table", 5, 3)
    out, err = capsys.readouterr()
    assert out.splitlines() == ["N  SQUARE", "0  0", "1  1", "2  4"]
    assert err == "Showed the first 3 things; there are more: raise --limit or use --all.\n"


@pytest.mark.parametrize(("limit", "count"), [(None, 5), (2, 2)])
def test_jsonl_streams_one_object_a_line(
    capsys: pytest.CaptureFixture[str], limit: int | None, count: int
) -> None:
    write("jsonl", 5, limit)
    out, _ = capsys.readouterr()
    assert [json.loads(line)["n"] for line in out.splitlines()] == list(range(count))


def test_json_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    write("json", 2, 10)
    out, err = capsys.readouterr()
    assert json.loads(out) == [{"n": 0}, {"n": 1}]
    assert err == ""


def test_an_empty_table_says_so_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    write("table", 0, 10)
    out, err = capsys.readouterr()
    assert (out, err) == ("", "No things found.\n")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_from_the_second_page_on_a_terminal_only() -> None:
    screen = Terminal()
    progress = Progress("persons", screen)
    progress(PageProgress(pages=1, items=500, total=None))
    assert screen.getvalue() == ""
    progress(PageProgress(pages=2, items=1000, total=2500))
    assert "reading persons: 1,000 of 2,500 (2 pages)" in screen.getvalue()
    progress.done()
    assert screen.getvalue().endswith("\r\033[K")
    piped = io.StringIO()
    quiet = Progress("persons", piped)
    quiet(PageProgress(pages=3, items=1500, total=None))
    quiet.done()
    assert piped.getvalue() == ""
