"""The ``ledger`` command. Commands are thin: parse → call :class:`ledger.service.Ledger` → render.

Heavy modules (SQLAlchemy, eventsourcing, pydantic models) are imported inside
commands, so ``ledger --help`` and reads start fast.
"""

from __future__ import annotations

import copy
import gc
import os
import sys
from collections.abc import Sequence
from typing import Annotated, NoReturn, Optional

import typer
from typer.main import get_command_name

from ledger.cli import admin, append, chart, read, schedule, serve, timeline, token

app = typer.Typer(
    name="ledger",
    help="An append-only, event-sourced ledger of tariff measures and trade negotiations.\n\n"
    "Example: ledger init && ledger append --file examples/us-japan-2025.jsonl && "
    "ledger state --as-of 2025-06-01",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[Optional[str], typer.Option(
        "--db", help="Database URL or SQLite file path. Default: $LEDGER_DB, else sqlite:///ledger.db "
        "in the current directory; postgresql+psycopg://user@host/db for a shared ledger.")] = None,
) -> None:
    from ledger.service import Ledger

    ctx.obj = Ledger(db)


# One Typer app per command module, joined here (typer's one-file-per-command layout).
app.add_typer(admin.app)
append.register(app)
app.add_typer(read.app)
app.add_typer(chart.app)
app.add_typer(timeline.app)
app.add_typer(schedule.app)
app.add_typer(serve.app)
app.add_typer(token.app)


def _named_command(argv: Sequence[str]) -> str | None:
    """The command a command line names: its first word, after the root's ``--db`` if given.

    None when an option other than ``--db`` comes first (``--help``) or no word does: the whole app answers.
    """
    args = iter(argv)
    for arg in args:
        if arg == "--db":
            next(args, None)
        elif not arg.startswith("--db="):
            return None if arg.startswith("-") else arg
    return None


def _only(group: typer.Typer, name: str) -> typer.Typer | None:
    """A copy of ``group`` holding only the command or group called ``name`` (None if it has none).

    typer turns the signature of every command into click parameters before it runs one, and
    a cold read paid that for all nineteen; a command line names one, so only it is built.
    Groups added without a name (one module's commands) are searched through.
    """
    from typer.main import get_command_name, solve_typer_info_defaults

    commands = [c for c in group.registered_commands
                if (c.name or get_command_name(c.callback.__name__ if c.callback else "")) == name]
    groups = []
    for info in group.registered_groups:
        own = solve_typer_info_defaults(info).name
        if own == name:
            groups.append(info)
        elif not own and info.typer_instance is not None:
            inner = _only(info.typer_instance, name)
            if inner is not None:
                kept = copy.copy(info)
                kept.typer_instance = inner
                groups.append(kept)
    if not commands and not groups:
        return None
    pruned = copy.copy(group)
    pruned.registered_commands, pruned.registered_groups = commands, groups
    return pruned


def _app_for(argv: Sequence[str]) -> typer.Typer:
    """The app to build for ``argv``: only the command it names when that is one, else all of them (help,
    suggestions for a misspelt command, and shell completion, which lists every command)."""
    name = _named_command(argv)
    if name is None or any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ):
        return app
    return _only(app, name) or app


def run(argv: list[str]) -> int:
    """Run ``ledger ARGV`` in this process and return its exit status (for tests and doc runners)."""
    saved = sys.argv
    sys.argv = ["ledger", *argv]
    try:
        main()
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved


#: Python's collector thresholds as the process started (``ledger serve`` goes back to them).
PYTHON_GC = gc.get_threshold()
#: A command's: a young collection per 20,000 new container objects (Python: 700), a full one only after 1,000
#: of the middle generation (Python: 10). A command frees what it builds by reference counting, so each young
#: collection mostly walks live objects: at 700, a 100k import spent 0.42 s in them, at 20,000 0.16-0.22 s;
#: verify 0.13-0.19 s, then 0.02-0.03 (docs/performance.md).
COMMAND_GC = (20_000, PYTHON_GC[1], 1000)


#: The commands that answer questions (the read, chart and timeline modules), by name: they run without the
#: cyclic collector (see :func:`main`).
ANSWERS = frozenset(c.name or get_command_name(c.callback.__name__ if c.callback else "")
                    for group in (read.app, chart.app, timeline.app) for c in group.registered_commands)


