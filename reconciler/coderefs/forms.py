"""The ways source code names a feature flag: PostHog's SDK calls in each language, and the
patterns a repository adds for its own wrappers (``useFlag('key')``).

Every form is a regular expression over bytes whose group ``key`` is the flag key, written as a
string literal in single, double or back quotes (a back-quoted template with ``${`` in it is
not a literal and is not reported).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A string literal, its text in one of three groups: q1 (single), q2 (double), q3 (back quotes).
_LITERAL = rb"""(?:'(?P<q1>[^'\\\n]+)'|"(?P<q2>[^"\\\n]+)"|`(?P<q3>[^`\\\n$]+)`)"""


def _literal(prefix: str) -> bytes:
    return _LITERAL.replace(b"(?P<q", f"(?P<{prefix}q".encode())


# Calls whose first string argument is the flag key. JavaScript/TypeScript (posthog-js,
# posthog-node, React hooks), Python, Ruby, PHP, Swift, Flutter/Dart and Java/Kotlin on
# Android; `key=`/`key:`/`flag_key=` keyword forms are accepted.
CALLS: tuple[str, ...] = (
    "isFeatureEnabled",
    "getFeatureFlag",
    "getFeatureFlagPayload",
    "getFeatureFlagResult",
    "useFeatureFlagEnabled",
    "useFeatureFlagVariantKey",
    "useFeatureFlagPayload",
    "feature_enabled",
    "is_feature_enabled",
    "get_feature_flag",
    "get_feature_flag_payload",
)

# A first argument that is not a literal: a name, a property or a call without arguments
# (``userId``, ``user.getId()``); only the JVM form reads the key after it.
_EXPRESSION = rb"|[\w$]+(?:\.[\w$]+)*(?:\(\s*\))?"
_CALL = (
    rb"\b(?P<call>"
    + "|".join(sorted(CALLS, key=len, reverse=True)).encode()
    + rb")\s*\(\s*(?:(?:key|flag_key|flagKey|flag)\s*[=:]\s*)?"
    + rb"(?:"
    + _literal("a")
    + _EXPRESSION
    + rb")(?:\s*,\s*"
    + _literal("b")
    + rb")?"
)
# Go: client.IsFeatureEnabled(posthog.FeatureFlagPayload{Key: "flag-key", DistinctId: ...}),
# and the same payload for GetFeatureFlag / GetFeatureFlagPayload.
_GO = rb"(?P<call>FeatureFlagPayload)\s*\{[^}]*?\bKey\s*:\s*" + _literal("a")
# React: <PostHogFeature flag="key" ...>, also flag={'key'}.
_JSX = rb"<(?P<call>PostHogFeature)\b[^>]*?\bflag\s*=\s*\{?\s*" + _literal("a")

# Each SDK form with a test that its every match passes: a file that fails it is not searched
# with that form (most files fail all three and cost only these quick searches, which look
# for a fixed text first).
_CALL_MARKER = re.compile(rb"eature(?:Enabled|Flag|_enabled|_flag)")
SDK_FORMS: tuple[tuple[re.Pattern[bytes], re.Pattern[bytes]], ...] = (
    (re.compile(_CALL), _CALL_MARKER),
    (re.compile(_GO), re.compile(rb"FeatureFlagPayload")),
    (re.compile(_JSX), re.compile(rb"PostHogFeature")),
)

# In Java and Kotlin the server SDK takes the distinct id first: isFeatureEnabled("user", "key").
JVM_SUFFIXES: frozenset[str] = frozenset({".java", ".kt", ".kts", ".scala", ".groovy"})

_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


@dataclass(frozen=True)
class Pattern:
    """One user pattern of ``code_refs.patterns``: its text as written and its compiled form.
    ``marker`` is text every match contains (files without it are not searched), or empty."""

    text: str
    regex: re.Pattern[bytes]
    marker: bytes


@dataclass(frozen=True)
class Forms:
    """The SDK forms plus the repository's own patterns."""

    patterns: tuple[Pattern, ...] = ()


def user_pattern(text: str) -> Pattern:
    """A pattern of ``code_refs.patterns``: a function name (``useFlag``, ``flags.isOn``: its
    first string argument is the key) or a regular expression with a group named ``key``.
    Raises ValueError saying what is wrong."""
    if _IDENTIFIER.fullmatch(text):
        name = re.escape(text).encode()
        regex = rb"(?<![\w$.])" + name + rb"\s*(?:<[^>()]*>)?\s*\(\s*" + _literal("a")
        return Pattern(text, re.compile(regex), text.encode())
    try:
        compiled = re.compile(text.encode())
    except re.error as exc:
        raise ValueError(f"{text!r} is not a regular expression: {exc}") from None
    if "key" not in compiled.groupindex:
        raise ValueError(
            f"{text!r} has no group named key: write the flag key's place as "
            "(?P<key>[\\w.-]+), or give just a function name such as useFlag"
        )
    return Pattern(text, compiled, b"")


def compile_forms(patterns: tuple[str, ...] | list[str] = ()) -> Forms:
    return Forms(tuple(user_pattern(text) for text in patterns))


def key_of(match: re.Match[bytes], jvm: bool) -> tuple[bytes, int] | None:
    """The flag key a match of :data:`SDK_FORMS` or of a user pattern names, and where the
    key's text starts (its line is the reference's line)."""
    names = ["key"]
    if jvm:
        names += ["bq1", "bq2", "bq3"]
    names += ["aq1", "aq2", "aq3"]
    groups = match.re.groupindex
    for name in names:
        if name in groups:
            value = match.group(name)
            if value:
                return value, match.start(name)
    return None


def call_of(match: re.Match[bytes]) -> str:
    groups = match.groupdict()
    name = groups.get("call")
    return name.decode() if name else "pattern"
