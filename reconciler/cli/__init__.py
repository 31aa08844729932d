"""The `phsync` command: a thin click layer over the library, and its one error boundary.

Exit codes: 0 success (or no changes; also `phsync` alone, which shows the help), 2 changes
present (``plan --detailed-exitcode``), 1 an error phsync reports (bad input, API refusal, stale
plan) or a usage error (unknown option, bad value, missing argument), 3 an unexpected error (a
bug), 130 interrupted. A usage error never exits 2, so CI cannot mistake a typo for drift.
"""

from __future__ import annotations

import logging
import os
import sys

import click

from reconciler import __version__
from reconciler.errors import ApplyInterruptedError, PhsyncError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = EXIT_ERROR  # not click's 2: that is "changes present" under --detailed-exitcode
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand runs (or when
    --help lists them all), so `phsync plan` does not pay for the emulator's imports."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from reconciler.cli.commands import COMMAND_MODULES

        extra = [name for name in super().list_commands(ctx) if name not in COMMAND_MODULES]
        return [*COMMAND_MODULES, *extra]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            from reconciler.cli.commands import load

            command = load(cmd_name)
            if command is not None:
                self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="phsync")
@click.option("--debug", is_flag=True, help="Show debug logs and tracebacks (never the API key).")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Keep a PostHog project in the shape that a Git repository declares.

    Feature flags, cohorts, dashboards and annotations live as YAML manifests; `plan` shows what
    would change and `apply` makes PostHog match; `pull` writes changes made in PostHog back into
    the manifests. Read-only commands answer questions about persons, recordings, cohorts and
    saved endpoints. `phsync emulator` runs a local PostHog API.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if os.environ.get("NO_COLOR"):  # https://no-color.org
        ctx.color = False
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


# click >= 8.2 raises this for a group called without a subcommand; older versions exit 0.
_NO_ARGS_IS_HELP: type[click.UsageError] = getattr(
    click.exceptions, "NoArgsIsHelpError", type("_NeverRaised", (click.UsageError,), {})
)


def _debug_first(args: list[str]) -> list[str]:
    """``--debug`` anywhere before ``--`` counts, as if given before the subcommand
    (`phsync plan --debug` as well as `phsync --debug plan`)."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args
    rest = [arg for arg in args[:end] if arg != "--debug"]
    return ["--debug", *rest, *args[end:]]


def _register() -> None:
    """Load every subcommand now (for tools that walk the command tree)."""
    from reconciler.cli.commands import COMMAND_MODULES, load

    for name in COMMAND_MODULES:
        command = load(name)
        if command is not None and name not in cli.commands:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run phsync; the only place that maps exceptions to exit codes."""
    args = _debug_first(list(sys.argv[1:] if argv is None else argv))
    debug = bool(args) and args[0] == "--debug"
    try:
        code = cli.main(args=args, prog_name="phsync", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except _NO_ARGS_IS_HELP as exc:  # `phsync` or `phsync flags` alone: the help, exit 0
        click.echo(exc.ctx.get_help() if exc.ctx else cli.get_help(click.Context(cli)))
        sys.exit(EXIT_OK)
    except click.UsageError as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except ApplyInterruptedError as exc:
        click.secho(f"Error: {exc}", fg="red", err=True)
        if exc.in_flight:  # a second Ctrl-C: do not wait for the requests still running
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.exit_code)
        sys.exit(exc.exit_code)
    except PhsyncError as exc:
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # the boundary: anything else is a bug
        if debug:
            raise
        click.secho(
            f"Unexpected error ({type(exc).__name__}): {exc}\n"
            "This is a bug in phsync; run again with --debug for the traceback.",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_BUG)
    sys.exit(code if isinstance(code, int) else 0)
