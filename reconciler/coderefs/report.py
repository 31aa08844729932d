"""What code references tell about the declared flags (pure): flags no code reads any more,
keys code reads that no manifest declares, and every reference."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from reconciler.coderefs.scan import CodeRef


@dataclass(frozen=True)
class Undeclared:
    """A key read in code that no manifest declares; ``live`` says whether PostHog has it
    (None when PostHog was not asked), ``suggestion`` a declared key it may be a typo of."""

    key: str
    refs: tuple[CodeRef, ...]
    live: bool | None = None
    suggestion: str | None = None


@dataclass(frozen=True)
class Findings:
    declared: tuple[str, ...]
    refs: tuple[CodeRef, ...]
    unreferenced: tuple[str, ...]
    undeclared: tuple[Undeclared, ...]
    sources: Mapping[str, str] = field(default_factory=dict)  # declared key -> manifest file

    @property
    def any(self) -> bool:
        return bool(self.unreferenced or self.undeclared)

    def refs_to(self, key: str) -> list[CodeRef]:
        return [ref for ref in self.refs if ref.key == key]

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": not self.any,
            "declared": len(self.declared),
            "references": [
                {"key": r.key, "file": r.file, "line": r.line, "form": r.form} for r in self.refs
            ],
            "unreferenced": [
                {"key": key, "manifest": self.sources.get(key)} for key in self.unreferenced
            ],
            "undeclared": [
                {
                    "key": u.key,
                    "in_posthog": u.live,
                    "did_you_mean": u.suggestion,
                    "references": [r.where for r in u.refs],
                }
                for u in self.undeclared
            ],
        }


def findings(
    declared: Iterable[str],
    refs: Sequence[CodeRef],
    *,
    live: Iterable[str] | None = None,
    sources: Mapping[str, str] | None = None,
) -> Findings:
    """``live``: the keys PostHog has (None when it was not asked)."""
    keys = sorted(set(declared))
    keyset = set(keys)
    referenced = {ref.key for ref in refs}
    live_keys = None if live is None else set(live)
    by_key: dict[str, list[CodeRef]] = {}
    for ref in refs:
        if ref.key not in keyset:
            by_key.setdefault(ref.key, []).append(ref)
    undeclared = tuple(
        Undeclared(
            key,
            tuple(found),
            None if live_keys is None else key in live_keys,
            next(iter(difflib.get_close_matches(key, keys, n=1, cutoff=0.8)), None),
        )
        for key, found in sorted(by_key.items())
    )
    return Findings(
        declared=tuple(keys),
        refs=tuple(refs),
        unreferenced=tuple(key for key in keys if key not in referenced),
        undeclared=undeclared,
        sources=dict(sources or {}),
    )
