"""Each SDK call form of each language, and user patterns: the key and line they report."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.coderefs import compile_forms, scan, scan_file, user_pattern

SDK = compile_forms()

# (file name, source, expected (line, key, form) list); one row per SDK form and language.
CASES: list[tuple[str, str, list[tuple[int, str, str]]]] = [
    ("web.js", "if (posthog.isFeatureEnabled('js-enabled')) {}",
     [(1, "js-enabled", "isFeatureEnabled")]),
    ("web.ts", 'const v = posthog.getFeatureFlag("ts-variant")',
     [(1, "ts-variant", "getFeatureFlag")]),
    ("web.ts", "posthog.getFeatureFlagPayload(`ts-payload`)",
     [(1, "ts-payload", "getFeatureFlagPayload")]),
    ("web.ts", "const x = 1\nposthog.onFeatureFlags(() => {\n  if (posthog.isFeatureEnabled('in-callback')) {}\n})",
     [(3, "in-callback", "isFeatureEnabled")]),
    ("node.mjs", "await client.isFeatureEnabled('node-flag', 'user-1')",
     [(1, "node-flag", "isFeatureEnabled")]),
    ("App.tsx", "const on = useFeatureFlagEnabled('react-enabled')",
     [(1, "react-enabled", "useFeatureFlagEnabled")]),
    ("App.tsx", 'const v = useFeatureFlagVariantKey("react-variant")',
     [(1, "react-variant", "useFeatureFlagVariantKey")]),
    ("App.jsx", "const p = useFeatureFlagPayload(`react-payload`)",
     [(1, "react-payload", "useFeatureFlagPayload")]),
    ("App.tsx", '<PostHogFeature\n  match={true}\n  flag="jsx-flag">',
     [(3, "jsx-flag", "PostHogFeature")]),
    ("App.tsx", "<PostHogFeature flag={'jsx-braces'} match='test'>",
     [(1, "jsx-braces", "PostHogFeature")]),
    ("app.py", "if posthog.feature_enabled('py-enabled', 'user-1'):\n    pass",
     [(1, "py-enabled", "feature_enabled")]),
    ("app.py", 'v = posthog.get_feature_flag("py-variant", user.id)',
     [(1, "py-variant", "get_feature_flag")]),
    ("app.py", "p = posthog.get_feature_flag_payload(key='py-payload', distinct_id='u')",
     [(1, "py-payload", "get_feature_flag_payload")]),
    ("main.go", 'on, _ := client.IsFeatureEnabled(\n\tposthog.FeatureFlagPayload{\n\t\tKey:        "go-enabled",\n\t\tDistinctId: "distinct-id",\n\t})',
     [(3, "go-enabled", "FeatureFlagPayload")]),
    ("main.go", 'v, _ := client.GetFeatureFlag(posthog.FeatureFlagPayload{DistinctId: "u", Key: `go-variant`})',
     [(1, "go-variant", "FeatureFlagPayload")]),
    ("app.rb", "if posthog.is_feature_enabled('rb-enabled', 'user-1')",
     [(1, "rb-enabled", "is_feature_enabled")]),
    ("app.rb", 'v = posthog.get_feature_flag("rb-variant", "user-1")',
     [(1, "rb-variant", "get_feature_flag")]),
    ("index.php", "if (PostHog::isFeatureEnabled('php-enabled', 'user-1')) {}",
     [(1, "php-enabled", "isFeatureEnabled")]),
    ("index.php", '$v = PostHog::getFeatureFlag("php-variant", "user-1");',
     [(1, "php-variant", "getFeatureFlag")]),
    ("Server.java", 'if (posthog.isFeatureEnabled("distinct_id_of_your_user", "java-server")) {}',
     [(1, "java-server", "isFeatureEnabled")]),
    ("Server.java", 'Object v = posthog.getFeatureFlag("user-1", "java-variant");',
     [(1, "java-variant", "getFeatureFlag")]),
    ("Main.kt", 'if (PostHog.isFeatureEnabled("kotlin-android")) {}',
     [(1, "kotlin-android", "isFeatureEnabled")]),
    ("Main.kt", 'val v = PostHog.getFeatureFlag("kotlin-variant", defaultValue = "control")',
     [(1, "kotlin-variant", "getFeatureFlag")]),
    ("View.swift", 'if PostHogSDK.shared.isFeatureEnabled("swift-enabled") {}',
     [(1, "swift-enabled", "isFeatureEnabled")]),
    ("View.swift", 'let p = PostHogSDK.shared.getFeatureFlagPayload("swift-payload")',
     [(1, "swift-payload", "getFeatureFlagPayload")]),
    ("main.dart", "if (await Posthog().isFeatureEnabled('dart-enabled')) {}",
     [(1, "dart-enabled", "isFeatureEnabled")]),
    ("main.dart", "final v = await Posthog().getFeatureFlag('dart-variant');",
     [(1, "dart-variant", "getFeatureFlag")]),
    # Not literals, or not calls: nothing to report.
    ("web.ts", "posthog.getFeatureFlag(`tmpl-${name}`)\nposthog.isFeatureEnabled(flagKey)", []),
    ("notes.txt", "isFeatureEnabled is documented elsewhere", []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "source", "expected"), CASES, ids=[f"{c[0]}:{c[1][:30]}" for c in CASES]
)
def test_each_sdk_form(name: str, source: str, expected: list[tuple[int, str, str]]) -> None:
    found = scan_file(name, source.encode(), SDK)
    assert [(r.line, r.key, r.form) for r in found] == expected
    assert all(r.file == name for r in found)


def test_several_references_in_one_file_each_on_its_line() -> None:
    source = "a\nisFeatureEnabled('one')\n\nb getFeatureFlag('two'); isFeatureEnabled('three')\n"
    found = scan_file("x.js", source.encode(), SDK)
    assert [(r.line, r.key) for r in found] == [(2, "one"), (4, "three"), (4, "two")]


def test_binary_files_have_no_references() -> None:
    assert scan_file("logo.png", b"\x89PNG\0\0isFeatureEnabled('x')", SDK) == []


USER = [
    ("useFlag", "const on = useFlag('wrapped')", ["wrapped"]),
    ("useFlag", 'const on = useFlag<boolean>("generic")', ["generic"]),
    ("useFlag", "const on = myuseFlag('other-name')", []),
    ("flags.isOn", "if (flags.isOn(`dotted`)) {}", ["dotted"]),
    (r"FLAG_(?P<key>[a-z_]+)\b", "if settings.FLAG_dark_mode:", ["dark_mode"]),
]


@pytest.mark.parametrize(("pattern", "source", "keys"), USER)
def test_user_patterns(pattern: str, source: str, keys: list[str]) -> None:
    found = scan_file("x.ts", source.encode(), compile_forms([pattern]))
    assert [r.key for r in found] == keys
    assert all(r.form == pattern for r in found)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [("flag(", "is not a regular expression"), (r"flag\('([\w-]+)'\)", "no group named key")],
)
def test_bad_user_patterns_say_what_is_wrong(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        user_pattern(pattern)


def test_the_jvm_server_form_reads_the_key_after_a_distinct_id_expression() -> None:
    source = (
        'posthog.isFeatureEnabled(user.getId(), "java-server")\nclient.isFeatureEnabled(id, "x")'
    )
    assert [r.key for r in scan_file("S.java", source.encode(), SDK)] == ["java-server", "x"]
    assert scan_file("s.ts", source.encode(), SDK) == []


def test_a_fixture_tree_of_every_form_scans_to_the_same_references(tmp_path: Path) -> None:
    """Every case above as a file of one tree (its language by its extension), scanned whole."""
    expected = []
    for index, (name, source, found) in enumerate(CASES):
        path = tmp_path / f"case{index:02d}" / name
        path.parent.mkdir()
        path.write_text(source, encoding="utf-8")
        expected += [(f"case{index:02d}/{name}", line, key) for line, key, _ in found]
    refs = scan([str(tmp_path)], SDK)
    prefix = f"{tmp_path}/"
    assert [(r.file.removeprefix(prefix), r.line, r.key) for r in refs] == sorted(expected)
