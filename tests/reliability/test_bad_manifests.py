"""Every bad manifest in tests/fixtures/bad-manifests/ is refused, before anything is sent.

Each case (a file, or a folder for problems that span files) must make both `phsync validate`
and `phsync plan` exit 1 with a line naming the file, the line and the problem. The emulator's
request counter must show that validate sent nothing at all, and that plan sent nothing either,
except for dangling references: plan may resolve a name against the live project, so it reads
the project (GETs only) before it can refuse those. A very large file is made at test time.

The commands run in-process through the CLI's own entry point, to keep ~150 runs fast; a few
cases also run as real subprocesses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import main
from tests.conftest import ROOT, run_phsync
from tests.reliability.observe import writes

CORPUS = ROOT / "tests" / "fixtures" / "bad-manifests"

# case -> (file inside the case that the message names, line, words of the message)
EXPECTED: dict[str, tuple[str, int, str]] = {
    "annotation-bad-date.yaml": ("", 4, "is not an ISO 8601 date-time"),
    "annotation-content-too-long.yaml": ("", 3, "is too long: 500 characters"),
    "annotation-dashboard-scope-without-dashboard.yaml": ("", 5, "needs the dashboard's name"),
    "annotation-date-only.yaml": ("", 4, "has no time of day"),
    "cohort-bad-group-type.yaml": ("", 5, "must be one of: AND, OR (got 'XOR')"),
    "cohort-description-too-long.yaml": ("", 4, "is too long: 1000 characters"),
    "cohort-dynamic-without-filters.yaml": ("", 1, "missing required field 'filters'"),
    "cycle-cohorts-across-files": ("a.yaml", 7, "reference cycle: Cohort 'Alpha'"),
    "cycle-flag-depends-on-itself.yaml": ("", 6, "depends on itself"),
    "cycle-flags-across-files": ("a.yaml", 6, "reference cycle: FeatureFlag 'chicken'"),
    "dangling-cohort-reference.yaml": ("", 6, "Cohort 'Ghost cohort'"),
    "dangling-dashboard-of-annotation.yaml": ("", 6, "Dashboard 'Ghost board'"),
    "dangling-flag-dependency.yaml": ("", 6, "FeatureFlag 'ghost-flag'"),
    "dangling-reference-across-files": ("flag.yaml", 6, "Cohort 'Beta testrs'"),
    "dashboard-tile-without-text.yaml": ("", 4, "a tile needs 'text' (markdown) or 'insight'"),
    "duplicate-annotations-across-files": ("two.yaml", 2, "duplicate Annotation 'release-1'"),
    "duplicate-cohorts-across-files": ("more/audiences.yaml", 2, "duplicate Cohort 'Beta testers'"),
    "duplicate-flag-in-one-file.yaml": ("", 8, "duplicate FeatureFlag 'twice'"),
    "duplicate-flags-across-files": ("b.yaml", 2, "duplicate FeatureFlag 'same-key'"),
    "file-binary.yaml": ("", 1, "not a text file"),
    "file-empty.yaml": ("", 1, "no manifest in this file"),
    "file-invalid-utf8.yaml": ("", 2, "not valid UTF-8"),
    "file-only-comments.yaml": ("", 1, "no manifest in this file"),
    "file-utf16.yaml": ("", 1, "UTF-16"),
    "flag-key-is-number.yaml": ("", 2, "must be a string, got a number"),
    "flag-key-too-long.yaml": ("", 2, "is too long: 401 characters"),
    "flag-key-with-slash.yaml": ("", 2, "'team/checkout' is not allowed"),
    "flag-key-with-space.yaml": ("", 2, "'new checkout' is not allowed"),
    "flag-without-filters.yaml": ("", 1, "missing required field 'filters'"),
    "identity-empty-dashboard-name.yaml": ("", 2, "must not be empty"),
    "identity-name-with-spaces.yaml": ("", 2, "starts or ends with spaces"),
    "identity-missing-cohort-name.yaml": ("", 1, "missing required field 'name'"),
    "identity-missing-flag-key.yaml": ("", 1, "missing required field 'key'"),
    "ignore-identity.yaml": ("", 6, "is this object's identity and cannot be ignored"),
    "ignore-not-a-list.yaml": ("", 6, "must be a list of field paths"),
    "ignore-unknown-path.yaml": ("", 6, "unknown field 'group'"),
    "kind-missing.yaml": ("", 1, "missing 'kind'"),
    "kind-unknown.yaml": ("", 1, "unknown kind 'FeatureFlg'"),
    "kind-wrong-case.yaml": ("", 1, "unknown kind 'featureflag'"),
    "numeric-operator-with-text.yaml": ("", 6, "operator gt needs a number"),
    "one-bad-among-good": ("bad.yaml", 5, "must be at most 100, got 101"),
    "operator-unknown.yaml": ("", 6, "must be one of: exact"),
    "payload-unknown-variant.yaml": ("", 11, "payload key 'c' is not a variant"),
    "regex-invalid.yaml": ("", 6, "is not a valid regular expression"),
    "rollout-above-100.yaml": ("", 5, "must be at most 100, got 150"),
    "rollout-negative.yaml": ("", 5, "must be at least 0, got -5"),
    "static-cohort-in-flag-with-behavioral": ("flag.yaml", 6, "conditions on events"),
    "unknown-field.yaml": ("", 3, "unknown field 'activ'"),
    "unknown-nested-field.yaml": ("", 5, "unknown field 'rollout_percentag'"),
    "variant-duplicate-key.yaml": ("", 9, "duplicate variant key 'a'"),
    "variant-forced-unknown.yaml": ("", 6, "variant override 'ghost' does not exist"),
    "variants-sum-110.yaml": ("", 7, "must sum to 100, got 110"),
    "variants-sum-90.yaml": ("", 7, "must sum to 100, got 90"),
    "wrong-type-active.yaml": ("", 3, "must be true or false, got a string"),
    "wrong-type-groups.yaml": ("", 4, "must be a list, got a mapping"),
    "wrong-type-is-static.yaml": ("", 3, "must be true or false, got a string"),
    "wrong-type-pinned.yaml": ("", 3, "must be true or false, got a number"),
    "wrong-type-rollout.yaml": ("", 5, "must be a number or null, got a string"),
    "wrong-type-tags.yaml": ("", 3, "must be a list, got a string"),
    "yaml-alias-bomb.yaml": ("", 12, "more than 100000 values once aliases are expanded"),
    "yaml-alias-to-nothing.yaml": ("", 2, "undefined alias '*missing'"),
    "yaml-bad-indentation.yaml": ("", 6, "YAML syntax error"),
    "yaml-binary-tag.yaml": ("", 3, "unsupported YAML tag"),
    "yaml-custom-tag.yaml": ("", 2, "unsupported YAML tag '!secret'"),
    "yaml-deep-nesting.yaml": ("", 7, "nested deeper than 64 levels"),
    "yaml-document-is-a-list.yaml": ("", 1, "must be a mapping of fields, got a list"),
    "yaml-document-is-text.yaml": ("", 1, "must be a mapping of fields, got a string"),
    "yaml-duplicate-key.yaml": ("", 3, "duplicate key 'key'"),
    "yaml-duplicate-nested-key.yaml": ("", 6, "duplicate key 'rollout_percentage'"),
    "yaml-infinity.yaml": ("", 5, "'.inf' is not a finite number"),
    "yaml-nan.yaml": ("", 5, "'.nan' is not a finite number"),
    "yaml-second-document-broken.yaml": ("", 7, "YAML syntax error"),
    "yaml-tab-indentation.yaml": ("", 4, "tabs for indentation"),
    "yaml-unclosed-flow.yaml": ("", 5, "YAML syntax error"),
    "yaml-unclosed-quote.yaml": ("", 4, "YAML syntax error"),
}
LARGE = "generated-too-large.yaml"
SUBPROCESS_CASES = ("file-binary.yaml", "yaml-alias-bomb.yaml", "dangling-reference-across-files")


def test_the_corpus_is_complete() -> None:
    on_disk = {p.name for p in CORPUS.iterdir()}
    assert on_disk == set(EXPECTED), on_disk ^ set(EXPECTED)
    assert len(EXPECTED) + 1 >= 60  # the large file is made at test time


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Valid YAML just over the 10 MiB limit: a long comment before one manifest."""
    path = tmp_path_factory.mktemp("large") / LARGE
    line = "# " + "x" * 1022 + "\n"
    path.write_text(line * (10 * 1024 + 1) + "kind: Cohort\nname: Big\nis_static: true\n")
    return path