def main() -> None:
    """Run the CLI; errors become one line on stderr and an exit status (2 for bad input)."""
    # A command is one short process that builds large trees of small objects (400,000 decoded talks events
    # and 75,000 measure views for an unfiltered `state` of a 1M-event ledger) and frees them by reference
    # counting, not by the collector: many survive a young collection, and each time enough have, Python ran
    # a full collection, which walks every live object. That was 7 s of that `state`'s 16, and 19 s of a 1M
    # import's 115 (docs/performance.md). Young collections still reclaim cycles; full ones become rare for
    # the command, and the caller's schedule comes back after it (tests and doc runners call this in-process,
    # where rare full collections would let cycles holding database connections pile up).
    # A command that answers a question runs without the collector at all: the young collections alone were
    # 1.5 s of that `state` in-process, and its peak RSS is the same without them. The writing commands keep
    # them: a 1M import without the collector ran 10-17% slower, twice, for reasons not found.
    saved, enabled = gc.get_threshold(), gc.isenabled()
    if _named_command(sys.argv[1:]) in ANSWERS:
        gc.disable()
    else:
        gc.set_threshold(*COMMAND_GC)
    try:
        _main()
    finally:
        gc.set_threshold(*saved)
        if enabled:
            gc.enable()


def _main() -> None:
    from events.errors import BadInput, LedgerError

    try:
        from ledger.cli.coercion import plain_first

        # What `app(...)` does (its pretty exceptions are off), with plain values kept off pydantic.
        result = plain_first(typer.main.get_command(_app_for(sys.argv[1:])))(standalone_mode=False)
        # Flush here, not at interpreter exit, so a reader that went away is seen by the handlers below.
        sys.stdout.flush()
        sys.exit(result if isinstance(result, int) else 0)
    except BadInput as exc:
        for error in exc.errors[:SHOWN_ERRORS]:
            print(f"error: {error}", file=sys.stderr)
        more = len(exc.errors) - SHOWN_ERRORS
        if exc.stopped_after is not None:
            # Checking stopped early: the count covers the lines read, and later lines may hold more.
            print(f"error: … and at least {max(more, 0)} more: checking stopped after line {exc.stopped_after} "
                  f"with {len(exc.errors)} errors; later lines were not checked", file=sys.stderr)
        elif more > 0:
            print(f"error: … and {more} more", file=sys.stderr)
        if exc.nothing_written:
            print("nothing was written", file=sys.stderr)
        sys.exit(2)
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted: nothing was written by the unfinished command", file=sys.stderr)
        sys.exit(130)
    except SystemExit as exc:
        # A reader that stopped early (`| head`) is not a failure, though typer and rich exit 1 for it.
        if exc.code == 1 and _stdout_closed(exc):
            _quiet_exit()
        raise
    except Exception as exc:  # a bug: say so in one line, traceback only on request
        if _stdout_closed(exc):
            _quiet_exit()
        # typer vendors click: recognise its usage errors (exit 2) by shape, not by class.
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        from ledger.failures import storage_failure

        failure = storage_failure(exc)
        if failure is not None:  # the database, not the program: a connection lost, a privilege missing
            print(f"error: {failure}", file=sys.stderr)
            sys.exit(1)
        if os.environ.get("LEDGER_DEBUG"):
            raise
        print(f"internal error: {exc.__class__.__name__}: {exc} (set LEDGER_DEBUG=1 for a traceback; "
              "please report it)", file=sys.stderr)
        sys.exit(1)


# Errors of a file printed before "… and N more".
SHOWN_ERRORS = 20


def _stdout_closed(exc: BaseException) -> bool:
    """True when ``exc`` is, or was raised while handling, EPIPE: stdout's reader went away (`ledger export | head`).

    The libraries turn EPIPE into exit 1 inside their own handlers (typer wraps stdout and
    exits; rich points stdout at /dev/null and raises SystemExit(1)), so look at the chain.
    """
    import errno

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.EPIPE:  # BrokenPipeError included
            return True
        seen = seen.__context__
    return False


def _quiet_exit() -> NoReturn:
    """Exit 0 with nothing on stderr, as the Python docs advise for SIGPIPE (signal module, "Note on SIGPIPE").

    Standard output is pointed at /dev/null so the interpreter's final flush of what is still
    buffered cannot fail again.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is an OSError and a ValueError
        pass  # an in-process run (tests) has no file descriptor behind stdout
    sys.exit(0)
