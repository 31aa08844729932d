"""libyaml composes the documents of every well-formed manifest file; the careful composer
reads again whatever libyaml refuses or what breaks a limit. Both give the same documents,
positions and issues."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.manifests import yamlbuild, yamlcompose
from reconciler.manifests.yamlio import parse_documents

from .helpers import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
TRICKY = [
    "a: 1\n---\nb: [1, 2, {c: d}]\n...\n---\n# empty\n",
    "base: &base {x: 1, y: [a, b]}\nderived:\n  <<: *base\n  y: [c]\nagain: *base\n",
    "list: &l [1, 2]\nnested: {k: *l, j: [*l, *l]}\n",
    "? complex\n: value\n'quoted key': \"two\\nlines\"\nblock: |\n  text\n  more\nfold: >\n  a\n  b\n",
    "when: 2026-11-01 12:00:00+02:00\nday: 2026-11-01\nyes: no\nn: ~\nf: 1.5e3\nh: 0x1f\n",
    "a: !!str 12\nb: !!int '7'\nc: !custom x\nd: !!binary aGk=\n",
    "a: 1\na: 2\n",
    "a: &x 1\nb: &x 2\nc: *x\n",
    "? [a]\n: 1\n",
    "a: *undefined\n",
    "a: &x [1, *x]\n",
    "a: " + "[" * 70 + "]" * 70 + "\n",
    "a: " + "[" * 64 + "]" * 64 + "\n",
    "a: " + "[" * 63 + "]" * 63 + "\n",
    "a: &x " + "[" * 70 + "]" * 70 + "\n",
    "a: 1\na:\n  " + "- " * 70 + "x\n",
    "? " + "[" * 70 + "]" * 70 + "\n: 1\n",
    "a:\n  <<: {b: 1}\n  c: 2\n",
    "a: [" + ",".join(["x"] * 99_997) + "]\n",  # 100,000 values: the most allowed
    "a: [" + ",".join(["x"] * 99_998) + "]\n",
    "a: [1, 2\n",
    "a: 1\n---\nb: [\n",
    "kind: FeatureFlag\nkey: k\nfilters: {groups: [{rollout_percentage: 5}]}\n",
    "",
    "---\n",
    "\ufeffa: 1\n",
    "a: b\x01\n",
    "a: 1\nb: '1'\nc: 1\nd: \"true\"\ne: true\nf: TRUE\ng: tRUE\nh: ''\ni: \nj: null\n",
]


def _manifest_texts(*, valid_only: bool = False) -> list[str]:
    fixtures = FIXTURES / "valid" if valid_only else FIXTURES
    files = [*fixtures.rglob("*.y*ml"), *(ROOT / "examples").rglob("*.y*ml")]
    return [path.read_text(encoding="utf-8") for path in sorted(files)]


def _careful(text: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patched:
        patched.setattr(yamlcompose, "CLoader", None)
        return parse_documents(text, "f.yaml")


@pytest.mark.parametrize("text", [*TRICKY, *_manifest_texts()])
def test_libyaml_and_the_careful_composer_agree(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_documents(text, "f.yaml") == _careful(text, monkeypatch)


@pytest.mark.parametrize("text", [*TRICKY, *_manifest_texts()])
def test_documents_built_without_positions_hold_the_same_data_and_issues(text: str) -> None:
    quick, quick_issues = parse_documents(text, "f.yaml", positions=False)
    careful, careful_issues = parse_documents(text, "f.yaml")
    assert [d.data for d in quick] == [d.data for d in careful]
    assert [d.location for d in quick] == [d.location for d in careful]
    assert quick_issues == careful_issues


def test_remembered_tags_are_the_tags_of_the_text_even_once_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(yamlcompose, "PLAIN_TAGS_KEPT", 3)  # forget every third value
    for text in [*TRICKY, *_manifest_texts(valid_only=True)]:
        assert parse_documents(text, "f.yaml") == _careful(text, monkeypatch)


def test_well_formed_manifests_are_composed_by_libyaml() -> None:
    assert yamlcompose.CLoader is not None
    for text in _manifest_texts(valid_only=True):
        composed = yamlcompose.composed_by_libyaml(text)
        assert composed is not None
        nodes, measured = composed
        for node in nodes:  # and built by the quick builder, when no position is wanted
            yamlbuild.QuickBuild(guard=not measured)(node)


@pytest.mark.parametrize(
    "text",
    ["a: *undefined\n", "a: &x [1, *x]\n", "a: &x " + "[" * 65 + "]" * 65 + "\n", "a: [1\n"],
    ids=["undefined-alias", "recursive-alias", "too-deep-with-anchor", "syntax-error"],
)
def test_what_libyaml_refuses_or_breaks_a_limit_goes_to_the_careful_composer(text: str) -> None:
    assert yamlcompose.composed_by_libyaml(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 65 + "]" * 65 + "\n",
        "a: [" + ",".join(["x"] * 100_000) + "]\n",
        "a: 1\na: 2\n",
        "? [a]\n: 1\n",
        "a:\n  <<: {b: 1}\n",
    ],
    ids=["too-deep", "too-many-values", "duplicate-key", "collection-key", "merge-key"],
)
def test_a_tree_nobody_measured_is_guarded_by_the_builder(text: str) -> None:
    composed = yamlcompose.composed_by_libyaml(text)
    assert composed is not None and composed[1] is False  # no anchors: not measured
    with pytest.raises(yamlcompose.Unmeasured):
        yamlbuild.build_documents(composed[0], "f.yaml", [], [], guard=True)


def test_long_texts_go_to_the_careful_composer_which_stops_early() -> None:
    text = "a: [" + ", ".join(["x"] * 100_001) + "]\n"
    assert len(text) > yamlcompose.LIBYAML_MAX_CHARS
    assert yamlcompose.composed_by_libyaml(text) is None
    documents, issues = parse_documents(text, "f.yaml")
    assert documents == [] and "too large" in issues[0].message


def test_an_alias_bomb_is_measured_without_expanding_it() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n"
        for i in range(9)  # 10**10 values if expanded
    )
    assert yamlcompose.composed_by_libyaml(bomb) is None
    shared = "a: &a [x, x]\nb: [*a, *a, *a]\n"
    composed = yamlcompose.composed_by_libyaml(shared)
    assert composed is not None and len(composed[0]) == 1 and composed[1] is True
