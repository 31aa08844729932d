"""The manifest reference and the README's manifest section stay true: examples validate and
every field of every schema is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reconciler.manifests import parse_text, schema_for, validate
from reconciler.model import KINDS

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "manifests.md"


def _readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- section: manifests -->")
    end = text.find("<!-- section:", start + 1)
    return text[start : end if end != -1 else None]


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)


EXAMPLES = [
    pytest.param(block, id=f"{name}-{index}")
    for name, text in (
        ("reference", REFERENCE.read_text(encoding="utf-8")),
        ("readme", _readme_section()),
    )
    for index, block in enumerate(_yaml_blocks(text))
]


@pytest.mark.parametrize("block", EXAMPLES)
def test_documented_examples_are_valid(block: str) -> None:
    manifests, issues = parse_text(block, "example.yaml")
    assert manifests
    assert [str(i) for i in [*issues, *validate(manifests, check_refs=False)]] == []


def test_every_kind_has_an_example() -> None:
    kinds = {
        m.kind for block in _yaml_blocks(REFERENCE.read_text()) for m in parse_text(block, "x")[0]
    }
    assert kinds == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_top_level_field_is_documented(kind: str) -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    section = text[text.index(f"## {kind}") :]
    common = text[text.index("## Fields every manifest has") : text.index("## References")]
    missing = [
        name
        for name in schema_for(kind)["properties"]
        if f"`{name}`" not in section.split("\n## ")[0] and f"`{name}`" not in common
    ]
    assert missing == []
