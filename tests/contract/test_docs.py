"""docs/conformance.md lists exactly the differences the checker applies."""

from __future__ import annotations

from pathlib import Path

from contract import exceptions

DOC = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"
START, END = "<!-- differences:start -->", "<!-- differences:end -->"


def test_the_docs_table_matches_the_exceptions_module() -> None:
    text = DOC.read_text()
    table = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == exceptions.markdown_table(), (
        "docs/conformance.md is out of step with tests/contract/exceptions.py; replace the "
        "table between the markers with the output of `cd tests && python -m contract.exceptions`"
    )
