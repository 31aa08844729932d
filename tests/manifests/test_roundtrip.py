"""The round-trip writer's contract beyond the golden files: no edits, no change; every refusal
names the file, the line, why and what to do; a result that would not read back as asked is
never returned; random value changes on the example manifests touch only their own lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.errors import PhsyncError, RoundTripError
from reconciler.manifests import roundtrip
from reconciler.manifests.roundtrip import REMOVE, Edit, rewrite
from reconciler.manifests.roundtrip_locate import Splice
from reconciler.manifests.yamlio import parse_documents

FLAG = """\
kind: FeatureFlag  # a flag
key: staff-tools
filters:
  groups:
    - &staff
      properties:
        - {key: email, type: person, operator: icontains, value: "@example.com"}
      rollout_percentage: 100
    - <<: *staff
      variant: beta
    - properties: *props
"""


def test_no_edits_give_back_the_text_itself() -> None:
    text = "kind: FeatureFlag\nkey: [unclosed\n"  # not even read
    assert rewrite(text, []) is text


def test_edits_that_change_nothing_leave_the_text_as_it_was() -> None:
    text = "kind: FeatureFlag   # odd spacing\nactive: true\ntags: [a, b]\n"
    edits = [Edit(0, ("active",), True), Edit(0, ("tags",), ["a", "b"]), Edit(0, ("x",), REMOVE)]
    assert rewrite(text, edits) == text


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("payloads: 'none'  # later\n", "payloads:  # later\n  'true': {a: 1}\n"),
        ("payloads: {}  # later\n", "payloads:  # later\n  'true': {a: 1}\n"),
        ("payloads: # later\n", "payloads: # later\n  'true': {a: 1}\n"),
    ],
)
def test_a_value_that_becomes_a_block_keeps_its_comment_on_the_key_line(old: str, new: str) -> None:
    text = "kind: FeatureFlag\nflat: {x: 1}\n" + old
    after = rewrite(text, [Edit(0, ("payloads",), {"true": {"a": 1}})])
    assert after == "kind: FeatureFlag\nflat: {x: 1}\n" + new


def test_an_empty_document_gets_a_whole_manifest() -> None:
    text = "kind: Cohort\nname: a\n---\n# to be written\n"
    manifest = {"kind": "Cohort", "name": "b", "description": "B"}
    after = rewrite(text, [Edit(1, (), manifest)])
    assert (
        after
        == "kind: Cohort\nname: a\n---\nkind: Cohort\nname: b\ndescription: B\n# to be written\n"
    )


def test_a_byte_order_mark_stays() -> None:
    assert rewrite("\ufeffa: 1\nb: 2\n", [Edit(0, ("b",), 3)]) == "\ufeffa: 1\nb: 3\n"


ANCHORS = """\
kind: FeatureFlag
filters:
  groups:
    - properties: &staff
        - {key: email, type: person, operator: icontains, value: "@example.com"}
      rollout_percentage: 100
    - properties: *staff
      rollout_percentage: 10
"""
MERGED = """\
defaults: &defaults {active: true, tags: [a]}
flag:
  <<: *defaults
  key: x
  active: false
