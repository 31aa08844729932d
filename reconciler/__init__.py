"""phsync: keep a PostHog project in the shape that a Git repository declares."""

from __future__ import annotations

__version__ = "0.1.0"
