"""The pull-request comment read by a CommonMark/GFM parser, as GitHub reads it: every table well
formed, every ``<details>`` closed, nothing past GitHub's 65,536 characters."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from reconciler.plan import Plan
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, to_markdown

from .test_plan_words import SCENARIOS, change_for
from .test_render import sample_plan

PARSER = MarkdownIt("commonmark").enable("table")


def every_edit() -> Plan:
    changes = []
    for _, kind, live, desired, ignore in SCENARIOS:
        change = change_for(kind, live, desired, ignore)
        if change is not None:
            changes.append(change)
    return Plan(changes=tuple(changes), host="https://eu.posthog.com", project_id=12)


def huge() -> Plan:
    one = change_for(*SCENARIOS[0][1:])
    assert one is not None
    return Plan(changes=(one,) * 3000, host="https://eu.posthog.com", project_id=12)


def check(markdown: str) -> None:
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    tokens = PARSER.parse(markdown)
    table_lines = [line for line in markdown.splitlines() if line.startswith("|")]
    rows = [t for t in tokens if t.type == "tr_open"]
    separators = [line for line in table_lines if re.fullmatch(r"\|(---\|)+", line)]
    # Every line that looks like a table row became a row: no table fell apart into text.
    assert len(rows) == len(table_lines) - len(separators)
    # GFM pads or drops cells silently: a row must split into as many cells as its header.
    width = 0
    for line in table_lines:
        cells = len(re.split(r"(?<!\\)\|", line)) - 2
        if re.fullmatch(r"\|(---\|)+", line):
            continue
        if width == 0 or line.startswith("| field"):
            width = cells
        assert cells == width, line
    html = PARSER.render(markdown)
    depth = 0
    for tag in re.findall(r"</?details>", html):
        depth += 1 if tag == "<details>" else -1
        assert depth in (0, 1), "a <details> inside another, or closed twice"
    assert depth == 0


@pytest.mark.parametrize("plan", [sample_plan, every_edit, huge], ids=["sample", "every-edit", "huge"])
def test_comment_is_well_formed_markdown(plan: object) -> None:
    assert callable(plan)
    check(to_markdown(plan()))


def test_huge_plan_is_cut_with_a_note() -> None:
    text = to_markdown(huge())
    assert "more change(s) not shown" in text


def test_checker_catches_a_broken_table_and_an_open_details() -> None:
    with pytest.raises(AssertionError):
        check("| field | value |\n|---|---|\n| `a|b` | `c` |\n")
    with pytest.raises(AssertionError):
        check("<details><summary>x</summary>\n\ntext\n")
