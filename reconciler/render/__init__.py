"""Plan renderers; each writes to a stream and never decides where output goes."""

from __future__ import annotations

from collections.abc import Callable

from reconciler.render import json, markdown, text

# Each takes (plan, stream, *, color=False).
RENDERERS: dict[str, Callable[..., None]] = {
    "text": text.render,
    "json": json.render,
    "markdown": markdown.render,
}
