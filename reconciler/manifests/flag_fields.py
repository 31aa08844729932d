"""Offline checks of a flag's newer PostHog fields: where it evaluates and what it buckets by."""

from __future__ import annotations

from reconciler.errors import Issue
from reconciler.manifests.ruletools import issue
from reconciler.model import Manifest


def flag_newer_fields(manifest: Manifest) -> list[Issue]:
    """``evaluation_tags`` is the older name of ``evaluation_contexts`` (one of the two), and
    PostHog refuses device bucketing together with experience continuity."""
    spec = manifest.spec
    issues = []
    if "evaluation_tags" in spec and "evaluation_contexts" in spec:
        issues.append(
            issue(
                manifest,
                ("evaluation_tags",),
                "evaluation_tags and evaluation_contexts are two names of one field",
                "keep evaluation_contexts (PostHog's current name) and remove evaluation_tags",
            )
        )
    if spec.get("bucketing_identifier") == "device_id" and spec.get(
        "ensure_experience_continuity"
    ):
        issues.append(
            issue(
                manifest,
                ("bucketing_identifier",),
                "PostHog refuses device_id bucketing with ensure_experience_continuity: true "
                "(a device has no login to persist across)",
                "use bucketing_identifier: distinct_id, or set ensure_experience_continuity: "
                "false",
            )
        )
    return issues
