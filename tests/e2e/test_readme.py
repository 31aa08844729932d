"""The README's commands, run as written against the emulator after `apply examples/`.

Each `$ phsync ...` of a ``console`` block must print output of the shape shown under it: as
many lines, each starting with the same word, and the same column titles. Every `phsync`
command line of the README must name options that exist.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.cli import cli, main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCUMENTED_HOST = "http://127.0.0.1:8010"


@dataclass(frozen=True)
class Sample:
    line: int
    args: tuple[str, ...]
    expected: tuple[str, ...]


def _blocks(language: str) -> Iterator[tuple[int, list[str]]]:
    lines = README.splitlines()
    start: int | None = None
    for number, text in enumerate(lines, 1):
        if start is None and text.strip() == f"```{language}":
            start = number
        elif start is not None and text.strip() == "```":
            yield start, lines[start:number - 1]
            start = None


def samples() -> list[Sample]:
    found: list[Sample] = []
    for start, block in _blocks("console"):
        current: list[Any] | None = None
        for offset, text in enumerate(block, 1):
            if text.startswith("$ "):
                if current is not None:
                    found.append(Sample(current[0], current[1], tuple(current[2])))
                current = [start + offset, tuple(shlex.split(text[2:], comments=True)[1:]), []]
            elif current is not None and text.strip():
                current[2].append(text)
        if current is not None:
            found.append(Sample(current[0], current[1], tuple(current[2])))
    return found


def command_lines() -> list[tuple[int, tuple[str, ...]]]:
    """Every `phsync ...` command the README shows (in sh and console blocks)."""
    found = []
    for language in ("sh", "console"):
        for start, block in _blocks(language):
            for offset, text in enumerate(block, 1):
                if language == "console" and not text.startswith("$ "):
                    continue  # output
                lexer = shlex.shlex(text.removeprefix("$ "), posix=True, punctuation_chars=True)
                lexer.whitespace_split = True
                words: list[str] = []
                for token in [*lexer, ";"]:
                    if token in ("&&", "||", ";", "|", "&"):
                        if words and words[0] in ("phsync", ".venv/bin/phsync"):
                            found.append((start + offset, tuple(words[1:])))
                        words = []
                    else:
                        words.append(token)
    return found


def shape(lines: list[str] | tuple[str, ...]) -> list[tuple[str, ...]]:
    """Each line's first word; a table's title row whole."""
    out: list[tuple[str, ...]] = []
    for text in lines:
        words = text.split()
        titles = len(words) > 1 and all(w.isupper() for w in words)
        out.append(tuple(words) if titles else tuple(words[:1]))
    return out


def test_the_readme_has_samples_to_check() -> None:
    assert len(samples()) >= 8 and len(command_lines()) >= 30


@pytest.fixture(scope="module")
def applied() -> Iterator[dict[str, str]]:
    from reconciler.emulator import Emulator, EmulatorConfig

    emu = Emulator(EmulatorConfig(port=0, rate_limits_enabled=False)).start()
    env = {"POSTHOG_HOST": emu.url, "POSTHOG_PERSONAL_API_KEY": emu.api_key,
           "POSTHOG_PROJECT_ID": "", "NO_COLOR": "1", "COLUMNS": ""}
    result = CliRunner().invoke(cli, ["apply", "--yes", str(ROOT / "examples")], env=env)
    assert result.exit_code == 0, result.output
    try:
        yield env
    finally:
        emu.stop()


@pytest.mark.parametrize("sample", samples(), ids=lambda s: f"README:{s.line}")
def test_sample_output_has_the_shape_the_readme_shows(
    sample: Sample, applied: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, list(sample.args), env=applied)
    assert result.exit_code == 0, result.output
    expected = [line.replace(DOCUMENTED_HOST, applied["POSTHOG_HOST"]) for line in sample.expected]
    actual = [line for line in result.stdout.splitlines() if line.strip()]
    assert shape(actual) == shape(expected), "\n".join(actual)


@pytest.mark.parametrize(("line", "args"), command_lines(), ids=lambda v: str(v))
def test_every_readme_command_names_options_that_exist(
    line: int, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*args, "--help"])
    assert exited.value.code in (0, None), f"README line {line}: {capsys.readouterr().err}"


def test_make_demo_ends_with_the_readmes_next_steps() -> None:
    """The lines `make demo` leaves on screen are commands of the README's "After the demo"."""
    script = (ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    closing = script[script.index("<<'NEXT'"):script.rindex("NEXT")]
    commands = []
    for text in closing.splitlines():
        if not text.startswith("  "):
            continue  # prose; the commands are indented
        command = text.split(":  ", 1)[-1].split("#", 1)[0].strip()
        commands.extend(part.strip() for part in command.split("&&"))
    section = README[README.index("### After the demo"):README.index("## Configuration")]
    assert len(commands) >= 4
    for command in commands:
        assert command in section, command


WRITES = ("emulator", "apply", "export", "schema", "--out", "set-property", "delete-property",
          "create", "--help")


@pytest.mark.parametrize(
    ("line", "args"),
    [(line, args) for line, args in command_lines() if not set(args) & set(WRITES)],
    ids=lambda v: str(v),
)
def test_every_readme_command_that_only_reads_runs_against_the_emulator(
    line: int, args: tuple[str, ...], applied: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, list(args), env=applied)
    assert result.exit_code == 0, f"README line {line}: {result.exception or result.output}"
