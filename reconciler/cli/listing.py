"""What the read-only commands share: --output/--limit/--all, progress on stderr, and writing
a listing as a table, JSON or JSON lines."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TextIO, TypeVar

import click

from reconciler.cli.options import connection_options, env_option, settings_from
from reconciler.client import PageProgress, PostHogClient
from reconciler.config import ALL_ENVIRONMENTS, Environment, find_config, select_environments
from reconciler.errors import ConfigError
from reconciler.queries.common import take
from reconciler.render.table import render_fields, render_json, render_jsonl, render_table

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

DEFAULT_LIMIT = 100


def connection(func: F) -> F:
    """The connection options and ``--env NAME`` (an environment of ./phsync.yaml)."""
    return connection_options(env_option(func))


def environment_from(kwargs: dict[str, Any]) -> Environment | None:
    """The phsync.yaml environment that ``--env`` names (popped from ``kwargs``), if any."""
    name = kwargs.pop("env_name", None)
    if name == ALL_ENVIRONMENTS:
        raise ConfigError(
            f"--env {ALL_ENVIRONMENTS} works with plan and doctor only",
            hint="name one environment",
        )
    return select_environments(find_config([]), name)[0]


def client_from(kwargs: dict[str, Any]) -> PostHogClient:
    """A client for the options in ``kwargs`` (popped), within the ``--env`` environment."""
    return PostHogClient(settings_from(kwargs, environment_from(kwargs)))


def output_option(*, jsonl: bool = True) -> Callable[[F], F]:
    """``--output table|json[|jsonl]``: a table for people, JSON for scripts."""
    choices = ["table", "json", "jsonl"] if jsonl else ["table", "json"]
    help_text = "table for people; json (one document)" + (
        " or jsonl (one object a line, streamed) for scripts." if jsonl else " for scripts."
    )
    return click.option(
        "--output",
        "-o",
        "--format",
        "output",
        type=click.Choice(choices),
        default="table",
        show_default=True,
        help=help_text,
    )


def listing_options(func: F) -> F:
    """``--output``, ``--limit N`` and ``--all`` for a command that lists."""
    func = click.option(
        "--all",
        "everything",
        is_flag=True,
        help="Every item, following PostHog's pagination to the end (ignores --limit).",
    )(func)
    func = click.option(
        "--limit",
        type=click.IntRange(min=1),
        default=DEFAULT_LIMIT,
        show_default=True,
        metavar="N",
        help="Show at most N items.",
    )(func)
    return output_option()(func)


def limit_of(limit: int, everything: bool) -> int | None:
    return None if everything else limit


class Progress:
    """Pages read so far, on one stderr line that rewrites itself (only on a terminal, and only
    from the second page on: a one-page list needs no progress)."""

    def __init__(self, noun: str, stream: TextIO | None = None) -> None:
        self._noun = noun
        self._stream = stream or sys.stderr
        self._shown = False
        self._enabled = self._stream.isatty()

    def __call__(self, progress: PageProgress) -> None:
        if not self._enabled or progress.pages < 2:
            return
        total = f" of {progress.total:,}" if progress.total is not None else ""
        line = f"reading {self._noun}: {progress.items:,}{total} ({progress.pages} pages)"
        self._stream.write(f"\r{line}\033[K")
        self._stream.flush()
        self._shown = True

    def done(self) -> None:
        if self._shown:
            self._stream.write("\r\033[K")
            self._stream.flush()
            self._shown = False


def emit(
    items: Iterator[T],
    *,
    limit: int | None,
    output: str,
    noun: str,
    columns: Sequence[str],
    row: Callable[[T], Mapping[str, Any]],
    as_dict: Callable[[T], Any],
    progress: Progress | None = None,
) -> None:
    """Write a listing: a table, a JSON array, or JSON lines (streamed as pages arrive)."""
    stream = sys.stdout
    try:
        if output == "jsonl" and limit is None:
            render_jsonl((as_dict(item) for item in items), stream)
            return
        taken = take(items, limit)
    finally:
        if progress is not None:
            progress.done()
    if output == "jsonl":
        render_jsonl((as_dict(item) for item in taken.items), stream)
    elif output == "json":
        render_json([as_dict(item) for item in taken.items], stream)
    elif not taken.items:
        click.echo(f"No {noun} found.", err=True)
    else:
        render_table([row(item) for item in taken.items], columns, stream)
    if taken.more:
        click.echo(
            f"Showed the first {limit} {noun}; there are more: raise --limit or use --all.",
            err=True,
        )


def show_fields(fields: Sequence[tuple[str, Any]]) -> None:
    """One object as aligned ``name  value`` lines on stdout; empty fields are left out."""
    render_fields([(n, v) for n, v in fields if v is not None and v != ""], sys.stdout)


def yes_no(value: bool) -> str:
    return "yes" if value else "no"
