"""The manifest files pull rewrites: read, rewritten in memory, checked, then written.

Every file's new text is made before any file is written (the writer reads each one back
and refuses a text that does not hold exactly the values meant); if one file cannot be
rewritten, nothing is written. Each file is then written atomically (a temporary
file beside it, renamed over it), keeping its permissions.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from reconciler.errors import ConfigError, PhsyncError
from reconciler.export import export_objects
from reconciler.manifests import dump_manifest, yamlio
from reconciler.manifests.roundtrip import rewrite
from reconciler.pull.planner import PullPlan
from reconciler.pull.report import FileText
from reconciler.resources.base import LiveObject

Progress = Callable[[str], None]


def read_text(file: str) -> str:
    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        raise PhsyncError(f"cannot read {file}: {exc.strerror or exc}") from None
    text, issues = yamlio.decode(data, file)
    if text is None:
        raise PhsyncError(str(issues[0]))
    return text


def rewritten(pulled: PullPlan, progress: Progress | None = None) -> list[FileText]:
    """The files ``pulled`` changes, each with its text before and after (nothing written)."""
    out = []
    for index, (file, edits) in enumerate(pulled.edits.items(), start=1):
        if progress and len(pulled.edits) > 1:
            progress(f"rewriting {file} ({index}/{len(pulled.edits)})")
        text = read_text(file)
        new = rewrite(text, edits, source=file)  # read back and checked by the writer
        if new != text:
            out.append(FileText(file, text, new))
    return out


def new_manifests(
    objects: Sequence[LiveObject], directory: str
) -> tuple[list[FileText], list[str]]:
    """Manifests for live objects no manifest declares, as export writes them, in
    ``directory``; and the objects export leaves out (with why)."""
    exported, skipped = export_objects(objects)
    root = Path(directory)
    files = [
        FileText(str(root / item.relative_path), "", dump_manifest(item.document))
        for item in exported
    ]
    clashes = [file.path for file in files if Path(file.path).exists()]
    if clashes:
        raise ConfigError(
            f"--new {directory}: {len(clashes)} manifest(s) already exist there, "
            f"e.g. {clashes[0]}",
            hint="give --new a directory without those files (pull never overwrites one)",
        )
    return files, skipped


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_all(files: Sequence[FileText]) -> None:
    """Write every file atomically: all temporary files first, then each renamed into
    place; if a temporary file cannot be written, none is renamed."""
    staged: list[tuple[str, Path]] = []
    try:
        for file in files:
            target = Path(file.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".phsync-pull"
            )
            staged.append((temporary, target))
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(file.after)
                stream.flush()
                os.fsync(stream.fileno())
            mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
            os.chmod(temporary, mode)
    except OSError as exc:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
        raise PhsyncError(
            f"cannot write {exc.filename or 'a manifest'}: {exc.strerror or exc}",
            hint="nothing was written; check the permissions and free space, then pull again",
        ) from None
    for temporary, target in staged:
        os.replace(temporary, target)
