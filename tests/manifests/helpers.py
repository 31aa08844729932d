"""Small helpers for the manifest tests: parse and validate YAML text given inline."""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from pathlib import Path

from reconciler.errors import Issue
from reconciler.manifests import parse_text, validate
from reconciler.model import Manifest, ResourceKey

FIXTURES = Path(__file__).parent / "fixtures"


def parse(text: str, filename: str = "m.yaml") -> tuple[list[Manifest], list[Issue]]:
    return parse_text(textwrap.dedent(text), filename)


def problems(
    text: str, *, known: Collection[ResourceKey] = (), check_refs: bool = True
) -> list[Issue]:
    """Every issue of a YAML text: parsing, then validation."""
    manifests, issues = parse(text)
    return [*issues, *validate(manifests, known=known, check_refs=check_refs)]


def described(issues: list[Issue]) -> list[str]:
    """Issues as ``line:column path: message`` for compact assertions."""
    return [f"{i.line}:{i.column} {i.path}: {i.message}" for i in issues]


def one(text: str, **kwargs: object) -> Issue:
    found = problems(text, **kwargs)  # type: ignore[arg-type]
    assert len(found) == 1, described(found)
    return found[0]


def flag(filters: str, extra: str = "") -> str:
    """A FeatureFlag manifest with the given (indented two spaces) filters block."""
    body = textwrap.indent(textwrap.dedent(filters).strip("\n"), "  ")
    return f"kind: FeatureFlag\nkey: f\n{textwrap.dedent(extra)}filters:\n{body}\n"
