"""The YAML layer: positions, refusals of bad or hostile input, and the deterministic dumper."""

from __future__ import annotations

import pytest

from reconciler.manifests import yamlio, yamlwrite
from reconciler.manifests.yamlio import decode, parse_documents
from reconciler.manifests.yamlwrite import dump_manifest
from reconciler.model import SourceLocation

NESTED = """\
kind: FeatureFlag
key: x
filters:
  groups:
    - properties:
        - key: email
          type: person
      rollout_percentage: 50
    - {rollout_percentage: 10, variant: b}
"""


@pytest.mark.parametrize(
    ("path", "line", "column"),
    [
        ((), 1, 1),
        (("kind",), 1, 1),
        (("filters",), 3, 1),
        (("filters", "groups"), 4, 3),
        (("filters", "groups", 0), 5, 7),
        (("filters", "groups", 0, "properties"), 5, 7),
        (("filters", "groups", 0, "properties", 0), 6, 11),
        (("filters", "groups", 0, "properties", 0, "type"), 7, 11),
        (("filters", "groups", 0, "rollout_percentage"), 8, 7),
        (("filters", "groups", 1), 9, 7),
        (("filters", "groups", 1, "variant"), 9, 32),
    ],
    ids=lambda value: str(value),
)
def test_positions_of_nested_fields(path: tuple[str | int, ...], line: int, column: int) -> None:
    (document,), issues = parse_documents(NESTED, "f.yaml")
    assert issues == []
    assert document.positions[path] == SourceLocation("f.yaml", line, column)


def test_columns_count_characters_not_bytes() -> None:
    (document,), _ = parse_documents("{é日: 1, b: 2}\n", "f.yaml")
    assert document.positions[("b",)].column == 9


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("a: 2026-11-01T10:00:00Z\n", {"a": "2026-11-01T10:00:00Z"}),
        ("a: 2026-11-01 12:00:00+02:00\n", {"a": "2026-11-01T10:00:00Z"}),
        ("a: 2026-11-01T10:00:00.25\n", {"a": "2026-11-01T10:00:00.25Z"}),
        ("a: 2026-11-01\n", {"a": "2026-11-01"}),
        ("true: 1\nnull: 2\n3: 3\n", {"true": 1, "null": 2, "3": 3}),
        ("a: [yes, no, 'true', 1.5, ~]\n", {"a": ["yes", "no", "true", 1.5, None]}),
        ("a: [010, 0o17, 0x1f, 1e3, 1:30, True]\n", {"a": [10, 15, 31, 1000.0, "1:30", True]}),
        (
            "a: &x {b: 1, c: 2}\nd:\n  <<: *x\n  c: 3\n",
            {"a": {"b": 1, "c": 2}, "d": {"c": 3, "b": 1}},
        ),
        ("a: &x [1, 2]\nb: *x\n", {"a": [1, 2], "b": [1, 2]}),
        ("a: !!str 12\n", {"a": "12"}),
        ("a: |\n  one\n  two\n", {"a": "one\ntwo\n"}),
    ],
    ids=[
        "utc-timestamp",
        "offset-timestamp-to-utc",
        "naive-timestamp-is-utc",
        "date-stays-date",
        "keys-are-their-text",
        "yes-no-are-strings-not-bools",
        "yaml-1.2-numbers",
        "merge-key",
        "alias",
        "explicit-str-tag",
        "literal-block",
    ],
)
def test_values_are_plain_json_like_data(text: str, data: object) -> None:
    documents, issues = parse_documents(text, "f.yaml")
    assert issues == []
    assert documents[0].data == data


def _single_issue(text: str) -> tuple[int, int, str, str | None]:
    _, issues = parse_documents(text, "f.yaml")
    assert len(issues) == 1, issues
    issue = issues[0]
    return issue.line, issue.column, issue.message, issue.hint


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(6)
)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a:\n\tb: 1\n", 2, 1, "YAML does not allow tabs for indentation; use spaces"),
        ("a: |\n\tx\n", 2, 1, "YAML does not allow tabs for indentation; use spaces"),
        ("a: [1, 2\n", 2, 1, "YAML syntax error: did not find expected ',' or ']'"),
        ("a: b: c\n", 1, 5, "YAML syntax error: mapping values are not allowed in this context"),
        ("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a' (first at line 1)"),
        ("x:\n  a: 1\n  a: 1\n", 3, 3, "duplicate key 'a' (first at line 2)"),
        ("a: *nope\n", 1, 4, "undefined alias '*nope'"),
        ("a: &x [1, *x]\n", 1, 11, "alias '*x' refers to a node that contains it"),
        ("a: " + "[" * 70 + "]" * 70 + "\n", 1, 67, "nested deeper than 64 levels"),
        (BOMB, 5, 40, "document too large: more than 100000 values once aliases are expanded"),
        ("a: .nan\n", 1, 4, "'.nan' is not a finite number"),
        ("a: !!binary aGk=\n", 1, 4, "unsupported YAML tag 'tag:yaml.org,2002:binary'"),
        ("a: !custom x\n", 1, 4, "unsupported YAML tag '!custom'"),
        ("a: !!set {x}\n", 1, 4, "unsupported YAML tag 'tag:yaml.org,2002:set'"),
        ("? [a]\n: 1\n", 1, 3, "a mapping key must be plain text, not a collection"),
        ("a: 2026-13-45\n", 1, 4, "'2026-13-45' is not a valid date: month must be in 1..12"),
        ("a: b\x01\n", 1, 5, "control characters are not allowed in YAML"),
        ("a: !!int x\n", 1, 4, "'x' is not a valid int"),
    ],
    ids=[
        "tab-indent",
        "tab-in-block-scalar",
        "unclosed-flow-list",
        "colon-in-plain-value",
        "duplicate-key",
        "duplicate-nested-key",
        "undefined-alias",
        "recursive-alias",
        "deep-nesting",
        "alias-bomb",
        "nan",
        "binary-tag",
        "custom-tag",
        "set-tag",
        "collection-key",
        "impossible-date",
        "control-character",
        "bad-explicit-int",
    ],
)
def test_bad_yaml_is_one_positioned_issue(text: str, line: int, column: int, message: str) -> None:
    got_line, got_column, got_message, _ = _single_issue(text)
    assert (got_line, got_column) == (line, column)
    assert got_message.startswith(message)


