"""The one exception tree of phsync.

Every error that phsync means to report to a user derives from :class:`PhsyncError`; the CLI's
error boundary turns it into a message on stderr and exit code 1. Anything else is a bug
(exit 3). The HTTP library's own exceptions never leave :mod:`reconciler.client`.

    PhsyncError
    ├── ConfigError              bad options, environment or phsync.yaml
    ├── ManifestError            manifests that cannot be used (carries every issue found)
    ├── TransportError           no HTTP answer: DNS, refused connection, timeout, TLS
    ├── ApiError                 PostHog answered with an error status
    │   ├── BadRequestError      400: PostHog's ``attr`` and ``detail``
    │   │   └── PolicyConflictError  400 policy_conflict: several approval policies match
    │   ├── AuthenticationError  401: the key is not accepted here
    │   ├── PermissionDeniedError 403: a missing scope or project access
    │   ├── NotFoundError        404
    │   ├── MethodNotAllowedError 405
    │   ├── ConflictError        409
    │   │   └── ApprovalRequiredError 409 approval_required / change_request_pending
    │   ├── RateLimitedError     429, after waiting as long as phsync was allowed to
    │   └── ServerError          5xx
    ├── StalePlanError           a saved plan whose objects moved since it was made
    ├── UnsafePlanError          a plan refused by a safety rule
    ├── OwnershipConflictError   two manifests (or changes) that would write one live object
    ├── ChangedSincePlanError    an object changed in PostHog between the plan and its write
    ├── LockHeldError            another apply holds the project's apply lock
    ├── RoundTripError           a manifest file that cannot be rewritten faithfully in place
    └── ApplyError               an apply that stopped half-way (carries what was done)
        └── ApplyInterruptedError  stopped by Ctrl-C (exit 130)

No message, ``repr`` or attribute of these exceptions may contain an API key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class PhsyncError(Exception):
    """Root of every error phsync reports to its user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigError(PhsyncError):
    """Options, environment or configuration files that phsync cannot work with."""


@dataclass(frozen=True)
class Issue:
    """One problem in a manifest: where it is, which field, what is wrong, how to fix it."""

    file: str
    line: int
    column: int
    message: str
    path: str = ""
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        field = f" {self.path}:" if self.path else ""
        text = f"{where}:{field} {self.message}"
        return text if not self.hint else f"{text} ({self.hint})"


class ManifestError(PhsyncError):
    """Manifests that cannot be used; ``issues`` holds every problem found, not only the first."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        count = len(self.issues)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in manifests:"] + [f"  {issue}" for issue in self.issues]
        super().__init__("\n".join(lines))


class TransportError(PhsyncError):
    """No usable HTTP answer (DNS failure, refused or dropped connection, timeout, TLS).

    ``ambiguous`` is true when the request may have reached the server and acted (a dropped
    connection or a timeout after sending a write).
    """

    def __init__(self, message: str, *, hint: str | None = None, ambiguous: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.ambiguous = ambiguous


class ApiError(PhsyncError):
    """PostHog answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        url: str,
        code: str | None = None,
        attr: str | None = None,
        detail: str | None = None,
        body: Any = None,
        data: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.data = data  # the parsed body, kept only for the approval gate's answers
        self.status = status
        self.method = method
        self.url = url
        self.code = code
        self.attr = attr
        self.detail = detail
        self.body = body


class BadRequestError(ApiError):
    """400: PostHog refused the request body."""


class AuthenticationError(ApiError):
    """401: the key is missing, wrong, or belongs to another PostHog instance or region."""


class PermissionDeniedError(ApiError):
    """403: the key lacks a scope, or cannot reach the project."""

    @property
    def missing_scope(self) -> str | None:
        detail = self.detail or ""
        marker = "missing required scope '"
        if marker in detail:
            return detail.split(marker, 1)[1].split("'", 1)[0]
        return None


class NotFoundError(ApiError):
    """404."""


class MethodNotAllowedError(ApiError):
    """405 (PostHog's answer to DELETE on kinds that only soft delete)."""


class ConflictError(ApiError):
    """409."""


class ApprovalRequiredError(ConflictError):
    """409 from PostHog's approval gate: the write is now (or was already) a change request.

    ``change_request`` is PostHog's ``ChangeRequest`` body; ``already_open`` is true for
    ``change_request_pending`` (an open request asks for the same action on the same object).
    """

    @property
    def already_open(self) -> bool:
        return self.code == "change_request_pending"

    @property
    def change_request(self) -> dict[str, Any]:
        data = self.data if isinstance(self.data, dict) else {}
        found = data.get("change_request") or data.get("existing_change_request") or {}
        if not found.get("id") and data.get("change_request_id"):
            found = {**found, "id": data["change_request_id"]}
        return dict(found)

    @property
    def required_approvers(self) -> dict[str, Any]:
        data = self.data if isinstance(self.data, dict) else {}
        return dict(data.get("required_approvers") or {})


class PolicyConflictError(BadRequestError):
    """400 ``policy_conflict``: a write that several approval policies match; PostHog asks
    for the changes as separate calls."""


class RateLimitedError(ApiError):
    """429, after phsync waited as long as it was allowed to."""


class ServerError(ApiError):
    """5xx."""


class StalePlanError(PhsyncError):
    """A saved plan whose live objects changed after it was made; nothing was written."""

    def __init__(self, moved: Sequence[str]) -> None:
        self.moved = tuple(moved)
        names = ", ".join(self.moved)
        super().__init__(
            f"the saved plan is stale: {names} changed in PostHog since the plan was made; "
            "nothing was written",
            hint="run `phsync plan` again and review the new plan",
        )


class UnsafePlanError(PhsyncError):
    """A plan that a safety rule refuses."""


class OwnershipConflictError(PhsyncError):
    """Two manifests, or two changes of a plan, that would write one live object."""


class ChangedSincePlanError(PhsyncError):
    """The object a change writes was changed in PostHog after the plan read it."""


class LockHeldError(PhsyncError):
    """Another apply holds the project's apply lock (or it could not be taken or freed)."""


class RoundTripError(PhsyncError):
    """A manifest file that cannot be rewritten in place without changing more than asked:
    ``source`` and ``line`` say where, ``what`` says why, ``hint`` how to fix it."""

    def __init__(self, source: str, line: int, what: str, *, hint: str | None = None) -> None:
        super().__init__(f"{source}:{line}: {what}", hint=hint)
        self.source = source
        self.line = line
        self.what = what


class ApplyError(PhsyncError):
    """An apply that stopped part-way; ``done`` and ``not_done`` describe the changes."""

    def __init__(
        self, message: str, *, done: Sequence[str], not_done: Sequence[str], hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.done = tuple(done)
        self.not_done = tuple(not_done)


class ApplyInterruptedError(ApplyError):
    """An apply stopped by Ctrl-C; ``in_flight`` names changes whose outcome is unknown
    (a second Ctrl-C stopped waiting for them)."""

    exit_code = 130

    def __init__(
        self,
        message: str,
        *,
        done: Sequence[str],
        not_done: Sequence[str],
        in_flight: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        super().__init__(message, done=done, not_done=not_done, hint=hint)
        self.in_flight = tuple(in_flight)
