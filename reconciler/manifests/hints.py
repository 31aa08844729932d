"""Suggestions for misspelt names ("did you mean ...?"); pure."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice that ``word`` most likely meant, or None when nothing is close."""
    options = list(choices)
    folded = {option.casefold(): option for option in options}
    if word.casefold() in folded:
        return folded[word.casefold()]
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    matches = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[matches[0]] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` or an empty string."""
    match = closest(word, choices)
    return f"; did you mean '{match}'?" if match is not None else ""


def describe(value: Any) -> str:
    """A value's type for messages: 'a list', 'a mapping', 'a string', 'a number'..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return "a string"