"""


@pytest.mark.parametrize(
    ("text", "edits", "line", "what", "hint"),
    [
        pytest.param(
            "a: 1\r\nb: 2\nc: 3\r\n",
            [Edit(0, ("a",), 2)],
            2,
            "mixes line endings",
            "one kind of line ending",
            id="mixed-line-endings",
        ),
        pytest.param(
            "a: 1\rb: 2\n",
            [Edit(0, ("a",), 2)],
            1,
            "mixes line endings",
            "one kind",
            id="lone-carriage-return",
        ),
        pytest.param(
            "kind: FeatureFlag\ntags: [a,\n",
            [Edit(0, ("kind",), "Cohort")],
            3,
            "does not read: YAML syntax error",
            "validate",
            id="not-yaml",
        ),
        pytest.param(
            "a: 1\nb: 2\na: 3\n",
            [Edit(0, ("b",), 4)],
            3,
            "duplicate key 'a'",
            "remove one",
            id="duplicate-key",
        ),
        pytest.param(
            ANCHORS,
            [Edit(0, ("filters", "groups", 1, "properties", 0, "value"), "@x")],
            7,
            "filters.groups[1].properties is the alias *staff",
            "write the value out in full",
            id="through-an-alias",
        ),
        pytest.param(
            ANCHORS,
            [Edit(0, ("filters", "groups", 0, "properties", 0, "value"), "@x")],
            4,
            "*staff repeats at line 7",
            "write that value out in full",
            id="anchored-value-alone",
        ),
        pytest.param(
            ANCHORS,
            [Edit(0, ("filters", "groups", 0, "properties"), REMOVE)],
            4,
            "*staff repeats at line 7",
            "where the alias stands",
            id="anchor-removed",
        ),
        pytest.param(
            MERGED,
            [Edit(0, ("flag", "tags"), REMOVE)],
            3,
            "flag.tags comes from a merge key",
            "instead of merging",
            id="merged-key-removed",
        ),
        pytest.param(
            MERGED,
            [Edit(0, ("flag", "active"), REMOVE)],
            5,
            "bring back the value its merge",
            "remove the merge key",
            id="overriding-key-removed",
        ),
        pytest.param(
            "kind: Cohort\nname: Beta\na:\n  b: 1\n",
            [Edit(0, ("a", "c", "d"), 1)],
            3,
            "a.c does not exist",
            "nearest existing value",
            id="missing-parent",
        ),
        pytest.param(
            "tags: [a]\n",
            [Edit(0, ("tags", 2), "c")],
            1,
            "tags[2] is past the end of a list of 1",
            "equal to the list's length",
            id="index-past-the-end",
        ),
        pytest.param(
            "a: {b: 1}\n",
            [Edit(0, ("a", 0), 1)],
            1,
            "a is a mapping; it has no 0",
            None,
            id="index-into-a-mapping",
        ),
        pytest.param(
            "a: 1\n---\nb: 2\n",
            [Edit(2, ("b",), 1)],
            1,
            "no document 2 (the file has 2",
            None,
            id="no-such-document",
        ),
        pytest.param(
            "a: 1\n---\nb: 2\n",
            [Edit(1, (), REMOVE)],
            3,
            "cannot remove a whole document",
            "by hand",
            id="whole-document-removed",
        ),
        pytest.param(
            "a: 1\n",
            [Edit(0, ("a",), float("inf"))],
            1,
            "inf is not a finite number",
            None,
            id="infinite-number",
        ),
        pytest.param(
            "a: 1\n",
            [Edit(0, ("a",), {1: "x"})],
            1,
            "mapping keys are text",
            None,
            id="key-not-text",
        ),
        pytest.param(
            "- - a\n  - b\n- c\n",
            [Edit(0, (0, 0), REMOVE)],
            1,
            "shares its line with another",
            "a line of its own",
            id="compact-nested-item-removed",
        ),
        pytest.param(
            "a:\n  ? b\n  : 1\n  c: 2\n",
            [Edit(0, ("a", "c"), 3)],
            2,
            "explicit form ('? key')",
            "'key: value'",
            id="explicit-key",
        ),
        pytest.param(
            "kind: FeatureFlag\nkey:\tdark-mode\n",
            [Edit(0, ("kind",), "Cohort")],
            2,
            "cannot rewrite this file",
            "spaces instead of the tab",
            id="tab-after-a-key",
        ),
    ],
)
def test_refusals_say_where_why_and_what_to_do(
    text: str, edits: list[Edit], line: int, what: str, hint: str | None
) -> None:
    with pytest.raises(RoundTripError) as caught:
        rewrite(text, edits, source="flags/staff.yaml")
    error = caught.value
    assert isinstance(error, PhsyncError)
    assert (error.source, error.line) == ("flags/staff.yaml", line)
    assert what in error.what
    assert str(error).startswith(f"flags/staff.yaml:{line}: ")
    if hint is not None:
        assert error.hint is not None and hint in error.hint


def test_an_anchored_value_changed_with_its_alias_is_written_once() -> None:
    path = ("filters", "groups", 0, "properties", 0, "value")
    alias_path = ("filters", "groups", 1, "properties", 0, "value")
    after = rewrite(ANCHORS, [Edit(0, path, "@example.org"), Edit(0, alias_path, "@example.org")])
    assert after == ANCHORS.replace('"@example.com"', '"@example.org"')


def test_a_result_that_does_not_read_back_as_asked_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def careless(text: str, *_: Any, **__: Any) -> Splice:  # writes the wrong value
        return Splice(text.index("100"), text.index("100") + 3, "99")

    monkeypatch.setattr(roundtrip, "replace", careless)
    text = "filters:\n  groups:\n    - rollout_percentage: 100\n"
    with pytest.raises(RoundTripError, match="cannot rewrite this file faithfully"):
        rewrite(text, [Edit(0, ("filters", "groups", 0, "rollout_percentage"), 50)])


EXAMPLES = sorted((Path(__file__).parents[2] / "examples").rglob("*.yaml"))


def _scalars(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(data, dict):
        return [p for key, value in data.items() for p in _scalars(value, (*path, key))]
    if isinstance(data, list):
        return [p for index, value in enumerate(data) for p in _scalars(value, (*path, index))]
    return [path]


NEW_SCALARS = st.one_of(
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.none(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_new_scalars_in_the_examples_change_only_their_own_lines(data: st.DataObject) -> None:
    file = data.draw(st.sampled_from(EXAMPLES))
    text = file.read_text()
    documents = [document.data for document in parse_documents(text, str(file))[0]]
    index = data.draw(st.integers(0, len(documents) - 1))
    paths = [p for p in _scalars(documents[index]) if p]
    path = data.draw(st.sampled_from(paths))
    value = data.draw(NEW_SCALARS)
    edit = Edit(index, path, value)
    try:
        after = rewrite(text, [edit], source=str(file))
    except RoundTripError as error:  # only where the example shares the value through an alias
        assert "alias" in error.what
        return
    read = [document.data for document in parse_documents(after, "after")[0]]
    expected = documents
    target: Any = expected[index]
    for key in path[:-1]:
        target = target[key]
    old = target[path[-1]]
    target[path[-1]] = value
    assert read == expected
    before_lines, after_lines = text.split("\n"), after.split("\n")
    if "\n" not in f"{old}{value}":  # a value on one line before and after
        assert len(before_lines) == len(after_lines)
        assert sum(a != b for a, b in zip(before_lines, after_lines, strict=True)) <= 1
