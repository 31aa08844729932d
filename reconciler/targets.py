"""`--target KIND/NAME`: every target must name something, or the plan would be silently empty."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reconciler.errors import PhsyncError
from reconciler.manifests.hints import closest
from reconciler.model import KINDS, Manifest, ResourceKey
from reconciler.plan import LiveState


def check_targets(
    targets: Sequence[ResourceKey], manifests: Sequence[Manifest], live: LiveState
) -> None:
    """Refuse targets that no manifest and no live object of their kind has; pure.

    Every unmatched target is named at once, each with the closest name of its kind.
    """
    if not targets:
        return
    known: dict[str, set[str]] = {}
    for manifest in manifests:
        known.setdefault(manifest.kind, set()).add(manifest.key.name)
    for kind, objects in live.objects.items():
        known.setdefault(kind, set()).update(obj.name for obj in objects)
    lines = []
    for target in targets:
        names = known.get(target.kind, set())
        if target.name in names:
            continue
        match = closest(target.name, names)
        other = next((kind for kind, found in sorted(known.items()) if target.name in found), None)
        if match is not None:
            suggestion = f"; did you mean {target.kind}/{match}?"
        elif other is not None:
            suggestion = f"; did you mean {other}/{target.name}?"
        else:
            suggestion = ""
        lines.append(f"--target {target}{suggestion}")
    if lines:
        raise PhsyncError(
            f"{len(lines)} target(s) match no manifest and no object in PostHog:\n  "
            + "\n  ".join(lines),
            hint="name objects as KIND/NAME with a flag's key or another kind's name, "
            "e.g. --target FeatureFlag/new-checkout",
        )


def parse_targets(texts: Iterable[str]) -> tuple[ResourceKey, ...]:
    out = []
    for text in texts:
        try:
            key = ResourceKey.parse(text)
        except ValueError:
            raise PhsyncError(
                f"--target {text!r} is not KIND/NAME",
                hint="for example --target FeatureFlag/new-checkout",
            ) from None
        kinds = {kind.lower(): kind for kind in KINDS}
        if key.kind.lower() not in kinds:
            raise PhsyncError(
                f"--target {text!r}: unknown kind {key.kind!r}",
                hint="kinds are " + ", ".join(KINDS),
            )
        out.append(ResourceKey(kinds[key.kind.lower()], key.name))
    return tuple(out)
