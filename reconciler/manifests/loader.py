"""Finding manifest files and turning YAML documents into :class:`Manifest` values.

:func:`parse_text` is pure; :func:`discover` and :func:`load_paths` are the only functions here
that touch the disk.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from reconciler.errors import Issue
from reconciler.gcpause import paused_gc
from reconciler.manifests import yamlio
from reconciler.manifests.hints import describe, did_you_mean
from reconciler.manifests.positions import LazyPositions
from reconciler.manifests.rules import DATE_ONLY
from reconciler.model import (
    IDENTITY_FIELD,
    KINDS,
    META_FIELDS,
    PHSYNC_FIELDS,
    Manifest,
    SourceLocation,
)

CONFIG_FILES = frozenset({"phsync.yaml", "phsync.yml"})
SUFFIXES = (".yaml", ".yml")


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Issue]]:
    """Manifest files under ``paths`` (files, or directories searched recursively).

    Directories yield their ``*.yaml``/``*.yml`` files, skipping hidden files and directories
    and phsync's config file; a file named explicitly is read whatever its suffix. The result is
    sorted within each path and has no duplicates. A path that does not exist is an issue.
    """
    found: list[Path] = []
    seen: set[str] = set()
    issues: list[Issue] = []
    real_folders: dict[str, str] = {}

    def add(file: Path) -> None:
        real = _real_path(file, real_folders)
        if real not in seen:
            seen.add(real)
            found.append(file)

    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            for file in _walk(path):
                add(file)
        elif path.is_file():
            if path.name not in CONFIG_FILES:
                add(path)
        else:
            issues.append(
                Issue(str(path), 1, 1, "no such file or directory", hint="check the path")
            )
    return found, issues


def _real_path(file: Path, real_folders: dict[str, str]) -> str:
    """``os.path.realpath(file)``, resolving each folder once rather than once per file."""
    if os.path.islink(file):
        return os.path.realpath(file)
    folder = str(file.parent)
    if folder not in real_folders:
        real_folders[folder] = os.path.realpath(folder)
    return os.path.join(real_folders[folder], file.name)


def _walk(root: Path) -> list[Path]:
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or name in CONFIG_FILES or not name.endswith(SUFFIXES):
                continue
            files.append(Path(folder) / name)
    return files


_KIND_LINE = re.compile(r"^kind:\s*[\"']?([A-Za-z_-]+)", re.MULTILINE)
_PHSYNC_KINDS = frozenset(re.sub(r"[-_]", "", kind).casefold() for kind in KINDS)


def declares_phsync_kind(file: Path) -> bool:
    """Whether a document of ``file`` declares one of phsync's kinds (a cheap look at its
    top-level ``kind:`` lines). A file that cannot be read counts, so its problem is shown."""
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return any(
        re.sub(r"[-_]", "", match.group(1)).casefold() in _PHSYNC_KINDS
        for match in _KIND_LINE.finditer(text)
    )


@paused_gc()
def load_paths(
    paths: Iterable[str | os.PathLike[str]], *, only_declared: bool = False
) -> tuple[list[Manifest], list[Issue]]:
    """Every manifest in every file under ``paths``, and every problem met reading them.

    ``only_declared`` skips files in which no document declares a phsync kind (for a guess at
    the manifests, e.g. a repository root holding workflows and compose files too).
    """
    files, issues = discover(paths)
    if only_declared:
        files = [file for file in files if declares_phsync_kind(file)]
    manifests: list[Manifest] = []
    for file in files:
        found, problems = load_file(file)
        manifests.extend(found)
        issues.extend(problems)
    return manifests, issues


def load_file(file: Path) -> tuple[list[Manifest], list[Issue]]:
    name = str(file)
    try:
        size = file.stat().st_size
        if size > yamlio.MAX_FILE_BYTES:
            return [], [yamlio.too_big(name, size)]
        data = file.read_bytes()
    except OSError as exc:
        return [], [Issue(name, 1, 1, f"cannot read the file: {exc.strerror or exc}")]
    text, issues = yamlio.decode(data, name)
    if text is None:
        return [], issues
    manifests, issues = parse_text(text, name, from_file=True)
    if not manifests and not issues:
        # An empty file is a mistake more often than a placeholder (a bad merge, a truncated
        # write); planned with --prune it would delete what the file used to declare.
        issues = [
            Issue(
                name,
                1,
                1,
                "no manifest in this file: it is empty or holds only comments",
                hint="add a manifest, or delete the file",
            )
        ]
    return manifests, issues


def parse_text(
    text: str, filename: str, *, from_file: bool = False
) -> tuple[list[Manifest], list[Issue]]:
    """The manifests in one YAML text; pure. Empty documents are skipped.

    A text without problems is read without recording positions; its manifests find them
    when asked by reading the text again (the file ``filename`` when ``from_file``, rather
    than keeping the text). A text with problems is read again at once with them, for the
    messages.
    """
    documents, issues = yamlio.parse_documents(text, filename, positions=False)
    if not issues:
        kept = None if from_file else text
        manifests, issues = _manifests(
            documents, filename, lambda index: LazyPositions(filename, index, kept)
        )
        if not issues:
            return manifests, issues
    documents, issues = yamlio.parse_documents(text, filename)
    manifests, problems = _manifests(documents, filename, lambda index: documents[index].positions)
    return manifests, issues + problems


def _manifests(
    documents: list[yamlio.Document],
    filename: str,
    positions_of: Callable[[int], Mapping[yamlio.Path, SourceLocation]],
) -> tuple[list[Manifest], list[Issue]]:
    manifests: list[Manifest] = []
    issues: list[Issue] = []
    for index, document in enumerate(documents):
        if document.data is None:
            continue
        manifest, problems = _manifest(document, filename, positions_of(index), index)
        issues.extend(problems)
        if manifest is not None:
            manifests.append(manifest)
    return manifests, issues


def _issue(where: SourceLocation, path: str, message: str, hint: str | None = None) -> Issue:
    return Issue(where.file, where.line, where.column, message, path, hint)


def _manifest(
    document: yamlio.Document,
    filename: str,
    kept: Mapping[yamlio.Path, SourceLocation],
    index: int,
) -> tuple[Manifest | None, list[Issue]]:
    """Document ``index`` of its file as a manifest; ``kept`` is the positions the manifest
    keeps (the document's own, or a :class:`LazyPositions` when it holds none yet)."""
    data, positions = document.data, document.positions
    kinds = ", ".join(KINDS)
    if not isinstance(data, dict):
        return None, [
            _issue(
                document.location,
                "",
                f"a manifest must be a mapping of fields, got {describe(data)}",
                f"start the document with 'kind:' (one of {kinds}) and the object's fields",
            )
        ]
    kind = data.get("kind")
    if "kind" not in data:
        return None, [
            _issue(document.location, "", "missing 'kind'", f"add 'kind:' with one of {kinds}")
        ]
    where_kind = positions.get(("kind",), document.location)
    if not isinstance(kind, str) or kind not in IDENTITY_FIELD:
        shown = kind if isinstance(kind, str) else describe(kind)
        suggestion = did_you_mean(shown, KINDS) if isinstance(kind, str) else ""
        return None, [
            _issue(where_kind, "kind", f"unknown kind '{shown}'{suggestion}", f"use one of {kinds}")
        ]
    issues: list[Issue] = []
    ignore = _ignore(data, positions, document.location, issues)
    spec = {key: value for key, value in data.items() if key not in PHSYNC_FIELDS}
    if kind == "Annotation" and "date_marker" in spec:
        spec["date_marker"] = normalise_date_marker(spec["date_marker"])
    name = spec.get(IDENTITY_FIELD[kind])
    manifest = Manifest(
        kind=kind,
        name=name if isinstance(name, str) else "",
        spec=spec,
        location=document.location,
        ignore=ignore,
        allow=tuple(a for a in data.get("allow") or () if isinstance(a, str))
        if isinstance(data.get("allow"), list)
        else (),
        meta={field: data[field] for field in META_FIELDS if field in data},
        positions=kept,  # not a copy: nothing changes it after
        document=index,
    )
    return manifest, issues


def _ignore(
    data: dict[str, Any],
    positions: dict[yamlio.Path, SourceLocation],
    fallback: SourceLocation,
    issues: list[Issue],
) -> tuple[str, ...]:
    value = data.get("ignore")
    if value is None:
        return ()
    if not isinstance(value, list):
        issues.append(
            _issue(
                positions.get(("ignore",), fallback),
                "ignore",
                f"must be a list of field paths, got {describe(value)}",
                "write e.g. ignore: [active, filters.groups[0].rollout_percentage]",
            )
        )
        return ()
    paths: list[str] = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            paths.append(item)
        else:
            issues.append(
                _issue(
                    positions.get(("ignore", index), fallback),
                    f"ignore[{index}]",
                    f"must be a field path (a string), got {describe(item)}",
                )
            )
    return tuple(paths)


def normalise_date_marker(value: Any) -> Any:
    """An ISO 8601 date-time string as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (no offset = UTC).

    Anything that does not parse is returned unchanged, for validation to report.
    """
    if not isinstance(value, str) or DATE_ONLY.match(value):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return yamlio.iso_timestamp(moment)
