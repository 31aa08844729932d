"""The source files of a tree: `.gitignore` honoured (every level, and those above the tree up
to the repository's root), vendored and build folders skipped, and a repository's own
``code_refs.exclude`` patterns (gitignore syntax, relative to the tree) left out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# Folders that hold other people's code or build output, never the application's own source.
SKIPPED_DIRS: frozenset[str] = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".mypy_cache", ".ruff_cache",
        ".pytest_cache", "__pycache__", "node_modules", "bower_components", "jspm_packages",
        "vendor", "third_party", "dist", "build", "out", ".next", ".nuxt", ".svelte-kit",
        ".turbo", ".cache", "coverage", "target", ".gradle", "Pods", "Carthage",
        ".dart_tool", ".pub-cache", "site-packages", ".terraform",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Rule:
    """One line of a .gitignore: ``regex`` matches paths relative to ``base``."""

    base: str  # the folder of the .gitignore, relative to the walk's root ("" for the root)
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _translate(glob: str) -> str:
    """A gitignore glob (already without ``!``, trailing ``/`` and leading ``/``) as a regex."""
    out, i = [], 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = glob.find("]", i + 2)
            if end < 0:
                out.append(re.escape(c))
                i += 1
            else:
                body = glob[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        elif c == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def parse_rules(lines: Sequence[str], base: str = "") -> list[Rule]:
    """The rules of a .gitignore (or of ``code_refs.exclude``) whose folder is ``base``."""
    rules = []
    for raw in lines:
        line = raw.rstrip("\n").rstrip("\r")
        if not line.endswith("\\ "):
            line = line.rstrip(" ")
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate or line.startswith("\\"):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _translate(line)
        regex = re.compile(("" if anchored else "(?:.*/)?") + body + r"\Z", re.DOTALL)
        rules.append(Rule(base, regex, negate, dir_only))
    return rules


def ignored(rules: Sequence[Rule], relative: str, is_dir: bool) -> bool:
    """Whether the last rule that matches ``relative`` (a path from the walk's root) ignores it."""
    verdict = False
    for rule in rules:
        if rule.dir_only and not is_dir:
            continue
        if rule.base:
            prefix = rule.base + "/"
            if not relative.startswith(prefix):
                continue
            path = relative[len(prefix) :]
        else:
            path = relative
        if rule.regex.match(path):
            verdict = not rule.negate
    return verdict


def _read_ignore(path: Path, base: str) -> list[Rule]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return parse_rules(text.splitlines(), base)


def _top(root: Path) -> tuple[Path, list[Rule]]:
    """The repository's root above ``root`` (or ``root`` itself outside a repository) and the
    rules of the .gitignore files between them, outermost first."""
    root = root.resolve()
    top = root
    for parent in root.parents:
        if (parent / ".git").exists():
            top = parent
            break
    if top == root:
        return root, []
    rules: list[Rule] = []
    folder, base = top, ""
    for part in root.relative_to(top).parts:  # every folder above root, outermost first
        rules.extend(_read_ignore(folder / ".gitignore", base))
        folder, base = folder / part, f"{base}/{part}" if base else part
    return top, rules


def walk(root: str | os.PathLike[str], exclude: Sequence[str] = ()) -> Iterator[str]:
    """Every file under ``root`` that is not ignored, skipped or excluded, in a stable order,
    as ``root`` joined with its path inside the tree. ``root`` may also be a single file,
    which is then the only one. ``exclude`` holds gitignore-style patterns relative to
    ``root``."""
    given = os.fspath(root)
    if os.path.isfile(given):
        yield given
        return
    top, outer = _top(Path(given))
    inner = Path(given).resolve().relative_to(top).as_posix()
    inner = "" if inner == "." else inner
    user = parse_rules(list(exclude), inner)
    yield from _walk(given, inner, outer, user)


def _walk(folder: str, relative: str, rules: list[Rule], user: list[Rule]) -> Iterator[str]:
    """``relative`` is ``folder``'s path from the repository's root; ``rules`` hold the
    .gitignore rules of the folders above, outermost first (the last match wins, as in git),
    and ``user`` the excludes, which win over every .gitignore."""
    gitignore = os.path.join(folder, ".gitignore")
    if os.path.isfile(gitignore):
        rules = [*rules, *_read_ignore(Path(gitignore), relative)]
    every = [*rules, *user]
    try:
        with os.scandir(folder) as scanned:
            entries = sorted(scanned, key=lambda e: e.name)
    except OSError:
        return
    prefix = relative + "/" if relative else ""
    subdirs = []
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            if not is_dir and not entry.is_file(follow_symlinks=False):
                continue
        except OSError:
            continue
        if is_dir and entry.name in SKIPPED_DIRS:
            continue
        path = prefix + entry.name
        if every and ignored(every, path, is_dir):
            continue
        if is_dir:
            subdirs.append((entry.path, path))
        else:
            yield entry.path
    for child, path in subdirs:
        yield from _walk(child, path, rules, user)
