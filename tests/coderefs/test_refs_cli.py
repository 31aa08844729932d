"""`phsync refs` in-process: findings and exit codes, the three formats, phsync.yaml's
code_refs, and keys looked up in PostHog (the emulator) when a key is available."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from reconciler.cli import main

FLAG = "kind: FeatureFlag\nkey: {key}\nname: {key}\nfilters:\n  groups:\n    - rollout_percentage: 10\n"


def _repo(root: Path, flags: list[str], code: dict[str, str], config: str = "") -> Path:
    (root / "flags").mkdir()
    for key in flags:
        (root / "flags" / f"{key}.yaml").write_text(FLAG.format(key=key), encoding="utf-8")
    for name, text in code.items():
        path = root / "web" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if config:
        (root / "phsync.yaml").write_text(config, encoding="utf-8")
    return root


def _run(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: Mapping[str, str] | None = None,
) -> tuple[int, str, str]:
    for name in (
        "POSTHOG_PERSONAL_API_KEY",
        "POSTHOG_API_KEY",
        "POSTHOG_HOST",
        "POSTHOG_PROJECT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        main(["refs", *args])
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


CODE = {
    "src/app.ts": "import posthog from 'posthog-js'\nif (posthog.isFeatureEnabled('new-checkout')) {}\n",
    "src/search.ts": "posthog.getFeatureFlag('beta-serach')\n",
    "src/more.ts": "\n\nuseFeatureFlagEnabled('new-checkout')\nuseFeatureFlagEnabled('new-checkout')\n",
}


def test_findings_exit_2_and_name_each_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_repo(tmp_path, ["new-checkout", "beta-search", "old-banner"], CODE))
    code, out, _ = _run(["flags", "--code", "web"], capsys, monkeypatch)
    assert code == 2
    assert "Declared but not referenced (2): candidates for removal" in out
    assert "  beta-search  flags/beta-search.yaml" in out
    assert "  old-banner  flags/old-banner.yaml" in out
    assert "Referenced but not declared (1)" in out
    assert "  beta-serach  web/src/search.ts:1 (did you mean beta-search?)" in out
    assert "  new-checkout  web/src/app.ts:2  isFeatureEnabled" in out
    assert "  new-checkout  web/src/more.ts:4  useFeatureFlagEnabled" in out

    code, out, _ = _run(["flags", "--code", "web", "--format", "json"], capsys, monkeypatch)
    report = json.loads(out)
    assert code == 2 and report["ok"] is False and report["declared"] == 3
    assert report["unreferenced"][0] == {"key": "beta-search", "manifest": "flags/beta-search.yaml"}
    assert report["undeclared"] == [
        {"key": "beta-serach", "in_posthog": None, "did_you_mean": "beta-search",
         "references": ["web/src/search.ts:1"]}
    ]  # fmt: skip
    assert len(report["references"]) == 4

    code, out, _ = _run(["flags", "--code", "web", "-o", "markdown"], capsys, monkeypatch)
    assert code == 2 and out.startswith("## Flag references")
    assert "| `new-checkout` | `web/src/app.ts:2` | `isFeatureEnabled` |" in out


def test_clean_code_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_repo(tmp_path, ["new-checkout"], {"a.ts": CODE["src/app.ts"]}))
    code, out, _ = _run(["flags", "--code", "web"], capsys, monkeypatch)
    assert code == 0, out
    assert "Every declared flag is referenced" in out


def test_code_refs_of_phsync_yaml_give_paths_patterns_and_excludes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = (
        "paths: [flags]\n"
        "code_refs:\n  paths: [web]\n  patterns: [useFlag]\n  exclude: ['*.test.ts']\n"
    )
    code_files = {
        "a.ts": "useFlag('wrapped')\n",
        "a.test.ts": "useFlag('only-in-tests')\n",
    }
    monkeypatch.chdir(_repo(tmp_path, ["wrapped"], code_files, config))
    code, out, _ = _run(["--format", "json"], capsys, monkeypatch)
    assert code == 0, out
    assert json.loads(out)["references"] == [
        {"key": "wrapped", "file": "web/a.ts", "line": 1, "form": "useFlag"}
    ]


def test_no_source_tree_and_bad_patterns_are_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_repo(tmp_path, ["a"], {}, "paths: [flags]\n"))
    code, _, err = _run([], capsys, monkeypatch)
    assert code == 1 and "no source tree to scan" in err and "code_refs" in err
    (tmp_path / "phsync.yaml").write_text("code_refs:\n  patterns: ['flag(']\n")
    code, _, err = _run(["flags", "--code", "."], capsys, monkeypatch)
    assert code == 1 and "code_refs.patterns[0]" in err and "not a regular expression" in err


def test_undeclared_keys_are_looked_up_in_posthog(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    emulator_env: dict[str, str],
) -> None:
    code_files = {"a.py": "feature_enabled('legacy-dark-mode', u)\nfeature_enabled('nowhere', u)\n"}
    monkeypatch.chdir(_repo(tmp_path, ["new-checkout"], code_files))
    code, out, _ = _run(["flags", "--code", "web"], capsys, monkeypatch, emulator_env)
    assert code == 2
    assert "  legacy-dark-mode  web/a.py:1 (exists in PostHog)" in out
    assert "  nowhere  web/a.py:2 (not in PostHog either)" in out


def test_plan_marks_a_delete_still_read_and_the_policy_refuses_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    emulator_env: dict[str, str],
) -> None:
    code_files = {"app.ts": "\nposthog.isFeatureEnabled('going-away')\n"}
    monkeypatch.chdir(_repo(tmp_path, ["going-away", "staying"], code_files))
    env = {**emulator_env, "NO_COLOR": "1"}
    code, _, err = _cli(["apply", "flags", "--yes", "--no-lock"], capsys, monkeypatch, env)
    assert code == 0, err
    (tmp_path / "flags" / "going-away.yaml").unlink()
    code, out, _ = _cli(
        ["plan", "flags", "--prune", "--code", "web", "--format", "markdown"],
        capsys,
        monkeypatch,
        env,
    )
    assert code == 0
    assert "- `going-away` is deleted but still read at `web/app.ts:2`" in out
    (tmp_path / "phsync.yaml").write_text(
        "paths: [flags]\ncode_refs: {paths: [web]}\npolicies: {protect_referenced_flags: true}\n"
    )
    code, out, err = _cli(["plan", "--prune"], capsys, monkeypatch, env)
    assert code == 1
    assert "! still referenced at web/app.ts:2" in out
    assert "[protect_referenced_flags] FeatureFlag/going-away: deletes a flag that code" in out


def _cli(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: Mapping[str, str],
) -> tuple[int, str, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err
