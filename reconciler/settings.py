"""Connection settings: which PostHog, which project, which key. No network here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from reconciler.errors import ConfigError

DEFAULT_HOST = "https://us.posthog.com"
KEY_VARIABLES = ("POSTHOG_PERSONAL_API_KEY", "POSTHOG_API_KEY")


class Secret:
    """A string that never shows itself in ``str``, ``repr`` or formatting."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class HostInfo:
    """What phsync noticed about the host the user gave."""

    origin: str
    warnings: tuple[str, ...]


def normalise_host(raw: str) -> HostInfo:
    """Reduce a host given by a user to its origin (scheme, host, port), noting what was dropped.

    ``https://eu.posthog.com/`` and ``https://eu.posthog.com/project/1`` both become
    ``https://eu.posthog.com``. A bare ``eu.posthog.com`` gets ``https://``.
    """
    text = raw.strip()
    warnings: list[str] = []
    schemeless = "://" not in text
    if schemeless:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"the PostHog host {raw!r} is not a URL",
            hint="give it as https://us.posthog.com, https://eu.posthog.com or your instance's URL",
        )
    if parts.path not in ("", "/"):
        warnings.append(f"ignored the path {parts.path!r} in the host; phsync uses only the origin")
    elif parts.path == "/":
        warnings.append("ignored the trailing slash in the host")
    hostname = parts.hostname or ""
    if schemeless and is_loopback(text):
        warnings.append(
            f"the host {raw.strip()!r} has no scheme, so phsync uses https://{parts.netloc}; "
            f"did you mean http://{parts.netloc}? (a local emulator speaks plain HTTP)"
        )
    if hostname.endswith(".i.posthog.com"):
        region = hostname.split(".", 1)[0]
        warnings.append(
            f"{hostname} is PostHog's ingestion host; the API for keys lives at "
            f"https://{region}.posthog.com"
        )
    return HostInfo(origin=f"{parts.scheme}://{parts.netloc}", warnings=tuple(warnings))


def is_loopback(origin: str) -> bool:
    host = urlsplit(origin).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


@dataclass(frozen=True)
class Settings:
    """Where and as whom phsync talks to PostHog."""

    host: str = DEFAULT_HOST
    project: str = "@current"
    api_key: Secret | None = None
    timeout: float = 30.0
    allow_insecure: bool = False
    host_warnings: tuple[str, ...] = ()

    def require_key(self) -> Secret:
        if not self.api_key:
            raise ConfigError(
                "no PostHog personal API key",
                hint="set POSTHOG_PERSONAL_API_KEY (or POSTHOG_API_KEY), or pass --api-key-file",
            )
        return self.api_key


def load_settings(
    *,
    host: str | None = None,
    project: str | None = None,
    api_key_file: str | None = None,
    timeout: float | None = None,
    allow_insecure: bool = False,
    key_variable: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from options, falling back to the environment, then to defaults.

    ``key_variable`` names the one environment variable that holds the key (an environment of
    phsync.yaml says which); without it the usual variables are tried in order.
    """
    env = os.environ if environ is None else environ
    info = normalise_host(host or env.get("POSTHOG_HOST") or DEFAULT_HOST)
    if info.origin.startswith("http://") and not is_loopback(info.origin) and not allow_insecure:
        raise ConfigError(
            f"refusing to send the API key over plain HTTP to {info.origin}",
            hint="use https://, or pass --insecure if you really mean it",
        )
    key: Secret | None = None
    if api_key_file:
        try:
            key = Secret(Path(api_key_file).read_text(encoding="utf-8").strip())
        except OSError as exc:
            raise ConfigError(
                f"cannot read the API key file {api_key_file}: {exc.strerror}"
            ) from None
    elif key_variable:
        if not env.get(key_variable):
            raise ConfigError(
                f"the variable {key_variable} that should hold the API key is not set",
                hint=f"export {key_variable}=phx_... (phsync.yaml names it as api_key_env)",
            )
        key = Secret(env[key_variable].strip())
    else:
        for name in KEY_VARIABLES:
            if env.get(name):
                key = Secret(env[name].strip())
                break
    proj = (project or env.get("POSTHOG_PROJECT_ID") or "@current").strip()
    return Settings(
        host=info.origin,
        project=proj,
        api_key=key,
        timeout=timeout if timeout is not None else 30.0,
        allow_insecure=allow_insecure,
        host_warnings=info.warnings,
    )