def test_unclosed_list_with_brackets_in_items_suggests_quotes() -> None:
    *_, hint = _single_issue("ignore: [filters.groups[0].variant]\n")
    assert hint is not None and "quote" in hint


def test_alias_bomb_is_refused_quickly_without_expanding() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n"
        for i in range(9)  # 10**10 values if expanded
    )
    documents, issues = parse_documents(bomb, "f.yaml")
    assert documents == [] and "too large" in issues[0].message


def test_documents_before_a_syntax_error_are_kept() -> None:
    documents, issues = parse_documents("a: 1\n---\nb: [\n", "f.yaml")
    assert [d.data for d in documents] == [{"a": 1}]
    assert len(issues) == 1 and issues[0].line == 4


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "---\n", "---\n# nothing\n---\n"],
    ids=["empty", "comment", "empty-document", "two-empty-documents"],
)
def test_empty_documents_have_no_data(text: str) -> None:
    documents, issues = parse_documents(text, "f.yaml")
    assert issues == []
    assert all(document.data is None for document in documents)


def test_huge_text_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", 1000)
    documents, issues = parse_documents("a: " + "x" * 1000 + "\n", "f.yaml")
    assert documents == []
    assert issues[0].message.startswith("file too large (1004 bytes; the limit is 1000)")


def test_the_real_size_limit_is_ten_mebibytes() -> None:
    text = "a: " + "x" * yamlio.MAX_FILE_BYTES
    _, issues = parse_documents(text, "f.yaml")
    assert issues[0].message.startswith("file too large")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"kind: Cohort\x00\x01\x02", "not a text file (it contains NUL bytes)"),
        (b"name: caf\xe9\n", "not valid UTF-8 (byte 0xe9)"),
        (b"\xff\xfek\x00", "the file is UTF-16 encoded"),
    ],
    ids=["binary", "latin-1", "utf-16"],
)
def test_files_that_are_not_utf8_text(data: bytes, message: str) -> None:
    text, issues = decode(data, "f.yaml")
    assert text is None
    assert issues[0].message == message


def test_invalid_utf8_position_is_reported() -> None:
    _, issues = decode(b"a: 1\nname: caf\xe9\n", "f.yaml")
    assert (issues[0].line, issues[0].column) == (2, 10)


def test_utf8_bom_is_accepted() -> None:
    assert decode("\ufeffa: é\n".encode(), "f.yaml") == ("a: é\n", [])


ROUND_TRIPS = [
    {"kind": "FeatureFlag", "key": "a", "active": True, "tags": []},
    {"name": "multi\nline\n", "other": "no newline\nat end", "blank": "\n", "lead": "  x\ny"},
    {"trailing": "spaces  \nhere", "tab": "a\tb", "unicode": "é ü 日本 ✓"},
    {"looks": ["true", "null", "1.5", "2026-11-01T10:00:00Z", "yes", "~", "", "#x", "a: b"]},
    {"payloads": {"true": {"a": [1, 2.5, None, False]}, "control": "text"}},
    {"deep": [[1, [2, {"x": []}]], {"y": {}}]},
    {"numbers": [0, -1, 1e20, 0.1, 100]},
]


@pytest.mark.parametrize("doc", ROUND_TRIPS, ids=lambda d: ",".join(d))
def test_dump_then_parse_gives_the_same_data(doc: dict[str, object]) -> None:
    (document,), issues = parse_documents(dump_manifest(doc), "f.yaml")
    assert issues == []
    assert document.data == doc
    assert list(document.data) == list(doc)  # the caller's field order is kept


def test_dump_style_is_block_with_literal_multiline_and_indented_lists() -> None:
    text = dump_manifest(
        {"kind": "Dashboard", "name": "Growth", "tags": ["a"], "tiles": [{"text": "# T\nbody\n"}]}
    )
    assert text == (
        "kind: Dashboard\nname: Growth\ntags:\n  - a\ntiles:\n  - text: |\n      # T\n      body\n"
    )


def test_dump_quotes_only_when_needed() -> None:
    text = dump_manifest({"a": "plain text", "b": "true", "c": "2026-11-01T10:00:00Z"})
    assert text == "a: plain text\nb: 'true'\nc: '2026-11-01T10:00:00Z'\n"


def test_dump_manifests_separates_documents() -> None:
    text = yamlwrite.dump_manifests([{"a": 1}, {"b": 2}])
    documents, _ = parse_documents(text, "f.yaml")
    assert [d.data for d in documents] == [{"a": 1}, {"b": 2}]