def case_path(case: str, large_file: Path) -> Path:
    return large_file if case == LARGE else CORPUS / case


def expected(case: str, large_file: Path) -> tuple[Path, int, str]:
    if case == LARGE:
        return large_file, 1, "file too large"
    inner, line, words = EXPECTED[case]
    return CORPUS / case / inner if inner else CORPUS / case, line, words


def run_in_process(
    capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str]:
    with pytest.raises(SystemExit) as ended:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out + err


def check_refusal(code: int, output: str, file: Path, line: int, words: str) -> None:
    assert code == 1, output
    lines = [text for text in output.splitlines() if f"{file}:{line}:" in text]
    assert lines, f"no line names {file}:{line}:\n{output}"
    assert any(words in text for text in lines), f"{words!r} not said at {file}:{line}:\n{output}"


@pytest.mark.parametrize("case", [*sorted(EXPECTED), LARGE])
def test_validate_sends_nothing_and_plan_writes_nothing(
    case: str,
    large_file: Path,
    quiet_emulator: Any,
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file, line, words = expected(case, large_file)
    path = str(case_path(case, large_file))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_COLOR", "1")

    quiet_emulator.reset_stats()
    check_refusal(*run_in_process(capsys, "validate", path), file, line, words)
    assert quiet_emulator.stats()["total"] == 0

    check_refusal(*run_in_process(capsys, "plan", path), file, line, words)
    stats = quiet_emulator.stats()
    assert writes(stats) == {}, stats
    # plan reads PostHog's lists while it validates (reading is harmless), and stops reading
    # when the manifests turn out invalid: list pages only, never an object read alone.
    assert all(
        route.startswith("GET ") and route.endswith("s/") for route in stats["by_route"]
    ), stats["by_route"]


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_the_real_command_refuses_it_too(
    case: str, large_file: Path, quiet_emulator: Any, env: dict[str, str]
) -> None:
    file, line, words = expected(case, large_file)
    path = str(case_path(case, large_file))
    quiet_emulator.reset_stats()
    for command in ("validate", "plan"):
        result = run_phsync(command, path, env=env, cwd=ROOT)
        check_refusal(result.returncode, result.stdout + result.stderr, file, line, words)
    assert writes(quiet_emulator.stats()) == {}


def test_a_large_file_is_refused_without_reading_it_whole(
    large_file: Path, quiet_emulator: Any, env: dict[str, str]
) -> None:
    result = run_phsync("plan", str(large_file), env=env)
    check_refusal(result.returncode, result.stderr, large_file, 1, "file too large")
    assert writes(quiet_emulator.stats()) == {}
